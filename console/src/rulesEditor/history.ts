// Reading RulesAdmin.ListRuleSets: which hash the clinic's history has live (what an activation
// must name as expected_live_sha256), the version a hash was published as, and times in words.
import type { ListRuleSetsResponse } from "../gen/modalis/v1/rules_admin_pb.js";

type Lists = Pick<ListRuleSetsResponse, "published" | "activations" | "live">;

/**
 * The hash the clinic's own history has live for a condition: its newest activation's, or ""
 * when the clinic never activated one (the platform's then serves it).
 */
export function expectedLiveSha(lists: Pick<Lists, "activations">, condition: string): string {
  const newest = lists.activations
    .filter((a) => a.condition === condition)
    .reduce<(typeof lists.activations)[number] | undefined>((best, a) => (best === undefined || a.seq > best.seq ? a : best), undefined);
  return newest?.sha256 ?? "";
}

/** What serves the clinic for a condition now (its own or the platform's). */
export function liveFor(lists: Pick<Lists, "live">, condition: string) {
  return lists.live.find((l) => l.condition === condition);
}

/** The version a hash was published as; "" when the list does not hold it. */
export function versionOf(lists: Pick<Lists, "published">, sha256: string): string {
  return lists.published.find((p) => p.ruleSet?.sha256 === sha256)?.ruleSet?.version ?? "";
}

export function shortSha(sha256: string): string {
  return sha256.slice(0, 12);
}

/** "0.3.1 (3f7bdf4984e3)", or just the short hash when the version is not known; "none" for "". */
export function ruleSetWords(lists: Pick<Lists, "published">, sha256: string): string {
  if (sha256 === "") return "none";
  const version = versionOf(lists, sha256);
  return version ? `${version} (${shortSha(sha256)})` : shortSha(sha256);
}

/** "2026-12-01 17:48 UTC". */
export function timeWords(ms: bigint | number): string {
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return "unknown time";
  return `${new Date(n).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * The rule set a one-click rollback goes back to: what the newest activation of the condition
 * replaced, if anything.
 */
export function rollbackTarget(lists: Pick<Lists, "activations">, condition: string): string | undefined {
  const newest = lists.activations
    .filter((a) => a.condition === condition)
    .reduce<(typeof lists.activations)[number] | undefined>((best, a) => (best === undefined || a.seq > best.seq ? a : best), undefined);
  return newest && newest.replacedSha256 !== "" ? newest.replacedSha256 : undefined;
}
