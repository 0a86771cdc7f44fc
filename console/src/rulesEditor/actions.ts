// A rule's actions as the form edits them (docs/rule-language.md, "Actions"): refer, exclude,
// suggest and advise, each written back in the rule file's own shape.
import { isObject, type Json, type JsonObject } from "./json";

export type ActionKind = "refer" | "exclude" | "suggest" | "advise";

export const ACTION_KINDS: readonly ActionKind[] = ["refer", "exclude", "suggest", "advise"];

export const ACTION_KIND_WORDS: Record<ActionKind, string> = {
  refer: "Refer",
  exclude: "Exclude a modality",
  suggest: "Suggest a modality",
  advise: "Advise",
};

export const URGENCIES = ["routine", "urgent", "emergency"] as const;

export const URGENCY_WORDS: Record<string, string> = {
  routine: "Routine: letter to the GP; treatment may continue",
  urgent: "Urgent: GP or spinal triage within days; no treatment",
  emergency: "Emergency: A&E now; no treatment",
};

export const FREQUENCIES = ["twice_weekly", "weekly", "fortnightly", "monthly"] as const;

export function actionKind(action: Json | undefined): ActionKind | undefined {
  if (!isObject(action)) return undefined;
  return ACTION_KINDS.find((k) => k in action);
}

/** The advise action's code and flag, from either of its two shapes. */
export function adviseParts(value: Json | undefined): { code: string; alsoWhenReferred: boolean } {
  if (typeof value === "string") return { code: value, alsoWhenReferred: false };
  if (isObject(value)) return { code: typeof value.code === "string" ? value.code : "", alsoWhenReferred: value.also_when_referred === true };
  return { code: "", alsoWhenReferred: false };
}

/** `{"advise": "code"}`, or the object form only when the advice is kept on a referred plan. */
export function adviseAction(code: string, alsoWhenReferred: boolean): JsonObject {
  return alsoWhenReferred ? { advise: { code, also_when_referred: true } } : { advise: code };
}

export interface ActionDefaults {
  modality: string;
  advice: string;
}

/** The action as another kind, keeping the modality and reason where both kinds have them. */
export function actionOfKind(kind: ActionKind, old: Json | undefined, defaults: ActionDefaults): JsonObject {
  const oldKind = actionKind(old);
  const inner = oldKind && isObject(old) && isObject(old[oldKind]) ? (old[oldKind] as JsonObject) : {};
  const modality = typeof inner.modality === "string" ? inner.modality : defaults.modality;
  const reason = typeof inner.reason === "string" && inner.reason !== "" ? inner.reason : "say why";
  switch (kind) {
    case "refer":
      return { refer: { urgency: "routine", reason } };
    case "exclude":
      return { exclude: { modality, reason } };
    case "suggest":
      return { suggest: { modality } };
    case "advise":
      return adviseAction(defaults.advice, false);
  }
}

/** A copy of an object without the keys whose value is undefined (an optional field cleared). */
export function withField(obj: JsonObject, key: string, value: Json | undefined): JsonObject {
  const out: JsonObject = { ...obj };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}
