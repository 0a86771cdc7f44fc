// The findings form, generated from the vocabulary, and the conversions between what the form
// holds and the findings object SuggestPlan takes. A finding that was not asked is absent from
// the form state and from the findings: it is unknown, never "no".
import { askingRank, GROUPS, type GroupInfo, groupOf, redFlagKind, type RedFlagKind } from "./groups";
import type { ClinicSettings } from "./rules";
import type { FindingDef, Vocabulary } from "./vocabulary";
import { humanize, labelOf, unitOf } from "./words";

/** How a finding is asked: yes/no radios, a number box, a select, checkboxes, or free text. */
export type FieldKind = "yesno" | "number" | "choice" | "multi" | "text";

export interface Option {
  value: string;
  label: string;
}

export interface Field {
  code: string;
  kind: FieldKind;
  label: string;
  def: FindingDef;
  unit?: string;
  min?: number;
  max?: number;
  integer: boolean;
  options: Option[];
  redFlag?: RedFlagKind;
}

export interface FormGroup extends GroupInfo {
  fields: Field[];
}

const KIND_OF_TYPE: Record<FindingDef["type"], FieldKind> = {
  boolean: "yesno",
  integer: "number",
  number: "number",
  enum: "choice",
  set: "multi",
  text_list: "text",
};

export function fieldOf(def: FindingDef, clinic?: ClinicSettings): Field {
  const field: Field = {
    code: def.code,
    kind: KIND_OF_TYPE[def.type],
    label: labelOf(def),
    def,
    integer: def.type === "integer",
    options: (def.values ?? []).map((v) => ({ value: v, label: humanize(v) })),
  };
  const unit = unitOf(def);
  if (unit) field.unit = unit;
  if (def.min !== undefined) field.min = def.min;
  if (def.max !== undefined) field.max = def.max;
  const flag = redFlagKind(def.code, clinic);
  if (flag) field.redFlag = flag;
  return field;
}

/** The form's groups in assessment order, each in asking order; empty groups are left out. */
export function buildForm(vocabulary: Vocabulary, clinic?: ClinicSettings): FormGroup[] {
  const byGroup = new Map<string, Field[]>();
  for (const def of vocabulary.findings) {
    const g = groupOf(def, clinic);
    const list = byGroup.get(g) ?? [];
    list.push(fieldOf(def, clinic));
    byGroup.set(g, list);
  }
  const rank = (f: Field) => askingRank(f.code, clinic);
  for (const fields of byGroup.values()) {
    fields.sort((a, b) => rank(a) - rank(b) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }
  return GROUPS.filter((g) => (byGroup.get(g.id)?.length ?? 0) > 0).map((g) => ({
    ...g,
    fields: byGroup.get(g.id)!,
  }));
}

export function fieldsOf(groups: readonly FormGroup[]): Map<string, Field> {
  return new Map(groups.flatMap((g) => g.fields).map((f) => [f.code, f]));
}

/**
 * What the form holds, per finding code; a code that is absent was not asked.
 * yesno: boolean; number: the text typed (never empty); choice: the value;
 * multi: the values ticked ([] = asked, none of them); text: the text typed (never empty).
 */
export type FieldValue = boolean | string | string[];
export type FormState = Readonly<Record<string, FieldValue>>;

export type Findings = Record<string, boolean | number | string | string[]>;

export interface Conversion {
  findings: Findings;
  /** Per code, what is wrong with what was entered; such a finding is not sent. */
  errors: Record<string, string>;
}

function rangeText(field: Field): string {
  if (field.min !== undefined && field.max !== undefined) return `from ${field.min} to ${field.max}`;
  if (field.min !== undefined) return `of ${field.min} or more`;
  if (field.max !== undefined) return `of ${field.max} or less`;
  return "";
}

/** Reads one number field's text; a message when it is not a number in range. */
export function parseNumber(field: Field, text: string): number | string {
  const t = text.trim();
  const n = t === "" ? NaN : Number(t);
  const kind = field.integer ? "a whole number" : "a number";
  const range = rangeText(field);
  const wanted = range ? `Enter ${kind} ${range}` : `Enter ${kind}`;
  if (!Number.isFinite(n)) return `${wanted}.`;
  if (field.integer && !Number.isInteger(n)) return `${wanted}.`;
  if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) {
    return `${wanted}.`;
  }
  return n;
}

/** Free-text lists (medications) are typed one per line or separated by commas. */
export function splitText(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function toFindings(fields: ReadonlyMap<string, Field>, state: FormState): Conversion {
  const findings: Findings = {};
  const errors: Record<string, string> = {};
  for (const [code, value] of Object.entries(state)) {
    const field = fields.get(code);
    if (!field) continue;
    switch (field.kind) {
      case "yesno":
        if (typeof value === "boolean") findings[code] = value;
        break;
      case "number": {
        if (typeof value !== "string" || value.trim() === "") break;
        const n = parseNumber(field, value);
        if (typeof n === "number") findings[code] = n;
        else errors[code] = n;
        break;
      }
      case "choice":
        if (typeof value === "string" && field.options.some((o) => o.value === value)) findings[code] = value;
        else if (typeof value === "string" && value !== "") errors[code] = `Choose one of the listed values.`;
        break;
      case "multi":
        if (Array.isArray(value)) {
          // In the vocabulary's order, so the same answers always send the same findings.
          findings[code] = field.options.map((o) => o.value).filter((v) => value.includes(v));
        }
        break;
      case "text":
        if (typeof value === "string" && splitText(value).length > 0) findings[code] = splitText(value);
        break;
    }
  }
  return { findings, errors };
}

export interface Loaded {
  state: Record<string, FieldValue>;
  /** Codes that the form has no field for, or whose value the field cannot hold. */
  ignored: string[];
}

/** Fills the form from a findings object (an example patient). */
export function fromFindings(fields: ReadonlyMap<string, Field>, findings: Readonly<Record<string, unknown>>): Loaded {
  const state: Record<string, FieldValue> = {};
  const ignored: string[] = [];
  for (const [code, value] of Object.entries(findings)) {
    const field = fields.get(code);
    const v = field ? fieldValueOf(field, value) : undefined;
    if (v === undefined) ignored.push(code);
    else state[code] = v;
  }
  return { state, ignored };
}

function fieldValueOf(field: Field, value: unknown): FieldValue | undefined {
  const known = (v: unknown) => typeof v === "string" && field.options.some((o) => o.value === v);
  switch (field.kind) {
    case "yesno":
      return typeof value === "boolean" ? value : undefined;
    case "number":
      return typeof value === "number" && typeof parseNumber(field, String(value)) === "number"
        ? String(value)
        : undefined;
    case "choice":
      return known(value) ? (value as string) : undefined;
    case "multi":
      return Array.isArray(value) && value.every(known) ? (value as string[]) : undefined;
    case "text":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join("\n") : undefined;
  }
}

/** The form state with one finding changed; `undefined` makes it "not asked" again. */
export function withValue(state: FormState, code: string, value: FieldValue | undefined): FormState {
  const next: Record<string, FieldValue> = { ...state };
  if (value === undefined) delete next[code];
  else next[code] = value;
  return next;
}
