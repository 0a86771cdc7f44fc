// The Rules page's filters: by the modality a rule names and by what it does.
import { kindsOf, modalitiesOf, type ActionKind, type Rule } from "./rules";

export interface RuleFilter {
  /** "" for any. */
  modality: string;
  /** "" for any. */
  kind: ActionKind | "";
}

export function filterRules(rules: readonly Rule[], filter: RuleFilter): Rule[] {
  return rules.filter(
    (r) =>
      (filter.modality === "" || modalitiesOf(r).includes(filter.modality)) &&
      (filter.kind === "" || kindsOf(r).includes(filter.kind)),
  );
}
