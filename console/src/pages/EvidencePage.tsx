// Evidence: what the clinic's therapists did with the suggestions and how their patients did
// (PlanService.GetEvidence, docs/evidence.md), worded for a clinic owner. Aggregates only; a
// figure resting on too few patients is withheld and says so.
import { useEffect, useRef, useState } from "preact/hooks";
import { plans } from "../api/client";
import { problemOf, type Problem } from "../api/errors";
import type { Session } from "../api/session";
import { EvidenceReport } from "../components/evidence/EvidenceReport";
import { ProblemNotice } from "../components/ProblemNotice";
import type { GetEvidenceResponse } from "../gen/modalis/v1/plan_service_pb.js";
import { fieldErrorsOf } from "../model/patient";
import { rangeRequest, rangeWords, type RangeInput } from "../model/evidence";
import type { RuleSetState } from "../ruleSet";

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "ready"; report: GetEvidenceResponse; asked: RangeInput; liveOnly: boolean }
  | { kind: "error"; problem: Problem };

const READERS = new Set(["notes", "admin"]);

export function EvidencePage(props: { session: Session; ruleSet: RuleSetState; onUnauthenticated: () => void }) {
  const { session } = props;
  const allowed = READERS.has(session.role);
  const live = props.ruleSet.kind === "ready" ? props.ruleSet.live : undefined;
  const [input, setInput] = useState<RangeInput>({ since: "", until: "", minFollowUps: "" });
  const [liveOnly, setLiveOnly] = useState(false);
  const [asked, setAsked] = useState<{ input: RangeInput; liveOnly: boolean; n: number }>({
    input,
    liveOnly,
    n: 0,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [state, setState] = useState<State>({ kind: "idle" });
  const onUnauthenticated = useRef(props.onUnauthenticated);
  onUnauthenticated.current = props.onUnauthenticated;

  useEffect(() => {
    if (!allowed) return;
    const { request } = rangeRequest(asked.input);
    if (!request) return;
    const sha = asked.liveOnly && live ? live.ref.sha256 : "";
    const ctrl = new AbortController();
    setState({ kind: "loading" });
    plans
      .getEvidence({ ...request, ruleSetSha256: sha }, { signal: ctrl.signal })
      .then((report) => {
        if (!ctrl.signal.aborted) setState({ kind: "ready", report, asked: asked.input, liveOnly: sha !== "" });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") {
          onUnauthenticated.current();
          return;
        }
        // A bad range comes back naming its field.
        const at = fieldErrorsOf(problem.details, ["since_ms", "until_ms", "min_follow_ups", "rule_set_sha256"]);
        const mapped: Record<string, string> = {};
        if (at.since_ms) mapped.since = at.since_ms;
        if (at.until_ms) mapped.until = at.until_ms;
        if (at.min_follow_ups) mapped.minFollowUps = at.min_follow_ups;
        setErrors(mapped);
        setState({ kind: "error", problem });
      });
    return () => ctrl.abort();
  }, [asked, allowed]);

  const submit = (e: Event) => {
    e.preventDefault();
    const { errors: errs } = rangeRequest(input);
    setErrors(errs);
    if (Object.keys(errs).length > 0) {
      const first = ["since", "until", "minFollowUps"].find((k) => errs[k]);
      if (first) document.getElementById(`evidence-${first}`)?.focus();
      return;
    }
    setAsked((a) => ({ input, liveOnly, n: a.n + 1 }));
  };

  const field = (name: keyof RangeInput, label: string, type: "date" | "number", hint: string) => (
    <div class="filter form-field">
      <label for={`evidence-${name}`}>{label}</label>
      <input
        id={`evidence-${name}`}
        type={type}
        {...(type === "number" ? { min: 1, max: 100, step: 1, inputMode: "numeric" as const } : {})}
        value={input[name]}
        aria-invalid={errors[name] ? "true" : undefined}
        aria-describedby={errors[name] ? `evidence-${name}-hint evidence-${name}-error` : `evidence-${name}-hint`}
        onInput={(e) => {
          const value = e.currentTarget.value;
          setInput((i) => ({ ...i, [name]: value }));
        }}
      />
      <p id={`evidence-${name}-hint`} class="hint">
        {hint}
      </p>
      {errors[name] && (
        <p id={`evidence-${name}-error`} class="field-error">
          {errors[name]}
        </p>
      )}
    </div>
  );

  return (
    <div class="page evidence-page">
      <h1 id="page-title" tabIndex={-1}>
        Evidence
      </h1>
      {!allowed ? (
        <div class="notice notice-error refusal" role="alert">
          <p class="notice-title">Your role may not see the evidence report</p>
          <p>
            You are signed in as {session.client} with the role <strong>{session.role}</strong>. The report on what the
            clinic's therapists did with the suggestions, and how their patients did, is for the clinic's therapists and
            administrators (roles notes and admin).
            {session.role === "booking" && " The Patients page shows each patient's plans, for booking."}
          </p>
        </div>
      ) : (
        <>
          <p class="intro">
            What your therapists did with the suggestions Modalis made, and how their patients did in the sessions after.
            It is a report on the clinic's own practice, not a trial: the patients who received a treatment were chosen
            for it, so a difference is a question to look into, never a verdict. Only totals are shown, never a patient.
          </p>
          <form class="filters evidence-filters" onSubmit={submit} noValidate aria-label="Which plans">
            {field("since", "First day", "date", "Plans made on or after this day (UTC). Empty: from the first plan.")}
            {field("until", "Last day", "date", "Plans made up to the end of this day (UTC). Empty: up to now.")}
            {field(
              "minFollowUps",
              "Follow-ups needed",
              "number",
              "Outcomes after the baseline a patient needs to count towards outcomes. Empty: 1.",
            )}
            <div class="filter">
              <label class="choice">
                <input type="checkbox" checked={liveOnly} disabled={!live} onChange={(e) => setLiveOnly(e.currentTarget.checked)} />
                Only plans made by the rule set live now{live ? ` (${live.ref.id} ${live.ref.version})` : ""}
              </label>
            </div>
            <button type="submit" class="button button-primary">
              Show the report
            </button>
          </form>
          <p class="visually-hidden" role="status">
            {state.kind === "loading"
              ? "Counting…"
              : state.kind === "ready"
                ? `The report: ${state.report.plans} plans for ${state.report.patients} patients, ${rangeWords(state.asked)}.`
                : ""}
          </p>
          {state.kind === "loading" && <p aria-hidden="true">Counting…</p>}
          {state.kind === "error" && (
            <ProblemNotice
              title="The report cannot be shown"
              problem={state.problem}
              hint={
                state.problem.code === "permission_denied"
                  ? `The role ${session.role} may not read the evidence report.`
                  : undefined
              }
            />
          )}
          {state.kind === "ready" && (
            <EvidenceReport
              report={state.report}
              range={rangeWords(state.asked)}
              ruleSetWords={state.liveOnly && live ? `the rule set ${live.ref.id} ${live.ref.version}` : "every rule set"}
              ruleSet={live}
            />
          )}
        </>
      )}
    </div>
  );
}
