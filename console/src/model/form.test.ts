import { describe, expect, it } from "vitest";
import { buildForm, fieldsOf, fromFindings, toFindings, withValue, type FormState } from "./form";
import { parseVocabulary } from "./vocabulary";
import { repoText, ruleSet, vocabulary } from "./testData";

const groups = buildForm(vocabulary, ruleSet.clinic);
const fields = fieldsOf(groups);

describe("form generation from the live vocabulary", () => {
  it("groups findings in assessment order, red flags first", () => {
    expect(groups.map((g) => g.id)).toEqual(["red_flags", "episode", "health", "examination", "psychosocial", "care"]);
  });

  it("puts every finding of the vocabulary on the form exactly once", () => {
    const codes = groups.flatMap((g) => g.fields.map((f) => f.code));
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(vocabulary.findings.map((f) => f.code).sort());
  });

  it("asks the required screen first, then ask-before-treating, from the clinic settings", () => {
    const red = groups[0]!.fields.map((f) => f.code);
    expect(red.slice(0, 6)).toEqual(ruleSet.clinic.requiredScreen);
    expect(red.slice(6, 12)).toEqual(ruleSet.clinic.askBeforeTreating);
    expect(groups[0]!.fields[0]!.redFlag).toBe("required_screen");
    expect(groups[0]!.fields[7]!.redFlag).toBe("ask_before_treating");
  });

  it("orders each group as it is asked, whatever the order of the JSON", () => {
    const episode = groups.find((g) => g.id === "episode")!.fields.map((f) => f.code);
    expect(episode.slice(0, 3)).toEqual(["age", "pregnant", "pregnancy_trimester"]);
    const fromFile = buildForm(parseVocabulary(repoText("vocabulary.json")), ruleSet.clinic);
    expect(fromFile.map((g) => g.fields.map((f) => f.code))).toEqual(groups.map((g) => g.fields.map((f) => f.code)));
  });

  it("places findings by code and by pattern", () => {
    const groupOf = (code: string) => groups.find((g) => g.fields.some((f) => f.code === code))?.id;
    expect(groupOf("anticoagulant_therapy")).toBe("health");
    expect(groupOf("thomas_test")).toBe("examination");
    expect(groupOf("startback_total")).toBe("psychosocial");
    expect(groupOf("pain_nprs")).toBe("episode");
    expect(groupOf("baseline_pain_nprs")).toBe("care");
    expect(groupOf("modality_declined")).toBe("care");
  });

  it("chooses the input from the finding's type", () => {
    expect(fields.get("pregnant")!.kind).toBe("yesno");
    expect(fields.get("age")).toMatchObject({ kind: "number", integer: true, min: 0, max: 120, unit: "years" });
    expect(fields.get("pain_nprs")).toMatchObject({ kind: "number", integer: false, min: 0, max: 10 });
    expect(fields.get("sitting_hours_per_day")!.unit).toBe("hours a day");
    expect(fields.get("work_type")!.kind).toBe("choice");
    expect(fields.get("night_pain")!.options.map((o) => o.label)).toEqual(["none", "positional", "non mechanical"]);
    expect(fields.get("aggravating")!.kind).toBe("multi");
    expect(fields.get("medications")!.kind).toBe("text");
  });

  it("takes a set's values from the list it names", () => {
    expect(fields.get("trigger_points")!.options.map((o) => o.value)).toEqual(vocabulary.lists.targets);
    expect(fields.get("modality_declined")!.options.map((o) => o.value)).toEqual(vocabulary.lists.modalities);
  });

  it("labels a finding with its description", () => {
    expect(fields.get("rf_saddle_anaesthesia")!.label).toBe("Saddle (perineal) numbness, present now whatever the onset");
  });

  it("keeps a finding of a group it does not know under Other findings", () => {
    const v = parseVocabulary(
      JSON.stringify({
        id: "v",
        version: "1",
        findings: {
          rf_new_flag: { type: "boolean", description: "A new flag." },
          shoe_size: { type: "integer", min: 1, max: 50, description: "Shoe size." },
        },
      }),
    );
    const g = buildForm(v);
    expect(g.map((x) => [x.id, x.fields.map((f) => f.code)])).toEqual([
      ["red_flags", ["rf_new_flag"]],
      ["other", ["shoe_size"]],
    ]);
    const withNew = parseVocabulary(
      JSON.stringify({
        id: "v",
        version: "1",
        findings: {
          pain_at_rest: { type: "boolean", description: "Pain at rest." },
          age: { type: "integer", description: "Age." },
        },
      }),
    );
    expect(buildForm(withNew)[0]!.fields.map((f) => f.code)).toEqual(["age", "pain_at_rest"]);
    expect(g[0]!.fields[0]!.redFlag).toBe("red_flag");
  });
});

describe("form state to findings", () => {
  it("leaves out every finding that was not asked", () => {
    expect(toFindings(fields, {})).toEqual({ findings: {}, errors: {} });
  });

  it("sends no as false, distinct from not asked", () => {
    let state: FormState = withValue({}, "pregnant", false);
    expect(toFindings(fields, state).findings).toEqual({ pregnant: false });
    state = withValue(state, "pregnant", undefined);
    expect(toFindings(fields, state).findings).toEqual({});
  });

  it("reads numbers and checks whole numbers and ranges", () => {
    const state = { pain_nprs: "6.5", age: "42", sitting_hours_per_day: " " };
    expect(toFindings(fields, state)).toEqual({ findings: { pain_nprs: 6.5, age: 42 }, errors: {} });
    const bad = toFindings(fields, { pain_nprs: "11", age: "4.5", pain_days_per_week: "?" });
    expect(bad.findings).toEqual({});
    expect(bad.errors).toEqual({
      pain_nprs: "Enter a number from 0 to 10.",
      age: "Enter a whole number from 0 to 120.",
      pain_days_per_week: "Enter a number from 0 to 7.",
    });
  });

  it("sends a choice only when it is one of the values", () => {
    expect(toFindings(fields, { work_type: "desk" }).findings).toEqual({ work_type: "desk" });
    expect(toFindings(fields, { work_type: "office" }).errors).toHaveProperty("work_type");
  });

  it("sends an asked list with nothing ticked as an empty list, in the vocabulary's order", () => {
    expect(toFindings(fields, { aggravating: [] }).findings).toEqual({ aggravating: [] });
    expect(toFindings(fields, { aggravating: ["bending", "sitting"] }).findings).toEqual({
      aggravating: ["sitting", "bending"],
    });
  });

  it("splits free text into a list, and sends nothing for blank text", () => {
    expect(toFindings(fields, { medications: "ibuprofen\n naproxen, codeine " }).findings).toEqual({
      medications: ["ibuprofen", "naproxen", "codeine"],
    });
    expect(toFindings(fields, { medications: " \n" }).findings).toEqual({});
  });

  it("ignores codes the form does not have", () => {
    expect(toFindings(fields, { nprs_now: "7" }).findings).toEqual({});
  });
});

describe("findings to form state", () => {
  it("round-trips a full assessment", () => {
    const findings = {
      pain_nprs: 6,
      age: 42,
      pregnant: false,
      work_type: "desk",
      aggravating: ["sitting", "bending"],
      trigger_points: [],
      medications: ["ibuprofen"],
    };
    const loaded = fromFindings(fields, findings);
    expect(loaded.ignored).toEqual([]);
    expect(toFindings(fields, loaded.state)).toEqual({ findings, errors: {} });
  });

  it("reports codes and values the form cannot hold", () => {
    const loaded = fromFindings(fields, { nprs_now: 7, pain_nprs: 12, work_type: "office", pregnant: "yes", age: 40 });
    expect(loaded.ignored.sort()).toEqual(["nprs_now", "pain_nprs", "pregnant", "work_type"]);
    expect(loaded.state).toEqual({ age: "40" });
  });
});
