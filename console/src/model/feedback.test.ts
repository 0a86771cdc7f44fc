import { describe, expect, it } from "vitest";
import { StepDecision, decidedWords, feedbackError, feedbackWords, joinFeedback } from "./feedback";

const { STEP_DECISION_ACCEPTED: ACCEPTED, STEP_DECISION_MODIFIED: MODIFIED, STEP_DECISION_DECLINED: DECLINED } =
  StepDecision;

function note(planId: string, stepIndex: number, decision: number, reason: string, at: number) {
  return { planId, stepIndex, decision, reason, recordedAtMs: BigInt(at) };
}

describe("joining feedback to steps", () => {
  const plans = [
    { planId: "pl_a", stepCount: 2 },
    { planId: "pl_b", stepCount: 1 },
  ];

  it("gives each step its latest decision and keeps the earlier ones", () => {
    const joined = joinFeedback(plans, [
      note("pl_a", 0, DECLINED, "client anxious about needles today", 100),
      note("pl_a", 1, ACCEPTED, "", 110),
      note("pl_a", 0, MODIFIED, "shorter, 10 minutes", 200),
    ]);
    const a = joined.get("pl_a")!;
    expect(a.steps[0]!.latest?.decision).toBe(MODIFIED);
    expect(a.steps[0]!.earlier.map((f) => f.reason)).toEqual(["client anxious about needles today"]);
    expect(a.steps[1]!.latest?.decision).toBe(ACCEPTED);
    expect(joined.get("pl_b")!.steps[0]!.latest).toBeUndefined();
    expect(decidedWords(a)).toBe("All 2 steps have a decision");
    expect(decidedWords(joined.get("pl_b")!)).toBe("0 of 1 step has a decision");
  });

  it("orders by the time recorded, keeping the server's order for equal times", () => {
    const joined = joinFeedback(plans, [
      note("pl_b", 0, DECLINED, "later", 300),
      note("pl_b", 0, ACCEPTED, "", 100),
      note("pl_b", 0, MODIFIED, "same time, second", 100),
    ]);
    const step = joined.get("pl_b")!.steps[0]!;
    expect(step.latest?.reason).toBe("later");
    expect(step.earlier.map((f) => f.decision)).toEqual([ACCEPTED, MODIFIED]);
  });

  it("keeps a note on a step the plan does not have, and ignores other plans'", () => {
    const joined = joinFeedback(plans, [note("pl_b", 4, ACCEPTED, "", 1), note("pl_x", 0, ACCEPTED, "", 1)]);
    expect(joined.get("pl_b")!.unmatched).toHaveLength(1);
    expect(joined.has("pl_x")).toBe(false);
  });

  it("words a decision", () => {
    expect(feedbackWords(note("p", 0, DECLINED, " client anxious ", 1))).toBe("Declined: client anxious");
    expect(feedbackWords(note("p", 0, ACCEPTED, "", 1))).toBe("Accepted");
    expect(feedbackWords(undefined)).toBe("No decision recorded yet");
    expect(feedbackWords(note("p", 0, 0, "", 1))).toBe("No decision");
  });
});

describe("checking a decision before it is sent", () => {
  it("needs a decision, and a reason unless accepted", () => {
    expect(feedbackError(undefined, "")?.field).toBe("decision");
    expect(feedbackError("accepted", "")).toBeUndefined();
    expect(feedbackError("declined", "  ")).toEqual({
      field: "reason",
      message: "Say why the step was declined: the clinic learns from the reasons.",
    });
    expect(feedbackError("modified", "10 minutes only")).toBeUndefined();
    expect(feedbackError("declined", "x".repeat(1001))?.field).toBe("reason");
  });
});
