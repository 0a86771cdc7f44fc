// The draft of a rule file: its rules by place, what changed from the live rule set, new rules,
// and the version a new publication needs.
import type { Vocabulary } from "../model/vocabulary";
import { newTest } from "./conditions";
import type { RuleList } from "./diagnostics";
import { canonical, getAt, isObject, type Json, type JsonObject } from "./json";

export interface RuleRef {
  list: RuleList;
  index: number;
  id: string;
  description: string;
}

/** The rules and course rules of a rule file, in file order. */
export function rulesOf(doc: Json | undefined): RuleRef[] {
  const out: RuleRef[] = [];
  for (const list of ["rules", "course_rules"] as const) {
    const items = getAt(doc, [list]);
    if (!Array.isArray(items)) continue;
    items.forEach((r, index) => {
      const id = isObject(r) && typeof r.id === "string" ? r.id : "";
      const description = isObject(r) && typeof r.description === "string" ? r.description : "";
      out.push({ list, index, id, description });
    });
  }
  return out;
}

/** The place of the rule with this id (the first, should two share it). */
export function findRule(doc: Json | undefined, id: string): RuleRef | undefined {
  return rulesOf(doc).find((r) => r.id === id);
}

export type RuleChange = "new" | "changed" | "same";

/** How each rule of the draft differs from the live one with the same id. */
export function ruleChanges(draft: Json | undefined, live: Json | undefined): Map<string, RuleChange> {
  const liveById = new Map<string, string>();
  for (const list of ["rules", "course_rules"] as const) {
    const items = getAt(live, [list]);
    if (!Array.isArray(items)) continue;
    for (const r of items) if (isObject(r) && typeof r.id === "string") liveById.set(`${list}:${r.id}`, canonical(r));
  }
  const out = new Map<string, RuleChange>();
  for (const ref of rulesOf(draft)) {
    const rule = getAt(draft, [ref.list, ref.index]);
    const before = liveById.get(`${ref.list}:${ref.id}`);
    out.set(`${ref.list}/${ref.index}`, before === undefined ? "new" : before === canonical(rule ?? null) ? "same" : "changed");
  }
  return out;
}

export interface DraftSummary {
  added: string[];
  changed: string[];
  removed: string[];
  /** Anything outside the rules changed: version, advice texts, clinic settings... */
  otherChanged: string[];
}

/** What the draft changes, rule by rule, compared with the live rule file. */
export function summariseDraft(draft: Json | undefined, live: Json | undefined): DraftSummary {
  const summary: DraftSummary = { added: [], changed: [], removed: [], otherChanged: [] };
  const ids = (doc: Json | undefined) => new Set(rulesOf(doc).map((r) => `${r.list}:${r.id}`));
  const liveIds = ids(live);
  const draftIds = ids(draft);
  const changes = ruleChanges(draft, live);
  for (const ref of rulesOf(draft)) {
    const c = changes.get(`${ref.list}/${ref.index}`);
    if (c === "new") summary.added.push(ref.id);
    else if (c === "changed") summary.changed.push(ref.id);
  }
  for (const key of liveIds) if (!draftIds.has(key)) summary.removed.push(key.slice(key.indexOf(":") + 1));
  if (isObject(draft) && isObject(live)) {
    const keys = new Set([...Object.keys(draft), ...Object.keys(live)]);
    for (const k of keys) {
      if (k === "rules" || k === "course_rules") continue;
      if (canonical(draft[k] ?? null) !== canonical(live[k] ?? null)) summary.otherChanged.push(k);
    }
  }
  return summary;
}

export function isUnchanged(s: DraftSummary): boolean {
  return s.added.length + s.changed.length + s.removed.length + s.otherChanged.length === 0;
}

/** An id no rule of the draft has: "prefix", else "prefix-2", "prefix-3"... */
export function freshId(doc: Json | undefined, prefix: string): string {
  const taken = new Set(rulesOf(doc).map((r) => r.id));
  if (!taken.has(prefix)) return prefix;
  for (let n = 2; ; n++) if (!taken.has(`${prefix}-${n}`)) return `${prefix}-${n}`;
}

/** The advice codes the draft defines, in its order. */
export function adviceCodes(doc: Json | undefined): string[] {
  const advice = getAt(doc, ["advice"]);
  return isObject(advice) ? Object.keys(advice) : [];
}

/** A new rule: a test of the first yes/no finding, and advice (or a routine referral without advice). */
export function newRule(doc: Json | undefined, vocabulary: Vocabulary): JsonObject {
  const code = adviceCodes(doc)[0];
  return {
    id: freshId(doc, "clinic.new-rule"),
    description: "New rule: say what it is for",
    source: "Clinic practice",
    when: newTest(vocabulary),
    then: [code ? { advise: code } : { refer: { urgency: "routine", reason: "say why" } }],
  };
}

export function newCourseRule(doc: Json | undefined): JsonObject {
  return {
    id: freshId(doc, "course.new"),
    description: "New course rule: say when it applies",
    source: "Clinic practice",
    when: "always",
    course: { frequency: "weekly", sessions_min: 2, sessions_max: 4, review_after_sessions: 2 },
  };
}

/**
 * Where a new course rule goes: before a final catch-all ("when": "always" or no "when"), since
 * a course rule after it never applies; else at the end.
 */
export function newCourseRuleIndex(doc: Json | undefined): number {
  const items = getAt(doc, ["course_rules"]);
  if (!Array.isArray(items) || items.length === 0) return 0;
  const last = items[items.length - 1];
  const catchAll = isObject(last) && (last.when === undefined || last.when === "always");
  return catchAll ? items.length - 1 : items.length;
}

/** The next patch version: "0.3.0" -> "0.3.1"; otherwise the last number up by one, or ".1" added. */
export function nextVersion(version: string): string {
  const semver = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version);
  if (semver) return `${semver[1]}.${semver[2]}.${Number(semver[3]) + 1}`;
  const last = /(\d+)(?!.*\d)/.exec(version);
  if (last) {
    const at = last.index;
    return `${version.slice(0, at)}${Number(last[1]) + 1}${version.slice(at + last[1]!.length)}`;
  }
  return version === "" ? "0.0.1" : `${version}.1`;
}

/**
 * The version this draft must be published as: its own, unless a rule set of the same id is
 * already published under it with other content (plans would then name two rule sets by one
 * version); then the next patch version that is free, or under which exactly this content (with
 * that version) was published already, so publishing it again changes nothing. `shaOf` gives the
 * draft's hash with a given version (the server's check).
 */
export async function versionToPublish(
  version: string,
  shaOf: (version: string) => Promise<string>,
  published: ReadonlyArray<{ id: string; version: string; sha256: string }>,
  id: string,
): Promise<string> {
  let v = version;
  for (let tries = 0; tries < 50; tries++) {
    const taken = published.filter((p) => p.id === id && p.version === v).map((p) => p.sha256);
    if (taken.length === 0) return v;
    if (taken.includes(await shaOf(v))) return v;
    v = nextVersion(v);
  }
  return v;
}

/**
 * The text with its top-level "version" set, changing nothing else of its layout when the text
 * is JSON with a version; undefined when it cannot be done that way.
 */
export function withVersionInText(text: string, version: string): string | undefined {
  const m = /"version"(\s*:\s*)"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m) return undefined;
  const next = `${text.slice(0, m.index)}"version"${m[1]}${JSON.stringify(version)}${text.slice(m.index + m[0].length)}`;
  try {
    const doc = JSON.parse(next) as Json;
    return isObject(doc) && doc.version === version ? next : undefined;
  } catch {
    return undefined;
  }
}
