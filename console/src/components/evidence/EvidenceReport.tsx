// The evidence report's figures as tables, each withheld figure worded as withheld (never a
// zero), each rate with its 95 % interval and what it rests on.
import type { ComponentChildren } from "preact";
import type {
  DecisionSummary,
  GetEvidenceResponse,
  OutcomeAtSession,
  OutcomeSummary,
} from "../../gen/modalis/v1/plan_service_pb.js";
import {
  daysChangeWords,
  flagQuestion,
  otherReasonsWords,
  painChangeWords,
  rateParts,
  withheldWords,
} from "../../model/evidence";
import { modalityName } from "../../model/plainWords";
import { capitalized, humanize } from "../../model/words";
import type { LiveRuleSet } from "../../ruleSet";

const SESSIONS = [2, 4, 6];

function Withheld(props: { min: number; colSpan?: number }) {
  return (
    <td class="withheld" colSpan={props.colSpan}>
      {withheldWords(props.min)}
    </td>
  );
}

function Rate(props: { rate: { count: number; total: number; value: number; low: number; high: number } | undefined }) {
  const { share, detail } = rateParts(props.rate);
  return (
    <>
      <strong>{share}</strong> <span class="rate-detail">({detail})</span>
    </>
  );
}

function Scroll(props: { labelledBy: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-labelledby={props.labelledBy} tabIndex={0}>
      {props.children}
    </div>
  );
}

function Reasons(props: { d: DecisionSummary; min: number }) {
  const { d } = props;
  if (d.reasons.length === 0 && d.otherReasons === 0) return <span class="muted">none given</span>;
  return (
    <>
      {d.reasons.length > 0 && (
        <ul class="reason-list">
          {d.reasons.map((r) => (
            <li key={r.reason}>
              “{r.reason}” ({r.count})
            </li>
          ))}
        </ul>
      )}
      {d.otherReasons > 0 && <p class="rate-detail">{otherReasonsWords(d.otherReasons, props.min)}</p>}
    </>
  );
}

interface DecisionRow {
  key: string;
  name: ComponentChildren;
  decisions: DecisionSummary | undefined;
}

function DecisionTable(props: { id: string; caption: string; what: string; rows: DecisionRow[]; min: number }) {
  if (props.rows.length === 0) return <p class="empty">Nothing was suggested in this range.</p>;
  return (
    <Scroll labelledBy={`${props.id}-caption`}>
      <table class="data evidence-table evidence-decisions" id={props.id}>
        <caption id={`${props.id}-caption`}>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.what}</th>
            <th scope="col">Patients</th>
            <th scope="col">Suggested</th>
            <th scope="col">Accepted</th>
            <th scope="col">Modified</th>
            <th scope="col">Declined</th>
            <th scope="col">No decision recorded</th>
            <th scope="col">Declined share (95 % interval)</th>
            <th scope="col">Most common reasons for modifying or declining</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => {
            const d = r.decisions;
            return (
              <tr key={r.key} data-subject={r.key}>
                <th scope="row">{r.name}</th>
                {!d || d.suppressed ? (
                  <Withheld min={props.min} colSpan={8} />
                ) : (
                  <>
                    <td class="num">{d.patients}</td>
                    <td class="num">{d.suggested}</td>
                    <td class="num">{d.accepted}</td>
                    <td class="num">{d.modified}</td>
                    <td class="num">{d.declined}</td>
                    <td class="num">{d.withoutFeedback}</td>
                    <td>
                      <Rate rate={d.declinedRate} />
                    </td>
                    <td>
                      <Reasons d={d} min={props.min} />
                    </td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </Scroll>
  );
}

function SessionCell(props: { at: OutcomeAtSession | undefined; min: number }) {
  const { at } = props;
  if (!at) return <td class="muted">no figures</td>;
  if (at.suppressed) return <Withheld min={props.min} />;
  return (
    <td>
      <p class="cell-line">
        {painChangeWords(at.meanPainNprsChange)}; {daysChangeWords(at.meanPainDaysChange)}
      </p>
      <p class="cell-line">
        Reached the MIC: <Rate rate={at.reachesMic} />
      </p>
      <p class="rate-detail">{at.patients} patients</p>
    </td>
  );
}

interface OutcomeRow {
  key: string;
  name: ComponentChildren;
  outcomes: OutcomeSummary | undefined;
}

function OutcomeTable(props: { id: string; caption: string; what: string; rows: OutcomeRow[]; min: number }) {
  if (props.rows.length === 0) return <p class="empty">No patient to count in this range.</p>;
  return (
    <Scroll labelledBy={`${props.id}-caption`}>
      <table class="data evidence-table" id={props.id}>
        <caption id={`${props.id}-caption`}>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.what}</th>
            <th scope="col">Patients counted</th>
            {SESSIONS.map((s) => (
              <th scope="col" key={s}>
                At session {s}
              </th>
            ))}
            <th scope="col">Reached the MIC at their latest outcome</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => {
            const o = r.outcomes;
            return (
              <tr key={r.key} data-subject={r.key}>
                <th scope="row">{r.name}</th>
                {!o || o.suppressed ? (
                  <Withheld min={props.min} colSpan={2 + SESSIONS.length} />
                ) : (
                  <>
                    <td class="num">{o.patients}</td>
                    {SESSIONS.map((s) => (
                      <SessionCell key={s} at={o.sessions.find((x) => x.session === s)} min={props.min} />
                    ))}
                    <td>
                      <Rate rate={o.reachesMic} />
                    </td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </Scroll>
  );
}

export function EvidenceReport(props: {
  report: GetEvidenceResponse;
  range: string;
  ruleSetWords: string;
  ruleSet: LiveRuleSet | undefined;
}) {
  const { report, ruleSet } = props;
  const min = report.minPatients > 0 ? report.minPatients : 5;
  const modality = (code: string) => capitalized(ruleSet ? modalityName(ruleSet.words, code) : humanize(code));
  const ruleName = (id: string) => {
    const description = ruleSet?.rules.byId.get(id)?.description;
    return (
      <>
        {description && <span class="rule-description">{description} </span>}
        <code>{id}</code>
      </>
    );
  };
  const t = report.thresholdsFrom;

  return (
    <div class="evidence-report">
      <section aria-labelledby="evidence-summary">
        <h2 id="evidence-summary">In this report</h2>
        <p class="evidence-scope">
          <strong>{report.plans}</strong> {report.plans === 1 ? "plan" : "plans"} for <strong>{report.patients}</strong>{" "}
          {report.patients === 1 ? "patient" : "patients"} of the clinic {report.clinicId}, {props.range},{" "}
          {props.ruleSetWords}.
        </p>
        <ul class="evidence-notes">
          <li>
            <strong>Withheld figures.</strong> A figure resting on fewer than {min} patients is withheld, so that no
            patient can be recognised in it: it reads “{withheldWords(min)}”. A reason is quoted only when at least {min}{" "}
            patients were given it.
          </li>
          <li>
            <strong>Rates</strong> come with their 95 % interval: with few patients the true rate could lie anywhere in
            it, so compare intervals, not single figures.
          </li>
          <li>
            <strong>Minimal important change (MIC)</strong>: the least improvement in pain that matters to patients, as
            {t ? ` the rule set ${t.id} ${t.version} sets it` : " the clinic's rule set sets it"}. Changes are each
            patient's first recorded outcome minus the session's: positive is less pain.
          </li>
        </ul>
      </section>

      <section aria-labelledby="evidence-flags">
        <h2 id="evidence-flags">Questions to look into</h2>
        {report.flags.length === 0 ? (
          <p>
            None stands out: no rule was declined more than half the time over 20 suggestions or more, and no
            treatment's patients reached the minimal important change clearly less often than the clinic's other
            patients.
          </p>
        ) : (
          <ul class="flags">
            {report.flags.map((f) => (
              <li key={`${f.kind}/${f.subject}`} class={`flag flag-${f.kind}`}>
                {flagQuestion(f)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="evidence-all">
        <h2 id="evidence-all">How the clinic's patients did</h2>
        <OutcomeTable
          id="evidence-all-table"
          caption="All patients: change from their first recorded outcome"
          what="Patients"
          rows={[{ key: "all", name: "All patients", outcomes: report.allPatients }]}
          min={min}
        />
      </section>

      <section aria-labelledby="evidence-modalities">
        <h2 id="evidence-modalities">By treatment</h2>
        <DecisionTable
          id="evidence-modality-decisions"
          caption="What therapists did when a treatment was suggested"
          what="Treatment"
          rows={report.modalities.map((m) => ({ key: m.modality, name: modality(m.modality), decisions: m.decisions }))}
          min={min}
        />
        <OutcomeTable
          id="evidence-modality-outcomes"
          caption="How patients did when the treatment was suggested and not declined"
          what="Treatment"
          rows={report.modalities.map((m) => ({ key: m.modality, name: modality(m.modality), outcomes: m.outcomes }))}
          min={min}
        />
      </section>

      <section aria-labelledby="evidence-courses">
        <h2 id="evidence-courses">By course of care</h2>
        <OutcomeTable
          id="evidence-course-outcomes"
          caption="How patients did, by the course their first plan booked"
          what="Course"
          rows={report.courses.map((c, i) => ({
            key: c.label || String(i),
            name: capitalized(c.label || "course"),
            outcomes: c.outcomes,
          }))}
          min={min}
        />
      </section>

      <section aria-labelledby="evidence-rules">
        <h2 id="evidence-rules">By rule</h2>
        <DecisionTable
          id="evidence-rule-decisions"
          caption="What therapists did with the steps each rule suggested"
          what="Rule"
          rows={report.rules.map((r) => ({ key: r.ruleId, name: ruleName(r.ruleId), decisions: r.decisions }))}
          min={min}
        />
      </section>
    </div>
  );
}
