import { describe, expect, test } from "vitest";
import { vocabulary } from "../model/testData";
import {
  conditionKind,
  convertCondition,
  defaultTest,
  operatorOf,
  operatorsFor,
  valueFor,
  withFinding,
  withOperator,
} from "./conditions";

const def = (code: string) => {
  const d = vocabulary.byCode.get(code);
  if (!d) throw new Error(`no finding ${code}`);
  return d;
};

describe("tests that fit a finding's type", () => {
  test("as the rule language defines them", () => {
    expect(operatorsFor("boolean")).toEqual(["equals", "known"]);
    expect(operatorsFor("integer")).toEqual(["equals", "above", "at_least", "below", "at_most", "between", "known"]);
    expect(operatorsFor("number")).toEqual(operatorsFor("integer"));
    expect(operatorsFor("enum")).toEqual(["equals", "one_of", "known"]);
    expect(operatorsFor("set")).toEqual(["contains", "contains_any", "contains_all", "known"]);
    expect(operatorsFor("text_list")).toEqual(["known"]);
  });

  test("a new test takes a value the vocabulary allows", () => {
    expect(defaultTest(def("pregnant"))).toEqual({ finding: "pregnant", equals: true });
    expect(defaultTest(def("pain_nprs"))).toEqual({ finding: "pain_nprs", equals: 0 });
    expect(defaultTest(def("work_type"))).toEqual({ finding: "work_type", equals: def("work_type").values![0] });
    expect(defaultTest(def("trigger_points"))).toEqual({ finding: "trigger_points", contains: "quadratus_lumborum" });
    expect(defaultTest(def("medications"))).toEqual({ finding: "medications", known: true });
  });

  test("changing the test keeps the value where it fits", () => {
    const t = { finding: "startback_risk", equals: "high" };
    expect(withOperator(t, "one_of", def("startback_risk"))).toEqual({ finding: "startback_risk", one_of: ["high"] });
    expect(withOperator({ finding: "pain_nprs", at_least: 4 }, "between", def("pain_nprs"))).toEqual({
      finding: "pain_nprs",
      between: [4, 10],
    });
    expect(withOperator({ finding: "pain_nprs", between: [4, 6] }, "below", def("pain_nprs"))).toEqual({
      finding: "pain_nprs",
      below: 4,
    });
    expect(operatorOf({ finding: "x", known: false })).toBe("known");
    expect(operatorOf({ finding: "x", equal: 4 })).toBeUndefined();
  });

  test("changing the finding keeps the test if the new type takes it, else starts again", () => {
    expect(withFinding({ finding: "pregnant", equals: true }, def("osteoporosis"), "osteoporosis")).toEqual({
      finding: "osteoporosis",
      equals: true,
    });
    expect(withFinding({ finding: "pregnant", equals: true }, def("pain_nprs"), "pain_nprs")).toEqual({
      finding: "pain_nprs",
      equals: 0,
    });
    expect(withFinding({ finding: "age", at_least: 50 }, def("pain_nprs"), "pain_nprs")).toEqual({
      finding: "pain_nprs",
      at_least: 50,
    });
    expect(withFinding({ finding: "pregnant", equals: true }, def("trigger_points"), "trigger_points")).toEqual({
      finding: "trigger_points",
      contains: "quadratus_lumborum",
    });
    // A code the vocabulary lacks is kept as typed, so its error shows at the field.
    expect(withFinding({ finding: "pregnant", equals: true }, undefined, "pregnnant")).toEqual({
      finding: "pregnnant",
      equals: true,
    });
  });

  test("values outside the vocabulary are dropped from lists", () => {
    expect(valueFor("contains_any", def("aggravating"), ["sitting", "flying"])).toEqual(["sitting"]);
    expect(valueFor("contains_any", def("aggravating"), ["flying"])).toEqual(["sitting"]);
  });
});

describe("condition kinds", () => {
  const test1 = { finding: "pregnant", equals: true };
  test("kinds", () => {
    expect(conditionKind("always")).toBe("always");
    expect(conditionKind({ all: [] })).toBe("all");
    expect(conditionKind({ any: [test1] })).toBe("any");
    expect(conditionKind({ not: test1 })).toBe("not");
    expect(conditionKind(test1)).toBe("test");
    expect(conditionKind({ alll: [] })).toBe("unknown");
  });

  test("a test becomes the first member of a group; groups swap; not wraps and unwraps", () => {
    expect(convertCondition(test1, "all", vocabulary)).toEqual({ all: [test1] });
    expect(convertCondition({ all: [test1, test1] }, "any", vocabulary)).toEqual({ any: [test1, test1] });
    expect(convertCondition(test1, "not", vocabulary)).toEqual({ not: test1 });
    expect(convertCondition({ not: test1 }, "test", vocabulary)).toEqual(test1);
    expect(convertCondition({ any: [{ all: [test1] }, test1] }, "test", vocabulary)).toEqual(test1);
    expect(convertCondition(test1, "always", vocabulary)).toBe("always");
    expect(conditionKind(convertCondition("always", "test", vocabulary))).toBe("test");
  });
});
