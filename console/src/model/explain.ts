// Which rules stand behind each line of a plan (its *why*) and which did not fire (*why not*).
// The plan names rule ids on referrals, steps and exclusions; advice and the course are matched
// to the fired rules that give them. Plugin floors and cautions are named "plugin:<modality>:<id>"
// in the explanation and are not in the rule file.
import { type Rule, type RuleSet } from "./rules";

/** The parts of the generated Plan message this module reads (camelCase, as protobuf-es has it). */
export interface ExplainedRuleLike {
  ruleId: string;
  description: string;
  source: string;
  outcome: string;
  findings: string[];
}

export interface PlanLike {
  explanation: ExplainedRuleLike[];
  referral?: { ruleIds: string[] } | undefined;
  steps: { modality: string; ruleIds: string[] }[];
  exclusions: { modality: string; reason: string; source: string; findings: string[] }[];
}

export interface Reason {
  ruleId: string;
  description: string;
  source: string;
  /** "fired", "undecided", "not_fired", "improved", "contradiction", or "decided" for a cause
   * that is no rule (the client declined, a qualification, the session's minutes). */
  outcome: string;
  findings: string[];
  /** The rule in the rule file, when it is one. */
  rule?: Rule;
}

function reasonOf(entry: ExplainedRuleLike, rules: RuleSet | undefined): Reason {
  const reason: Reason = {
    ruleId: entry.ruleId,
    description: entry.description,
    source: entry.source,
    outcome: entry.outcome,
    findings: [...entry.findings],
  };
  const rule = rules?.byId.get(entry.ruleId);
  if (rule) reason.rule = rule;
  return reason;
}

/** The explanation entries for these rule ids, in the order given; a fired entry wins. */
export function reasonsForIds(plan: PlanLike, rules: RuleSet | undefined, ids: readonly string[]): Reason[] {
  const out: Reason[] = [];
  for (const id of new Set(ids)) {
    const entries = plan.explanation.filter((e) => e.ruleId === id);
    const entry = entries.find((e) => e.outcome === "fired") ?? entries[0];
    if (entry) {
      out.push(reasonOf(entry, rules));
      continue;
    }
    const rule = rules?.byId.get(id);
    out.push(
      rule
        ? { ruleId: id, description: rule.description, source: rule.source, outcome: "fired", findings: [], rule }
        : { ruleId: id, description: "", source: "", outcome: "fired", findings: [] },
    );
  }
  return out;
}

function pluginEntries(plan: PlanLike, modality: string): ExplainedRuleLike[] {
  const prefix = `plugin:${modality}:`;
  return plan.explanation.filter(
    (e) => e.ruleId.startsWith(prefix) && (e.outcome === "fired" || e.outcome === "undecided"),
  );
}

export function referralReasons(plan: PlanLike, rules: RuleSet | undefined): Reason[] {
  return reasonsForIds(plan, rules, plan.referral?.ruleIds ?? []);
}

/** The rules that suggested the step, then the plugin's cautions and open questions on it. */
export function stepReasons(plan: PlanLike, rules: RuleSet | undefined, index: number): Reason[] {
  const step = plan.steps[index];
  if (!step) return [];
  return [
    ...reasonsForIds(plan, rules, step.ruleIds),
    ...pluginEntries(plan, step.modality).map((e) => reasonOf(e, rules)),
  ];
}

export function exclusionReasons(plan: PlanLike, rules: RuleSet | undefined, index: number): Reason[] {
  const ex = plan.exclusions[index];
  if (!ex) return [];
  if (rules?.byId.has(ex.source) || plan.explanation.some((e) => e.ruleId === ex.source)) {
    return reasonsForIds(plan, rules, [ex.source]);
  }
  if (ex.source.startsWith("plugin:")) {
    const modality = ex.source.slice("plugin:".length);
    const entries = pluginEntries(plan, modality);
    const matching = entries.filter((e) => e.findings.some((f) => ex.findings.includes(f)));
    const chosen = matching.length > 0 ? matching : entries;
    if (chosen.length > 0) return chosen.map((e) => reasonOf(e, rules));
  }
  // Declined, a missing qualification, the session's minutes: a cause that is no rule.
  return [
    { ruleId: ex.source, description: ex.reason, source: ex.source, outcome: "decided", findings: [...ex.findings] },
  ];
}

/** The fired rules whose actions give this advice (and the review, for its advice). */
export function adviceReasons(plan: PlanLike, rules: RuleSet | undefined, code: string): Reason[] {
  const ids = plan.explanation
    .filter((e) => e.outcome === "fired")
    .filter((e) => {
      const rule = rules?.byId.get(e.ruleId);
      if (rule) return rule.then.some((a) => a.kind === "advise" && a.code === code);
      return e.ruleId === "course.review" && rules?.notImprovedAdvice === code;
    })
    .map((e) => e.ruleId);
  return reasonsForIds(plan, rules, ids);
}

/** The course rule that set the course, and the review when there was one. */
export function courseReasons(plan: PlanLike, rules: RuleSet | undefined): Reason[] {
  return plan.explanation
    .filter((e) => rules?.byId.get(e.ruleId)?.isCourse === true || e.ruleId === "course.review")
    .map((e) => reasonOf(e, rules));
}

/** The rules left undecided for want of this finding, and contradictions that name it. */
export function missingReasons(plan: PlanLike, rules: RuleSet | undefined, code: string): Reason[] {
  return plan.explanation
    .filter((e) => (e.outcome === "undecided" || e.outcome === "contradiction") && e.findings.includes(code))
    .map((e) => reasonOf(e, rules));
}

export function contradictionReasons(plan: PlanLike, rules: RuleSet | undefined, constraintId: string): Reason[] {
  return plan.explanation.filter((e) => e.ruleId === `constraint:${constraintId}`).map((e) => reasonOf(e, rules));
}

/** Every rule that said nothing: undecided ones first (they may matter once asked), then not fired. */
export function whyNot(plan: PlanLike, rules: RuleSet | undefined): Reason[] {
  const undecided = plan.explanation.filter((e) => e.outcome === "undecided");
  const notFired = plan.explanation.filter((e) => e.outcome === "not_fired");
  return [...undecided, ...notFired].map((e) => reasonOf(e, rules));
}

/** Course rules are tried in order and the first that applies wins; the others said nothing. */
export function unusedCourseRules(plan: PlanLike, rules: RuleSet | undefined): Rule[] {
  if (!rules) return [];
  const used = new Set(plan.explanation.map((e) => e.ruleId));
  return rules.courseRules.filter((r) => !used.has(r.id));
}
