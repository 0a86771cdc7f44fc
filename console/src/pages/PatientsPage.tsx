// Patients: one patient's course, found by their pseudonymous reference (#/patients/<ref>):
// what is due, progress against the baseline and the minimal important change as a chart and a
// table, and the stored plans with the therapists' decisions. Roles that write notes record
// outcomes and decisions here; the booking app's users read; the platform's operator sees no
// patient data.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { plans } from "../api/client";
import { problemOf, type Problem } from "../api/errors";
import type { Session } from "../api/session";
import { OutcomeForm } from "../components/patients/OutcomeForm";
import { OutcomeTable } from "../components/patients/OutcomeTable";
import { PatientPlans } from "../components/patients/PatientPlans";
import { ProgressAlerts, ProgressFacts } from "../components/patients/ProgressAlerts";
import { ProgressChart } from "../components/patients/ProgressChart";
import { ProblemNotice } from "../components/ProblemNotice";
import type { GetPatientHistoryResponse } from "../gen/modalis/v1/plan_service_pb.js";
import { joinFeedback } from "../model/feedback";
import { nextSession, patientHash, patientRefOf, refError, whenWords } from "../model/patient";
import { summariseOutcomes, type Mic } from "../model/progress";

type State =
  | { kind: "idle" }
  | { kind: "loading"; ref: string }
  | { kind: "ready"; ref: string; history: GetPatientHistoryResponse }
  // The clinic has nothing stored for the reference (NOT_FOUND): no plan and no outcome.
  | { kind: "none"; ref: string; message: string }
  | { kind: "error"; ref: string; problem: Problem };

const WRITERS = new Set(["notes", "admin"]);

function usePatientRef(): string | undefined {
  const [ref, setRef] = useState(() => patientRefOf(window.location.hash));
  useEffect(() => {
    const onChange = () => {
      if (window.location.hash.startsWith("#/patients")) setRef(patientRefOf(window.location.hash));
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return ref;
}

export function PatientsPage(props: { session: Session; onUnauthenticated: () => void }) {
  const { session } = props;
  const ref = usePatientRef();
  const isOperator = session.role === "operator";
  const canWrite = WRITERS.has(session.role);
  const [state, setState] = useState<State>({ kind: "idle" });
  const [reload, setReload] = useState(0);
  const [saved, setSaved] = useState("");
  const onUnauthenticated = useRef(props.onUnauthenticated);
  onUnauthenticated.current = props.onUnauthenticated;

  useEffect(() => {
    if (!ref || isOperator || refError(ref)) {
      setState({ kind: "idle" });
      return;
    }
    const ctrl = new AbortController();
    // A reload after a save keeps the patient on screen while the new history comes.
    setState((s) => (s.kind === "ready" && s.ref === ref ? s : { kind: "loading", ref }));
    plans
      .getPatientHistory({ patientRef: ref }, { signal: ctrl.signal })
      .then((history) => {
        if (!ctrl.signal.aborted) setState({ kind: "ready", ref, history });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") onUnauthenticated.current();
        else if (problem.code === "not_found") setState({ kind: "none", ref, message: problem.message });
        else setState({ kind: "error", ref, problem });
      });
    return () => ctrl.abort();
  }, [ref, reload, isOperator]);

  useEffect(() => setSaved(""), [ref]);

  const onSaved = (message: string) => {
    setSaved(message);
    setReload((n) => n + 1);
  };

  return (
    <div class="page patients-page">
      <h1 id="page-title" tabIndex={-1}>
        Patients
      </h1>
      {isOperator ? (
        <div class="notice notice-error refusal" role="alert">
          <p class="notice-title">The platform's operator sees no patient data</p>
          <p>
            You are signed in as {session.client} with the role <strong>operator</strong>, which belongs to no clinic.
            Patients are seen by the clinic's own users: sign in with a token of the clinic (notes, admin or booking).
          </p>
        </div>
      ) : (
        <>
          <PatientSearch current={ref} />
          {ref && refError(ref) && (
            <p class="notice notice-error" role="alert">
              The address names "{ref}", which is not a patient reference: {refError(ref)}
            </p>
          )}
          {state.kind === "loading" && <p role="status">Reading {state.ref}'s history…</p>}
          {state.kind === "error" && (
            <ProblemNotice
              title={`${state.ref}'s history cannot be shown`}
              problem={state.problem}
              hint={
                state.problem.code === "permission_denied"
                  ? `The role ${session.role} may not read patients.`
                  : undefined
              }
            />
          )}
          {state.kind === "none" && (
            <NoPatient
              key={state.ref}
              patientRef={state.ref}
              canWrite={canWrite}
              saved={saved}
              onSaved={onSaved}
              onUnauthenticated={props.onUnauthenticated}
            />
          )}
          {state.kind === "ready" && (
            <PatientView
              key={state.ref}
              history={state.history}
              session={session}
              canWrite={canWrite}
              saved={saved}
              onSaved={onSaved}
              onUnauthenticated={props.onUnauthenticated}
            />
          )}
        </>
      )}
    </div>
  );
}

function PatientSearch(props: { current: string | undefined }) {
  const [text, setText] = useState(props.current ?? "");
  const [error, setError] = useState<string | undefined>();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(props.current ?? ""), [props.current]);

  const submit = (e: Event) => {
    e.preventDefault();
    const ref = text.trim();
    const bad = refError(ref);
    setError(bad);
    if (bad) {
      input.current?.focus();
      return;
    }
    const hash = patientHash(ref);
    if (window.location.hash !== hash) window.location.hash = hash;
  };

  return (
    <form class="patient-search" onSubmit={submit} noValidate role="search" aria-label="Find a patient">
      <p class="intro">
        Find a patient by the <strong>pseudonymous reference</strong> your notes or booking system gives them, such as{" "}
        <code>P-0001</code>. <strong>Never a name:</strong> Modalis stores no names, and a reference holds only letters,
        digits and <code>. _ : -</code>.
      </p>
      <div class="search-row">
        <div class="form-field">
          <label for="patient-ref">Patient reference</label>
          <input
            ref={input}
            id="patient-ref"
            name="patient_ref"
            type="text"
            autoComplete="off"
            spellcheck={false}
            maxLength={64}
            value={text}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "patient-ref-error" : undefined}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          {error && (
            <p id="patient-ref-error" class="field-error">
              {error}
            </p>
          )}
        </div>
        <button type="submit" class="button button-primary">
          Show patient
        </button>
      </div>
    </form>
  );
}

/** A reference the clinic has nothing for: say so, and let a therapist record the first outcome. */
function NoPatient(props: {
  patientRef: string;
  canWrite: boolean;
  saved: string;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="patient patient-none" aria-labelledby="patient-title">
      <h2 id="patient-title" ref={heading} tabIndex={-1}>
        Patient {props.patientRef}
      </h2>
      <p class="notice notice-info saved-notice" role="status">
        {props.saved}
      </p>
      <div class="notice notice-info">
        <p class="notice-title">The clinic has nothing stored for {props.patientRef}</p>
        <p>
          No plan and no outcome: check the reference as your notes or booking system gives it (capitals count).
          {props.canWrite
            ? " For a new patient, the first plan is stored when your notes app asks for it; a first outcome recorded below becomes the baseline."
            : ""}
        </p>
      </div>
      {props.canWrite && (
        <OutcomeForm
          patientRef={props.patientRef}
          nextSession={1}
          onSaved={props.onSaved}
          onUnauthenticated={props.onUnauthenticated}
        />
      )}
    </section>
  );
}

function PatientView(props: {
  history: GetPatientHistoryResponse;
  session: Session;
  canWrite: boolean;
  saved: string;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}) {
  const { history } = props;
  const progress = history.progress;
  const mic: Mic = { points: history.micNprsPoints, percent: history.micPercent };
  const summary = useMemo(
    () =>
      summariseOutcomes(history.outcomes, { nprs: progress?.painNprs?.baseline, days: progress?.painDaysPerWeek?.baseline }, mic),
    [history],
  );
  const recordedAt = useMemo(
    () => new Map(history.outcomes.map((o) => [o.sessionNumber, whenWords(o.recordedAtMs)])),
    [history],
  );
  const feedback = useMemo(
    () =>
      joinFeedback(
        history.plans.flatMap((p) => (p.plan ? [{ planId: p.plan.planId, stepCount: p.plan.steps.length }] : [])),
        history.feedback,
      ),
    [history],
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const empty = history.plans.length === 0 && history.outcomes.length === 0;

  return (
    <section class="patient" aria-labelledby="patient-title">
      <h2 id="patient-title" ref={heading} tabIndex={-1}>
        Patient {history.patientRef}
      </h2>
      <p class="notice notice-info saved-notice" role="status">
        {props.saved}
      </p>
      {empty && (
        <p class="notice notice-info">
          The clinic has nothing for {history.patientRef} yet: no plan and no outcome. Check the reference
          {props.canWrite ? ", or record the first outcome below (it becomes the baseline)." : "."}
        </p>
      )}
      {progress && <ProgressAlerts progress={progress} mic={mic} readOnly={!props.canWrite} />}
      {!props.canWrite && (
        <p class="notice notice-info read-only-note">
          You are signed in with the role <strong>{props.session.role}</strong>: you can see the patient's plans and
          progress, to book the sessions the course needs, but recording outcomes and decisions is for the clinic's
          therapists (roles notes and admin).
        </p>
      )}
      <section class="patient-part" aria-labelledby="progress-title">
        <h2 id="progress-title">Progress</h2>
        {progress && <ProgressFacts progress={progress} mic={mic} threshold={summary.threshold.nprs} />}
        <div class="progress-layout">
          <ProgressChart summary={summary} />
          <OutcomeTable summary={summary} recordedAt={recordedAt} />
        </div>
        {props.canWrite && (
          <OutcomeForm
            key={summary.sessions.length}
            patientRef={history.patientRef}
            nextSession={nextSession(summary.sessions)}
            onSaved={props.onSaved}
            onUnauthenticated={props.onUnauthenticated}
          />
        )}
      </section>
      <section class="patient-part" aria-labelledby="plans-title">
        <h2 id="plans-title">Plans</h2>
        <PatientPlans
          plans={history.plans}
          plansTotal={history.plansTotal}
          feedback={feedback}
          canWrite={props.canWrite}
          onSaved={props.onSaved}
          onUnauthenticated={props.onUnauthenticated}
        />
      </section>
    </section>
  );
}
