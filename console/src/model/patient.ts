// The Patients page's pure parts: the patient reference in the hash (#/patients/<ref>), what a
// reference may hold, the outcome form, and server field errors placed at their fields.

// As the server checks it (adapters/suggest_request.cc): letters, digits, '.', '_', ':' and '-',
// at most 64 of them. A name has spaces or other letters and is refused.
const REF = /^[A-Za-z0-9._:-]{1,64}$/;

export function isValidRef(ref: string): boolean {
  return REF.test(ref);
}

/** Why a reference is refused, or undefined when it is fine. */
export function refError(ref: string): string | undefined {
  const r = ref.trim();
  if (r === "") return "Enter the patient's reference.";
  if (r.length > 64) return "A reference is at most 64 characters.";
  if (/\s/.test(r)) return "A reference has no spaces. Enter the pseudonymous reference, never a name.";
  if (!REF.test(r)) {
    return "A reference holds only letters, digits and . _ : - (for example P-0001). Never enter a name.";
  }
  return undefined;
}

/** The patient reference in a hash such as "#/patients/P-0001"; undefined when there is none. */
export function patientRefOf(hash: string): string | undefined {
  const m = /^#\/patients\/([^?]*)/.exec(hash);
  if (!m || m[1] === "") return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}

export function patientHash(ref: string): string {
  return `#/patients/${encodeURIComponent(ref)}`;
}

export interface NumberField {
  name: string;
  label: string;
  min: number;
  max: number;
  integer: boolean;
  required: boolean;
  unit: string;
}

/** RecordOutcome's fields, with the ranges the server enforces. */
export const OUTCOME_FIELDS: readonly NumberField[] = [
  { name: "session_number", label: "Session", min: 1, max: 1000, integer: true, required: true, unit: "1 for the first" },
  { name: "pain_nprs", label: "Pain (NPRS)", min: 0, max: 10, integer: false, required: true, unit: "0 to 10" },
  {
    name: "pain_days_per_week",
    label: "Days with pain in the last week",
    min: 0,
    max: 7,
    integer: false,
    required: true,
    unit: "0 to 7",
  },
  { name: "odi_percent", label: "Oswestry Disability Index", min: 0, max: 100, integer: false, required: false, unit: "0 to 100 %, optional" },
  { name: "rmdq", label: "Roland-Morris (RMDQ)", min: 0, max: 24, integer: false, required: false, unit: "0 to 24, optional" },
  { name: "psfs_avg", label: "Patient-Specific Functional Scale, average", min: 0, max: 10, integer: false, required: false, unit: "0 to 10, optional" },
];

export interface OutcomeValues {
  sessionNumber: number;
  painNprs: number;
  painDaysPerWeek: number;
  odiPercent?: number | undefined;
  rmdq?: number | undefined;
  psfsAvg?: number | undefined;
}

function checkNumber(field: NumberField, text: string): { value?: number; error?: string } {
  const t = text.trim();
  if (t === "") return field.required ? { error: `Enter ${field.label.toLowerCase()}: ${field.unit}.` } : {};
  if (t === "?" || !/^-?(\d+\.?\d*|\.\d+)$/.test(t)) return { error: `Enter a number (${field.unit}).` };
  const value = Number(t);
  if (field.integer && !Number.isInteger(value)) return { error: "Enter a whole number." };
  if (value < field.min || value > field.max) {
    return { error: `Out of range: enter a number from ${field.min} to ${field.max}.` };
  }
  return { value };
}

/** The outcome form's text as a RecordOutcome request, or an error for each field that is wrong. */
export function readOutcome(texts: Readonly<Record<string, string>>): {
  values?: OutcomeValues;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const v: Record<string, number | undefined> = {};
  for (const f of OUTCOME_FIELDS) {
    const { value, error } = checkNumber(f, texts[f.name] ?? "");
    if (error) errors[f.name] = error;
    else v[f.name] = value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    values: {
      sessionNumber: v.session_number!,
      painNprs: v.pain_nprs!,
      painDaysPerWeek: v.pain_days_per_week!,
      odiPercent: v.odi_percent,
      rmdq: v.rmdq,
      psfsAvg: v.psfs_avg,
    },
    errors,
  };
}

/** The session after the last one with an outcome, for the form's first guess. */
export function nextSession(sessions: readonly number[]): number {
  return sessions.length === 0 ? 1 : Math.max(...sessions) + 1;
}

/**
 * Server complaints placed at their fields: "pain_nprs: must be from 0 to 10" goes to pain_nprs.
 * `details` are src/api/errors.ts's "field: description" lines; a field not in `known` is left
 * for the form's general message.
 */
export function fieldErrorsOf(details: readonly string[], known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) {
    const m = /^([a-z_][a-z0-9_.]*):\s*(.*)$/.exec(d);
    if (!m) continue;
    const field = m[1]!.split(".").pop()!;
    if (known.includes(field)) out[field] = `The server refused this: ${m[2]}`;
  }
  return out;
}

/** When something was recorded, in the reader's time zone: "1 Dec 2025, 17:35". */
export function whenWords(ms: bigint | number): string {
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return "unknown time";
  return new Date(n).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}
