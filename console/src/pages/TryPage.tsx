// Try a patient: findings on the left, the plan for them on the right, re-planned as the
// findings change (a dry run: nothing is stored).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { plans } from "../api/client";
import { problemOf, type Problem } from "../api/errors";
import type { Session } from "../api/session";
import { FindingsForm } from "../components/FindingsForm";
import { PlanView } from "../components/PlanView";
import { ProblemNotice } from "../components/ProblemNotice";
import type { Plan } from "../gen/modalis/v1/plan_service_pb.js";
import { EXAMPLES } from "../model/examples";
import {
  buildForm,
  fieldsOf,
  fromFindings,
  toFindings,
  withValue,
  type FieldValue,
  type Findings,
  type FormState,
} from "../model/form";
import type { RuleSetState } from "../ruleSet";

const DEBOUNCE_MS = 300;
export const TRY_PATIENT_REF = "console-try";

type PlanState =
  | { kind: "idle" }
  | { kind: "ready"; plan: Plan; findings: Findings }
  | { kind: "error"; problem: Problem };

/** Server complaints about one finding ("findings.age: ...") shown beside that finding. */
function fieldErrorsOf(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of problem.details) {
    const m = /^findings\.([a-z][a-z0-9_]*):\s*(.*)$/.exec(d);
    if (m) out[m[1]!] = `The server refused this: ${m[2]}`;
  }
  return out;
}

export function TryPage(props: { ruleSet: RuleSetState; session: Session; onUnauthenticated: () => void }) {
  const { ruleSet } = props;
  const live = ruleSet.kind === "ready" ? ruleSet.live : undefined;
  const groups = useMemo(() => (live ? buildForm(live.vocabulary, live.rules.clinic) : []), [live]);
  const fields = useMemo(() => fieldsOf(groups), [groups]);

  const [state, setState] = useState<FormState>({});
  // Remounts the inputs when the whole form is replaced (Clear, an example), so a number box
  // holding half-typed text is emptied too.
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | undefined>();
  const [planState, setPlanState] = useState<PlanState>({ kind: "idle" });
  const [busy, setBusy] = useState(false);
  const onUnauthenticated = useRef(props.onUnauthenticated);
  onUnauthenticated.current = props.onUnauthenticated;

  const { findings, errors } = useMemo(() => toFindings(fields, state), [fields, state]);
  const errorCount = Object.keys(errors).length;
  const findingsKey = JSON.stringify(findings);

  useEffect(() => {
    if (!live || errorCount > 0) return;
    const ctrl = new AbortController();
    const sent = JSON.parse(findingsKey) as Findings;
    const timer = window.setTimeout(() => {
      setBusy(true);
      plans
        .suggestPlan(
          { patientRef: TRY_PATIENT_REF, findings: sent, dryRun: true, explainNotFired: true },
          { signal: ctrl.signal },
        )
        .then((res) => {
          if (ctrl.signal.aborted) return;
          if (res.plan) setPlanState({ kind: "ready", plan: res.plan, findings: sent });
          else setPlanState({ kind: "error", problem: { code: "internal", message: "The answer held no plan.", details: [] } });
        })
        .catch((err: unknown) => {
          if (ctrl.signal.aborted) return;
          const problem = problemOf(err);
          if (problem.code === "unauthenticated") onUnauthenticated.current();
          else setPlanState({ kind: "error", problem });
        })
        .finally(() => {
          if (!ctrl.signal.aborted) setBusy(false);
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      ctrl.abort();
    };
  }, [live, findingsKey, errorCount]);

  const serverErrors = planState.kind === "error" ? fieldErrorsOf(planState.problem) : {};
  const shownErrors = { ...serverErrors, ...errors };

  const onChange = (code: string, value: FieldValue | undefined) => {
    setNotice(undefined);
    setState((s) => withValue(s, code, value));
  };
  const clear = () => {
    setState({});
    setFormKey((k) => k + 1);
    setNotice("Cleared: every finding is back to not asked.");
  };
  const load = (id: string) => {
    const example = EXAMPLES.find((e) => e.id === id);
    if (!example) return;
    const loaded = fromFindings(fields, example.findings);
    setState(loaded.state);
    setFormKey((k) => k + 1);
    const ignored = loaded.ignored.length > 0 ? ` Not in this vocabulary, left out: ${loaded.ignored.join(", ")}.` : "";
    setNotice(`Loaded the example "${example.label}" (golden case ${example.caseId}).${ignored}`);
  };

  return (
    <div class="page try-page">
      <h1 id="page-title" tabIndex={-1}>
        Try a patient
      </h1>
      <p class="intro">
        Record what was asked; anything left at <em>Not asked</em> is unknown, never "no". The plan follows as you
        type. Nothing is stored.
      </p>
      {ruleSet.kind === "loading" && <p role="status">Loading the rule set…</p>}
      {ruleSet.kind === "error" && (
        <ProblemNotice
          title="The findings form cannot be built"
          problem={ruleSet.problem}
          hint="It is made from the live rule set's vocabulary (RulesAdmin.GetRuleSet)."
        />
      )}
      {live && (
        <>
          <div class="toolbar" role="group" aria-label="Patient">
            <span class="toolbar-label">Examples:</span>
            {EXAMPLES.map((e) => (
              <button key={e.id} type="button" class="button" onClick={() => load(e.id)} title={e.description}>
                {e.label}
              </button>
            ))}
            <button type="button" class="button" onClick={clear}>
              Clear
            </button>
            <button type="button" class="button" onClick={() => window.print()}>
              Print
            </button>
          </div>
          <p class="notice notice-info toolbar-notice" role="status">
            {notice ?? ""}
          </p>
          <div class="try-layout">
            <div class="try-form" key={formKey}>
              <FindingsForm groups={groups} state={state} errors={shownErrors} onChange={onChange} />
            </div>
            <section
              class="try-plan"
              aria-labelledby="plan-title"
              aria-live="polite"
              aria-busy={busy ? "true" : "false"}
              tabIndex={0}
            >
              <h2 id="plan-title">Plan</h2>
              {errorCount > 0 && (
                <p class="notice notice-error" role="alert">
                  {errorCount === 1 ? "One finding needs" : `${errorCount} findings need`} correcting before the plan
                  can be updated: {Object.keys(errors).join(", ")}.
                </p>
              )}
              {planState.kind === "error" && (
                <ProblemNotice
                  title="The plan could not be made"
                  problem={planState.problem}
                  hint={
                    planState.problem.code === "permission_denied"
                      ? `The role ${props.session.role} may not ask for plans.`
                      : undefined
                  }
                />
              )}
              {planState.kind === "idle" && <p role="status">Making the plan…</p>}
              {planState.kind === "ready" && planState.plan.ruleSet && planState.plan.ruleSet.sha256 !== live.ref.sha256 && (
                <p class="notice notice-error" role="alert">
                  The live rules changed since this page loaded (now {planState.plan.ruleSet.version}). Reload the
                  page so the form and the wording follow them.
                </p>
              )}
              {planState.kind === "ready" && (
                <PlanView
                  plan={planState.plan}
                  ctx={{ words: live.words, rules: live.rules, findings: planState.findings }}
                />
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}
