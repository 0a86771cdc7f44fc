// The patient's stored plans, newest first: when, by which rule set, status, referral, course and
// the ordered steps, each with the therapist's decision on it. Roles that write notes record a
// decision on a step here (RecordFeedback).
import { useState } from "preact/hooks";
import { plans as planClient } from "../../api/client";
import { problemOf, type Problem } from "../../api/errors";
import {
  Frequency,
  PlanStatus,
  Urgency,
  type GetPlanResponse,
  type Plan,
  type Step,
} from "../../gen/modalis/v1/plan_service_pb.js";
import {
  DECISION_OF,
  decidedWords,
  decisionClass,
  feedbackError,
  feedbackWords,
  type DecisionChoice,
  type FeedbackLike,
  type PlanFeedback,
  type StepFeedback,
} from "../../model/feedback";
import { fieldErrorsOf, whenWords } from "../../model/patient";
import { frequencyWords } from "../../model/plainWords";
import { humanize } from "../../model/words";
import { ProblemNotice } from "../ProblemNotice";

const STATUS_WORDS: Record<PlanStatus, string> = {
  [PlanStatus.PLAN_STATUS_UNSPECIFIED]: "Unknown status",
  [PlanStatus.COMPLETE]: "Complete: every safety question was answered",
  [PlanStatus.PROVISIONAL]: "Provisional: some safety questions were open (ask before treating)",
  [PlanStatus.SCREEN_REQUIRED]: "Screen required: no treatment until the required screen is asked",
  [PlanStatus.REFERRED]: "Referred: no treatment",
};

const REFERRAL_WORDS: Record<Urgency, string> = {
  [Urgency.URGENCY_UNSPECIFIED]: "none",
  [Urgency.NONE]: "none",
  [Urgency.ROUTINE]: "routine: a letter to the GP; treatment may continue",
  [Urgency.URGENT]: "urgent: GP or spinal triage within days",
  [Urgency.EMERGENCY]: "emergency: A&E now",
};

export interface PlansProps {
  plans: readonly GetPlanResponse[];
  plansTotal: number;
  feedback: ReadonlyMap<string, PlanFeedback<FeedbackLike>>;
  canWrite: boolean;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}

export function PatientPlans(props: PlansProps) {
  const newestFirst = [...props.plans].reverse();
  if (newestFirst.length === 0) {
    return <p class="empty">No plan has been stored for this patient.</p>;
  }
  const [latest, ...earlier] = newestFirst;
  return (
    <>
      {props.plansTotal > props.plans.length && (
        <p class="hint">
          Showing the {props.plans.length} most recent of {props.plansTotal} plans.
        </p>
      )}
      <PlanCard entry={latest!} heading="Latest plan" {...props} />
      {earlier.length > 0 && (
        <details class="earlier-plans">
          <summary>
            Earlier plans ({earlier.length})
          </summary>
          {earlier.map((entry) => (
            <PlanCard key={entry.plan?.planId} entry={entry} heading="Plan" {...props} />
          ))}
        </details>
      )}
    </>
  );
}

function courseWords(plan: Plan): string {
  const c = plan.course;
  if (!c) return "nothing to book";
  const sessions = c.sessionsMin === c.sessionsMax ? `${c.sessionsMin}` : `${c.sessionsMin} to ${c.sessionsMax}`;
  return `${frequencyWords(Frequency[c.frequency] ?? "")}, ${sessions} sessions, review after ${c.reviewAfterSessions}`;
}

function PlanCard(props: PlansProps & { entry: GetPlanResponse; heading: string }) {
  const { entry } = props;
  const plan = entry.plan;
  if (!plan) return null;
  const fb = props.feedback.get(plan.planId);
  const headingId = `plan-${plan.planId}`;
  const when = whenWords(entry.createdAtMs);
  return (
    <article class="patient-plan" aria-labelledby={headingId} data-plan-id={plan.planId}>
      <h3 id={headingId}>
        {props.heading}, {when}
      </h3>
      <dl class="facts">
        <dt>Rule set</dt>
        <dd>
          {plan.ruleSet ? `${plan.ruleSet.id} ${plan.ruleSet.version}` : "unknown"}
        </dd>
        <dt>Status</dt>
        <dd class={`plan-state plan-state-${PlanStatus[plan.status]?.toLowerCase() ?? "unknown"}`}>
          {STATUS_WORDS[plan.status]}
        </dd>
        <dt>Referral</dt>
        <dd>
          {REFERRAL_WORDS[plan.referral?.urgency ?? Urgency.NONE]}
          {plan.referral && plan.referral.reasons.length > 0 && ` (${plan.referral.reasons.join("; ")})`}
        </dd>
        <dt>Course</dt>
        <dd>{courseWords(plan)}</dd>
        <dt>Plan id</dt>
        <dd>
          <code>{plan.planId}</code>
        </dd>
      </dl>
      {plan.steps.length === 0 ? (
        <p class="empty">No treatment steps.</p>
      ) : (
        <>
          <p class="decided">{fb ? decidedWords(fb) : ""}</p>
          <ol class="steps patient-steps">
            {plan.steps.map((s, i) => (
              <StepItem
                key={`${s.modality}-${i}`}
                planId={plan.planId}
                step={s}
                index={i}
                feedback={fb?.steps[i]}
                canWrite={props.canWrite}
                onSaved={props.onSaved}
                onUnauthenticated={props.onUnauthenticated}
              />
            ))}
          </ol>
          {fb && fb.unmatched.length > 0 && (
            <p class="hint">
              {fb.unmatched.length} decision(s) name a step this plan does not have:{" "}
              {fb.unmatched.map((f) => `step ${f.stepIndex + 1}: ${feedbackWords(f)}`).join("; ")}.
            </p>
          )}
        </>
      )}
    </article>
  );
}

function StepItem(props: {
  planId: string;
  step: Step;
  index: number;
  feedback: StepFeedback<FeedbackLike> | undefined;
  canWrite: boolean;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}) {
  const { step, feedback } = props;
  const name = step.displayName || humanize(step.modality);
  const latest = feedback?.latest;
  return (
    <li class="step" data-modality={step.modality} data-step-index={props.index}>
      <p class="step-head">
        <strong class="step-name">{name}</strong> <span class="step-minutes">{step.minutes} min</span>
      </p>
      {step.targets.length > 0 && (
        <p class="step-targets">Targets: {step.targets.map(humanize).join(", ")}</p>
      )}
      <p class={`step-decision decision-${decisionClass(latest?.decision)}`}>
        <span class="decision-label">Therapist's decision:</span> {feedbackWords(latest)}
        {latest && <span class="decision-when"> ({whenWords(latest.recordedAtMs)})</span>}
      </p>
      {feedback && feedback.earlier.length > 0 && (
        <p class="hint">
          Replaces {feedback.earlier.length === 1 ? "an earlier note" : `${feedback.earlier.length} earlier notes`}:{" "}
          {feedback.earlier.map((f) => feedbackWords(f)).join("; ")}.
        </p>
      )}
      {props.canWrite && (
        <FeedbackForm
          planId={props.planId}
          index={props.index}
          name={name}
          onSaved={props.onSaved}
          onUnauthenticated={props.onUnauthenticated}
        />
      )}
    </li>
  );
}

const CHOICES: ReadonlyArray<[DecisionChoice, string]> = [
  ["accepted", "Accepted as suggested"],
  ["modified", "Modified"],
  ["declined", "Declined"],
];

function FeedbackForm(props: {
  planId: string;
  index: number;
  name: string;
  onSaved: (message: string) => void;
  onUnauthenticated: () => void;
}) {
  const [choice, setChoice] = useState<DecisionChoice | undefined>();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  const id = `fb-${props.planId}-${props.index}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    const bad = feedbackError(choice, reason);
    if (bad) {
      setErrors({ [bad.field]: bad.message });
      document.getElementById(bad.field === "reason" ? `${id}-reason` : `${id}-accepted`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await planClient.recordFeedback({
        planId: props.planId,
        stepIndex: props.index,
        decision: DECISION_OF[choice!],
        reason: reason.trim(),
      });
      setChoice(undefined);
      setReason("");
      props.onSaved(`Decision recorded on step ${props.index + 1}, ${props.name}: ${choice}.`);
    } catch (err) {
      const p = problemOf(err);
      if (p.code === "unauthenticated") {
        props.onUnauthenticated();
        return;
      }
      const at = fieldErrorsOf(p.details, ["decision", "reason"]);
      if (Object.keys(at).length > 0) setErrors(at);
      else setProblem(p);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="feedback-edit">
      <summary>
        Record a decision on step {props.index + 1}
        <span class="visually-hidden">, {props.name}</span>
      </summary>
      <form onSubmit={submit} noValidate class="feedback-form">
        <fieldset
          class={`form-field ${errors.decision ? "has-error" : ""}`}
          aria-describedby={errors.decision ? `${id}-decision-error` : undefined}
        >
          <legend>What was done with this step?</legend>
          <div class="choices">
            {CHOICES.map(([value, label]) => (
              <label key={value} class="choice">
                <input
                  type="radio"
                  id={`${id}-${value}`}
                  name={`${id}-decision`}
                  value={value}
                  checked={choice === value}
                  onChange={() => setChoice(value)}
                />
                {label}
              </label>
            ))}
          </div>
          {errors.decision && (
            <p id={`${id}-decision-error`} class="field-error">
              {errors.decision}
            </p>
          )}
        </fieldset>
        <div class={`form-field ${errors.reason ? "has-error" : ""}`}>
          <label for={`${id}-reason`}>Reason {choice === "accepted" ? "(optional)" : "(required unless accepted)"}</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            maxLength={1000}
            value={reason}
            aria-invalid={errors.reason ? "true" : undefined}
            aria-describedby={errors.reason ? `${id}-reason-hint ${id}-reason-error` : `${id}-reason-hint`}
            onInput={(ev) => setReason(ev.currentTarget.value)}
          />
          <p id={`${id}-reason-hint`} class="hint">
            What was changed, or why it was not done. No names: the clinic's evidence report quotes reasons given for
            five patients or more.
          </p>
          {errors.reason && (
            <p id={`${id}-reason-error`} class="field-error">
              {errors.reason}
            </p>
          )}
        </div>
        {problem && <ProblemNotice title="The decision was not recorded" problem={problem} />}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? "Saving…" : "Save decision"}
        </button>
      </form>
    </details>
  );
}
