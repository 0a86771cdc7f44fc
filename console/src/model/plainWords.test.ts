import { describe, expect, it } from "vitest";
import {
  actionWords,
  conditionWords,
  courseWords,
  enteredWords,
  ruleWords,
  testWords,
  valueWords,
  type WordsContext,
} from "./plainWords";
import { parseAction, parseCondition } from "./rules";
import { ruleSet, vocabulary } from "./testData";
import { shortName } from "./words";

const ctx: WordsContext = { vocabulary };
const cond = (raw: unknown) => conditionWords(ctx, parseCondition(raw));

describe("finding names", () => {
  it("are the description up to its first clause, parentheses kept", () => {
    expect(shortName(vocabulary.byCode.get("rf_saddle_anaesthesia"), "rf_saddle_anaesthesia")).toBe(
      "saddle (perineal) numbness",
    );
    expect(shortName(vocabulary.byCode.get("rf_bladder_dysfunction"), "rf_bladder_dysfunction")).toBe(
      "bladder change (retention, incontinence)",
    );
  });

  it("keep names written in capitals", () => {
    expect(shortName(vocabulary.byCode.get("startback_total"), "startback_total")).toBe("STarT Back total score");
    expect(shortName(vocabulary.byCode.get("odi_percent"), "odi_percent")).toBe("Oswestry Disability Index");
  });

  it("fall back to the code in words", () => {
    expect(shortName(undefined, "new_finding")).toBe("new finding");
  });
});

describe("tests in plain words", () => {
  it("words each kind of test", () => {
    const t = (raw: object) => testWords(ctx, raw as never);
    expect(t({ finding: "pregnant", equals: true })).toBe("currently pregnant is yes");
    expect(t({ finding: "pregnant", equals: false })).toBe("currently pregnant is no");
    expect(t({ finding: "work_type", equals: "desk" })).toBe("main kind of work is desk");
    expect(t({ finding: "startback_risk", one_of: ["medium", "high"] })).toBe("STarT Back risk group is medium or high");
    expect(t({ finding: "aggravating", contains: "sitting" })).toBe("what makes the pain worse includes sitting");
    expect(t({ finding: "trigger_points", contains_any: ["piriformis", "gluteus_medius", "erector_spinae"] })).toBe(
      "muscles with active trigger points includes any of piriformis, gluteus medius or erector spinae",
    );
    expect(t({ finding: "aggravating", contains_all: ["sitting", "bending"] })).toBe(
      "what makes the pain worse includes all of sitting and bending",
    );
    expect(t({ finding: "age", above: 50 })).toBe("age in years is above 50");
    expect(t({ finding: "age", below: 16 })).toBe("age in years is below 16");
    expect(t({ finding: "pain_nprs", at_least: 4 })).toBe("pain now on the 0-10 numeric rating scale is 4 or more");
    expect(t({ finding: "pain_nprs", at_most: 2 })).toBe("pain now on the 0-10 numeric rating scale is 2 or less");
    expect(t({ finding: "pain_nprs", between: [4, 6] })).toBe("pain now on the 0-10 numeric rating scale is between 4 and 6");
    expect(t({ finding: "pregnant", known: false })).toBe("currently pregnant is not recorded");
    expect(t({ finding: "pregnant", known: true })).toBe("currently pregnant is recorded");
  });
});

describe("conditions in plain words", () => {
  it("joins any with or, all with and", () => {
    expect(
      cond({ any: [{ finding: "rf_saddle_anaesthesia", equals: true }, { finding: "rf_bladder_dysfunction", equals: true }] }),
    ).toBe("saddle (perineal) numbness is yes or bladder change (retention, incontinence) is yes");
    expect(
      cond({
        all: [
          { finding: "pregnant", equals: true },
          { finding: "age", above: 40 },
          { finding: "diabetes", equals: "controlled" },
        ],
      }),
    ).toBe("currently pregnant is yes, and age in years is above 40, and diabetes is controlled");
  });

  it("puts nested groups in parentheses", () => {
    expect(
      cond({
        all: [
          { finding: "rf_minor_trauma", equals: true },
          { any: [{ finding: "osteoporosis", equals: true }, { finding: "long_term_steroids", equals: true }] },
        ],
      }),
    ).toBe("minor trauma is yes and (osteoporosis is yes or long-term steroid use is yes)");
  });

  it("words not, and a group of one without parentheses", () => {
    expect(cond({ not: { finding: "pregnant", equals: true } })).toBe("not (currently pregnant is yes)");
    expect(cond({ not: { any: [{ finding: "pregnant", equals: true }, { finding: "age", below: 16 }] } })).toBe(
      "not (currently pregnant is yes or age in years is below 16)",
    );
    expect(cond({ all: [{ finding: "pregnant", equals: true }] })).toBe("currently pregnant is yes");
    expect(cond("always")).toBe("always");
  });
});

describe("actions in plain words", () => {
  const act = (raw: unknown) => actionWords(ctx, parseAction(raw));

  it("words each action the rule language has", () => {
    expect(act({ refer: { urgency: "emergency", reason: "send to A&E now" } })).toBe(
      "refer as an emergency (“send to A&E now”)",
    );
    expect(act({ refer: { urgency: "urgent", reason: "GP within days" } })).toBe("refer urgently (“GP within days”)");
    expect(act({ refer: { urgency: "routine", reason: "letter" } })).toBe("refer routinely (“letter”)");
    expect(act({ exclude: { modality: "dry_needling", reason: "takes anticoagulants" } })).toBe(
      "exclude dry needling (“takes anticoagulants”)",
    );
    expect(
      act({ exclude: { modality: "myofascial_release", reason: "operated site", regions_from: "recent_surgery_site" } }),
    ).toBe("exclude myofascial release on the regions that surgery in the last 12 weeks names (“operated site”)");
    expect(act({ suggest: { modality: "dry_needling", targets_from: "trigger_points", priority: 30 } })).toBe(
      "suggest dry needling on the muscles with active trigger points (priority 30)",
    );
    expect(act({ suggest: { modality: "stretching_active_release", targets: ["hip_flexors"] } })).toBe(
      "suggest stretching active release on hip flexors",
    );
    expect(act({ advise: "desk_setup" })).toBe("advise “desk setup”");
    expect(act({ advise: { code: "safety_net_ces", also_when_referred: true } })).toBe(
      "advise “safety net ces”, also when referred",
    );
  });

  it("uses modality names when they are known", () => {
    const named = { vocabulary, modalityNames: new Map([["dry_needling", "Dry needling"]]) };
    expect(actionWords(named, parseAction({ exclude: { modality: "dry_needling", reason: "r" } }))).toBe(
      "exclude dry needling (“r”)",
    );
  });

  it("words courses", () => {
    expect(courseWords({ frequency: "weekly", sessionsMin: 4, sessionsMax: 6, reviewAfterSessions: 4 })).toBe(
      "book weekly, 4 to 6 sessions, review after 4",
    );
    expect(courseWords({ frequency: "FORTNIGHTLY", sessionsMin: 2, sessionsMax: 2, reviewAfterSessions: 2 })).toBe(
      "book fortnightly (every two weeks), 2 sessions, review after 2",
    );
    expect(courseWords("none")).toBe("book no course");
  });
});

describe("whole rules of the live rule set", () => {
  const withAdvice: WordsContext = { vocabulary, advice: ruleSet.advice };

  it("words the cauda equina rule as a therapist would say it", () => {
    expect(ruleWords(withAdvice, ruleSet.byId.get("triage.emergency.cauda-equina")!)).toBe(
      "If saddle (perineal) numbness is yes, or bladder change (retention, incontinence) is yes, or " +
        "bowel incontinence or change is yes, or sexual dysfunction is yes, or radicular symptoms in both legs is yes, " +
        "then refer as an emergency (“possible cauda equina syndrome: send to A&E now”) and advise “Go to A&E now”.",
    );
  });

  it("words a rule that always applies, and a course rule", () => {
    expect(ruleWords(withAdvice, ruleSet.byId.get("advise.everyone")!)).toBe(
      "Always advise “Keep moving”, advise “Back pain is common and usually settles” and " +
        "advise “Do the exercise programme we agreed every day”.",
    );
    expect(ruleWords(ctx, ruleSet.byId.get("advise.everyone")!)).toBe(
      "Always advise “stay active”, advise “self management info” and advise “exercise programme”.",
    );
    expect(ruleWords(ctx, ruleSet.byId.get("course.fortnightly")!)).toBe(
      "Always book fortnightly (every two weeks), 2 to 3 sessions, review after 2.",
    );
  });

  it("words every rule without an unknown part", () => {
    for (const rule of [...ruleSet.rules, ...ruleSet.courseRules]) {
      expect(ruleWords(ctx, rule)).not.toMatch(/unknown/);
    }
  });

  it("keeps markup in a description or reason as text", () => {
    const a = parseAction({ exclude: { modality: "dry_needling", reason: "<script>alert(1)</script>" } });
    expect(actionWords(ctx, a)).toBe("exclude dry needling (“<script>alert(1)</script>”)");
  });
});

describe("entered values", () => {
  it("says not asked for an absent finding", () => {
    expect(enteredWords(vocabulary, {}, "pregnant")).toBe("not asked");
    expect(enteredWords(vocabulary, { pregnant: false }, "pregnant")).toBe("no");
    expect(enteredWords(vocabulary, { aggravating: [] }, "aggravating")).toBe("none");
    expect(enteredWords(vocabulary, { trigger_points: ["gluteus_medius"] }, "trigger_points")).toBe("gluteus medius");
    expect(valueWords(vocabulary.byCode.get("medications"), "co_codamol")).toBe("co_codamol");
  });
});
