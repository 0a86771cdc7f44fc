// What is due for the patient, at the top of the page: a referral due (no important improvement
// by the review), a review due, or a referral the latest plan made. Each says what to do.
import { Urgency, type GetProgressResponse } from "../../gen/modalis/v1/plan_service_pb.js";
import { changeWords, micWords, num, type Mic } from "../../model/progress";

const REFERRAL_WORDS: Partial<Record<Urgency, string>> = {
  [Urgency.ROUTINE]: "a routine referral (a letter to the GP)",
  [Urgency.URGENT]: "an urgent referral (GP or spinal triage within days)",
  [Urgency.EMERGENCY]: "an emergency referral (A&E now)",
};

function painWords(p: GetProgressResponse): string {
  const c = p.painNprs;
  if (c?.baseline === undefined || c.latest === undefined) return "pain could not be compared with a baseline";
  return `pain is ${num(c.latest)} against a baseline of ${num(c.baseline)}, ${changeWords(c.improvement, c.baseline)}`;
}

export function ProgressAlerts(props: { progress: GetProgressResponse; mic: Mic; readOnly?: boolean }) {
  // The booking app's users read what the therapist is to do.
  const todo = props.readOnly ? "What the therapist is to do:" : "What to do:";
  const p = props.progress;
  const referral = REFERRAL_WORDS[p.latestReferral];
  const urgentReferral = p.latestReferral === Urgency.URGENT || p.latestReferral === Urgency.EMERGENCY;
  const reviewPoint =
    p.reviewAfterSessions > 0
      ? `the course's review after session ${p.reviewAfterSessions}`
      : "the course's review";
  return (
    <>
      {urgentReferral && (
        <div class="due due-referral" role="alert">
          <p class="due-title">The latest plan makes {referral}</p>
          <p>
            <strong>{todo}</strong> no treatment; refer the patient as the latest plan below says, and record the
            referral in the notes.
          </p>
        </div>
      )}
      {p.reviewDue && (
        <div class={`due due-review ${p.referralDue ? "due-referral" : ""}`} role="alert">
          <p class="due-title">
            Review due at session {p.sessionsCompleted}
            {p.referralDue ? ": no important improvement, a referral is due" : ""}
          </p>
          <p>
            Session {p.sessionsCompleted} reached {reviewPoint}; {painWords(p)}
            {p.improved
              ? ", which reaches the minimal important change."
              : p.referralDue
                ? `: less than the minimal important change (${micWords(props.mic)}).`
                : "."}
          </p>
          <p>
            <strong>{todo}</strong>{" "}
            {p.referralDue
              ? "write a routine referral to the patient's GP (treatment may continue meanwhile), tell the patient why, and reassess: a new assessment makes a new plan."
              : p.improved
                ? "review the course with the patient at this visit: continue, space the sessions out or discharge with advice, and record a new assessment so the plan follows."
                : "review the course with the patient at this visit and record a new assessment, with this session's pain, so the plan follows."}
          </p>
          {p.referralDue && referral && !urgentReferral && (
            <p>The latest plan already makes {referral}: check that it was sent.</p>
          )}
        </div>
      )}
      {p.referralDue && !p.reviewDue && (
        <div class="due due-referral" role="alert">
          <p class="due-title">Referral due</p>
          <p>
            {painWords(p)}. <strong>{todo}</strong> write a routine referral to the patient's GP.
          </p>
        </div>
      )}
    </>
  );
}

const BASELINE_WORDS: Record<string, string> = {
  first_outcome: "the first recorded outcome",
  plan_findings: "the first plan's findings",
  none: "none yet",
};

/** The progress in a few facts: baseline, latest, change, sessions and the review point. */
export function ProgressFacts(props: { progress: GetProgressResponse; mic: Mic; threshold: number | undefined }) {
  const p = props.progress;
  const nprs = p.painNprs;
  const days = p.painDaysPerWeek;
  return (
    <dl class="facts progress-facts">
      <dt>Baseline</dt>
      <dd>
        {nprs?.baseline === undefined ? (
          "none yet: the first outcome recorded will be the baseline"
        ) : (
          <>
            pain {num(nprs.baseline)}
            {days?.baseline !== undefined && `, ${num(days.baseline)} pain days a week`} (from{" "}
            {BASELINE_WORDS[p.baselineSource] ?? p.baselineSource})
          </>
        )}
      </dd>
      <dt>Latest</dt>
      <dd>
        {nprs?.latest === undefined ? (
          "no outcome yet"
        ) : (
          <>
            pain {num(nprs.latest)}: {changeWords(nprs.improvement, nprs.baseline)}
            {days?.latest !== undefined &&
              `; ${num(days.latest)} pain days a week: ${changeWords(days.improvement, days.baseline, "days")}`}
          </>
        )}
      </dd>
      <dt>Minimal important change</dt>
      <dd>
        {nprs?.reachesMic ? <strong class="ok">reached</strong> : <strong>not reached</strong>}
        {props.threshold !== undefined && ` (pain ${num(props.threshold)} or below: ${micWords(props.mic)})`}
      </dd>
      <dt>Sessions</dt>
      <dd>
        {p.sessionsCompleted} completed
        {p.reviewAfterSessions > 0 ? `; the course is reviewed after session ${p.reviewAfterSessions}` : "; no course to review"}
      </dd>
    </dl>
  );
}
