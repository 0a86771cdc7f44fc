// Which part of the assessment each finding belongs to. The vocabulary declares no groups, so
// they are derived here, in the order an assessment is done: red flags, the history of this
// episode, health and treatment safety, examination, psychosocial, care so far.
//
// The mapping, first match wins:
//  1. a finding the rule set's clinic settings name in `required_screen` or `ask_before_treating`,
//     or whose code starts with `rf_`: red flags (required screen first, then ask before treating);
//  2. a code listed in ASKING_ORDER below (the codes of the vocabulary as shipped);
//  3. a code pattern in GROUP_OF_PATTERN (for codes added later, after the listed ones);
//  4. otherwise "Other findings", at the end: a new finding is never left off the form.
import type { ClinicSettings } from "./rules";
import type { FindingDef } from "./vocabulary";

export type GroupId = "red_flags" | "episode" | "health" | "examination" | "psychosocial" | "care" | "other";

export interface GroupInfo {
  id: GroupId;
  title: string;
  description: string;
}

export const GROUPS: readonly GroupInfo[] = [
  {
    id: "red_flags",
    title: "Red flags",
    description: "Ask every one directly. The required screen must be answered before any treatment.",
  },
  { id: "episode", title: "History: this episode", description: "The person, their work and this episode of pain." },
  {
    id: "health",
    title: "History: health and treatment safety",
    description: "Conditions, medication and consent that decide which modalities are safe.",
  },
  { id: "examination", title: "Examination", description: "Observation, movement and tests." },
  { id: "psychosocial", title: "Psychosocial", description: "STarT Back, stress, sleep and function scores." },
  { id: "care", title: "Care so far", description: "Sessions done, baseline and what the client declines." },
  { id: "other", title: "Other findings", description: "Findings of the vocabulary not placed in a group above." },
];

// The codes of the vocabulary as shipped, per group, in the order they are asked. GetRuleSet
// sends canonical JSON (keys sorted), so the vocabulary file's own order does not reach the
// console; this order does.
const ASKING_ORDER: Readonly<Record<Exclude<GroupId, "red_flags" | "other">, readonly string[]>> = {
  episode: [
    "age",
    "pregnant",
    "pregnancy_trimester",
    "work_type",
    "sitting_hours_per_day",
    "pain_nprs",
    "pain_duration_weeks",
    "pain_days_per_week",
    "first_episode",
    "pain_side",
    "radiation",
    "aggravating",
    "easing",
    "night_pain",
    "inflammatory_pattern",
    "acute_soft_tissue_injury",
  ],
  health: [
    "medications",
    "anticoagulant_therapy",
    "antiplatelet_therapy",
    "bleeding_disorder",
    "long_term_steroids",
    "immunosuppressed",
    "osteoporosis",
    "diabetes",
    "epilepsy",
    "dvt_suspected",
    "hypermobility",
    "lymphoedema_region",
    "recent_surgery_site",
    "skin_lesion_at_site",
    "needle_phobia",
    "needling_consent",
    "metal_allergy",
    "ear_infection",
  ],
  examination: [
    "posture",
    "lumbar_rom",
    "painful_movements",
    "neuro_deficit",
    "slr",
    "thomas_test",
    "hamstring_tight",
    "glute_weakness",
    "trigger_points",
    "fascial_restriction",
  ],
  psychosocial: [
    "startback_total",
    "startback_psych",
    "startback_risk",
    "stress_level",
    "sleep_quality",
    "odi_percent",
    "rmdq",
    "psfs_avg",
  ],
  care: ["sessions_completed", "baseline_pain_nprs", "modality_declined"],
};

const GROUP_OF_CODE: ReadonlyMap<string, [GroupId, number]> = new Map(
  Object.entries(ASKING_ORDER).flatMap(([group, codes]) =>
    codes.map((code, i): [string, [GroupId, number]] => [code, [group as GroupId, i]]),
  ),
);

const GROUP_OF_PATTERN: ReadonlyArray<[RegExp, GroupId]> = [
  [/^baseline_/, "care"],
  [/^pain_/, "episode"],
  [/_therapy$|_allergy$|_disorder$/, "health"],
  [/_test$|_rom$|_tight$|_weakness$/, "examination"],
  [/^startback_/, "psychosocial"],
];

export type RedFlagKind = "required_screen" | "ask_before_treating" | "red_flag";

export function redFlagKind(code: string, clinic: ClinicSettings | undefined): RedFlagKind | undefined {
  if (clinic?.requiredScreen.includes(code)) return "required_screen";
  if (clinic?.askBeforeTreating.includes(code)) return "ask_before_treating";
  if (code.startsWith("rf_")) return "red_flag";
  return undefined;
}

export function groupOf(def: FindingDef, clinic: ClinicSettings | undefined): GroupId {
  if (redFlagKind(def.code, clinic) !== undefined) return "red_flags";
  const listed = GROUP_OF_CODE.get(def.code);
  if (listed) return listed[0];
  for (const [pattern, group] of GROUP_OF_PATTERN) if (pattern.test(def.code)) return group;
  return "other";
}

/**
 * A finding's place within its group: red flags by the required screen, then ask before
 * treating, as the clinic settings list them; others by ASKING_ORDER; anything else after them.
 * Ties sort by code.
 */
export function askingRank(code: string, clinic: ClinicSettings | undefined): number {
  const screen = clinic?.requiredScreen.indexOf(code) ?? -1;
  if (screen >= 0) return screen;
  const ask = clinic?.askBeforeTreating.indexOf(code) ?? -1;
  if (ask >= 0) return 1000 + ask;
  if (code.startsWith("rf_")) return 2000;
  return GROUP_OF_CODE.get(code)?.[1] ?? 3000;
}
