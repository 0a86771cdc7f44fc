import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import {
  AdviceSchema,
  CourseSchema,
  ExclusionSeverity,
  ExclusionSchema,
  Frequency,
  PlanSchema,
  PlanStatus,
  ReferralSchema,
  StepSchema,
  Urgency,
} from "../gen/modalis/v1/plan_service_pb.js";
import { ChangedPlanSchema, PlanDifferenceSchema } from "../gen/modalis/v1/rules_admin_pb.js";
import { diffLines, orderChanged, planDiff, planParts, subjectWords, summarisePreview } from "./preview";

const changed = (kind: string, subject: string, safety: boolean) =>
  create(ChangedPlanSchema, {
    kind,
    subject,
    safety,
    differences: [create(PlanDifferenceSchema, { what: "advice", safety, text: `${subject} differs` })],
  });

const before = create(PlanSchema, {
  status: PlanStatus.COMPLETE,
  referral: create(ReferralSchema, { urgency: Urgency.NONE }),
  steps: [
    create(StepSchema, { modality: "dry_needling", displayName: "Dry needling", minutes: 15, targets: ["quadratus_lumborum"] }),
    create(StepSchema, { modality: "myofascial_release", displayName: "Myofascial release", minutes: 20, pressure: "light" }),
  ],
  exclusions: [create(ExclusionSchema, { modality: "auricular_acupuncture", reason: "metal allergy", severity: ExclusionSeverity.RULE })],
  advice: [create(AdviceSchema, { code: "stay_active", text: "Keep moving." })],
  course: create(CourseSchema, { frequency: Frequency.WEEKLY, sessionsMin: 4, sessionsMax: 6, reviewAfterSessions: 4 }),
});

describe("the changed plans, in the order to read them", () => {
  test("safety changes first, cases before stored plans, otherwise as sent", () => {
    const order = orderChanged([
      changed("stored_plan", "p1", false),
      changed("case", "c1", false),
      changed("stored_plan", "p2", true),
      changed("case", "c2", true),
      changed("case", "c3", false),
    ]).map((c) => c.subject);
    expect(order).toEqual(["c2", "p2", "c1", "c3", "p1"]);
  });

  test("counts in words", () => {
    const none = summarisePreview({ casesCompared: 56, plansCompared: 3, plansSkipped: 0, changed: [] });
    expect(none.text).toBe("Compared 56 golden cases and 3 stored plans. Nothing changes: every plan stays as it is.");
    const some = summarisePreview({
      casesCompared: 56,
      plansCompared: 1,
      plansSkipped: 2,
      changed: [changed("case", "a", true), changed("case", "b", false), changed("stored_plan", "p", false)],
    });
    expect(some).toMatchObject({ changed: 3, safety: 1, cases: 2, storedPlans: 1 });
    expect(some.text).toBe(
      "Compared 56 golden cases and 1 stored plan (2 stored plans could not be asked again). 2 golden cases and 1 stored plan get different plans. 1 of them is less safe than before.",
    );
    expect(summarisePreview({ casesCompared: 1, plansCompared: 0, plansSkipped: 0, changed: [changed("case", "a", false)] }).text).toContain(
      "1 golden case gets a different plan. It is not less safe than before.",
    );
  });

  test("whose plan it is", () => {
    expect(subjectWords({ kind: "case", subject: "desk-worker", patientRef: "" })).toBe("Golden case desk-worker");
    expect(subjectWords({ kind: "stored_plan", subject: "p-1", patientRef: "pt-9" })).toBe("Stored plan p-1 of patient pt-9");
  });
});

describe("a plan before and after", () => {
  test("a plan in words, part by part", () => {
    const parts = planParts(before);
    expect(parts.status).toEqual(["Complete"]);
    expect(parts.referral).toEqual(["No referral"]);
    expect(parts.steps).toEqual(["Dry needling: 15 min on quadratus lumborum", "Myofascial release: 20 min, light pressure"]);
    expect(parts.exclusions).toEqual(["Auricular acupuncture: metal allergy (rule)"]);
    expect(parts.course).toEqual(["Weekly, 4 to 6 sessions, review after 4"]);
  });

  test("lines kept, added and removed, removed ones where they stood", () => {
    expect(diffLines(["a", "b", "c"], ["a", "c", "d"])).toEqual([
      { text: "a", change: "same" },
      { text: "b", change: "removed" },
      { text: "c", change: "same" },
      { text: "d", change: "added" },
    ]);
    expect(diffLines(["x"], [])).toEqual([{ text: "x", change: "removed" }]);
  });

  test("a referral that disappears and a step that changes its minutes", () => {
    const after = create(PlanSchema, {
      ...before,
      steps: [before.steps[0]!, create(StepSchema, { ...before.steps[1]!, minutes: 25 })],
      advice: [...before.advice, create(AdviceSchema, { code: "sleep_hygiene", text: "Sleep well." })],
    });
    const referred = create(PlanSchema, {
      ...before,
      status: PlanStatus.REFERRED,
      referral: create(ReferralSchema, { urgency: Urgency.URGENT, reasons: ["fever"] }),
    });
    const diff = planDiff(before, after);
    const steps = diff.find((p) => p.part === "steps")!;
    expect(steps.changed).toBe(true);
    expect(steps.lines.filter((l) => l.change !== "same").map((l) => `${l.change} ${l.text}`)).toEqual([
      "removed Myofascial release: 20 min, light pressure",
      "added Myofascial release: 25 min, light pressure",
    ]);
    expect(diff.find((p) => p.part === "advice")!.lines.at(-1)).toEqual({ text: "Sleep well.", change: "added" });
    expect(diff.find((p) => p.part === "referral")!.changed).toBe(false);
    const swapped = create(PlanSchema, { ...before, steps: [before.steps[1]!, before.steps[0]!] });
    const order = planDiff(before, swapped).find((p) => p.part === "steps")!;
    expect(order).toMatchObject({ changed: false, reordered: true });
    const gone = planDiff(referred, before).find((p) => p.part === "referral")!;
    expect(gone.lines).toEqual([
      { text: "Urgent referral: fever", change: "removed" },
      { text: "No referral", change: "added" },
    ]);
  });
});
