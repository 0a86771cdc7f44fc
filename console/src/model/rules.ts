// The rule file as GetRuleSet returns it (canonical JSON of rules/*.rules.json), read into types.
// The server has compiled and checked it already, so anything unexpected is kept as "unknown"
// and shown as such rather than refused.

export type Test = {
  finding: string;
  equals?: boolean | number | string;
  one_of?: string[];
  contains?: string;
  contains_any?: string[];
  contains_all?: string[];
  above?: number;
  at_least?: number;
  below?: number;
  at_most?: number;
  between?: [number, number];
  known?: boolean;
};

export type Condition =
  | "always"
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | Test
  | { unknown: unknown };

export type ReferAction = { kind: "refer"; urgency: string; reason: string };
export type ExcludeAction = { kind: "exclude"; modality: string; reason: string; regionsFrom?: string };
export type SuggestAction = {
  kind: "suggest";
  modality: string;
  targets?: string[];
  targetsFrom?: string;
  params?: Record<string, unknown>;
  priority?: number;
};
export type AdviseAction = { kind: "advise"; code: string; alsoWhenReferred: boolean };
export type UnknownAction = { kind: "unknown"; raw: unknown };
export type Action = ReferAction | ExcludeAction | SuggestAction | AdviseAction | UnknownAction;

export type ActionKind = "refer" | "exclude" | "suggest" | "advise" | "course";

export interface CourseSpec {
  frequency: string;
  sessionsMin: number;
  sessionsMax: number;
  reviewAfterSessions: number;
}

export interface Rule {
  id: string;
  description: string;
  source: string;
  when: Condition;
  /** Position in its list, from 0. */
  index: number;
  isCourse: boolean;
  then: Action[];
  /** Only for course rules: "none" books nothing. */
  course?: CourseSpec | "none";
}

export interface ClinicSettings {
  requiredScreen: string[];
  askBeforeTreating: string[];
  sessionMinutes?: number;
}

export interface RuleSet {
  id: string;
  version: string;
  description: string;
  clinic: ClinicSettings;
  advice: Record<string, string>;
  rules: Rule[];
  courseRules: Rule[];
  byId: Map<string, Rule>;
  notImprovedAdvice?: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

export function parseCondition(raw: unknown): Condition {
  if (raw === "always") return "always";
  if (isObject(raw)) {
    if (Array.isArray(raw.all)) return { all: raw.all.map(parseCondition) };
    if (Array.isArray(raw.any)) return { any: raw.any.map(parseCondition) };
    if ("not" in raw) return { not: parseCondition(raw.not) };
    if (typeof raw.finding === "string") return raw as Test;
  }
  return { unknown: raw };
}

export function parseAction(raw: unknown): Action {
  if (!isObject(raw)) return { kind: "unknown", raw };
  const r = raw.refer;
  if (isObject(r)) return { kind: "refer", urgency: String(r.urgency ?? ""), reason: String(r.reason ?? "") };
  const e = raw.exclude;
  if (isObject(e)) {
    const a: ExcludeAction = { kind: "exclude", modality: String(e.modality ?? ""), reason: String(e.reason ?? "") };
    if (typeof e.regions_from === "string") a.regionsFrom = e.regions_from;
    return a;
  }
  const s = raw.suggest;
  if (isObject(s)) {
    const a: SuggestAction = { kind: "suggest", modality: String(s.modality ?? "") };
    if (Array.isArray(s.targets)) a.targets = strings(s.targets);
    if (typeof s.targets_from === "string") a.targetsFrom = s.targets_from;
    if (isObject(s.params)) a.params = s.params;
    if (typeof s.priority === "number") a.priority = s.priority;
    return a;
  }
  const adv = raw.advise;
  if (typeof adv === "string") return { kind: "advise", code: adv, alsoWhenReferred: false };
  if (isObject(adv) && typeof adv.code === "string") {
    return { kind: "advise", code: adv.code, alsoWhenReferred: adv.also_when_referred === true };
  }
  return { kind: "unknown", raw };
}

function parseCourse(raw: unknown): CourseSpec | "none" | undefined {
  if (raw === "none") return "none";
  if (!isObject(raw)) return undefined;
  return {
    frequency: String(raw.frequency ?? ""),
    sessionsMin: Number(raw.sessions_min ?? 0),
    sessionsMax: Number(raw.sessions_max ?? 0),
    reviewAfterSessions: Number(raw.review_after_sessions ?? 0),
  };
}

function parseRule(raw: unknown, index: number, isCourse: boolean): Rule | undefined {
  if (!isObject(raw) || typeof raw.id !== "string") return undefined;
  const rule: Rule = {
    id: raw.id,
    description: String(raw.description ?? ""),
    source: String(raw.source ?? ""),
    // A course rule without "when" always applies.
    when: raw.when === undefined ? "always" : parseCondition(raw.when),
    index,
    isCourse,
    then: Array.isArray(raw.then) ? raw.then.map(parseAction) : [],
  };
  if (isCourse) {
    const course = parseCourse(raw.course);
    if (course !== undefined) rule.course = course;
  }
  return rule;
}

export class RuleSetError extends Error {}

export function parseRuleSet(text: string): RuleSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RuleSetError(`the rule set is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new RuleSetError("the rule set is not a JSON object");
  const clinic = isObject(doc.clinic) ? doc.clinic : {};
  const rules = (Array.isArray(doc.rules) ? doc.rules : [])
    .map((r, i) => parseRule(r, i, false))
    .filter((r): r is Rule => r !== undefined);
  const courseRules = (Array.isArray(doc.course_rules) ? doc.course_rules : [])
    .map((r, i) => parseRule(r, i, true))
    .filter((r): r is Rule => r !== undefined);
  const advice: Record<string, string> = {};
  if (isObject(doc.advice)) {
    for (const [code, text] of Object.entries(doc.advice)) advice[code] = String(text);
  }
  const set: RuleSet = {
    id: String(doc.id ?? ""),
    version: String(doc.version ?? ""),
    description: String(doc.description ?? ""),
    clinic: {
      requiredScreen: strings(clinic.required_screen),
      askBeforeTreating: strings(clinic.ask_before_treating),
    },
    advice,
    rules,
    courseRules,
    byId: new Map([...rules, ...courseRules].map((r) => [r.id, r])),
  };
  if (typeof clinic.session_minutes === "number") set.clinic.sessionMinutes = clinic.session_minutes;
  if (isObject(doc.progress) && typeof doc.progress.not_improved_advice === "string") {
    set.notImprovedAdvice = doc.progress.not_improved_advice;
  }
  return set;
}

/** What a rule does, for filtering: its actions' kinds, or "course" for a course rule. */
export function kindsOf(rule: Rule): ActionKind[] {
  if (rule.isCourse) return ["course"];
  const kinds = new Set<ActionKind>();
  for (const a of rule.then) if (a.kind !== "unknown") kinds.add(a.kind);
  return [...kinds];
}

/** The modalities a rule's actions name. */
export function modalitiesOf(rule: Rule): string[] {
  const out = new Set<string>();
  for (const a of rule.then) if (a.kind === "exclude" || a.kind === "suggest") out.add(a.modality);
  return [...out];
}

/** Every finding a condition tests, in the order written, each once. */
export function findingsOf(cond: Condition, out: string[] = []): string[] {
  if (cond === "always") return out;
  if ("all" in cond) cond.all.forEach((c) => findingsOf(c, out));
  else if ("any" in cond) cond.any.forEach((c) => findingsOf(c, out));
  else if ("not" in cond) findingsOf(cond.not, out);
  else if ("finding" in cond && !out.includes(cond.finding)) out.push(cond.finding);
  return out;
}

/** Every test of one finding in a condition. */
export function testsOf(cond: Condition, finding: string, out: Test[] = []): Test[] {
  if (cond === "always") return out;
  if ("all" in cond) cond.all.forEach((c) => testsOf(c, finding, out));
  else if ("any" in cond) cond.any.forEach((c) => testsOf(c, finding, out));
  else if ("not" in cond) testsOf(cond.not, finding, out);
  else if ("finding" in cond && cond.finding === finding) out.push(cond);
  return out;
}
