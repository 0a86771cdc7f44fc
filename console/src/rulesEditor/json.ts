// JSON values and immutable edits at a path, for the rules draft: the form edits the parsed rule
// file and the file is written again from it, keys in the order a person reads them.

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}
export type Path = ReadonlyArray<string | number>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at a path, or undefined when the path leads nowhere. */
export function getAt(doc: Json | undefined, path: Path): Json | undefined {
  let cur: Json | undefined = doc;
  for (const key of path) {
    if (Array.isArray(cur) && typeof key === "number") cur = cur[key];
    else if (isObject(cur) && typeof key === "string") cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** A copy of doc with the value at path replaced (objects and arrays on the way are copied). */
export function setAt(doc: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (typeof key === "number") {
    const arr = Array.isArray(doc) ? [...doc] : [];
    arr[key] = setAt(arr[key] ?? null, rest, value);
    return arr;
  }
  const obj: JsonObject = isObject(doc) ? { ...doc } : {};
  obj[key!] = setAt(obj[key!] ?? null, rest, value);
  return obj;
}

/** A copy of doc without the value at path: an array item or an object key. */
export function removeAt(doc: Json, path: Path): Json {
  if (path.length === 0) return doc;
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  const parent = getAt(doc, parentPath);
  if (Array.isArray(parent) && typeof key === "number") {
    return setAt(doc, parentPath, parent.filter((_, i) => i !== key));
  }
  if (isObject(parent) && typeof key === "string") {
    const { [key]: _removed, ...rest } = parent;
    return setAt(doc, parentPath, rest);
  }
  return doc;
}

/** A copy of doc with value inserted into the array at path, before index (at the end if omitted). */
export function insertAt(doc: Json, path: Path, value: Json, index?: number): Json {
  const arr = getAt(doc, path);
  const list = Array.isArray(arr) ? [...arr] : [];
  list.splice(index ?? list.length, 0, value);
  return setAt(doc, path, list);
}

/** A copy of doc with the array item at path[index] moved by delta places. */
export function moveAt(doc: Json, path: Path, index: number, delta: number): Json {
  const arr = getAt(doc, path);
  if (!Array.isArray(arr)) return doc;
  const to = index + delta;
  if (to < 0 || to >= arr.length) return doc;
  const list = [...arr];
  const [item] = list.splice(index, 1);
  list.splice(to, 0, item!);
  return setAt(doc, path, list);
}

// The order keys are written in: what a person reads first comes first. A key not named here
// keeps its place after these (advice codes, modality minutes).
const KEY_ORDER = [
  "$schema",
  "id",
  "version",
  "description",
  "source",
  "finding",
  "clinic",
  "progress",
  "advice",
  "when",
  "then",
  "course",
  "rules",
  "course_rules",
  "refer",
  "exclude",
  "suggest",
  "advise",
  "urgency",
  "modality",
  "code",
  "reason",
  "regions_from",
  "targets",
  "targets_from",
  "params",
  "priority",
  "also_when_referred",
  "frequency",
  "sessions_min",
  "sessions_max",
  "review_after_sessions",
  "session_minutes",
  "qualifications",
  "modality_minutes",
  "required_screen",
  "ask_before_treating",
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

/** The same value with every object's keys in reading order. */
export function ordered(v: Json): Json {
  if (Array.isArray(v)) return v.map(ordered);
  if (!isObject(v)) return v;
  const keys = Object.keys(v);
  const known = keys.filter((k) => RANK.has(k)).sort((a, b) => RANK.get(a)! - RANK.get(b)!);
  const rest = keys.filter((k) => !RANK.has(k));
  const out: JsonObject = {};
  for (const k of [...known, ...rest]) out[k] = ordered(v[k]!);
  return out;
}

/** The rule file as the form writes it: keys in reading order, two spaces, a final newline. */
export function pretty(v: Json): string {
  return `${JSON.stringify(ordered(v), null, 2)}\n`;
}

/** Keys sorted, no whitespace: equal for two texts with the same content. */
export function canonical(v: Json): string {
  const sort = (x: Json): Json => {
    if (Array.isArray(x)) return x.map(sort);
    if (!isObject(x)) return x;
    const out: JsonObject = {};
    for (const k of Object.keys(x).sort()) out[k] = sort(x[k]!);
    return out;
  };
  return JSON.stringify(sort(v));
}

export type Parsed = { ok: true; doc: Json } | { ok: false; message: string };

export function parseJson(text: string): Parsed {
  try {
    return { ok: true, doc: JSON.parse(text) as Json };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
