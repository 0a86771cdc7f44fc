import { describe, expect, test } from "vitest";
import { hrefOf, rulesRouteOf } from "./route";

describe("the Rules page's own places", () => {
  test("read from the hash after #/rules", () => {
    expect(rulesRouteOf("#/rules")).toEqual({ view: "list" });
    expect(rulesRouteOf("#/rules/")).toEqual({ view: "list" });
    expect(rulesRouteOf("#/rules/edit")).toEqual({ view: "edit" });
    expect(rulesRouteOf("#/rules/edit/triage.emergency.cauda-equina")).toEqual({
      view: "edit",
      ruleId: "triage.emergency.cauda-equina",
    });
    expect(rulesRouteOf("#/rules/edit/a%2Fb")).toEqual({ view: "edit", ruleId: "a/b" });
    expect(rulesRouteOf("#/rules/edit/%E0%A4%A")).toEqual({ view: "edit", ruleId: "%E0%A4%A" });
    expect(rulesRouteOf("#/rules/json")).toEqual({ view: "json" });
    expect(rulesRouteOf("#/rules/changes")).toEqual({ view: "changes" });
    expect(rulesRouteOf("#/rules/history")).toEqual({ view: "history" });
    expect(rulesRouteOf("#/rules/nonsense")).toEqual({ view: "list" });
    expect(rulesRouteOf("#/try")).toEqual({ view: "list" });
  });

  test("and written back", () => {
    for (const hash of ["#/rules", "#/rules/edit", "#/rules/edit/course.weekly", "#/rules/json", "#/rules/changes", "#/rules/history"]) {
      expect(hrefOf(rulesRouteOf(hash))).toBe(hash);
    }
    expect(hrefOf({ view: "edit", ruleId: "a/b" })).toBe("#/rules/edit/a%2Fb");
  });
});
