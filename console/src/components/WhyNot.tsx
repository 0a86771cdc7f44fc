// *Why not*: every rule of the rule set that said nothing for these findings, with the findings
// whose tests were false or that are missing, each rule also in plain words.
import type { Plan } from "../gen/modalis/v1/plan_service_pb.js";
import { unusedCourseRules, whyNot } from "../model/explain";
import { ruleWords } from "../model/plainWords";
import { ReasonItem, type WhyContext } from "./Why";

export function WhyNot({ plan, ctx }: { plan: Plan; ctx: WhyContext }) {
  const reasons = whyNot(plan, ctx.rules);
  const courses = plan.course ? unusedCourseRules(plan, ctx.rules) : [];
  const undecided = reasons.filter((r) => r.outcome === "undecided").length;
  return (
    <section class="plan-part why-not" aria-labelledby="plan-why-not">
      <h3 id="plan-why-not">Why not</h3>
      <details class="why-not-details">
        <summary>
          {reasons.length} rules did not apply
          {undecided > 0 ? ` (${undecided} undecided for want of findings)` : ""}
        </summary>
        {reasons.length === 0 ? (
          <p class="reason-none">Every rule of the rule set applied.</p>
        ) : (
          <ul class="reasons">
            {reasons.map((r, i) => (
              <ReasonItem key={`${r.ruleId}-${i}`} reason={r} ctx={ctx} />
            ))}
          </ul>
        )}
        {courses.length > 0 && (
          <>
            <p class="why-not-courses">
              Course rules are tried in order and the first that applies wins; these were not the one:
            </p>
            <ul class="reasons">
              {courses.map((r) => (
                <li key={r.id} class="reason reason-course">
                  <p class="reason-head">
                    <strong>{r.description}</strong>
                  </p>
                  <p class="plain-words">{ruleWords(ctx.words, r)}</p>
                  <p class="reason-meta">
                    Rule <code>{r.id}</code> · Source: {r.source}
                  </p>
                </li>
              ))}
            </ul>
          </>
        )}
      </details>
    </section>
  );
}
