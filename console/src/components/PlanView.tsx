// The plan for the findings on the form, every line with its *why*.
import {
  ExclusionSeverity,
  Frequency,
  PlanStatus,
  Urgency,
  type Plan,
} from "../gen/modalis/v1/plan_service_pb.js";
import {
  adviceReasons,
  contradictionReasons,
  courseReasons,
  exclusionReasons,
  missingReasons,
  referralReasons,
  stepReasons,
} from "../model/explain";
import { frequencyWords, modalityName } from "../model/plainWords";
import { humanize, labelOf } from "../model/words";
import { Why, type WhyContext } from "./Why";
import { WhyNot } from "./WhyNot";

const STATUS_WORDS: Record<PlanStatus, [string, string]> = {
  [PlanStatus.PLAN_STATUS_UNSPECIFIED]: ["Unknown", "The server gave no status."],
  [PlanStatus.COMPLETE]: ["Complete", "Every safety question is answered."],
  [PlanStatus.PROVISIONAL]: ["Provisional", "Treatment is allowed, but ask the open questions below before treating."],
  [PlanStatus.SCREEN_REQUIRED]: ["Screen required", "No treatment until the required screen is asked."],
  [PlanStatus.REFERRED]: ["Referred", "No treatment: refer as below."],
};

const URGENCY_WORDS: Record<Urgency, string> = {
  [Urgency.URGENCY_UNSPECIFIED]: "Referral",
  [Urgency.NONE]: "No referral",
  [Urgency.ROUTINE]: "Routine referral: letter to the GP; treatment may continue",
  [Urgency.URGENT]: "Urgent referral: GP or spinal triage within days",
  [Urgency.EMERGENCY]: "Emergency referral: A&E now",
};

const SEVERITY_WORDS: Record<ExclusionSeverity, string> = {
  [ExclusionSeverity.EXCLUSION_SEVERITY_UNSPECIFIED]: "excluded",
  [ExclusionSeverity.ABSOLUTE]: "absolute: the modality's safety floor",
  [ExclusionSeverity.RULE]: "a rule of the clinic",
  [ExclusionSeverity.DECLINED]: "declined by the client",
  [ExclusionSeverity.QUALIFICATION]: "qualification missing",
  [ExclusionSeverity.UNAVAILABLE]: "no plugin provides it",
  [ExclusionSeverity.PLUGIN_ERROR]: "the plugin failed",
  [ExclusionSeverity.TIME_BUDGET]: "did not fit the session",
  [ExclusionSeverity.NEEDS_FINDINGS]: "needs findings first",
};

function findingLabel(ctx: WhyContext, code: string): string {
  const def = ctx.words.vocabulary.byCode.get(code);
  return def ? labelOf(def) : code;
}

function Referral({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  const r = plan.referral;
  if (!r || r.urgency === Urgency.NONE || r.urgency === Urgency.URGENCY_UNSPECIFIED) return null;
  const words = URGENCY_WORDS[r.urgency];
  return (
    <section class={`plan-part referral referral-${Urgency[r.urgency].toLowerCase()}`} aria-labelledby="plan-referral">
      <h3 id="plan-referral">{words}</h3>
      <ul>
        {r.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <Why about={words} reasons={referralReasons(plan, ctx.rules)} ctx={ctx} />
    </section>
  );
}

function Steps({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  const total = plan.steps.reduce((sum, s) => sum + s.minutes, 0);
  return (
    <section class="plan-part" aria-labelledby="plan-steps">
      <h3 id="plan-steps">Session steps</h3>
      {plan.steps.length === 0 ? (
        <p class="empty">No treatment steps.</p>
      ) : (
        <>
          <ol class="steps">
            {plan.steps.map((s, i) => {
              const name = s.displayName || modalityName(ctx.words, s.modality);
              return (
                <li key={`${s.modality}-${i}`} class="step" data-modality={s.modality}>
                  <p class="step-head">
                    <strong class="step-name">{name}</strong> <span class="step-minutes">{s.minutes} min</span>
                  </p>
                  <dl class="facts">
                    {s.targets.length > 0 && (
                      <>
                        <dt>Targets</dt>
                        <dd>{s.targets.map(humanize).join(", ")}</dd>
                      </>
                    )}
                    {s.pressure && (
                      <>
                        <dt>Pressure</dt>
                        <dd>{s.pressure}</dd>
                      </>
                    )}
                    {s.params.length > 0 && (
                      <>
                        <dt>Details</dt>
                        <dd>{s.params.map((p) => `${humanize(p.key)}: ${p.value}`).join("; ")}</dd>
                      </>
                    )}
                    <dt>Qualification</dt>
                    <dd>{s.requiredQualification ? humanize(s.requiredQualification) : "none needed"}</dd>
                    {s.needsWrittenConsent && (
                      <>
                        <dt>Consent</dt>
                        <dd>written consent needed</dd>
                      </>
                    )}
                  </dl>
                  {s.cautions.length > 0 && (
                    <div class="cautions">
                      <p class="cautions-heading">Cautions</p>
                      <ul>
                        {s.cautions.map((c) => (
                          <li key={c}>{c}</li>
                        ))}
                      </ul>
                    </div>
                  )}
                  {s.instructions.length > 0 && (
                    <div class="instructions">
                      <p class="instructions-heading">How</p>
                      <ul>
                        {s.instructions.map((c) => (
                          <li key={c}>{c}</li>
                        ))}
                      </ul>
                    </div>
                  )}
                  <Why about={name} reasons={stepReasons(plan, ctx.rules, i)} ctx={ctx} />
                </li>
              );
            })}
          </ol>
          <p class="total">{total} minutes in all.</p>
        </>
      )}
    </section>
  );
}

function Exclusions({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  if (plan.exclusions.length === 0) return null;
  return (
    <section class="plan-part" aria-labelledby="plan-exclusions">
      <h3 id="plan-exclusions">Not offered</h3>
      <ul class="exclusions">
        {plan.exclusions.map((x, i) => {
          const name = modalityName(ctx.words, x.modality);
          return (
            <li key={`${x.modality}-${i}`} class="exclusion">
              <p>
                <strong>{name}</strong>: {x.reason} <span class="severity">({SEVERITY_WORDS[x.severity]})</span>
              </p>
              <Why about={`${name} not offered`} reasons={exclusionReasons(plan, ctx.rules, i)} ctx={ctx} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function AdviceList({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  if (plan.advice.length === 0) return null;
  return (
    <section class="plan-part" aria-labelledby="plan-advice">
      <h3 id="plan-advice">Advice</h3>
      <ul class="advice">
        {plan.advice.map((a) => (
          <li key={a.code}>
            <p>{a.text || humanize(a.code)}</p>
            <Why about={`advice ${humanize(a.code)}`} reasons={adviceReasons(plan, ctx.rules, a.code)} ctx={ctx} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function CourseView({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  const c = plan.course;
  return (
    <section class="plan-part" aria-labelledby="plan-course">
      <h3 id="plan-course">Course of care</h3>
      {c ? (
        <>
          <p class="course">
            {frequencyWords(Frequency[c.frequency])},{" "}
            {c.sessionsMin === c.sessionsMax ? c.sessionsMin : `${c.sessionsMin} to ${c.sessionsMax}`} sessions;
            review after {c.reviewAfterSessions}.
          </p>
          <Why about="course of care" reasons={courseReasons(plan, ctx.rules)} ctx={ctx} />
        </>
      ) : (
        <p class="empty">Nothing to book.</p>
      )}
    </section>
  );
}

function Missing({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  if (plan.missingFindings.length === 0) return null;
  return (
    <section class="plan-part" aria-labelledby="plan-missing">
      <h3 id="plan-missing">Ask about</h3>
      <ul class="missing">
        {plan.missingFindings.map((m) => {
          const label = findingLabel(ctx, m.code);
          const others = m.reasons.filter((r) => r !== m.why);
          return (
            <li key={m.code}>
              <p>
                <strong>{label}</strong> <code class="code">{m.code}</code>: {m.why}
              </p>
              {others.length > 0 && (
                <ul class="also">
                  {others.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              )}
              <Why about={label} reasons={missingReasons(plan, ctx.rules, m.code)} ctx={ctx} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Contradictions({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  if (plan.contradictions.length === 0) return null;
  return (
    <section class="plan-part" aria-labelledby="plan-contradictions">
      <h3 id="plan-contradictions">Contradictory record</h3>
      <ul>
        {plan.contradictions.map((c) => (
          <li key={c.constraintId}>
            <p>
              {c.description}: {c.findings.map((f) => findingLabel(ctx, f)).join(", ")}. The plan reads it the most
              restrictive way; ask again.
            </p>
            <Why about={c.description} reasons={contradictionReasons(plan, ctx.rules, c.constraintId)} ctx={ctx} />
          </li>
        ))}
      </ul>
    </section>
  );
}

export function PlanView({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  const [status, statusText] = STATUS_WORDS[plan.status];
  return (
    <div class="plan-body">
      <p class={`plan-status status-${PlanStatus[plan.status].toLowerCase()}`}>
        <strong>{status}.</strong> {statusText}
      </p>
      <Referral plan={plan} ctx={ctx} />
      <Contradictions plan={plan} ctx={ctx} />
      <Missing plan={plan} ctx={ctx} />
      <Steps plan={plan} ctx={ctx} />
      <Exclusions plan={plan} ctx={ctx} />
      <AdviceList plan={plan} ctx={ctx} />
      <CourseView plan={plan} ctx={ctx} />
      <WhyNot plan={plan} ctx={ctx} />
      {plan.ruleSet && (
        <p class="plan-ruleset">
          Rule set {plan.ruleSet.id} {plan.ruleSet.version} (<code>{plan.ruleSet.sha256.slice(0, 12)}</code>). A dry run:
          nothing was stored.
        </p>
      )}
    </div>
  );
}
