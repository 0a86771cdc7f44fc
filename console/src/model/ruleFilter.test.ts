import { describe, expect, it } from "vitest";
import { filterRules } from "./ruleFilter";
import { kindsOf, modalitiesOf } from "./rules";
import { ruleSet } from "./testData";

const all = [...ruleSet.rules, ...ruleSet.courseRules];

describe("rule filters", () => {
  it("shows every rule when nothing is chosen", () => {
    expect(filterRules(all, { modality: "", kind: "" })).toHaveLength(all.length);
  });

  it("filters by what a rule does", () => {
    const refer = filterRules(all, { modality: "", kind: "refer" });
    expect(refer.length).toBeGreaterThan(0);
    expect(refer.every((r) => r.id.startsWith("triage."))).toBe(true);
    expect(filterRules(all, { modality: "", kind: "course" }).map((r) => r.id)).toEqual([
      "course.settled",
      "course.weekly",
      "course.fortnightly",
    ]);
  });

  it("filters by modality and kind together", () => {
    expect(filterRules(all, { modality: "dry_needling", kind: "suggest" }).map((r) => r.id)).toEqual([
      "suggest.dry-needling.trigger-points",
    ]);
    const excludes = filterRules(all, { modality: "dry_needling", kind: "exclude" });
    expect(excludes.length).toBe(5);
    expect(excludes.every((r) => modalitiesOf(r).includes("dry_needling") && kindsOf(r).includes("exclude"))).toBe(true);
  });
});
