// The condition builder's rules, as the rule language defines them (docs/rule-language.md):
// which tests fit a finding's type, what value each test takes, and how a condition changes
// from one kind (a test, all, any, not, always) to another without losing what was written.
import type { FindingDef, FindingType, Vocabulary } from "../model/vocabulary";
import { isObject, type Json, type JsonObject } from "./json";

export type Operator =
  | "equals"
  | "one_of"
  | "contains"
  | "contains_any"
  | "contains_all"
  | "above"
  | "at_least"
  | "below"
  | "at_most"
  | "between"
  | "known";

export const OPERATORS: readonly Operator[] = [
  "equals",
  "one_of",
  "contains",
  "contains_any",
  "contains_all",
  "above",
  "at_least",
  "below",
  "at_most",
  "between",
  "known",
];

/** The test in words, for the operator picker. */
export const OPERATOR_WORDS: Record<Operator, string> = {
  equals: "is",
  one_of: "is one of",
  contains: "includes",
  contains_any: "includes any of",
  contains_all: "includes all of",
  above: "is above",
  at_least: "is at least",
  below: "is below",
  at_most: "is at most",
  between: "is between (both ends included)",
  known: "is recorded or not",
};

const NUMBER_OPERATORS: readonly Operator[] = ["equals", "above", "at_least", "below", "at_most", "between", "known"];

// Which tests each type of finding takes (core/rules/condition_compiler.cc): everything else is
// a type-mismatch error.
const BY_TYPE: Record<FindingType, readonly Operator[]> = {
  boolean: ["equals", "known"],
  integer: NUMBER_OPERATORS,
  number: NUMBER_OPERATORS,
  enum: ["equals", "one_of", "known"],
  set: ["contains", "contains_any", "contains_all", "known"],
  text_list: ["known"],
};

export function operatorsFor(type: FindingType | undefined): readonly Operator[] {
  return type ? BY_TYPE[type] : OPERATORS;
}

/** The test's operator: its one key other than "finding", if that is a test. */
export function operatorOf(test: JsonObject): Operator | undefined {
  const key = Object.keys(test).find((k) => k !== "finding");
  return key !== undefined && (OPERATORS as readonly string[]).includes(key) ? (key as Operator) : undefined;
}

/** Keys of a test other than finding: more than one is an extra-test error, none a missing-test. */
export function testKeys(test: JsonObject): string[] {
  return Object.keys(test).filter((k) => k !== "finding");
}

function firstValue(def: FindingDef): string {
  return def.values?.[0] ?? "";
}

function numberDefault(def: FindingDef): number {
  return def.min ?? 0;
}

/** A value that fits the operator for this finding, from `old` when it fits. */
export function valueFor(op: Operator, def: FindingDef | undefined, old?: Json): Json {
  const values = def?.values ?? [];
  const asList = (): string[] => {
    if (Array.isArray(old)) return old.filter((v): v is string => typeof v === "string" && values.includes(v));
    if (typeof old === "string" && values.includes(old)) return [old];
    return [];
  };
  const asNumber = (): number => {
    if (typeof old === "number") return old;
    if (Array.isArray(old) && typeof old[0] === "number") return old[0];
    return def ? numberDefault(def) : 0;
  };
  switch (op) {
    case "known":
      return typeof old === "boolean" ? old : true;
    case "equals":
      if (!def) return old ?? true;
      if (def.type === "boolean") return typeof old === "boolean" ? old : true;
      if (def.type === "integer" || def.type === "number") return asNumber();
      return asList()[0] ?? firstValue(def);
    case "one_of":
    case "contains_any":
    case "contains_all": {
      const list = asList();
      return list.length > 0 ? list : def && values.length > 0 ? [firstValue(def)] : [];
    }
    case "contains":
      return asList()[0] ?? (def ? firstValue(def) : "");
    case "above":
    case "at_least":
    case "below":
    case "at_most":
      return asNumber();
    case "between": {
      if (Array.isArray(old) && old.length === 2 && old.every((v) => typeof v === "number")) return old;
      const low = asNumber();
      const high = def?.max ?? low;
      return [low, Math.max(low, high)];
    }
  }
}

/** A new test of a finding: the first test its type takes, with a value it allows. */
export function defaultTest(def: FindingDef): JsonObject {
  const op: Operator = def.type === "boolean" ? "equals" : operatorsFor(def.type)[0]!;
  return { finding: def.code, [op]: valueFor(op, def) };
}

/** The test with another operator, keeping the value where it still fits. */
export function withOperator(test: JsonObject, op: Operator, def: FindingDef | undefined): JsonObject {
  const old = operatorOf(test);
  const oldValue = old !== undefined ? test[old] : undefined;
  return { finding: test.finding ?? "", [op]: valueFor(op, def, oldValue) };
}

/** The test of another finding: the same test and value where the new finding allows them. */
export function withFinding(test: JsonObject, def: FindingDef | undefined, code: string): JsonObject {
  if (!def) return { ...test, finding: code };
  const old = operatorOf(test);
  const allowed = operatorsFor(def.type);
  if (old && allowed.includes(old)) {
    const value = valueFor(old, def, test[old]);
    return { finding: code, [old]: value };
  }
  return defaultTest(def);
}

export type ConditionKind = "always" | "test" | "all" | "any" | "not" | "unknown";

export function conditionKind(c: Json | undefined): ConditionKind {
  if (c === "always") return "always";
  if (isObject(c)) {
    if (Array.isArray(c.all)) return "all";
    if (Array.isArray(c.any)) return "any";
    if ("not" in c) return "not";
    if ("finding" in c) return "test";
  }
  return "unknown";
}

export const KIND_WORDS: Record<ConditionKind, string> = {
  always: "Always",
  test: "A test of one finding",
  all: "All of these",
  any: "Any of these",
  not: "Not this",
  unknown: "Not understood",
};

/** The first boolean finding of the vocabulary, else the first finding: what a new test tests. */
export function firstFinding(vocabulary: Vocabulary): FindingDef | undefined {
  return vocabulary.findings.find((f) => f.type === "boolean") ?? vocabulary.findings[0];
}

export function newTest(vocabulary: Vocabulary): JsonObject {
  const def = firstFinding(vocabulary);
  return def ? defaultTest(def) : { finding: "", known: true };
}

/**
 * The condition as another kind, keeping what it holds: a test becomes the first member of a
 * new group, a group's members move to the other group kind, "not" wraps or unwraps.
 */
export function convertCondition(c: Json | undefined, kind: ConditionKind, vocabulary: Vocabulary): Json {
  const from = conditionKind(c);
  if (from === kind) return c ?? "always";
  const members = (): Json[] => {
    if (from === "all" || from === "any") return (c as JsonObject)[from] as Json[];
    if (from === "test" || from === "not") return [c!];
    return [newTest(vocabulary)];
  };
  switch (kind) {
    case "always":
      return "always";
    case "test": {
      if (from === "not") {
        const inner = (c as JsonObject).not;
        if (conditionKind(inner) === "test") return inner!;
      }
      if (from === "all" || from === "any") {
        const first = members().find((m) => conditionKind(m) === "test");
        if (first) return first;
      }
      return newTest(vocabulary);
    }
    case "all":
    case "any":
      return { [kind]: members() };
    case "not":
      return { not: from === "always" || from === "unknown" ? newTest(vocabulary) : c! };
    case "unknown":
      return c ?? "always";
  }
}
