// What a draft changes (RulesAdmin.PreviewRuleSet): the changed plans in the order a person must
// read them, safety first; counts in words; and each plan before and after, part by part, with
// what was added and what went.
import {
  ExclusionSeverity,
  Frequency,
  PlanStatus,
  Urgency,
  type Plan,
} from "../gen/modalis/v1/plan_service_pb.js";
import type { ChangedPlan, PreviewRuleSetResponse } from "../gen/modalis/v1/rules_admin_pb.js";
import { frequencyWords } from "../model/plainWords";
import { capitalized, humanize } from "../model/words";

/** Safety changes first, then golden cases before stored plans, each group in the server's order. */
export function orderChanged(changed: readonly ChangedPlan[]): ChangedPlan[] {
  const rank = (c: ChangedPlan) => (c.safety ? 0 : 2) + (c.kind === "case" ? 0 : 1);
  return changed
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

export interface PreviewSummary {
  changed: number;
  safety: number;
  cases: number;
  storedPlans: number;
  errors: number;
  /** One sentence: what was compared and what changes. */
  text: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summarisePreview(res: Pick<PreviewRuleSetResponse, "casesCompared" | "plansCompared" | "plansSkipped" | "changed">): PreviewSummary {
  const changed = res.changed.length;
  const safety = res.changed.filter((c) => c.safety).length;
  const cases = res.changed.filter((c) => c.kind === "case").length;
  const storedPlans = res.changed.filter((c) => c.kind === "stored_plan").length;
  const errors = res.changed.filter((c) => c.error !== "").length;
  const compared = `Compared ${plural(res.casesCompared, "golden case", "golden cases")} and ${plural(
    res.plansCompared,
    "stored plan",
    "stored plans",
  )}${res.plansSkipped > 0 ? ` (${plural(res.plansSkipped, "stored plan", "stored plans")} could not be asked again)` : ""}.`;
  let outcome: string;
  if (changed === 0) outcome = "Nothing changes: every plan stays as it is.";
  else {
    const parts = [
      cases > 0 ? plural(cases, "golden case", "golden cases") : "",
      storedPlans > 0 ? plural(storedPlans, "stored plan", "stored plans") : "",
    ].filter((p) => p);
    outcome = `${capitalized(parts.join(" and "))} ${changed === 1 ? "gets a different plan" : "get different plans"}.`;
    if (changed === 1) outcome += safety === 1 ? " It is less safe than before." : " It is not less safe than before.";
    else if (safety === changed) outcome += " All of them are less safe than before.";
    else if (safety > 0) outcome += ` ${safety} of them ${safety === 1 ? "is" : "are"} less safe than before.`;
    else outcome += " None is less safe than before.";
  }
  return { changed, safety, cases, storedPlans, errors, text: `${compared} ${outcome}` };
}

const STATUS_WORDS: Record<PlanStatus, string> = {
  [PlanStatus.PLAN_STATUS_UNSPECIFIED]: "no status",
  [PlanStatus.COMPLETE]: "complete",
  [PlanStatus.PROVISIONAL]: "provisional: ask before treating",
  [PlanStatus.SCREEN_REQUIRED]: "screen required: no treatment until asked",
  [PlanStatus.REFERRED]: "referred: no treatment",
};

const URGENCY_WORDS: Record<Urgency, string> = {
  [Urgency.URGENCY_UNSPECIFIED]: "no referral",
  [Urgency.NONE]: "no referral",
  [Urgency.ROUTINE]: "routine referral",
  [Urgency.URGENT]: "urgent referral",
  [Urgency.EMERGENCY]: "emergency referral",
};

const SEVERITY_WORDS: Partial<Record<ExclusionSeverity, string>> = {
  [ExclusionSeverity.ABSOLUTE]: "safety floor",
  [ExclusionSeverity.RULE]: "rule",
  [ExclusionSeverity.DECLINED]: "declined",
  [ExclusionSeverity.QUALIFICATION]: "qualification missing",
  [ExclusionSeverity.UNAVAILABLE]: "unavailable",
  [ExclusionSeverity.PLUGIN_ERROR]: "plugin failed",
  [ExclusionSeverity.TIME_BUDGET]: "did not fit the session",
  [ExclusionSeverity.NEEDS_FINDINGS]: "needs findings",
};

export type PartName = "status" | "referral" | "steps" | "exclusions" | "advice" | "course" | "missing";

export const PART_TITLES: Record<PartName, string> = {
  status: "Status",
  referral: "Referral",
  steps: "Session steps",
  exclusions: "Not offered",
  advice: "Advice",
  course: "Course of care",
  missing: "Ask about",
};

export const PART_ORDER: readonly PartName[] = ["status", "referral", "steps", "exclusions", "advice", "course", "missing"];

/** A plan as lines of words per part, the same wording before and after so they compare. */
export function planParts(plan: Plan | undefined, names: { modality?: (code: string) => string } = {}): Record<PartName, string[]> {
  const modality = names.modality ?? ((code: string) => capitalized(humanize(code)));
  if (!plan) return { status: [], referral: [], steps: [], exclusions: [], advice: [], course: [], missing: [] };
  const r = plan.referral;
  const referral =
    r && r.urgency !== Urgency.NONE && r.urgency !== Urgency.URGENCY_UNSPECIFIED
      ? [`${capitalized(URGENCY_WORDS[r.urgency])}: ${r.reasons.join("; ") || "no reason given"}`]
      : ["No referral"];
  const steps = plan.steps.map((s) => {
    const name = s.displayName || modality(s.modality);
    const targets = s.targets.length > 0 ? ` on ${s.targets.map(humanize).join(", ")}` : "";
    const pressure = s.pressure ? `, ${s.pressure} pressure` : "";
    return `${name}: ${s.minutes} min${targets}${pressure}`;
  });
  const exclusions = plan.exclusions.map((x) => {
    const sev = SEVERITY_WORDS[x.severity];
    return `${modality(x.modality)}: ${x.reason}${sev ? ` (${sev})` : ""}`;
  });
  const advice = plan.advice.map((a) => a.text || humanize(a.code));
  const c = plan.course;
  const course = c
    ? [
        `${capitalized(frequencyWords(Frequency[c.frequency] ?? ""))}, ${
          c.sessionsMin === c.sessionsMax ? c.sessionsMin : `${c.sessionsMin} to ${c.sessionsMax}`
        } sessions, review after ${c.reviewAfterSessions}`,
      ]
    : ["Nothing to book"];
  const missing = plan.missingFindings.map((m) => `${humanize(m.code)}: ${m.why}`);
  return {
    status: [capitalized(STATUS_WORDS[plan.status])],
    referral,
    steps,
    exclusions,
    advice,
    course,
    missing,
  };
}

export type LineChange = "same" | "added" | "removed";

export interface DiffLine {
  text: string;
  change: LineChange;
}

/**
 * Two lists of lines compared: the lines of `after` in order, kept or added, each removed line
 * placed where it stood before (after the kept line that preceded it).
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const inAfter = new Set(after);
  const inBefore = new Set(before);
  const out: DiffLine[] = after.map((text) => ({ text, change: inBefore.has(text) ? "same" : "added" }));
  // Removed lines go after the last kept line that came before them in `before`.
  let insertAt = 0;
  for (const text of before) {
    if (inAfter.has(text)) {
      const at = out.findIndex((l) => l.text === text && l.change === "same");
      insertAt = at + 1;
    } else {
      out.splice(insertAt, 0, { text, change: "removed" });
      insertAt++;
    }
  }
  return out;
}

export interface PartDiff {
  part: PartName;
  title: string;
  lines: DiffLine[];
  /** A line added or removed. */
  changed: boolean;
  /** The same lines, in another order (e.g. steps reordered). */
  reordered: boolean;
}

/** Every part of the two plans, compared; parts with nothing before or after are left out. */
export function planDiff(before: Plan | undefined, after: Plan | undefined, names: { modality?: (code: string) => string } = {}): PartDiff[] {
  const b = planParts(before, names);
  const a = planParts(after, names);
  const out: PartDiff[] = [];
  for (const part of PART_ORDER) {
    const lines = diffLines(b[part], a[part]);
    if (lines.length === 0) continue;
    const changed = lines.some((l) => l.change !== "same");
    const reordered = !changed && b[part].some((line, i) => a[part][i] !== line);
    out.push({ part, title: PART_TITLES[part], lines, changed, reordered });
  }
  return out;
}

/** "Golden case desk-worker" / "Stored plan 0190… of patient p-123". */
export function subjectWords(c: Pick<ChangedPlan, "kind" | "subject" | "patientRef">): string {
  if (c.kind === "case") return `Golden case ${c.subject}`;
  if (c.kind === "stored_plan") return `Stored plan ${c.subject}${c.patientRef ? ` of patient ${c.patientRef}` : ""}`;
  return `${capitalized(humanize(c.kind))} ${c.subject}`;
}
