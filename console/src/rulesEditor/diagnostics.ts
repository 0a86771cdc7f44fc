// The problems ValidateRuleSet finds (the messages of `modalis rules check`), placed where they
// are: at line:column in the JSON text, and at the rule and field a JSON pointer names in the form.
import type { Diagnostic } from "../gen/modalis/v1/rules_admin_pb.js";
import { Severity } from "../gen/modalis/v1/rules_admin_pb.js";
import { isObject, type Json, type Path } from "./json";

export interface Problem {
  severity: "error" | "warning";
  id: string;
  file: string;
  /** From 1; 0 when the server named no place. */
  line: number;
  /** From 1, in characters of the line. */
  column: number;
  pointer: string;
  message: string;
}

export function problemOfDiagnostic(d: Pick<Diagnostic, "severity" | "id" | "file" | "line" | "column" | "pointer" | "message">): Problem {
  return {
    severity: d.severity === Severity.WARNING ? "warning" : "error",
    id: d.id,
    file: d.file,
    line: d.line,
    column: d.column,
    pointer: d.pointer,
    message: d.message,
  };
}

/** "/rules/3/when/any/0" -> ["rules", "3", "when", "any", "0"], with ~1 and ~0 read back. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return [];
  return pointer
    .replace(/^\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function pointerOf(path: Path): string {
  return path.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/** Whether `pointer` is `prefix` or lies inside it (on segment boundaries). */
export function pointerWithin(pointer: string, prefix: string): boolean {
  if (prefix === "") return true;
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}

export type RuleList = "rules" | "course_rules";

export interface RulePlace {
  list: RuleList;
  index: number;
  /** The rest of the pointer inside the rule, e.g. "/when/finding"; "" for the rule itself. */
  rest: string;
}

/** The rule a pointer lies in, if any. */
export function ruleOfPointer(pointer: string): RulePlace | undefined {
  const m = /^\/(rules|course_rules)\/(\d+)((?:\/.*)?)$/.exec(pointer);
  if (!m) return undefined;
  return { list: m[1] as RuleList, index: Number(m[2]), rest: m[3] ?? "" };
}

// The fields the form shows for each part of a rule, so a problem is shown at the closest one.
const ACTION_FIELDS: Record<string, string[]> = {
  refer: ["urgency", "reason"],
  exclude: ["modality", "reason", "regions_from"],
  suggest: ["modality", "targets", "targets_from", "params", "priority"],
  advise: ["code", "also_when_referred"],
};

function conditionPointers(cond: Json | undefined, at: string, out: string[]): void {
  out.push(at);
  if (!isObject(cond)) return;
  for (const group of ["all", "any"] as const) {
    const items = cond[group];
    if (Array.isArray(items)) {
      out.push(`${at}/${group}`);
      items.forEach((c, i) => conditionPointers(c, `${at}/${group}/${i}`, out));
    }
  }
  if ("not" in cond) conditionPointers(cond.not, `${at}/not`, out);
  if ("finding" in cond) {
    for (const key of Object.keys(cond)) out.push(`${at}/${key}`);
  }
}

/** Every place of a rule the form shows, as JSON pointers into the rule file. */
export function fieldPointersOfRule(rule: Json | undefined, list: RuleList, index: number): string[] {
  const base = `/${list}/${index}`;
  const out = [base, `${base}/id`, `${base}/description`, `${base}/source`];
  if (!isObject(rule)) return out;
  conditionPointers(rule.when, `${base}/when`, out);
  if (list === "course_rules") {
    out.push(`${base}/course`);
    for (const f of ["frequency", "sessions_min", "sessions_max", "review_after_sessions"]) out.push(`${base}/course/${f}`);
  } else {
    out.push(`${base}/then`);
    const then = Array.isArray(rule.then) ? rule.then : [];
    then.forEach((action, i) => {
      const at = `${base}/then/${i}`;
      out.push(at);
      if (!isObject(action)) return;
      for (const [kind, fields] of Object.entries(ACTION_FIELDS)) {
        if (!(kind in action)) continue;
        out.push(`${at}/${kind}`);
        for (const f of fields) out.push(`${at}/${kind}/${f}`);
      }
    });
  }
  return out;
}

export interface Placed {
  /** Problems by the pointer of the field they are shown at. */
  byPointer: Map<string, Problem[]>;
  /** Problems no field claims. */
  unplaced: Problem[];
}

/** Each problem at the deepest of `pointers` that contains its pointer. */
export function placeProblems(problems: readonly Problem[], pointers: readonly string[]): Placed {
  const byPointer = new Map<string, Problem[]>();
  const unplaced: Problem[] = [];
  for (const p of problems) {
    let best: string | undefined;
    for (const candidate of pointers) {
      if (pointerWithin(p.pointer, candidate) && (best === undefined || candidate.length > best.length)) best = candidate;
    }
    if (best === undefined) unplaced.push(p);
    else byPointer.set(best, [...(byPointer.get(best) ?? []), p]);
  }
  return { byPointer, unplaced };
}

/** Problems per rule ("rules/3", "course_rules/0"), for marks in the list of rules. */
export function problemsPerRule(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of problems) {
    const place = ruleOfPointer(p.pointer);
    if (!place) continue;
    const key = `${place.list}/${place.index}`;
    out.set(key, [...(out.get(key) ?? []), p]);
  }
  return out;
}

export function countBySeverity(problems: readonly Problem[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const p of problems) {
    if (p.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/**
 * The offset in `text` (UTF-16 units, as editors count) of a 1-based line and column. `unit` says
 * what the column counts: characters (code points, as the server does), or bytes of UTF-8; a
 * column inside a character is rounded down to it. Out of range positions are clamped to the line.
 */
export function offsetAt(text: string, line: number, column: number, unit: "char" | "byte" = "char"): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return text.length;
    start = nl + 1;
  }
  const endOfLine = text.indexOf("\n", start);
  const lineEnd = endOfLine < 0 ? text.length : endOfLine;
  const col = Math.max(1, column) - 1;
  let counted = 0;
  let i = start;
  while (i < lineEnd) {
    const cp = text.codePointAt(i)!;
    const size = unit === "char" ? 1 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (counted + size > col) break;
    counted += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/**
 * Where a marker at `offset` should end: the end of the string, number, word or literal that
 * starts there, or the end of the line.
 */
export function tokenEnd(text: string, offset: number): number {
  if (offset >= text.length) return offset;
  const ch = text[offset];
  if (ch === '"') {
    let i = offset + 1;
    while (i < text.length && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
    return Math.min(text.length, i + 1);
  }
  const m = /^[^\s,:{}[\]"]+/.exec(text.slice(offset, offset + 200));
  if (m) return offset + m[0].length;
  return Math.min(text.length, offset + 1);
}

/**
 * The range a marker at `offset` covers: the token that starts there; or, when the place is the
 * end of a line (a missing comma, say), the last token before it on that line.
 */
export function markRange(text: string, offset: number): { from: number; to: number } {
  const ch = text[offset];
  if (ch !== undefined && !/\s/.test(ch)) return { from: offset, to: Math.max(offset + 1, tokenEnd(text, offset)) };
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  let p = offset - 1;
  while (p >= lineStart && /[ \t\r]/.test(text[p]!)) p--;
  if (p < lineStart) return { from: offset, to: offset };
  let start = p;
  if (text[p] === '"') {
    start = p - 1;
    while (start >= lineStart && !(text[start] === '"' && text[start - 1] !== "\\")) start--;
    if (start < lineStart) start = p;
  } else {
    while (start > lineStart && !/[\s,:{}[\]"]/.test(text[start - 1]!)) start--;
  }
  return { from: start, to: p + 1 };
}
