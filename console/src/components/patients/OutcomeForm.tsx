// Record the outcome of a session (RecordOutcome). Every problem is shown at its field: the
// ranges are checked here first, and what the server refuses comes back to the field it names.
import { useRef, useState } from "preact/hooks";
import { plans } from "../../api/client";
import { problemOf, type Problem } from "../../api/errors";
import { OUTCOME_FIELDS, fieldErrorsOf, readOutcome } from "../../model/patient";
import { ProblemNotice } from "../ProblemNotice";

const NAMES = OUTCOME_FIELDS.map((f) => f.name);

export function OutcomeForm(props: {
  patientRef: string;
  nextSession: number;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}) {
  const [texts, setTexts] = useState<Record<string, string>>({ session_number: String(props.nextSession) });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const focusFirstError = (errs: Record<string, string>) => {
    const first = NAMES.find((n) => errs[n]);
    if (first) form.current?.querySelector<HTMLInputElement>(`#outcome-${first}`)?.focus();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    const { values, errors: errs } = readOutcome(texts);
    setErrors(errs);
    if (!values) {
      focusFirstError(errs);
      return;
    }
    setBusy(true);
    try {
      await plans.recordOutcome({ patientRef: props.patientRef, ...values });
      setTexts({ session_number: String(values.sessionNumber + 1) });
      setErrors({});
      props.onSaved(`Session ${values.sessionNumber} recorded: pain ${values.painNprs}, ${values.painDaysPerWeek} pain days a week.`);
    } catch (err) {
      const p = problemOf(err);
      if (p.code === "unauthenticated") {
        props.onUnauthenticated();
        return;
      }
      const at = fieldErrorsOf(p.details, NAMES);
      // One outcome per session: the server says so without naming a field.
      if (p.code === "already_exists") at.session_number = `Session ${texts.session_number ?? ""} already has an outcome. ${p.message}`;
      setErrors(at);
      if (Object.keys(at).length > 0) focusFirstError(at);
      else setProblem(p);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="outcome-form" ref={form} onSubmit={submit} noValidate aria-labelledby="outcome-form-title">
      <h3 id="outcome-form-title">Record an outcome</h3>
      <p class="hint">
        After each session: pain now on the 0-10 scale and the days with pain in the last week; the other measures if
        they were taken. The first outcome recorded is the baseline.
      </p>
      <div class="form-grid">
        {OUTCOME_FIELDS.map((f) => {
          const id = `outcome-${f.name}`;
          const error = errors[f.name];
          return (
            <div key={f.name} class={`form-field ${error ? "has-error" : ""}`}>
              <label for={id}>{f.label}</label>
              <input
                id={id}
                name={f.name}
                type="number"
                inputMode={f.integer ? "numeric" : "decimal"}
                min={f.min}
                max={f.max}
                step={f.integer ? 1 : "any"}
                required={f.required}
                value={texts[f.name] === "?" ? undefined : (texts[f.name] ?? "")}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
                onInput={(ev) => {
                  const el = ev.currentTarget;
                  // A half-typed number reads as "" in a number box: keep it visible as an error.
                  const text = el.validity.badInput ? "?" : el.value;
                  setTexts((t) => ({ ...t, [f.name]: text }));
                }}
              />
              <p id={`${id}-hint`} class="hint">
                {f.unit}
              </p>
              {error && (
                <p id={`${id}-error`} class="field-error">
                  {error}
                </p>
              )}
            </div>
          );
        })}
      </div>
      {problem && <ProblemNotice title="The outcome was not recorded" problem={problem} />}
      <button type="submit" class="button button-primary" disabled={busy}>
        {busy ? "Recording…" : "Record outcome"}
      </button>
    </form>
  );
}
