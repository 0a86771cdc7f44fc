import { describe, expect, test } from "vitest";
import { canonical as canonicalText, repoText, vocabulary } from "../model/testData";
import {
  adviceCodes,
  findRule,
  freshId,
  isUnchanged,
  newCourseRule,
  newCourseRuleIndex,
  newRule,
  nextVersion,
  ruleChanges,
  rulesOf,
  summariseDraft,
  versionToPublish,
  withVersionInText,
} from "./draft";
import { getAt, insertAt, pretty, removeAt, setAt, type Json } from "./json";

const live = JSON.parse(canonicalText(repoText("lower-back-pain.rules.json"))) as Json;

describe("the rules of a draft", () => {
  test("in file order, rules then course rules", () => {
    const refs = rulesOf(live);
    expect(refs[0]).toMatchObject({ list: "rules", index: 0, id: "triage.emergency.cauda-equina" });
    expect(refs.at(-1)).toMatchObject({ list: "course_rules", id: "course.fortnightly" });
    expect(findRule(live, "exclude.dry-needling.pregnancy")).toMatchObject({ list: "rules", index: 14 });
  });

  test("what changed from the live rules", () => {
    const i = findRule(live, "advise.everyone")!.index;
    let draft = insertAt(live, ["rules", i, "then"], { advise: "sleep_hygiene" });
    draft = removeAt(draft, ["rules", 0]);
    draft = insertAt(draft, ["rules"], newRule(draft, vocabulary));
    draft = setAt(draft, ["advice", "new_code"], "New advice.");
    const changes = ruleChanges(draft, live);
    expect(changes.get(`rules/${i - 1}`)).toBe("changed");
    expect(changes.get("rules/0")).toBe("same");
    const summary = summariseDraft(draft, live);
    expect(summary.changed).toEqual(["advise.everyone"]);
    expect(summary.removed).toEqual(["triage.emergency.cauda-equina"]);
    expect(summary.added).toEqual(["clinic.new-rule"]);
    expect(summary.otherChanged).toEqual(["advice"]);
    expect(isUnchanged(summariseDraft(JSON.parse(pretty(live)) as Json, live))).toBe(true);
  });

  test("new rules get ids no rule has, and fit the schema's required fields", () => {
    expect(freshId(live, "advise.everyone")).toBe("advise.everyone-2");
    const rule = newRule(live, vocabulary) as Record<string, unknown>;
    expect(Object.keys(rule)).toEqual(["id", "description", "source", "when", "then"]);
    expect(rule.then).toEqual([{ advise: adviceCodes(live)[0] }]);
    // A new course rule goes before the catch-all "always" one.
    expect(newCourseRuleIndex(live)).toBe(2);
    expect(getAt(newCourseRule(live), ["when"])).toBe("always");
  });
});

describe("the version a publication needs", () => {
  test("the next patch version", () => {
    expect(nextVersion("0.3.0")).toBe("0.3.1");
    expect(nextVersion("1.2.9-rc1")).toBe("1.2.10");
    expect(nextVersion("2024.1")).toBe("2024.2");
    expect(nextVersion("v7 draft")).toBe("v8 draft");
    expect(nextVersion("draft")).toBe("draft.1");
  });

  test("kept unless another content was published under it", async () => {
    const published = [
      { id: "lower-back-pain", version: "0.3.0", sha256: "aaa" },
      { id: "lower-back-pain", version: "0.3.1", sha256: "bbb" },
      { id: "neck-pain", version: "0.4.0", sha256: "ccc" },
    ];
    // The draft's hash with each version (the version is part of the content).
    const draft = (shas: Record<string, string>) => async (v: string) => shas[v] ?? `new-${v}`;
    expect(await versionToPublish("0.3.0", draft({ "0.3.0": "aaa" }), published, "lower-back-pain")).toBe("0.3.0");
    expect(await versionToPublish("0.3.0", draft({}), published, "lower-back-pain")).toBe("0.3.2");
    // Published before as 0.3.1: publishing it as 0.3.1 again changes nothing.
    expect(await versionToPublish("0.3.0", draft({ "0.3.1": "bbb" }), published, "lower-back-pain")).toBe("0.3.1");
    expect(await versionToPublish("0.4.0", draft({}), published, "lower-back-pain")).toBe("0.4.0");
  });

  test("set in the text without touching anything else", () => {
    const text = '{\n  "id": "x",\n  "version":   "0.3.0",\n  "description": "about \\"version\\": \\"9\\""\n}\n';
    expect(withVersionInText(text, "0.3.1")).toBe(text.replace('"0.3.0"', '"0.3.1"'));
    expect(withVersionInText("{", "1")).toBeUndefined();
  });
});
