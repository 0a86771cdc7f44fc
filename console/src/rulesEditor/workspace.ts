// The draft being edited on the Rules page: what it started from (the live rule set with its
// golden cases, RulesAdmin.GetRuleSet), its text, kept for the tab's life so switching pages or
// reloading loses nothing, and the server's check of it (ValidateRuleSet), made again shortly
// after each change.
import { useEffect, useRef, useState } from "preact/hooks";
import { rulesAdmin } from "../api/client";
import { problemOf, type Problem as ServerProblem } from "../api/errors";
import type { CaseFailure } from "../gen/modalis/v1/rules_admin_pb.js";
import { parseVocabulary, type Vocabulary } from "../model/vocabulary";
import { problemOfDiagnostic, type Problem } from "./diagnostics";
import { isObject, parseJson, pretty, type Json } from "./json";

export interface CaseFile {
  name: string;
  content: string;
}

export interface Base {
  ref: { id: string; version: string; sha256: string };
  fromPlatform: boolean;
  vocabulary: Vocabulary;
  /** The live rule file, parsed, and as the form writes it. */
  liveDoc: Json;
  liveText: string;
  /** The golden cases that must pass: sent with every check, preview and publication. */
  cases: CaseFile[];
  /** The rule file's name in diagnostics: "<condition>.rules.json". */
  fileName: string;
}

export async function loadBase(signal?: AbortSignal): Promise<Base> {
  const res = await rulesAdmin.getRuleSet({ condition: "" }, { signal });
  const parsed = parseJson(res.rulesJson);
  if (!parsed.ok) throw new Error(`the live rule file is not JSON: ${parsed.message}`);
  const id = res.ruleSet?.id ?? (isObject(parsed.doc) && typeof parsed.doc.id === "string" ? parsed.doc.id : "rules");
  return {
    ref: { id, version: res.ruleSet?.version ?? "", sha256: res.ruleSet?.sha256 ?? "" },
    fromPlatform: res.fromPlatform,
    vocabulary: parseVocabulary(res.vocabularyJson),
    liveDoc: parsed.doc,
    liveText: pretty(parsed.doc),
    cases: res.cases.map((c) => ({ name: c.name, content: c.content })),
    fileName: `${id}.rules.json`,
  };
}

// --- The draft text, kept per person and clinic for the life of the browser tab.

interface Stored {
  baseSha: string;
  text: string;
}

function storageKey(owner: string): string {
  return `modalis.rules-draft.${owner}`;
}

export function readDraft(owner: string): Stored | undefined {
  try {
    const raw = window.sessionStorage.getItem(storageKey(owner));
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Partial<Stored>;
    return typeof v.text === "string" && typeof v.baseSha === "string" ? { baseSha: v.baseSha, text: v.text } : undefined;
  } catch {
    return undefined;
  }
}

export function writeDraft(owner: string, base: Base, text: string): void {
  try {
    if (text === base.liveText) window.sessionStorage.removeItem(storageKey(owner));
    else window.sessionStorage.setItem(storageKey(owner), JSON.stringify({ baseSha: base.ref.sha256, text }));
  } catch {
    // Storage full or refused: the draft lives on in the page only.
  }
}

// --- The server's check of the draft.

export interface CheckResult {
  /** The text checked: line:column count in it. */
  forText: string;
  valid: boolean;
  sha256: string;
  problems: Problem[];
  failedCases: CaseFailure[];
  casesPassed: number;
}

export type CheckState =
  | { kind: "idle" }
  | { kind: "checking"; last?: CheckResult }
  | { kind: "done"; result: CheckResult }
  | { kind: "failed"; problem: ServerProblem; last?: CheckResult };

export const CHECK_DELAY_MS = 500;

export async function checkDraft(base: Base, text: string, signal?: AbortSignal): Promise<CheckResult> {
  const res = await rulesAdmin.validateRuleSet(
    { rules: { name: base.fileName, content: text }, cases: base.cases },
    { signal },
  );
  return {
    forText: text,
    valid: res.valid,
    sha256: res.sha256,
    problems: res.diagnostics.map(problemOfDiagnostic),
    failedCases: res.failedCases,
    casesPassed: res.casesPassed,
  };
}

/** The last check of the draft, made again CHECK_DELAY_MS after the text stops changing. */
export function useDraftCheck(base: Base | undefined, text: string, onUnauthenticated: () => void): CheckState {
  const [state, setState] = useState<CheckState>({ kind: "idle" });
  const last = useRef<CheckResult | undefined>(undefined);
  const lost = useRef(onUnauthenticated);
  lost.current = onUnauthenticated;
  useEffect(() => {
    if (!base) return;
    if (last.current?.forText === text) {
      setState({ kind: "done", result: last.current });
      return;
    }
    const ctrl = new AbortController();
    setState({ kind: "checking", last: last.current });
    const timer = window.setTimeout(() => {
      checkDraft(base, text, ctrl.signal)
        .then((result) => {
          if (ctrl.signal.aborted) return;
          last.current = result;
          setState({ kind: "done", result });
        })
        .catch((err: unknown) => {
          if (ctrl.signal.aborted) return;
          const problem = problemOf(err);
          if (problem.code === "unauthenticated") lost.current();
          else setState({ kind: "failed", problem, last: last.current });
        });
    }, CHECK_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      ctrl.abort();
    };
  }, [base, text]);
  return state;
}

/** The check's result when it is of exactly this text. */
export function currentResult(state: CheckState, text: string): CheckResult | undefined {
  return state.kind === "done" && state.result.forText === text ? state.result : undefined;
}

/** The latest result, even one of an earlier text (shown while the next check runs). */
export function latestResult(state: CheckState): CheckResult | undefined {
  if (state.kind === "done") return state.result;
  if (state.kind === "checking" || state.kind === "failed") return state.last;
  return undefined;
}

/** Problems of the rule file itself (not of a golden-case file). */
export function ruleFileProblems(result: CheckResult | undefined, base: Base): Problem[] {
  return (result?.problems ?? []).filter((p) => p.file === "" || p.file === base.fileName);
}

export function hasErrors(result: CheckResult | undefined): boolean {
  if (!result) return false;
  return !result.valid || result.failedCases.length > 0 || result.problems.some((p) => p.severity === "error");
}
