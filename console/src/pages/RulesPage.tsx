// Rules: every rule of the live rule set in plain words, filtered by modality and by what it
// does. Read-only in this version of the console.
import { useMemo, useState } from "preact/hooks";
import type { Session } from "../api/session";
import { ProblemNotice } from "../components/ProblemNotice";
import { courseWords, modalityName, ruleWords } from "../model/plainWords";
import { kindsOf, modalitiesOf, type ActionKind, type Rule } from "../model/rules";
import { filterRules, type RuleFilter } from "../model/ruleFilter";
import { labelOf } from "../model/words";
import type { LiveRuleSet, RuleSetState } from "../ruleSet";

const KIND_WORDS: Record<ActionKind, string> = {
  refer: "Refer",
  exclude: "Exclude a modality",
  suggest: "Suggest a modality",
  advise: "Advise",
  course: "Book a course",
};

const EDIT_NOTE: Record<string, string> = {
  admin: "Read-only here: edit the rule files and check them with modalis rules check.",
  operator: "Read-only here: edit the rule files and check them with modalis rules check.",
};

export function RulesPage(props: { ruleSet: RuleSetState; session: Session }) {
  const { ruleSet, session } = props;
  const [filter, setFilter] = useState<RuleFilter>({ modality: "", kind: "" });
  const live = ruleSet.kind === "ready" ? ruleSet.live : undefined;
  const all = useMemo(() => (live ? [...live.rules.rules, ...live.rules.courseRules] : []), [live]);
  const modalities = useMemo(() => {
    const fromRules = all.flatMap(modalitiesOf);
    return [...new Set([...(live?.vocabulary.lists.modalities ?? []), ...fromRules])];
  }, [all, live]);
  const kinds = useMemo(() => [...new Set(all.flatMap(kindsOf))], [all]);
  const shown = useMemo(() => filterRules(all, filter), [all, filter]);

  const editNote =
    EDIT_NOTE[session.role] ??
    `Your role (${session.role}) may read the rules but not change them; an administrator of the clinic edits them.`;

  return (
    <div class="page rules-page">
      <h1 id="page-title" tabIndex={-1}>
        Rules
      </h1>
      <p class="notice notice-info">{editNote}</p>
      {ruleSet.kind === "loading" && <p role="status">Loading the rule set…</p>}
      {ruleSet.kind === "error" && <ProblemNotice title="The rules cannot be shown" problem={ruleSet.problem} />}
      {live && (
        <>
          <p class="intro">
            Rule set <strong>{live.ref.id}</strong> version {live.ref.version} (
            <code>{live.ref.sha256.slice(0, 12)}</code>){live.fromPlatform ? ", the platform's" : ""}: {live.rules.rules.length}{" "}
            rules and {live.rules.courseRules.length} course rules. Vocabulary {live.vocabulary.id}{" "}
            {live.vocabulary.version}.
          </p>
          <ClinicSettingsView live={live} />
          <form class="filters" aria-label="Filter rules" onSubmit={(e) => e.preventDefault()}>
            <div class="filter">
              <label for="filter-modality">Modality</label>
              <select
                id="filter-modality"
                value={filter.modality}
                onChange={(e) => setFilter({ ...filter, modality: e.currentTarget.value })}
              >
                <option value="">Any modality</option>
                {modalities.map((m) => (
                  <option key={m} value={m}>
                    {modalityName(live.words, m)}
                  </option>
                ))}
              </select>
            </div>
            <div class="filter">
              <label for="filter-kind">What it does</label>
              <select
                id="filter-kind"
                value={filter.kind}
                onChange={(e) => setFilter({ ...filter, kind: e.currentTarget.value as ActionKind | "" })}
              >
                <option value="">Anything</option>
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {KIND_WORDS[k]}
                  </option>
                ))}
              </select>
            </div>
            <p class="filter-count" role="status" aria-live="polite">
              Showing {shown.length} of {all.length} rules.
            </p>
          </form>
          <ol class="rule-list">
            {shown.map((r) => (
              <RuleCard key={`${r.isCourse ? "c" : "r"}-${r.id}`} rule={r} live={live} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function RuleCard({ rule, live }: { rule: Rule; live: LiveRuleSet }) {
  const words = live.words;
  return (
    <li class="rule-card" data-rule-id={rule.id}>
      <h2 class="rule-title">{rule.description}</h2>
      <p class="plain-words">{ruleWords(words, rule)}</p>
      <p class="reason-meta">
        <code>{rule.id}</code> · Source: {rule.source}
        {rule.isCourse && <> · course rule {rule.index + 1}, tried in order</>}
      </p>
      <p class="badges">
        {kindsOf(rule).map((k) => (
          <span key={k} class={`badge badge-kind-${k}`}>
            {KIND_WORDS[k]}
          </span>
        ))}
        {modalitiesOf(rule).map((m) => (
          <span key={m} class="badge badge-modality">
            {modalityName(words, m)}
          </span>
        ))}
      </p>
      {rule.then.some((a) => a.kind === "advise") && (
        <ul class="advice-texts">
          {rule.then.map((a, i) =>
            a.kind === "advise" ? (
              <li key={i}>
                <span class="advice-code">{a.code}</span>: {live.rules.advice[a.code] ?? "(no text)"}
              </li>
            ) : null,
          )}
        </ul>
      )}
      {rule.isCourse && rule.course === undefined && <p>{courseWords(undefined)}</p>}
    </li>
  );
}

function ClinicSettingsView({ live }: { live: LiveRuleSet }) {
  const name = (code: string) => {
    const def = live.vocabulary.byCode.get(code);
    return def ? labelOf(def) : code;
  };
  const { clinic } = live.rules;
  return (
    <details class="clinic-settings">
      <summary>Clinic settings of this rule set</summary>
      <dl class="facts">
        {clinic.sessionMinutes !== undefined && (
          <>
            <dt>Session</dt>
            <dd>{clinic.sessionMinutes} minutes</dd>
          </>
        )}
        <dt>Required screen (no treatment until asked)</dt>
        <dd>{clinic.requiredScreen.map(name).join("; ") || "none"}</dd>
        <dt>Ask before treating (plan provisional until asked)</dt>
        <dd>{clinic.askBeforeTreating.map(name).join("; ") || "none"}</dd>
      </dl>
    </details>
  );
}
