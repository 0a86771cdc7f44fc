// Editing the rules: the draft (started from the live rule set), edited by form or as JSON,
// checked by the server as it changes, then what it changes and publishing it.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { rulesAdmin } from "../api/client";
import { problemOf, type Problem as ServerProblem } from "../api/errors";
import type { Session } from "../api/session";
import { ProblemNotice } from "../components/ProblemNotice";
import type { WordsContext } from "../model/plainWords";
import { humanize } from "../model/words";
import { refreshLiveRuleSet, type LiveRuleSet } from "../ruleSet";
import { ChangesView } from "./ChangesView";
import { ConfirmDialog } from "./ConfirmDialog";
import {
  fieldPointersOfRule,
  placeProblems,
  pointerSegments,
  problemsPerRule,
  ruleOfPointer,
  countBySeverity,
  type Problem,
  type RuleList,
} from "./diagnostics";
import {
  adviceCodes,
  findRule,
  isUnchanged,
  newCourseRule,
  newCourseRuleIndex,
  newRule,
  ruleChanges,
  rulesOf,
  summariseDraft,
  type DraftSummary,
} from "./draft";
import { FormCtx, type FormContext } from "./FormBits";
import { getAt, insertAt, isObject, moveAt, parseJson, pretty, removeAt, setAt, type Json, type Path } from "./json";
import { JsonView } from "./JsonView";
import { CheckSummary, ProblemList } from "./ProblemList";
import { hrefOf, replaceRoute, type RulesRoute } from "./route";
import { RuleForm } from "./RuleForm";
import { SettingsForm } from "./SettingsForm";
import {
  currentResult,
  latestResult,
  loadBase,
  readDraft,
  ruleFileProblems,
  useDraftCheck,
  writeDraft,
  type Base,
} from "./workspace";
import "./rulesEditor.css";

type BaseState = { kind: "loading" } | { kind: "ready"; base: Base } | { kind: "error"; problem: ServerProblem };

// The last base loaded, so switching between the Rules page's views does not load it again.
let cachedBase: { owner: string; base: Base } | undefined;

interface ModalityInfo {
  code: string;
  name: string;
  paramSchema?: Record<string, unknown>;
}
let cachedModalities: ModalityInfo[] | undefined;

function ownerOf(session: Session): string {
  return `${session.clinicId}/${session.client}`;
}

/** A problem at a pointer, pending focus once its rule is shown. */
let pendingFocus: string | undefined;

function focusPointer(pointer: string): boolean {
  const segments = pointerSegments(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const candidate = n === 0 ? "" : `/${segments.slice(0, n).map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
    const el = document.querySelector<HTMLElement>(`[data-pointer="${CSS.escape(candidate)}"]`);
    if (!el) continue;
    const target = el.matches("input, select, textarea, button")
      ? el
      : el.querySelector<HTMLElement>("input:not([disabled]), select:not([disabled]), textarea:not([disabled])");
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
      return true;
    }
  }
  return false;
}

function draftWords(s: DraftSummary): string {
  if (isUnchanged(s)) return "No changes yet.";
  const parts: string[] = [];
  const list = (ids: string[]) => (ids.length <= 3 ? ids.join(", ") : `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more`);
  if (s.changed.length > 0) parts.push(`changed ${list(s.changed)}`);
  if (s.added.length > 0) parts.push(`added ${list(s.added)}`);
  if (s.removed.length > 0) parts.push(`removed ${list(s.removed)}`);
  if (s.otherChanged.length > 0) parts.push(`changed its ${s.otherChanged.map(humanize).join(", ")}`);
  return `This draft ${parts.join("; ")}.`;
}

export interface RulesWorkspaceProps {
  route: RulesRoute;
  session: Session;
  live: LiveRuleSet | undefined;
}

export function RulesWorkspace(props: RulesWorkspaceProps) {
  const owner = ownerOf(props.session);
  const liveSha = props.live?.ref.sha256 ?? "";
  const [baseState, setBaseState] = useState<BaseState>(() =>
    cachedBase && cachedBase.owner === owner && (liveSha === "" || cachedBase.base.ref.sha256 === liveSha)
      ? { kind: "ready", base: cachedBase.base }
      : { kind: "loading" },
  );
  const base = baseState.kind === "ready" ? baseState.base : undefined;
  const [text, setTextState] = useState<string>(() => {
    if (!base) return "";
    const saved = readDraft(owner);
    return saved ? saved.text : base.liveText;
  });
  const [notice, setNotice] = useState<string | undefined>();
  const [flash, setFlash] = useState<string | undefined>();
  const [modalities, setModalities] = useState<ModalityInfo[] | undefined>(cachedModalities);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [generation, setGeneration] = useState(0);

  const lost = () => window.location.reload();

  // The base: the live rule set with its golden cases; again whenever another one goes live.
  useEffect(() => {
    if (base && (liveSha === "" || base.ref.sha256 === liveSha)) return;
    const ctrl = new AbortController();
    loadBase(ctrl.signal)
      .then((loaded) => {
        if (ctrl.signal.aborted) return;
        cachedBase = { owner, base: loaded };
        const saved = readDraft(owner);
        let next = loaded.liveText;
        if (saved && saved.text !== loaded.liveText) {
          next = saved.text;
          if (saved.baseSha !== loaded.ref.sha256) {
            setNotice(
              `Another rule set went live since this draft was started (now ${loaded.ref.id} ${loaded.ref.version}). The draft is kept and now compared with it.`,
            );
          }
        }
        setBaseState({ kind: "ready", base: loaded });
        setTextState(next);
        writeDraft(owner, loaded, next);
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") lost();
        else setBaseState({ kind: "error", problem });
      });
    return () => ctrl.abort();
  }, [liveSha, generation]);

  // Modality names and their parameters, from the loaded plugins.
  useEffect(() => {
    if (cachedModalities) return;
    rulesAdmin
      .listModalities({})
      .then((res) => {
        cachedModalities = res.modalities.map((m) => {
          const info: ModalityInfo = { code: m.id, name: m.displayName || humanize(m.id) };
          try {
            const schema = JSON.parse(m.paramSchemaJson || "{}") as unknown;
            if (isObject(schema as Json)) info.paramSchema = schema as Record<string, unknown>;
          } catch {
            // A plugin's schema that does not parse: its parameters are shown as plain text boxes.
          }
          return info;
        });
        setModalities(cachedModalities);
      })
      .catch(() => undefined);
  }, []);

  const setText = (t: string) => {
    setTextState(t);
    setNotice(undefined);
    setFlash(undefined);
    if (base) writeDraft(owner, base, t);
  };
  // A change that does not come from the JSON editor itself (the version set for publishing, a
  // discarded draft): the editor takes the new text when this count moves.
  const [replaced, setReplaced] = useState(0);
  const replaceText = (t: string) => {
    setText(t);
    setReplaced((n) => n + 1);
  };

  const check = useDraftCheck(base, text, lost);
  const parsed = useMemo(() => parseJson(text), [text]);
  const doc = parsed.ok ? parsed.doc : undefined;
  const summary = useMemo(() => (base && doc !== undefined ? summariseDraft(doc, base.liveDoc) : undefined), [doc, base]);
  const dirty = base !== undefined && text !== base.liveText && !(summary && isUnchanged(summary));
  const current = currentResult(check, text);

  const words: WordsContext | undefined = useMemo(() => {
    if (!base) return undefined;
    const advice = getAt(doc, ["advice"]);
    const names = new Map((modalities ?? []).map((m) => [m.code, m.name]));
    return {
      vocabulary: base.vocabulary,
      advice: isObject(advice) ? (Object.fromEntries(Object.entries(advice).map(([k, v]) => [k, String(v)])) as Record<string, string>) : {},
      modalityNames: names,
    };
  }, [base, doc, modalities]);

  if (baseState.kind === "loading") return <p role="status">Loading the live rule set and its golden cases…</p>;
  if (baseState.kind === "error") return <ProblemNotice title="The rules cannot be edited" problem={baseState.problem} />;
  const b = baseState.base;

  const onPublished = (outcome: { message: string }) => {
    setFlash(outcome.message);
    setNotice(undefined);
    cachedBase = undefined;
    // The draft is now what is live: start the next one from it.
    try {
      window.sessionStorage.removeItem(`modalis.rules-draft.${owner}`);
    } catch {
      // nothing kept
    }
    setBaseState({ kind: "loading" });
    setGeneration((g) => g + 1);
    refreshLiveRuleSet();
  };

  return (
    <div class="rules-workspace">
      <section class="draft-bar" aria-label="Draft">
        <p class="draft-from">
          Draft of <strong>{b.ref.id}</strong>, started from the live version {b.ref.version} (
          <code>{b.ref.sha256.slice(0, 12)}</code>). {summary ? draftWords(summary) : "The JSON does not parse, so what it changes is not known yet."}
        </p>
        <CheckSummary state={check} current={current} />
        {b.cases.length === 0 && (
          <p class="hint">No golden cases come with this rule set: the check compiles the rules but runs no case.</p>
        )}
        <div class="toolbar toolbar-small">
          {dirty && (
            <button type="button" class="button" onClick={() => setConfirmDiscard(true)}>
              Discard the draft
            </button>
          )}
          {props.route.view !== "changes" && (
            <a class="button button-primary" href="#/rules/changes">
              Review what changes
            </a>
          )}
        </div>
      </section>
      {flash && (
        <div class="notice notice-ok published-notice" role="status">
          <p class="notice-title">{flash}</p>
          <p>
            <a href="#/rules/history">See the history</a>, where it can be rolled back.
          </p>
        </div>
      )}
      {notice && <p class="notice notice-info">{notice}</p>}
      {props.route.view === "edit" && words && (
        <EditView
          base={b}
          doc={doc}
          parseError={parsed.ok ? undefined : parsed.message}
          text={text}
          setText={setText}
          route={props.route}
          problems={ruleFileProblems(latestResult(check), b)}
          checkResult={current ?? latestResult(check)}
          words={words}
          modalities={modalities}
        />
      )}
      {props.route.view === "json" && <JsonView base={b} text={text} setText={setText} replaced={replaced} check={check} />}
      {props.route.view === "changes" && words && (
        <ChangesView base={b} text={text} setText={replaceText} check={check} words={words} onPublished={onPublished} onUnauthenticated={lost} />
      )}
      {confirmDiscard && (
        <ConfirmDialog
          title="Discard the draft?"
          confirmLabel="Discard the draft"
          danger
          onCancel={() => setConfirmDiscard(false)}
          onConfirm={() => {
            setConfirmDiscard(false);
            replaceText(b.liveText);
            setNotice("The draft was discarded: it is the live rule set again.");
          }}
        >
          <p>Every change of this draft is lost; it becomes the live rule set {b.ref.version} again.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

interface EditViewProps {
  base: Base;
  doc: Json | undefined;
  parseError: string | undefined;
  text: string;
  setText: (t: string) => void;
  route: RulesRoute;
  problems: Problem[];
  checkResult: ReturnType<typeof latestResult>;
  words: WordsContext;
  modalities: ModalityInfo[] | undefined;
}

interface Place {
  list: RuleList;
  index: number;
}

function resolvePlace(doc: Json | undefined, ruleId: string | undefined): Place | undefined {
  if (ruleId === undefined) return undefined;
  const at = /^@(rules|course_rules)\/(\d+)$/.exec(ruleId);
  if (at) return { list: at[1] as RuleList, index: Number(at[2]) };
  const found = findRule(doc, ruleId);
  return found ? { list: found.list, index: found.index } : undefined;
}

function EditView(props: EditViewProps) {
  const { doc, base, route } = props;
  const [place, setPlace] = useState<Place | undefined>(() => resolvePlace(doc, route.ruleId));
  const [filter, setFilter] = useState("");
  const [announce, setAnnounce] = useState("");
  const [confirmDelete, setConfirmDelete] = useState<Place | undefined>();
  const firstRender = useRef(true);

  // Follow the address when the person picks another rule.
  useEffect(() => {
    setPlace(resolvePlace(doc, route.ruleId));
  }, [route.ruleId, doc === undefined]);

  // Once the rule is shown, focus the field a problem named, or the rule's heading.
  useLayoutEffect(() => {
    if (pendingFocus !== undefined) {
      // Wait until the rule the pointer names is the one shown.
      const r = ruleOfPointer(pendingFocus);
      const shown = r ? place !== undefined && r.list === place.list && r.index === place.index : place === undefined;
      if (!shown) return;
      const p = pendingFocus;
      pendingFocus = undefined;
      firstRender.current = false;
      if (focusPointer(p)) return;
    }
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.getElementById(place ? "rule-form-title" : "settings-title")?.focus();
  }, [place?.list, place?.index, route.ruleId]);

  // Keep the rule being edited in sight in the list of rules.
  useEffect(() => {
    document.querySelector(".rule-picker .is-current")?.scrollIntoView({ block: "nearest" });
  }, [place?.list, place?.index]);

  const selectedRule = place ? getAt(doc, [place.list, place.index]) : undefined;
  const selectedId = isObject(selectedRule) && typeof selectedRule.id === "string" ? selectedRule.id : undefined;

  // A rule renamed in the form keeps its address in step without a new history entry.
  useEffect(() => {
    if (place && selectedId !== undefined && selectedId !== "" && selectedId !== route.ruleId) {
      replaceRoute({ view: "edit", ruleId: selectedId });
    }
  }, [selectedId]);

  if (doc === undefined) {
    return (
      <div class="notice notice-error" role="alert">
        <p class="notice-title">The draft is not valid JSON, so it cannot be edited by form</p>
        <p>{props.parseError}</p>
        <p>
          <a href="#/rules/json">Edit it as JSON</a> to correct it.
        </p>
      </div>
    );
  }

  const update = (next: Json) => props.setText(pretty(next));
  const problems = props.problems;
  const perRule = problemsPerRule(problems);
  const changes = ruleChanges(doc, base.liveDoc);
  const refs = rulesOf(doc);
  const used = new Set<string>();
  for (const r of refs) {
    const then = getAt(doc, [r.list, r.index, "then"]);
    if (Array.isArray(then)) {
      for (const a of then) {
        if (!isObject(a)) continue;
        const adv = a.advise;
        if (typeof adv === "string") used.add(adv);
        else if (isObject(adv) && typeof adv.code === "string") used.add(adv.code);
      }
    }
  }

  const pointers = place
    ? fieldPointersOfRule(selectedRule, place.list, place.index)
    : ["", "/id", "/version", "/description", "/advice", ...adviceCodes(doc).map((c) => `/advice/${c.replace(/~/g, "~0").replace(/\//g, "~1")}`)];
  const shownProblems = place
    ? problems.filter((p) => {
        const r = ruleOfPointer(p.pointer);
        return r !== undefined && r.list === place.list && r.index === place.index;
      })
    : problems.filter((p) => ruleOfPointer(p.pointer) === undefined);
  const placed = placeProblems(shownProblems, pointers);

  const vocabLists = base.vocabulary.lists;
  const modalityCodes = [...new Set([...(props.modalities ?? []).map((m) => m.code), ...(vocabLists.modalities ?? [])])];
  const adviceTexts: Record<string, string> = {};
  const adviceObj = getAt(doc, ["advice"]);
  if (isObject(adviceObj)) for (const [k, v] of Object.entries(adviceObj)) adviceTexts[k] = String(v);
  const ctx: FormContext = {
    vocabulary: base.vocabulary,
    problemsAt: placed.byPointer,
    modalities: modalityCodes.map((code) => {
      const m = props.modalities?.find((x) => x.code === code);
      return { code, name: m?.name ?? humanize(code), paramSchema: m?.paramSchema };
    }),
    targets: vocabLists.targets ?? [],
    adviceCodes: adviceCodes(doc),
    adviceTexts,
    set: (path: Path, value: Json) => update(setAt(doc, path, value)),
    remove: (path: Path) => update(removeAt(doc, path)),
    readOnly: false,
  };
  if (placed.unplaced.length > 0) {
    // Problems no field holds are shown at the rule (or the rule set) itself.
    const at = place ? `/${place.list}/${place.index}` : "";
    ctx.problemsAt.set(at, [...(ctx.problemsAt.get(at) ?? []), ...placed.unplaced]);
  }

  const go = (r: RulesRoute) => {
    window.location.hash = hrefOf(r);
  };
  const addRule = (list: RuleList) => {
    const rule = list === "rules" ? newRule(doc, base.vocabulary) : newCourseRule(doc);
    const index = list === "rules" ? (Array.isArray(getAt(doc, ["rules"])) ? (getAt(doc, ["rules"]) as Json[]).length : 0) : newCourseRuleIndex(doc);
    update(insertAt(doc, [list], rule, index));
    pendingFocus = `/${list}/${index}/id`;
    setAnnounce(`Added ${list === "rules" ? "a rule" : "a course rule"}, ${String(rule.id)}.`);
    go({ view: "edit", ruleId: String(rule.id) });
  };
  const move = (delta: number) => {
    if (!place) return;
    update(moveAt(doc, [place.list], place.index, delta));
    setPlace({ list: place.list, index: place.index + delta });
    setAnnounce(`Moved ${delta < 0 ? "up" : "down"}: now ${place.index + delta + 1}.`);
  };
  const remove = (p: Place) => {
    const id = String(getAt(doc, [p.list, p.index, "id"]) ?? "");
    const next = removeAt(doc, [p.list, p.index]);
    update(next);
    setConfirmDelete(undefined);
    setAnnounce(`Deleted ${id}.`);
    const items = getAt(next, [p.list]);
    const neighbour = Array.isArray(items) && items.length > 0 ? getAt(next, [p.list, Math.min(p.index, items.length - 1), "id"]) : undefined;
    go(typeof neighbour === "string" && neighbour !== "" ? { view: "edit", ruleId: neighbour } : { view: "edit" });
  };
  const showProblem = (p: Problem) => {
    const r = ruleOfPointer(p.pointer);
    pendingFocus = p.pointer;
    if (r) {
      const id = getAt(doc, [r.list, r.index, "id"]);
      const target: RulesRoute = { view: "edit", ruleId: typeof id === "string" && id !== "" ? id : `@${r.list}/${r.index}` };
      if (hrefOf(target) === window.location.hash && place?.list === r.list && place.index === r.index) {
        pendingFocus = undefined;
        focusPointer(p.pointer);
      } else go(target);
    } else if (route.ruleId === undefined) {
      pendingFocus = undefined;
      focusPointer(p.pointer);
    } else go({ view: "edit" });
  };
  const placeWords = (p: Problem) => {
    const r = ruleOfPointer(p.pointer);
    if (!r) return p.pointer ? `at ${p.pointer}` : "in the rule set";
    const id = getAt(doc, [r.list, r.index, "id"]);
    return `${r.list === "course_rules" ? "course rule" : "rule"} ${typeof id === "string" && id ? id : r.index + 1}${r.rest ? ` (${r.rest.slice(1)})` : ""}`;
  };

  const needle = filter.trim().toLowerCase();
  const shown = refs.filter((r) => needle === "" || r.id.toLowerCase().includes(needle) || r.description.toLowerCase().includes(needle));
  const settingsProblems = problems.filter((p) => ruleOfPointer(p.pointer) === undefined);

  const pickerItem = (r: (typeof refs)[number]) => {
    const key = `${r.list}/${r.index}`;
    const ps = perRule.get(key) ?? [];
    const { errors, warnings } = countBySeverity(ps);
    const change = changes.get(key);
    const current = place?.list === r.list && place.index === r.index;
    const href = hrefOf({ view: "edit", ruleId: r.id !== "" ? r.id : `@${r.list}/${r.index}` });
    return (
      <li key={key} class={`picker-item ${current ? "is-current" : ""}`}>
        <a href={href} aria-current={current ? "true" : undefined}>
          <span class="picker-id">{r.id || `(no id, ${r.index + 1})`}</span>
          {change === "new" && <span class="badge badge-new">new</span>}
          {change === "changed" && <span class="badge badge-changed">changed</span>}
          {errors > 0 && <span class="badge badge-error">{errors === 1 ? "1 error" : `${errors} errors`}</span>}
          {warnings > 0 && <span class="badge badge-warning">{warnings === 1 ? "1 warning" : `${warnings} warnings`}</span>}
          <span class="picker-description">{r.description}</span>
        </a>
      </li>
    );
  };
  const ruleItems = shown.filter((r) => r.list === "rules");
  const courseItems = shown.filter((r) => r.list === "course_rules");
  const listCount = (list: RuleList) => refs.filter((r) => r.list === list).length;

  return (
    <FormCtx.Provider value={ctx}>
      <p class="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
      <div class="edit-layout">
        <nav class="rule-picker" aria-label="Rules of the draft">
          <div class="form-field">
            <label for="rule-find">Find a rule</label>
            <input id="rule-find" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
          </div>
          <ul class="picker-list">
            <li class={`picker-item ${place ? "" : "is-current"}`}>
              <a href="#/rules/edit" aria-current={place ? undefined : "true"}>
                <span class="picker-id">Rule set and advice texts</span>
                {settingsProblems.length > 0 && <span class="badge badge-error">{settingsProblems.length === 1 ? "1 problem" : `${settingsProblems.length} problems`}</span>}
              </a>
            </li>
          </ul>
          <h3 class="picker-heading">Rules ({ruleItems.length})</h3>
          <ul class="picker-list">{ruleItems.map(pickerItem)}</ul>
          <h3 class="picker-heading">Course rules, tried in order ({courseItems.length})</h3>
          <ul class="picker-list">{courseItems.map(pickerItem)}</ul>
          <div class="toolbar toolbar-small">
            <button type="button" class="button button-small" onClick={() => addRule("rules")}>
              Add a rule
            </button>
            <button type="button" class="button button-small" onClick={() => addRule("course_rules")}>
              Add a course rule
            </button>
          </div>
        </nav>
        <div class="edit-main">
          {route.ruleId !== undefined && !place && (
            <p class="notice notice-error" role="alert">
              The draft has no rule {route.ruleId}: pick one from the list.
            </p>
          )}
          {place && selectedRule !== undefined ? (
            <RuleForm
              key={`${place.list}/${place.index}`}
              rule={selectedRule}
              list={place.list}
              index={place.index}
              count={listCount(place.list)}
              words={props.words}
              change={changes.get(`${place.list}/${place.index}`)}
              onMove={move}
              onDelete={() => setConfirmDelete(place)}
            />
          ) : (
            route.ruleId === undefined && <SettingsForm doc={doc} usedAdvice={used} />
          )}
          <ProblemList result={props.checkResult} fileName={base.fileName} onShow={showProblem} placeWords={placeWords} title="Every problem in the draft" />
        </div>
      </div>
      {confirmDelete && (
        <ConfirmDialog
          title="Delete this rule?"
          confirmLabel="Delete the rule"
          danger
          onCancel={() => setConfirmDelete(undefined)}
          onConfirm={() => remove(confirmDelete)}
        >
          <p>
            The rule <code>{String(getAt(doc, [confirmDelete.list, confirmDelete.index, "id"]) ?? "")}</code> is taken out of the
            draft. Nothing changes for patients until the draft is published; discarding the draft brings it back.
          </p>
        </ConfirmDialog>
      )}
    </FormCtx.Provider>
  );
}
