// The findings vocabulary as GetRuleSet returns it (rules/vocabulary.json, canonical JSON), read
// into the few facts the console needs. Unknown keys are ignored, so a newer vocabulary still loads.

export type FindingType = "boolean" | "integer" | "number" | "enum" | "set" | "text_list";

export interface FindingDef {
  code: string;
  type: FindingType;
  description: string;
  min?: number;
  max?: number;
  /** For enum and set findings: the allowed values, in the vocabulary's order. */
  values?: string[];
  /** The list a set's values come from (`values_from`), e.g. "targets". */
  valuesFrom?: string;
  /** A unit if the vocabulary declares one; otherwise derived from the code (see units.ts). */
  unit?: string;
  /** An enum whose values name body regions (`regions`): what an exclusion's `regions_from` takes. */
  namesRegions?: boolean;
}

export interface Constraint {
  id: string;
  description: string;
}

export interface Vocabulary {
  id: string;
  version: string;
  description: string;
  lists: Record<string, string[]>;
  /** In the order of the JSON received (canonical JSON sorts them by code). */
  findings: FindingDef[];
  byCode: Map<string, FindingDef>;
  constraints: Constraint[];
}

const TYPES: readonly FindingType[] = ["boolean", "integer", "number", "enum", "set", "text_list"];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export class VocabularyError extends Error {}

/** Reads the vocabulary from its JSON text. Throws VocabularyError when it is not one. */
export function parseVocabulary(text: string): Vocabulary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VocabularyError(`the vocabulary is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc.findings)) {
    throw new VocabularyError("the vocabulary has no findings");
  }
  const lists: Record<string, string[]> = {};
  if (isObject(doc.lists)) {
    for (const [name, items] of Object.entries(doc.lists)) lists[name] = strings(items) ?? [];
  }
  const findings: FindingDef[] = [];
  for (const [code, raw] of Object.entries(doc.findings)) {
    if (!isObject(raw) || !TYPES.includes(raw.type as FindingType)) continue;
    const def: FindingDef = {
      code,
      type: raw.type as FindingType,
      description: typeof raw.description === "string" ? raw.description : "",
    };
    const min = num(raw.min);
    const max = num(raw.max);
    if (min !== undefined) def.min = min;
    if (max !== undefined) def.max = max;
    const values = strings(raw.values);
    if (values) def.values = values;
    if (typeof raw.values_from === "string") {
      def.valuesFrom = raw.values_from;
      def.values = lists[raw.values_from] ?? [];
    }
    if (typeof raw.unit === "string") def.unit = raw.unit;
    if (isObject(raw.regions)) def.namesRegions = true;
    findings.push(def);
  }
  const constraints: Constraint[] = [];
  if (Array.isArray(doc.constraints)) {
    for (const c of doc.constraints) {
      if (isObject(c) && typeof c.id === "string") {
        constraints.push({ id: c.id, description: String(c.description ?? "") });
      }
    }
  }
  return {
    id: String(doc.id ?? ""),
    version: String(doc.version ?? ""),
    description: String(doc.description ?? ""),
    lists,
    findings,
    byCode: new Map(findings.map((f) => [f.code, f])),
    constraints,
  };
}
