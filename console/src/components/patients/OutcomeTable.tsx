// The outcome of every session as a table: the chart's figures for anyone who cannot see it, and
// the optional measures the chart leaves out.
import { changeWords, num, type OutcomeSummary } from "../../model/progress";

function Change(props: {
  change: number | undefined;
  baseline: number | undefined;
  reaches: boolean;
  measure: "nprs" | "days";
}) {
  return (
    <>
      {changeWords(props.change, props.baseline, props.measure)}
      {props.reaches && <span class="mic-reached"> reaches the MIC</span>}
    </>
  );
}

function optional(x: number | undefined): string {
  return x === undefined ? "not recorded" : num(x);
}

export function OutcomeTable(props: { summary: OutcomeSummary; recordedAt: ReadonlyMap<number, string> }) {
  const { rows, baseline, threshold } = props.summary;
  if (rows.length === 0) return <p class="empty">No outcome recorded yet.</p>;
  const hasOdi = rows.some((r) => r.odi !== undefined);
  const hasRmdq = rows.some((r) => r.rmdq !== undefined);
  const hasPsfs = rows.some((r) => r.psfs !== undefined);
  return (
    <div class="table-scroll" role="region" aria-labelledby="outcome-table-caption" tabIndex={0}>
      <table class="data outcome-table">
        <caption id="outcome-table-caption">
          Outcomes by session
          <span class="caption-detail">
            {" "}
            Change is against the baseline (pain {baseline.nprs === undefined ? "unknown" : num(baseline.nprs)}, pain
            days {baseline.days === undefined ? "unknown" : num(baseline.days)}); the minimal important change (MIC) is
            reached at pain {threshold.nprs === undefined ? "(no baseline)" : `${num(threshold.nprs)} or below`} and
            pain days {threshold.days === undefined ? "(no baseline)" : `${num(threshold.days)} or below`}.
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Pain (NPRS 0-10)</th>
            <th scope="col">Change in pain</th>
            <th scope="col">Pain days a week</th>
            <th scope="col">Change in pain days</th>
            {hasOdi && <th scope="col">ODI %</th>}
            {hasRmdq && <th scope="col">RMDQ</th>}
            {hasPsfs && <th scope="col">PSFS</th>}
            <th scope="col">Recorded</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.session} data-session={r.session}>
              <th scope="row">{r.session}</th>
              <td class="num">{num(r.nprs)}</td>
              <td>
                <Change change={r.nprsChange} baseline={baseline.nprs} reaches={r.nprsReachesMic} measure="nprs" />
              </td>
              <td class="num">{num(r.days)}</td>
              <td>
                <Change change={r.daysChange} baseline={baseline.days} reaches={r.daysReachesMic} measure="days" />
              </td>
              {hasOdi && <td class="num">{optional(r.odi)}</td>}
              {hasRmdq && <td class="num">{optional(r.rmdq)}</td>}
              {hasPsfs && <td class="num">{optional(r.psfs)}</td>}
              <td>{props.recordedAt.get(r.session) ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
