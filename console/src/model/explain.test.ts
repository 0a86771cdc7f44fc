import { describe, expect, it } from "vitest";
import {
  adviceReasons,
  courseReasons,
  exclusionReasons,
  missingReasons,
  referralReasons,
  stepReasons,
  unusedCourseRules,
  whyNot,
  type PlanLike,
} from "./explain";
import { ruleSet } from "./testData";

const e = (ruleId: string, outcome: string, findings: string[] = [], description = ruleId) => ({
  ruleId,
  description,
  source: "src",
  outcome,
  findings,
});

// Shaped as modalisd answers for the desk worker with needle phobia, trimmed.
const plan: PlanLike = {
  referral: { ruleIds: [] },
  steps: [
    { modality: "myofascial_release", ruleIds: ["suggest.myofascial.trigger-points"] },
    { modality: "stretching_active_release", ruleIds: ["suggest.stretching.hamstrings"] },
  ],
  exclusions: [
    { modality: "dry_needling", reason: "needle phobia", source: "plugin:dry_needling", findings: ["needle_phobia"] },
    { modality: "dry_needling", reason: "takes anticoagulants", source: "exclude.dry-needling.anticoagulant", findings: ["anticoagulant_therapy"] },
    { modality: "auricular_acupuncture", reason: "declined", source: "declined", findings: ["modality_declined"] },
  ],
  explanation: [
    e("exclude.dry-needling.anticoagulant", "fired", ["anticoagulant_therapy"]),
    e("suggest.myofascial.trigger-points", "fired", ["trigger_points"]),
    e("suggest.stretching.hamstrings", "fired", ["hamstring_tight"]),
    e("advise.everyone", "fired"),
    e("advise.desk-work", "fired", ["work_type"]),
    e("plugin:dry_needling:needle-phobia", "fired", ["needle_phobia"]),
    e("plugin:dry_needling:no-consent", "fired", ["needling_consent"]),
    e("plugin:stretching_active_release:anticoagulant", "fired", ["anticoagulant_therapy"]),
    e("triage.urgent.cancer-history", "undecided", ["rf_history_of_cancer"]),
    e("triage.emergency.major-trauma", "not_fired", ["rf_major_trauma"]),
    e("advise.sleep", "not_fired", ["sleep_quality"]),
    e("course.weekly", "fired", ["pain_nprs"]),
  ],
};

describe("why: the rules behind each line", () => {
  it("names the suggesting rule of a step, then the plugin's cautions on it", () => {
    const reasons = stepReasons(plan, ruleSet, 1);
    expect(reasons.map((r) => r.ruleId)).toEqual([
      "suggest.stretching.hamstrings",
      "plugin:stretching_active_release:anticoagulant",
    ]);
    expect(reasons[0]!.rule?.description).toBe("Tight hamstrings");
    expect(reasons[0]!.findings).toEqual(["hamstring_tight"]);
    expect(reasons[1]!.rule).toBeUndefined();
  });

  it("finds a plugin floor by the findings of the exclusion", () => {
    expect(exclusionReasons(plan, ruleSet, 0).map((r) => r.ruleId)).toEqual(["plugin:dry_needling:needle-phobia"]);
  });

  it("finds a rule exclusion by its id", () => {
    const [r] = exclusionReasons(plan, ruleSet, 1);
    expect(r!.ruleId).toBe("exclude.dry-needling.anticoagulant");
    expect(r!.rule?.source).toBe("Clinic default [D]");
  });

  it("says what decided an exclusion that is no rule", () => {
    expect(exclusionReasons(plan, ruleSet, 2)).toEqual([
      { ruleId: "declined", description: "declined", source: "declined", outcome: "decided", findings: ["modality_declined"] },
    ]);
  });

  it("matches advice to the fired rules that give it", () => {
    expect(adviceReasons(plan, ruleSet, "desk_setup").map((r) => r.ruleId)).toEqual(["advise.desk-work"]);
    expect(adviceReasons(plan, ruleSet, "stay_active").map((r) => r.ruleId)).toEqual(["advise.everyone"]);
    expect(adviceReasons(plan, ruleSet, "sleep_hygiene")).toEqual([]);
  });

  it("matches the course to the course rule that set it, and the review", () => {
    expect(courseReasons(plan, ruleSet).map((r) => r.ruleId)).toEqual(["course.weekly"]);
    const reviewed = { ...plan, explanation: [...plan.explanation, e("course.review", "improved", ["pain_nprs"])] };
    expect(courseReasons(reviewed, ruleSet).map((r) => r.ruleId)).toEqual(["course.weekly", "course.review"]);
  });

  it("names the referral's rules, falling back on the rule file", () => {
    const referred = { ...plan, referral: { ruleIds: ["triage.emergency.cauda-equina"] } };
    const [r] = referralReasons(referred, ruleSet);
    expect(r).toMatchObject({ ruleId: "triage.emergency.cauda-equina", outcome: "fired" });
    expect(r!.rule?.then[0]).toMatchObject({ kind: "refer", urgency: "emergency" });
  });

  it("names the undecided rules behind a missing finding", () => {
    expect(missingReasons(plan, ruleSet, "rf_history_of_cancer").map((r) => r.ruleId)).toEqual([
      "triage.urgent.cancer-history",
    ]);
  });
});

describe("why not", () => {
  it("lists undecided rules first, then those that did not fire", () => {
    expect(whyNot(plan, ruleSet).map((r) => [r.ruleId, r.outcome])).toEqual([
      ["triage.urgent.cancer-history", "undecided"],
      ["triage.emergency.major-trauma", "not_fired"],
      ["advise.sleep", "not_fired"],
    ]);
  });

  it("names the course rules that were not the one", () => {
    expect(unusedCourseRules(plan, ruleSet).map((r) => r.id)).toEqual(["course.settled", "course.fortnightly"]);
  });
});
