// The therapists' decisions joined to the steps they were made on. A step may have several notes
// (a correction is a new note): the latest counts, as in the evidence report, and the earlier ones
// are kept to show.
//
// Pure: decisions are the proto's StepDecision numbers, so this runs without the generated code.

/** modalis.v1.StepDecision. */
export const StepDecision = {
  STEP_DECISION_UNSPECIFIED: 0,
  STEP_DECISION_ACCEPTED: 1,
  STEP_DECISION_MODIFIED: 2,
  STEP_DECISION_DECLINED: 3,
} as const;
export type StepDecision = number;

/** A FeedbackRecord as GetPatientHistory sends it. */
export interface FeedbackLike {
  planId: string;
  stepIndex: number;
  decision: StepDecision;
  reason: string;
  recordedAtMs: bigint;
}

export interface StepFeedback<F extends FeedbackLike = FeedbackLike> {
  /** The decision that counts: the most recently recorded. */
  latest?: F | undefined;
  /** Earlier notes on the same step, oldest first. */
  earlier: F[];
}

export interface PlanFeedback<F extends FeedbackLike = FeedbackLike> {
  /** One entry per step of the plan, in step order. */
  steps: StepFeedback<F>[];
  /** Notes naming a step the plan does not have (never expected; shown rather than lost). */
  unmatched: F[];
}

/** Feedback of every plan, by plan id, each step's notes in the order they were recorded. */
export function joinFeedback<F extends FeedbackLike>(
  plans: ReadonlyArray<{ planId: string; stepCount: number }>,
  feedback: readonly F[],
): Map<string, PlanFeedback<F>> {
  const out = new Map<string, PlanFeedback<F>>();
  for (const p of plans) {
    out.set(p.planId, {
      steps: Array.from({ length: p.stepCount }, () => ({ earlier: [] as F[] })),
      unmatched: [],
    });
  }
  // Oldest first; equal times keep the server's order, which is the order they were stored.
  const ordered = feedback
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (a.f.recordedAtMs < b.f.recordedAtMs ? -1 : a.f.recordedAtMs > b.f.recordedAtMs ? 1 : a.i - b.i));
  for (const { f } of ordered) {
    const plan = out.get(f.planId);
    if (!plan) continue;
    const step = plan.steps[f.stepIndex];
    if (!step) {
      plan.unmatched.push(f);
      continue;
    }
    if (step.latest) step.earlier.push(step.latest);
    step.latest = f;
  }
  return out;
}

const DECISION_NAMES: Record<number, string> = {
  [StepDecision.STEP_DECISION_ACCEPTED]: "Accepted",
  [StepDecision.STEP_DECISION_MODIFIED]: "Modified",
  [StepDecision.STEP_DECISION_DECLINED]: "Declined",
};

/** "Accepted", "Modified", "Declined"; "No decision" for anything else. */
export function decisionName(decision: StepDecision): string {
  return DECISION_NAMES[decision] ?? "No decision";
}

/** The class a decision is shown with: "accepted", "modified", "declined" or "none". */
export function decisionClass(decision: StepDecision | undefined): string {
  return decision === undefined ? "none" : (DECISION_NAMES[decision]?.toLowerCase() ?? "none");
}

/** "Declined: client anxious about needles today", "Accepted", "No decision recorded yet". */
export function feedbackWords(f: FeedbackLike | undefined): string {
  if (!f) return "No decision recorded yet";
  const reason = f.reason.trim();
  return reason ? `${decisionName(f.decision)}: ${reason}` : decisionName(f.decision);
}

/** How many of a plan's steps have a decision, in words: "2 of 3 steps have a decision". */
export function decidedWords(plan: PlanFeedback): string {
  const total = plan.steps.length;
  const decided = plan.steps.filter((s) => s.latest).length;
  if (total === 0) return "No steps to decide on";
  if (decided === total) return total === 1 ? "The step has a decision" : `All ${total} steps have a decision`;
  return `${decided} of ${total} ${total === 1 ? "step has" : "steps have"} a decision`;
}

export type DecisionChoice = "accepted" | "modified" | "declined";

export const DECISION_OF: Record<DecisionChoice, StepDecision> = {
  accepted: StepDecision.STEP_DECISION_ACCEPTED,
  modified: StepDecision.STEP_DECISION_MODIFIED,
  declined: StepDecision.STEP_DECISION_DECLINED,
};

/** Checks a decision before it is sent: a reason is required unless the step was accepted. */
export function feedbackError(
  choice: DecisionChoice | undefined,
  reason: string,
): { field: "decision" | "reason"; message: string } | undefined {
  if (!choice) return { field: "decision", message: "Choose accepted, modified or declined." };
  if (choice !== "accepted" && reason.trim() === "") {
    return { field: "reason", message: `Say why the step was ${choice}: the clinic learns from the reasons.` };
  }
  if (new TextEncoder().encode(reason.trim()).length > 1000) {
    return { field: "reason", message: "Keep the reason under 1000 characters." };
  }
  return undefined;
}
