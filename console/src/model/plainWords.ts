// Rules in plain words: "If saddle (perineal) numbness is yes, or ... then refer as an emergency".
// Finding names come from the vocabulary's descriptions, so the wording follows the live rules.
import type { Action, Condition, CourseSpec, Rule, Test } from "./rules";
import type { FindingDef, Vocabulary } from "./vocabulary";
import { humanize, joinWords, shortName } from "./words";

export interface WordsContext {
  vocabulary: Vocabulary;
  /** Display names of modalities where known (plugins name them); otherwise the code in words. */
  modalityNames?: ReadonlyMap<string, string>;
  /** The rule set's advice texts, by code. */
  advice?: Readonly<Record<string, string>>;
}

/** Advice by the opening of its text ("Go to A&E now"), or its code in words when that is long. */
export function adviceName(ctx: WordsContext, code: string): string {
  const text = ctx.advice?.[code]?.trim() ?? "";
  const head = text.split(/[.:;]/)[0]!.trim();
  return head.length > 0 && head.length <= 60 ? head : humanize(code);
}

function findingName(ctx: WordsContext, code: string): string {
  return shortName(ctx.vocabulary.byCode.get(code), code);
}

export function modalityName(ctx: WordsContext, code: string): string {
  return ctx.modalityNames?.get(code)?.toLowerCase() ?? humanize(code);
}

/** A value of a finding in words: yes/no, a number, an enum value with spaces. */
export function valueWords(def: FindingDef | undefined, value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return def?.type === "text_list" ? value : humanize(value);
  if (Array.isArray(value)) {
    return value.length === 0 ? "none" : value.map((v) => valueWords(def, v)).join(", ");
  }
  return JSON.stringify(value);
}

function listWords(def: FindingDef | undefined, values: readonly unknown[], conj: "or" | "and"): string {
  return joinWords(values.map((v) => valueWords(def, v)), conj);
}

export function testWords(ctx: WordsContext, t: Test): string {
  const def = ctx.vocabulary.byCode.get(t.finding);
  const name = findingName(ctx, t.finding);
  if (t.equals !== undefined) return `${name} is ${valueWords(def, t.equals)}`;
  if (t.one_of) return `${name} is ${listWords(def, t.one_of, "or")}`;
  if (t.contains !== undefined) return `${name} includes ${valueWords(def, t.contains)}`;
  if (t.contains_any) {
    const any = t.contains_any.length === 1 ? "" : "any of ";
    return `${name} includes ${any}${listWords(def, t.contains_any, "or")}`;
  }
  if (t.contains_all) {
    const all = t.contains_all.length === 1 ? "" : "all of ";
    return `${name} includes ${all}${listWords(def, t.contains_all, "and")}`;
  }
  if (t.above !== undefined) return `${name} is above ${t.above}`;
  if (t.below !== undefined) return `${name} is below ${t.below}`;
  if (t.at_least !== undefined) return `${name} is ${t.at_least} or more`;
  if (t.at_most !== undefined) return `${name} is ${t.at_most} or less`;
  if (t.between) return `${name} is between ${t.between[0]} and ${t.between[1]}`;
  if (t.known !== undefined) return `${name} is ${t.known ? "recorded" : "not recorded"}`;
  const { finding: _finding, ...rest } = t;
  return `${name}: ${JSON.stringify(rest)}`;
}

function isGroup(c: Condition): boolean {
  return c !== "always" && (("all" in c && c.all.length > 1) || ("any" in c && c.any.length > 1));
}

export function conditionWords(ctx: WordsContext, c: Condition, nested = false): string {
  if (c === "always") return "always";
  if ("all" in c || "any" in c) {
    const items = "all" in c ? c.all : c.any;
    const conj = "all" in c ? "and" : "or";
    const parts = items.map((i) => conditionWords(ctx, i, true));
    const text = parts.length === 2 ? `${parts[0]} ${conj} ${parts[1]}` : parts.join(`, ${conj} `);
    return nested && items.length > 1 ? `(${text})` : text;
  }
  if ("not" in c) {
    const inner = conditionWords(ctx, c.not, true);
    return isGroup(c.not) ? `not ${inner}` : `not (${inner})`;
  }
  if ("finding" in c) return testWords(ctx, c);
  return `an unknown condition ${JSON.stringify(c.unknown)}`;
}

const URGENCY_WORDS: Record<string, string> = {
  emergency: "refer as an emergency",
  urgent: "refer urgently",
  routine: "refer routinely",
};

export function actionWords(ctx: WordsContext, a: Action): string {
  switch (a.kind) {
    case "refer":
      return `${URGENCY_WORDS[a.urgency] ?? `refer (${humanize(a.urgency)})`} (“${a.reason}”)`;
    case "exclude": {
      const where = a.regionsFrom ? ` on the regions that ${findingName(ctx, a.regionsFrom)} names` : "";
      return `exclude ${modalityName(ctx, a.modality)}${where} (“${a.reason}”)`;
    }
    case "suggest": {
      let text = `suggest ${modalityName(ctx, a.modality)}`;
      if (a.targets && a.targets.length > 0) text += ` on ${joinWords(a.targets.map(humanize), "and")}`;
      if (a.targetsFrom) text += ` on the ${findingName(ctx, a.targetsFrom)}`;
      if (a.params && Object.keys(a.params).length > 0) {
        const params = Object.entries(a.params).map(([k, v]) => `${humanize(k)} ${JSON.stringify(v)}`);
        text += ` with ${joinWords(params, "and")}`;
      }
      if (a.priority !== undefined) text += ` (priority ${a.priority})`;
      return text;
    }
    case "advise":
      return `advise “${adviceName(ctx, a.code)}”${a.alsoWhenReferred ? ", also when referred" : ""}`;
    default:
      return `an unknown action ${JSON.stringify(a.raw)}`;
  }
}

const FREQUENCY_WORDS: Record<string, string> = {
  twice_weekly: "twice a week",
  weekly: "weekly",
  fortnightly: "fortnightly (every two weeks)",
  monthly: "monthly",
};

export function frequencyWords(frequency: string): string {
  const key = frequency.toLowerCase();
  return FREQUENCY_WORDS[key] ?? humanize(key);
}

export function courseWords(course: CourseSpec | "none" | undefined): string {
  if (course === undefined) return "book an unknown course";
  if (course === "none") return "book no course";
  const sessions =
    course.sessionsMin === course.sessionsMax
      ? `${course.sessionsMin} sessions`
      : `${course.sessionsMin} to ${course.sessionsMax} sessions`;
  return `book ${frequencyWords(course.frequency)}, ${sessions}, review after ${course.reviewAfterSessions}`;
}

/** The whole rule as one sentence. */
export function ruleWords(ctx: WordsContext, rule: Rule): string {
  const actions = rule.isCourse
    ? courseWords(rule.course)
    : joinWords(rule.then.map((a) => actionWords(ctx, a)), "and");
  if (rule.when === "always") return `Always ${actions}.`;
  return `If ${conditionWords(ctx, rule.when)}, then ${actions}.`;
}

/** What was entered for a finding, in words; "not asked" when it was not sent. */
export function enteredWords(vocabulary: Vocabulary, findings: Readonly<Record<string, unknown>>, code: string): string {
  if (!(code in findings)) return "not asked";
  return valueWords(vocabulary.byCode.get(code), findings[code]);
}
