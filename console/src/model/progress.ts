// A patient's outcomes against the baseline and the minimal important change (MIC), for the
// Patients page's chart and table. The server decides whether the MIC is reached (GetProgress);
// these functions draw the same threshold and word the same figures.
//
// The MIC is reached with an improvement of at least `points` NPRS points OR `percent` % of the
// baseline (clinical brief §2: 2 points or 30 %), whichever is smaller, so a patient reaches it at
// or below baseline - min(points, percent × baseline). Pain days a week have no validated points
// threshold: only the percentage applies, as on the server.

/** What GetPatientHistory says the MIC is: mic_nprs_points and mic_percent (30 means 30 %). */
export interface Mic {
  points: number;
  percent: number;
}

/** One session's outcome, as GetPatientHistory's OutcomeRecord carries it. */
export interface OutcomeLike {
  sessionNumber: number;
  painNprs: number;
  painDaysPerWeek: number;
  odiPercent?: number | undefined;
  rmdq?: number | undefined;
  psfsAvg?: number | undefined;
}

export type Measure = "nprs" | "days";

// Scores are recorded to a tenth or so; comparing at that precision keeps 8.7 -> 6.7 at exactly
// 2 points, as the server does.
const EPSILON = 1e-9;

function tidy(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** How much improvement reaches the MIC for this baseline; undefined without a positive baseline. */
export function micImprovement(baseline: number | undefined, mic: Mic, measure: Measure): number | undefined {
  if (baseline === undefined || !Number.isFinite(baseline) || baseline <= 0) return undefined;
  const byPercent = (mic.percent / 100) * baseline;
  if (measure === "days" || !(mic.points > 0)) return tidy(byPercent);
  return tidy(Math.min(mic.points, byPercent));
}

/**
 * The score at or below which the MIC is reached: baseline - min(points, percent × baseline) for
 * pain, baseline × (1 - percent) for pain days. Undefined without a positive baseline (nothing
 * below zero can be reached).
 */
export function micThreshold(baseline: number | undefined, mic: Mic, measure: Measure = "nprs"): number | undefined {
  const needed = micImprovement(baseline, mic, measure);
  if (needed === undefined || baseline === undefined) return undefined;
  return tidy(baseline - needed);
}

/** Whether a score reaches the MIC against the baseline: lower than the baseline and at or below the threshold. */
export function reachesMic(baseline: number | undefined, value: number, mic: Mic, measure: Measure = "nprs"): boolean {
  const threshold = micThreshold(baseline, mic, measure);
  if (threshold === undefined || baseline === undefined) return false;
  return value < baseline - EPSILON && value <= threshold + EPSILON;
}

/** A number as a person writes it: at most two decimals, no trailing zeros. */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** "30 %" from a fraction. */
export function percentOf(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

export interface OutcomeRow {
  session: number;
  nprs: number;
  days: number;
  odi?: number | undefined;
  rmdq?: number | undefined;
  psfs?: number | undefined;
  /** Baseline minus this session's pain: positive is better. Undefined without a baseline. */
  nprsChange?: number | undefined;
  daysChange?: number | undefined;
  nprsReachesMic: boolean;
  daysReachesMic: boolean;
}

export interface Baselines {
  nprs?: number | undefined;
  days?: number | undefined;
}

export interface OutcomeSummary {
  rows: OutcomeRow[];
  baseline: Baselines;
  threshold: Baselines;
  mic: Mic;
  /** Sessions from 1 to the last with an outcome, for the chart's x axis. */
  sessions: number[];
}

/** The outcomes by session, each with its change from the baseline and whether it reaches the MIC. */
export function summariseOutcomes(outcomes: readonly OutcomeLike[], baseline: Baselines, mic: Mic): OutcomeSummary {
  const sorted = [...outcomes].sort((a, b) => a.sessionNumber - b.sessionNumber);
  const rows = sorted.map(
    (o): OutcomeRow => ({
      session: o.sessionNumber,
      nprs: o.painNprs,
      days: o.painDaysPerWeek,
      odi: o.odiPercent,
      rmdq: o.rmdq,
      psfs: o.psfsAvg,
      nprsChange: baseline.nprs === undefined ? undefined : tidy(baseline.nprs - o.painNprs),
      daysChange: baseline.days === undefined ? undefined : tidy(baseline.days - o.painDaysPerWeek),
      nprsReachesMic: reachesMic(baseline.nprs, o.painNprs, mic, "nprs"),
      daysReachesMic: reachesMic(baseline.days, o.painDaysPerWeek, mic, "days"),
    }),
  );
  return {
    rows,
    baseline,
    threshold: {
      nprs: micThreshold(baseline.nprs, mic, "nprs"),
      days: micThreshold(baseline.days, mic, "days"),
    },
    mic,
    sessions: rows.map((r) => r.session),
  };
}

/** "an improvement of 2 points or 30 % of the baseline, whichever is smaller". */
export function micWords(mic: Mic): string {
  return `an improvement of ${num(mic.points)} points or ${num(mic.percent)} % of the baseline, whichever is smaller`;
}

/**
 * A change from the baseline (positive is better) in words: "1 point better (14 %)",
 * "2 points worse (50 %)", "1 day fewer (20 %)", "no change".
 */
export function changeWords(change: number | undefined, baseline: number | undefined, measure: Measure = "nprs"): string {
  if (change === undefined) return "not measured";
  if (Math.abs(change) < EPSILON) return "no change";
  const size = num(Math.abs(change));
  const share = baseline !== undefined && baseline > 0 ? ` (${percentOf(Math.abs(change) / baseline)})` : "";
  if (measure === "days") {
    return `${size} ${size === "1" ? "day" : "days"} ${change > 0 ? "fewer" : "more"}${share}`;
  }
  return `${size} ${size === "1" ? "point" : "points"} ${change > 0 ? "better" : "worse"}${share}`;
}

/**
 * The chart's text alternative in one paragraph: every score, the baseline, the threshold and
 * whether the latest session reaches it.
 */
export function chartSummary(summary: OutcomeSummary): string {
  const { rows, baseline, threshold, mic } = summary;
  if (rows.length === 0) return "No outcome has been recorded yet, so there is nothing to chart.";
  const last = rows[rows.length - 1]!;
  const sessions = rows.length === 1 ? "1 session" : `${rows.length} sessions`;
  const parts = [
    `Pain (NPRS 0 to 10) over ${sessions}: ${rows.map((r) => `session ${r.session} ${num(r.nprs)}`).join(", ")}.`,
  ];
  if (baseline.nprs !== undefined) {
    parts.push(
      threshold.nprs !== undefined
        ? `Baseline ${num(baseline.nprs)}; the minimal important change is reached at ${num(threshold.nprs)} or below; the latest, ${num(last.nprs)}, ${last.nprsReachesMic ? "reaches it" : "does not reach it"}.`
        : `Baseline ${num(baseline.nprs)}.`,
    );
  }
  parts.push(`Pain days a week (0 to 7): ${rows.map((r) => `session ${r.session} ${num(r.days)}`).join(", ")}.`);
  if (baseline.days !== undefined) {
    parts.push(
      threshold.days !== undefined
        ? `Baseline ${num(baseline.days)}; ${num(mic.percent)} % fewer is ${num(threshold.days)} or below; the latest, ${num(last.days)}, ${last.daysReachesMic ? "reaches it" : "does not reach it"}.`
        : `Baseline ${num(baseline.days)}.`,
    );
  }
  return parts.join(" ");
}
