// Rules: every rule of the live rule set in plain words, filtered by modality and by what it
// does; for the clinic's administrators and the operator, also editing them (by form or as JSON,
// checked as they type), what an edit changes, publishing it, and the history with rollback.
// Other roles read the rules only. The page's own places follow "#/rules" (rulesEditor/route.ts).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Session } from "../api/session";
import { ProblemNotice } from "../components/ProblemNotice";
import { courseWords, modalityName, ruleWords } from "../model/plainWords";
import { kindsOf, modalitiesOf, type ActionKind, type Rule } from "../model/rules";
import { filterRules, type RuleFilter } from "../model/ruleFilter";
import { labelOf } from "../model/words";
import { refreshLiveRuleSet, type LiveRuleSet, type RuleSetState } from "../ruleSet";
import { hrefOf, useRulesRoute, type RulesView } from "../rulesEditor/route";

// Editing, what changes, publishing and history are loaded (import()) only when an administrator
// opens them: the first page stays small, and other roles never load them.
interface EditorModules {
  RulesWorkspace: typeof import("../rulesEditor/RulesWorkspace").RulesWorkspace;
  HistoryView: typeof import("../rulesEditor/HistoryView").HistoryView;
}
let editorModules: EditorModules | undefined;

function useEditorModules(needed: boolean): { modules?: EditorModules; error?: string } {
  const [modules, setModules] = useState<EditorModules | undefined>(editorModules);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (!needed || modules) return;
    Promise.all([import("../rulesEditor/RulesWorkspace"), import("../rulesEditor/HistoryView")])
      .then(([w, h]) => {
        editorModules = { RulesWorkspace: w.RulesWorkspace, HistoryView: h.HistoryView };
        setModules(editorModules);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [needed]);
  return { modules, error };
}

const KIND_WORDS: Record<ActionKind, string> = {
  refer: "Refer",
  exclude: "Exclude a modality",
  suggest: "Suggest a modality",
  advise: "Advise",
  course: "Book a course",
};

/** The roles that may change the rules (RulesAdmin's roles). */
const EDITORS = new Set(["admin", "operator"]);

const VIEWS: ReadonlyArray<{ view: RulesView; label: string }> = [
  { view: "list", label: "In plain words" },
  { view: "edit", label: "Edit by form" },
  { view: "json", label: "Edit as JSON" },
  { view: "changes", label: "What changes and publish" },
  { view: "history", label: "History and rollback" },
];

export function RulesPage(props: { ruleSet: RuleSetState; session: Session }) {
  const { ruleSet, session } = props;
  const route = useRulesRoute();
  const canEdit = EDITORS.has(session.role);
  const view: RulesView = canEdit ? route.view : "list";
  const live = ruleSet.kind === "ready" ? ruleSet.live : undefined;
  const focusedView = useRef(view);
  const { modules, error } = useEditorModules(view !== "list");

  useEffect(() => {
    // Moving between the page's own places: focus the new place's heading, as a page change does
    // (once it is there: the editor may still be loading). Not on arrival at the page.
    if (focusedView.current === view) return;
    const heading = document.querySelector<HTMLElement>(".rules-view [tabindex='-1']");
    if (heading || view === "list") {
      focusedView.current = view;
      heading?.focus();
    }
  }, [view, modules]);

  return (
    <div class="page rules-page">
      <h1 id="page-title" tabIndex={-1}>
        Rules
      </h1>
      {canEdit ? (
        <nav class="subnav" aria-label="Rules sections">
          <ul class="subnav-list">
            {VIEWS.map((v) => (
              <li key={v.view}>
                <a href={hrefOf({ view: v.view })} aria-current={v.view === view ? "page" : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : (
        <p class="notice notice-info read-only-note">
          Your role ({session.role}) may read the rules but not change them; an administrator of the clinic edits them.
        </p>
      )}
      <div class="rules-view">
        {view === "list" && <RulesList ruleSet={ruleSet} canEdit={canEdit} />}
        {view !== "list" && !modules && !error && <p role="status">Loading the rules editor…</p>}
        {view !== "list" && error && (
          <p class="notice notice-error" role="alert">
            The rules editor could not be loaded: {error}. Reload the page to try again.
          </p>
        )}
        {modules && (view === "edit" || view === "json" || view === "changes") && (
          <>
            {ruleSet.kind === "error" && <ProblemNotice title="The live rules cannot be read" problem={ruleSet.problem} />}
            <modules.RulesWorkspace route={route} session={session} live={live} />
          </>
        )}
        {modules && view === "history" && (
          <modules.HistoryView onLiveChanged={refreshLiveRuleSet} onUnauthenticated={() => window.location.reload()} />
        )}
      </div>
    </div>
  );
}

function RulesList(props: { ruleSet: RuleSetState; canEdit: boolean }) {
  const { ruleSet } = props;
  const [filter, setFilter] = useState<RuleFilter>({ modality: "", kind: "" });
  const live = ruleSet.kind === "ready" ? ruleSet.live : undefined;
  const all = useMemo(() => (live ? [...live.rules.rules, ...live.rules.courseRules] : []), [live]);
  const modalities = useMemo(() => {
    const fromRules = all.flatMap(modalitiesOf);
    return [...new Set([...(live?.vocabulary.lists.modalities ?? []), ...fromRules])];
  }, [all, live]);
  const kinds = useMemo(() => [...new Set(all.flatMap(kindsOf))], [all]);
  const shown = useMemo(() => filterRules(all, filter), [all, filter]);

  return (
    <>
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
              <RuleCard key={`${r.isCourse ? "c" : "r"}-${r.id}`} rule={r} live={live} canEdit={props.canEdit} />
            ))}
          </ol>
        </>
      )}
    </>
  );
}

function RuleCard({ rule, live, canEdit }: { rule: Rule; live: LiveRuleSet; canEdit: boolean }) {
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
      {canEdit && (
        <p class="rule-card-edit">
          <a href={hrefOf({ view: "edit", ruleId: rule.id })} aria-label={`Edit ${rule.id}`}>
            Edit
          </a>
        </p>
      )}
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
