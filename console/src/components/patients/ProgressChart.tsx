// Pain and pain days per session against the baseline and the minimal important change: two
// small uPlot charts, loaded on demand (import()) so the first page stays small. The chart is
// one image to assistive technology, labelled with its figures in words; the outcome table beside
// it holds the same figures.
import { useEffect, useRef, useState } from "preact/hooks";
import { chartSummary, num, type OutcomeSummary } from "../../model/progress";
import type { DrawnChart } from "../chart/measureChart";

type LoadState = "loading" | "ready" | "failed";

export function ProgressChart({ summary }: { summary: OutcomeSummary }) {
  const box = useRef<HTMLDivElement>(null);
  const painTarget = useRef<HTMLDivElement>(null);
  const daysTarget = useRef<HTMLDivElement>(null);
  const [load, setLoad] = useState<LoadState>("loading");
  const { rows, baseline, threshold } = summary;
  // Redraw only when a figure changes, not on every render of the page.
  const key = JSON.stringify([rows.map((r) => [r.session, r.nprs, r.days]), baseline, threshold]);

  useEffect(() => {
    if (rows.length === 0) return;
    let cancelled = false;
    const drawn: DrawnChart[] = [];
    let observer: ResizeObserver | undefined;
    setLoad("loading");
    import("../chart/measureChart")
      .then(({ drawMeasureChart }) => {
        if (cancelled || !painTarget.current || !daysTarget.current || !box.current) return;
        const sessions = rows.map((r) => r.session);
        const width = () => painTarget.current?.clientWidth ?? box.current?.clientWidth ?? 400;
        drawn.push(
          drawMeasureChart(
            painTarget.current,
            {
              sessions,
              values: rows.map((r) => r.nprs),
              max: 10,
              baseline: baseline.nprs,
              threshold: threshold.nprs,
              valueLabel: "Pain (NPRS)",
              yLabel: "Pain (0-10)",
            },
            width(),
          ),
          drawMeasureChart(
            daysTarget.current,
            {
              sessions,
              values: rows.map((r) => r.days),
              max: 7,
              baseline: baseline.days,
              threshold: threshold.days,
              valueLabel: "Pain days a week",
              yLabel: "Days (0-7)",
            },
            width(),
          ),
        );
        observer = new ResizeObserver(() => {
          const w = width();
          for (const d of drawn) d.setWidth(w);
        });
        observer.observe(box.current);
        setLoad("ready");
      })
      .catch(() => {
        if (!cancelled) setLoad("failed");
      });
    return () => {
      cancelled = true;
      observer?.disconnect();
      for (const d of drawn) d.destroy();
    };
  }, [key]);

  if (rows.length === 0) {
    return <p class="empty">No outcome has been recorded yet, so there is nothing to chart.</p>;
  }
  return (
    <figure class="progress-chart" ref={box}>
      <div role="img" aria-label={chartSummary(summary)} class="chart-image" data-state={load}>
        <p class="chart-title" aria-hidden="true">
          Pain (NPRS, 0 to 10)
        </p>
        <div class="chart-target" ref={painTarget} />
        <p class="chart-title" aria-hidden="true">
          Days with pain in the last week (0 to 7)
        </p>
        <div class="chart-target" ref={daysTarget} />
      </div>
      {load === "loading" && (
        <p class="chart-status" role="status">
          Drawing the chart…
        </p>
      )}
      {load === "failed" && (
        <p class="notice notice-error" role="alert">
          The chart could not be loaded. The table has the same figures.
        </p>
      )}
      <figcaption class="chart-key">
        <span class="key">
          <span class="key-line key-value" aria-hidden="true" /> Recorded score
        </span>
        <span class="key">
          <span class="key-line key-baseline" aria-hidden="true" /> Baseline
          {baseline.nprs !== undefined && ` (pain ${num(baseline.nprs)}${baseline.days !== undefined ? `, ${num(baseline.days)} days` : ""})`}
        </span>
        <span class="key">
          <span class="key-line key-threshold" aria-hidden="true" /> Minimal important change: at or below
          {threshold.nprs !== undefined ? ` pain ${num(threshold.nprs)}` : " (no baseline)"}
          {threshold.days !== undefined && `, ${num(threshold.days)} days`}
        </span>
      </figcaption>
    </figure>
  );
}
