import { describe, expect, test } from "vitest";
import { Severity } from "../gen/modalis/v1/rules_admin_pb.js";
import { canonical as canonicalText, repoText } from "../model/testData";
import {
  countBySeverity,
  fieldPointersOfRule,
  markRange,
  offsetAt,
  placeProblems,
  pointerOf,
  pointerSegments,
  problemOfDiagnostic,
  problemsPerRule,
  ruleOfPointer,
  tokenEnd,
  type Problem,
} from "./diagnostics";
import { getAt, pretty, type Json } from "./json";

const problem = (pointer: string, message = "m", severity: Problem["severity"] = "error"): Problem => ({
  severity,
  id: "x",
  file: "lower-back-pain.rules.json",
  line: 1,
  column: 1,
  pointer,
  message,
});

describe("JSON pointers", () => {
  test("segments and back, with ~0 and ~1", () => {
    expect(pointerSegments("/rules/3/when/finding")).toEqual(["rules", "3", "when", "finding"]);
    expect(pointerSegments("/advice/a~1b~0c")).toEqual(["advice", "a/b~c"]);
    expect(pointerSegments("")).toEqual([]);
    expect(pointerOf(["advice", "a/b~c"])).toBe("/advice/a~1b~0c");
    expect(pointerOf(["rules", 3, "when"])).toBe("/rules/3/when");
  });

  test("the rule a pointer lies in", () => {
    expect(ruleOfPointer("/rules/14/when/finding")).toEqual({ list: "rules", index: 14, rest: "/when/finding" });
    expect(ruleOfPointer("/course_rules/2")).toEqual({ list: "course_rules", index: 2, rest: "" });
    expect(ruleOfPointer("/advice/x")).toBeUndefined();
    expect(ruleOfPointer("/rules")).toBeUndefined();
  });

  test("a diagnostic from the server becomes a problem", () => {
    const p = problemOfDiagnostic({
      severity: Severity.WARNING,
      id: "never-fires",
      file: "f",
      line: 3,
      column: 4,
      pointer: "/rules/0",
      message: "m",
    });
    expect(p.severity).toBe("warning");
    expect(p.line).toBe(3);
  });
});

describe("problems placed at the rule and field of the form", () => {
  const rule: Json = {
    id: "r",
    description: "d",
    source: "s",
    when: { any: [{ finding: "pregnant", equals: true }, { not: { finding: "age", one_of: ["x", "y"] } }] },
    then: [{ exclude: { modality: "dry_needling", reason: "r" } }, { advise: "desk_setup" }],
  };
  const pointers = fieldPointersOfRule(rule, "rules", 14);

  test("the form's places of a rule", () => {
    expect(pointers).toContain("/rules/14/when/any/0/finding");
    expect(pointers).toContain("/rules/14/when/any/1/not/one_of");
    expect(pointers).toContain("/rules/14/then/0/exclude/modality");
    expect(pointers).toContain("/rules/14/then/1/advise");
  });

  test("each problem at the deepest place that holds it; others are left over", () => {
    const placed = placeProblems(
      [
        problem("/rules/14/when/any/0/finding", "unknown finding"),
        problem("/rules/14/when/any/1/not/one_of/1", "unknown value"),
        problem("/rules/14/then/1/advise", "unknown advice"),
        problem("/rules/14", "repeated rule", "warning"),
        problem("/rules/140/when", "another rule"),
        problem("/version", "version"),
      ],
      pointers,
    );
    expect(placed.byPointer.get("/rules/14/when/any/0/finding")?.map((p) => p.message)).toEqual(["unknown finding"]);
    expect(placed.byPointer.get("/rules/14/when/any/1/not/one_of")?.map((p) => p.message)).toEqual(["unknown value"]);
    expect(placed.byPointer.get("/rules/14/then/1/advise")?.map((p) => p.message)).toEqual(["unknown advice"]);
    expect(placed.byPointer.get("/rules/14")?.map((p) => p.message)).toEqual(["repeated rule"]);
    expect(placed.unplaced.map((p) => p.message)).toEqual(["another rule", "version"]);
  });

  test("per rule, and counted", () => {
    const per = problemsPerRule([problem("/rules/2/when"), problem("/rules/2/then/0"), problem("/course_rules/0"), problem("/version")]);
    expect(per.get("rules/2")?.length).toBe(2);
    expect(per.get("course_rules/0")?.length).toBe(1);
    expect(countBySeverity([problem("/a"), problem("/b", "m", "warning")])).toEqual({ errors: 1, warnings: 1 });
  });
});

describe("line and column to a place in the text", () => {
  test("characters", () => {
    const text = 'a\n  "b": 1\nc';
    expect(text[offsetAt(text, 2, 3)]).toBe('"');
    expect(offsetAt(text, 9, 1)).toBe(text.length);
    expect(offsetAt(text, 1, 99)).toBe(1);
  });

  test("a column after a character outside the first plane counts it once", () => {
    const text = '{"d": "😀", "x": 1}';
    const utf16 = text.indexOf('"x"');
    expect(offsetAt(text, 1, utf16, "char")).toBe(utf16);
  });

  test("bytes of UTF-8: a column after a non-ASCII character", () => {
    const text = '{"d": "A – B", "x": 1}';
    // "–" is three bytes: the byte column of `"x"` is three more than its character column.
    const charCol = text.indexOf('"x"') + 1;
    expect(offsetAt(text, 1, charCol + 2, "byte")).toBe(charCol - 1);
    expect(offsetAt(text, 1, charCol, "char")).toBe(charCol - 1);
  });

  test("a marker covers the token at the place", () => {
    const text = '{"finding": "pregnnant", "equals": true}';
    const at = text.indexOf('"pregnnant"');
    expect(text.slice(at, tokenEnd(text, at))).toBe('"pregnnant"');
    const t = text.indexOf("true");
    expect(text.slice(t, tokenEnd(text, t))).toBe("true");
  });

  test("at the end of a line (a missing comma), the marker covers the last token before it", () => {
    const text = '{\n  "id": "r1"\n  "description": "d"\n}';
    const end = text.indexOf('"r1"') + 4;
    const r = markRange(text, end);
    expect(text.slice(r.from, r.to)).toBe('"r1"');
    const n = '{"a": 12  \n}';
    const r2 = markRange(n, n.indexOf("12") + 4);
    expect(n.slice(r2.from, r2.to)).toBe("12");
    const at = text.indexOf('"description"');
    expect(text.slice(markRange(text, at).from, markRange(text, at).to)).toBe('"description"');
  });

  test("the pretty text of the live rule file has the rule's finding where a pointer names it", () => {
    const doc = JSON.parse(canonicalText(repoText("lower-back-pain.rules.json"))) as Json;
    const text = pretty(doc);
    // The form writes rules with two spaces per level; a test's "finding" line is found by its value.
    const finding = getAt(doc, ["rules", 14, "when", "finding"]);
    expect(finding).toBe("pregnant");
    expect(text).toContain('"finding": "pregnant"');
  });
});
