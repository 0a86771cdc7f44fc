// Turning codes and descriptions into words a therapist reads.
import type { FindingDef } from "./vocabulary";

/** "non_mechanical" -> "non mechanical". */
export function humanize(code: string): string {
  return code.replace(/_/g, " ");
}

/** "dry_needling" -> "Dry needling". */
export function capitalized(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** A description without its closing full stop, for use as a label. */
export function labelOf(def: FindingDef): string {
  const d = def.description.trim().replace(/\.$/, "");
  return d.length > 0 ? d : capitalized(humanize(def.code));
}

/**
 * A finding's name inside a sentence: its description up to the first clause break outside
 * parentheses, with a lower-case first letter unless it starts an acronym ("STarT Back ...").
 * "Saddle (perineal) numbness, present now whatever the onset." -> "saddle (perineal) numbness".
 */
export function shortName(def: FindingDef | undefined, code: string): string {
  const text = def?.description.trim() ?? "";
  if (text.length === 0) return humanize(code);
  let depth = 0;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === "," || c === ";" || c === ".") && (i + 1 === text.length || text[i + 1] === " ")) {
      end = i;
      break;
    }
  }
  // A long closing aside ("(derived from the scores when ...)") explains the finding; it does
  // not name it.
  const head = text
    .slice(0, end)
    .replace(/\s*\(([^()]{30,})\)$/, "")
    .trim();
  // A name in capitals stays as written: "STarT Back ...", "Oswestry Disability Index".
  const [first = "", second = ""] = head.split(" ");
  const keepCase = /[A-Z]/.test(first.slice(1)) || /^[A-Z]/.test(second);
  return keepCase ? head : head[0]!.toLowerCase() + head.slice(1);
}

// The vocabulary declares no units (its schema has no such key), but codes name them by
// convention; a `unit` the vocabulary does declare wins.
const UNIT_SUFFIXES: ReadonlyArray<[RegExp, string]> = [
  [/_hours_per_day$/, "hours a day"],
  [/_days_per_week$/, "days a week"],
  [/_weeks$/, "weeks"],
  [/_percent$/, "%"],
  [/_nprs$/, "points (0-10)"],
  [/^age$/, "years"],
];

export function unitOf(def: FindingDef): string | undefined {
  if (def.unit) return def.unit;
  if (def.type !== "integer" && def.type !== "number") return undefined;
  for (const [pattern, unit] of UNIT_SUFFIXES) if (pattern.test(def.code)) return unit;
  return undefined;
}

/** "a", "a or b", "a, b or c". */
export function joinWords(items: readonly string[], conjunction: "or" | "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}
