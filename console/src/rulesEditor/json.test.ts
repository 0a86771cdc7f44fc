import { describe, expect, test } from "vitest";
import { canonical as canonicalText, repoText } from "../model/testData";
import { canonical, getAt, insertAt, moveAt, ordered, parseJson, pretty, removeAt, setAt, type Json } from "./json";

describe("edits at a path", () => {
  const doc: Json = { rules: [{ id: "a", then: [{ advise: "x" }] }, { id: "b" }], advice: { x: "X" } };

  test("setAt copies what it changes and nothing else", () => {
    const next = setAt(doc, ["rules", 0, "id"], "a2");
    expect(getAt(next, ["rules", 0, "id"])).toBe("a2");
    expect(getAt(doc, ["rules", 0, "id"])).toBe("a");
    expect(getAt(next, ["rules", 1])).toBe(getAt(doc, ["rules", 1]));
  });

  test("removeAt takes an array item or a key away", () => {
    expect(getAt(removeAt(doc, ["rules", 0]), ["rules"])).toEqual([{ id: "b" }]);
    expect(getAt(removeAt(doc, ["advice", "x"]), ["advice"])).toEqual({});
  });

  test("insertAt and moveAt", () => {
    expect(getAt(insertAt(doc, ["rules"], { id: "c" }, 1), ["rules", 1])).toEqual({ id: "c" });
    expect(getAt(insertAt(doc, ["rules"], { id: "c" }), ["rules", 2])).toEqual({ id: "c" });
    const moved = moveAt(doc, ["rules"], 1, -1);
    expect((getAt(moved, ["rules"]) as Json[]).map((r) => (r as { id: string }).id)).toEqual(["b", "a"]);
    expect(moveAt(doc, ["rules"], 0, -1)).toBe(doc);
  });
});

describe("the rule file as the form writes it", () => {
  test("keys in reading order: id, description, source, when, then; a test's finding first", () => {
    const rule = { then: [{ advise: "x" }], when: { equals: true, finding: "pregnant" }, source: "s", id: "r", description: "d" };
    expect(Object.keys(ordered(rule) as object)).toEqual(["id", "description", "source", "when", "then"]);
    expect(Object.keys((ordered(rule) as { when: object }).when)).toEqual(["finding", "equals"]);
  });

  test("the live rule file (canonical JSON) written again has the same content", () => {
    const live = canonicalText(repoText("lower-back-pain.rules.json"));
    const parsed = parseJson(live);
    expect(parsed.ok).toBe(true);
    const text = pretty((parsed as { doc: Json }).doc);
    expect(text.startsWith('{\n  "$schema"')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(canonical(JSON.parse(text) as Json)).toBe(live);
    // Two spaces per level, as the server's line:column are counted in this text.
    expect(text).toContain('\n  "rules": [\n    {\n      "id": "triage.emergency.cauda-equina",');
  });

  test("parseJson reports what does not parse", () => {
    const r = parseJson('{"a": 1,}');
    expect(r.ok).toBe(false);
  });
});
