// *Why* disclosures: the rules behind a line of the plan, each with its description, source,
// plain words and the findings that decided it with the values entered.
import type { Findings } from "../model/form";
import type { Reason } from "../model/explain";
import { enteredWords, ruleWords, testWords, type WordsContext } from "../model/plainWords";
import { testsOf, type RuleSet } from "../model/rules";
import { labelOf } from "../model/words";

export interface WhyContext {
  words: WordsContext;
  rules: RuleSet | undefined;
  /** The findings the plan was made from, as sent. */
  findings: Findings;
}

const OUTCOME_WORDS: Record<string, string> = {
  fired: "applied",
  undecided: "undecided: findings missing",
  not_fired: "did not apply",
  improved: "improved",
  contradiction: "contradictory record",
  decided: "",
};

const FINDINGS_HEADING: Record<string, string> = {
  fired: "Because",
  undecided: "Missing",
  not_fired: "False because",
  improved: "Measured by",
  contradiction: "In conflict",
  decided: "Findings",
};

function FindingEvidence(props: { reason: Reason; ctx: WhyContext }) {
  const { reason, ctx } = props;
  const vocab = ctx.words.vocabulary;
  if (reason.findings.length === 0) return null;
  return (
    <div class="evidence">
      <p class="evidence-heading">{FINDINGS_HEADING[reason.outcome] ?? "Findings"}:</p>
      <ul>
        {reason.findings.map((code) => {
          const def = vocab.byCode.get(code);
          const tests = reason.rule && reason.outcome !== "fired" ? testsOf(reason.rule.when, code) : [];
          return (
            <li key={code}>
              <span class="evidence-name">{def ? labelOf(def) : code}</span>
              {tests.length > 0 && <span class="evidence-test"> (rule tests: {tests.map((t) => testWords(ctx.words, t)).join("; ")})</span>}
              {": "}
              <span class="evidence-value">entered {enteredWords(vocab, ctx.findings, code)}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function ReasonItem(props: { reason: Reason; ctx: WhyContext }) {
  const { reason, ctx } = props;
  const outcome = OUTCOME_WORDS[reason.outcome] ?? reason.outcome;
  return (
    <li class={`reason reason-${reason.outcome}`}>
      <p class="reason-head">
        <strong>{reason.description || reason.ruleId}</strong>
        {outcome && <span class={`outcome outcome-${reason.outcome}`}>{outcome}</span>}
      </p>
      {reason.rule && <p class="plain-words">{ruleWords(ctx.words, reason.rule)}</p>}
      <p class="reason-meta">
        Rule <code>{reason.ruleId}</code>
        {reason.source && <> · Source: {reason.source}</>}
      </p>
      <FindingEvidence reason={reason} ctx={ctx} />
    </li>
  );
}

/** A closed disclosure "Why"; `about` names the line for screen readers. */
export function Why(props: { about: string; reasons: Reason[]; ctx: WhyContext }) {
  return (
    <details class="why">
      <summary>
        Why<span class="visually-hidden">: {props.about}</span>
      </summary>
      {props.reasons.length === 0 ? (
        <p class="reason-none">No rule of the rule set is named for this line.</p>
      ) : (
        <ul class="reasons">
          {props.reasons.map((r, i) => (
            <ReasonItem key={`${r.ruleId}-${i}`} reason={r} ctx={props.ctx} />
          ))}
        </ul>
      )}
    </details>
  );
}
