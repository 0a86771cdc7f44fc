// The live rule set (vocabulary and rules) of the signed-in clinic, loaded once per sign-in and
// again after refreshLiveRuleSet() (a rule set published or rolled back): the Try page builds its
// form from it and the Rules page words it.
import { useEffect, useState } from "preact/hooks";
import { rulesAdmin } from "./api/client";
import { problemOf, type Problem } from "./api/errors";
import type { WordsContext } from "./model/plainWords";
import { parseRuleSet, type RuleSet } from "./model/rules";
import { parseVocabulary, type Vocabulary } from "./model/vocabulary";

export interface LiveRuleSet {
  ref: { id: string; version: string; sha256: string };
  vocabulary: Vocabulary;
  rules: RuleSet;
  fromPlatform: boolean;
  /** What plain words are made from: the vocabulary's descriptions and the advice texts. */
  words: WordsContext;
}

export type RuleSetState =
  | { kind: "loading" }
  | { kind: "ready"; live: LiveRuleSet }
  | { kind: "error"; problem: Problem };

const refreshListeners = new Set<() => void>();

/** Loads the live rule set again wherever it is used, e.g. after another one was made live. */
export function refreshLiveRuleSet(): void {
  for (const listener of refreshListeners) listener();
}

export function useLiveRuleSet(onUnauthenticated: () => void): RuleSetState {
  const [state, setState] = useState<RuleSetState>({ kind: "loading" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const listener = () => setGeneration((g) => g + 1);
    refreshListeners.add(listener);
    return () => {
      refreshListeners.delete(listener);
    };
  }, []);
  useEffect(() => {
    const ctrl = new AbortController();
    rulesAdmin
      .getRuleSet({ condition: "" }, { signal: ctrl.signal })
      .then((res) => {
        const vocabulary = parseVocabulary(res.vocabularyJson);
        const rules = parseRuleSet(res.rulesJson);
        const live: LiveRuleSet = {
          ref: {
            id: res.ruleSet?.id ?? "",
            version: res.ruleSet?.version ?? "",
            sha256: res.ruleSet?.sha256 ?? "",
          },
          vocabulary,
          rules,
          fromPlatform: res.fromPlatform,
          words: { vocabulary, advice: rules.advice },
        };
        setState({ kind: "ready", live });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") onUnauthenticated();
        else setState({ kind: "error", problem });
      });
    return () => ctrl.abort();
  }, [generation]);
  return state;
}
