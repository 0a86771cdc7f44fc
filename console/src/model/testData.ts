// The rule files of the repository, read as GetRuleSet would return them, for the unit tests.
import { readFileSync } from "node:fs";
import { parseRuleSet } from "./rules";
import { parseVocabulary } from "./vocabulary";

const rulesDir = new URL("../../../rules/", import.meta.url);

export function repoText(name: string): string {
  return readFileSync(new URL(name, rulesDir), "utf8");
}

/** Canonical JSON as the server sends it: keys sorted, no whitespace. */
export function canonical(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

export const vocabulary = parseVocabulary(canonical(repoText("vocabulary.json")));
export const ruleSet = parseRuleSet(canonical(repoText("lower-back-pain.rules.json")));
