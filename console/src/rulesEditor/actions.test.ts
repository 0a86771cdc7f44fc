import { describe, expect, test } from "vitest";
import { canonical as canonicalText, repoText } from "../model/testData";
import { actionKind, actionOfKind, adviseAction, adviseParts, withField } from "./actions";
import { convertCondition, withOperator } from "./conditions";
import { findRule } from "./draft";
import { getAt, insertAt, pretty, setAt, type Json, type JsonObject } from "./json";
import { vocabulary } from "../model/testData";

const live = JSON.parse(canonicalText(repoText("lower-back-pain.rules.json"))) as Json;
const defaults = { modality: "dry_needling", advice: "stay_active" };

describe("actions as the form edits them", () => {
  test("advise in its short form, and the object form only when kept on referral", () => {
    expect(adviseAction("desk_setup", false)).toEqual({ advise: "desk_setup" });
    expect(adviseAction("safety_net_ces", true)).toEqual({ advise: { code: "safety_net_ces", also_when_referred: true } });
    expect(adviseParts("desk_setup")).toEqual({ code: "desk_setup", alsoWhenReferred: false });
    expect(adviseParts({ code: "safety_net_ces", also_when_referred: true })).toEqual({ code: "safety_net_ces", alsoWhenReferred: true });
  });

  test("changing the kind keeps the modality and the reason where both kinds have them", () => {
    const exclude = { exclude: { modality: "myofascial_release", reason: "skin lesion" } };
    expect(actionKind(exclude)).toBe("exclude");
    expect(actionOfKind("suggest", exclude, defaults)).toEqual({ suggest: { modality: "myofascial_release" } });
    expect(actionOfKind("refer", exclude, defaults)).toEqual({ refer: { urgency: "routine", reason: "skin lesion" } });
    expect(actionOfKind("advise", exclude, defaults)).toEqual({ advise: "stay_active" });
    expect(actionOfKind("exclude", { advise: "x" }, defaults)).toEqual({ exclude: { modality: "dry_needling", reason: "say why" } });
  });

  test("an optional field cleared is left out, not written as null", () => {
    expect(withField({ modality: "x", priority: 3 }, "priority", undefined)).toEqual({ modality: "x" });
    expect(withField({ modality: "x" }, "targets_from", "trigger_points")).toEqual({ modality: "x", targets_from: "trigger_points" });
  });
});

describe("a rule edited by form, written back as JSON", () => {
  test("adding advice to a rule writes exactly that into the rule file", () => {
    const at = findRule(live, "advise.everyone")!;
    const edited = insertAt(live, ["rules", at.index, "then"], adviseAction("sleep_hygiene", false));
    const text = pretty(edited);
    const back = JSON.parse(text) as Json;
    expect(getAt(back, ["rules", at.index, "then"])).toEqual([
      { advise: "stay_active" },
      { advise: "self_management_info" },
      { advise: "exercise_programme" },
      { advise: "sleep_hygiene" },
    ]);
    // Nothing else of the file changes.
    expect(setAt(back, ["rules", at.index], getAt(live, ["rules", at.index])!)).toEqual(live);
    // The rule reads as the form writes it: id, description, source, when, then.
    expect(text).toContain('      "id": "advise.everyone",\n      "description": ');
  });

  test("a test's condition changed by form: a group around it, then another test", () => {
    const at = findRule(live, "exclude.dry-needling.pregnancy")!;
    const path = ["rules", at.index, "when"] as const;
    const when = getAt(live, [...path]) as JsonObject;
    expect(when).toEqual({ equals: true, finding: "pregnant" });
    let doc = setAt(live, [...path], convertCondition(when, "any", vocabulary));
    doc = insertAt(doc, [...path, "any"], { finding: "pregnancy_trimester", known: true });
    doc = setAt(doc, [...path, "any", 1], withOperator({ finding: "pregnancy_trimester", known: true }, "known", vocabulary.byCode.get("pregnancy_trimester")));
    const text = pretty(doc);
    expect(text).toContain(
      '"when": {\n        "any": [\n          {\n            "finding": "pregnant",\n            "equals": true\n          },\n          {\n            "finding": "pregnancy_trimester",\n            "known": true\n          }\n        ]\n      }',
    );
  });
});
