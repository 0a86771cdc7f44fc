// The evidence report (PlanService.GetEvidence, docs/evidence.md) in words a clinic owner reads.
// A figure resting on fewer than min_patients patients comes back `suppressed` with its numbers
// zero: it is worded as withheld, never shown as a zero.

/** A proportion with its 95 % Wilson interval, as the proto's Rate. */
export interface RateLike {
  count: number;
  total: number;
  value: number;
  low: number;
  high: number;
}

/** "fewer than 5 patients: withheld". */
export function withheldWords(minPatients: number): string {
  return `fewer than ${minPatients > 0 ? minPatients : 5} patients: withheld`;
}

/** A fraction as a whole percentage: "30 %". */
export function pct(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

/** "30 % (6 of 20; 95 % interval 15 % to 52 %)"; "none asked" when nothing was counted. */
export function rateWords(rate: RateLike | undefined): string {
  if (!rate || rate.total === 0) return "nothing to count";
  return `${pct(rate.value)} (${rate.count} of ${rate.total}; 95 % interval ${pct(rate.low)} to ${pct(rate.high)})`;
}

/** The parts of a rate for a table cell: the share first, then what it rests on. */
export function rateParts(rate: RateLike | undefined): { share: string; detail: string } {
  if (!rate || rate.total === 0) return { share: "none", detail: "nothing to count" };
  return {
    share: pct(rate.value),
    detail: `${rate.count} of ${rate.total}; 95 % interval ${pct(rate.low)} to ${pct(rate.high)}`,
  };
}

function one(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/**
 * A mean change (baseline minus the session: positive is better) in words:
 * "1.5 points less pain", "0.4 points more pain", "no change".
 */
export function painChangeWords(change: number): string {
  if (Math.abs(change) < 0.05) return "no change in pain";
  return change > 0 ? `${one(change)} points less pain` : `${one(-change)} points more pain`;
}

export function daysChangeWords(change: number): string {
  if (Math.abs(change) < 0.05) return "no change in pain days";
  const n = one(Math.abs(change));
  const days = n === "1" ? "day" : "days";
  return change > 0 ? `${n} fewer pain ${days} a week` : `${n} more pain ${days} a week`;
}

export interface DecisionLike {
  suppressed: boolean;
  patients: number;
  suggested: number;
  accepted: number;
  modified: number;
  declined: number;
  withoutFeedback: number;
  declinedRate?: RateLike | undefined;
  reasons: ReadonlyArray<{ reason: string; count: number }>;
  otherReasons: number;
}

/** One line about what therapists did with a suggestion, for a summary or a screen reader. */
export function decisionWords(d: DecisionLike | undefined, minPatients: number): string {
  if (!d || d.suppressed) return withheldWords(minPatients);
  if (d.suggested === 0) return "never suggested in this range";
  const parts = [
    `suggested ${d.suggested} ${d.suggested === 1 ? "time" : "times"} for ${d.patients} patients`,
    `${d.accepted} accepted`,
    `${d.modified} modified`,
    `${d.declined} declined`,
  ];
  if (d.withoutFeedback > 0) parts.push(`${d.withoutFeedback} without a decision`);
  return `${parts.join(", ")}; declined ${rateWords(d.declinedRate)}`;
}

/** "3 other reasons, each given for fewer than 5 patients, are counted but not quoted." */
export function otherReasonsWords(count: number, minPatients: number): string {
  if (count <= 0) return "";
  const n = minPatients > 0 ? minPatients : 5;
  return count === 1
    ? `1 other reason, given for fewer than ${n} patients, is counted but not quoted.`
    : `${count} other reasons, each given for fewer than ${n} patients, are counted but not quoted.`;
}

/** A flag's question, falling back to one made from its kind when the server sent none. */
export function flagQuestion(flag: { kind: string; subject: string; question: string }): string {
  const q = flag.question.trim();
  if (q) return q;
  if (flag.kind === "rule_often_declined") return `Why is ${flag.subject} declined more than half the time?`;
  if (flag.kind === "modality_reaches_mic_less_often") {
    return `Why do patients who received ${flag.subject} reach the minimal important change less often?`;
  }
  return `What is happening with ${flag.subject}?`;
}

export interface RangeInput {
  /** "YYYY-MM-DD" or "" for open. */
  since: string;
  until: string;
  /** "" for the server's default (1). */
  minFollowUps: string;
}

export interface RangeRequest {
  sinceMs: bigint;
  untilMs: bigint;
  minFollowUps: number;
}

const DAY_MS = 86_400_000;

function dayMs(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2025-02-31 over into March: refuse what is not a real day.
  const back = new Date(ms).toISOString().slice(0, 10);
  return back === text ? ms : undefined;
}

/**
 * The filter's dates as GetEvidence's range: from the start of `since` to the end of `until`
 * (that day included, UTC, as `modalis evidence --since/--until`), 0 where open.
 */
export function rangeRequest(input: RangeInput): { request?: RangeRequest; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let since = 0;
  let until = 0;
  if (input.since.trim() !== "") {
    const ms = dayMs(input.since.trim());
    if (ms === undefined) errors.since = "Enter a date as year-month-day, e.g. 2025-01-31.";
    else since = ms;
  }
  if (input.until.trim() !== "") {
    const ms = dayMs(input.until.trim());
    if (ms === undefined) errors.until = "Enter a date as year-month-day, e.g. 2025-12-31.";
    else until = ms + DAY_MS;
  }
  if (!errors.since && !errors.until && since > 0 && until > 0 && until <= since) {
    errors.until = "The last day must be on or after the first day.";
  }
  let minFollowUps = 0;
  const f = input.minFollowUps.trim();
  if (f !== "") {
    if (!/^\d+$/.test(f) || Number(f) < 1 || Number(f) > 100) {
      errors.minFollowUps = "Enter a whole number from 1 to 100.";
    } else {
      minFollowUps = Number(f);
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { request: { sinceMs: BigInt(since), untilMs: BigInt(until), minFollowUps }, errors };
}

/** "from 1 January 2025 to 31 March 2025", "from the first plan to now". */
export function rangeWords(input: RangeInput): string {
  const day = (text: string) => {
    const ms = dayMs(text.trim());
    return ms === undefined
      ? text
      : new Date(ms).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  };
  const from = input.since.trim() ? day(input.since) : "the first plan";
  const to = input.until.trim() ? day(input.until) : "now";
  return `from ${from} to ${to}`;
}
