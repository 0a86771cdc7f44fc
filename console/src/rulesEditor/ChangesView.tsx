// What the draft changes before it is published (RulesAdmin.PreviewRuleSet): the golden cases and
// the clinic's recent stored plans asked again of the live rules and of the draft, every plan that
// differs as a before/after diff with the differences in words, safety changes first. Then
// publishing with a comment (PublishRuleSet) and making it live (ActivateRuleSet) against the
// live hash the preview was made against.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { rulesAdmin } from "../api/client";
import { problemOf, type Problem as ServerProblem } from "../api/errors";
import { ProblemNotice } from "../components/ProblemNotice";
import type { ChangedPlan, ListRuleSetsResponse, PreviewRuleSetResponse } from "../gen/modalis/v1/rules_admin_pb.js";
import { modalityName, type WordsContext } from "../model/plainWords";
import { capitalized } from "../model/words";
import { problemOfDiagnostic } from "./diagnostics";
import { isUnchanged, summariseDraft, versionToPublish, withVersionInText } from "./draft";
import { expectedLiveSha, ruleSetWords, shortSha } from "./history";
import { isObject, parseJson, pretty, setAt } from "./json";
import { orderChanged, planDiff, subjectWords, summarisePreview, type DiffLine } from "./preview";
import { ProblemList } from "./ProblemList";
import { checkDraft, currentResult, hasErrors, type Base, type CheckResult, type CheckState } from "./workspace";

type Prep =
  | { kind: "idle" }
  | { kind: "preparing" }
  | {
      kind: "ready";
      forText: string;
      preview: PreviewRuleSetResponse;
      lists: ListRuleSetsResponse;
      expectedLive: string;
    }
  | { kind: "error"; problem: ServerProblem };

type Publishing =
  | { kind: "idle" }
  | { kind: "busy"; step: string }
  | { kind: "refused"; problem: ServerProblem }
  | { kind: "aborted"; problem: ServerProblem }
  | { kind: "failed"; problem: ServerProblem; published?: string };

export interface PublishedOutcome {
  message: string;
}

export interface ChangesViewProps {
  base: Base;
  text: string;
  setText: (t: string) => void;
  check: CheckState;
  words: WordsContext;
  onPublished: (outcome: PublishedOutcome) => void;
  onUnauthenticated: () => void;
}

function ruleSetId(base: Base, text: string): string {
  const parsed = parseJson(text);
  const id = parsed.ok && isObject(parsed.doc) ? parsed.doc.id : undefined;
  return typeof id === "string" && id !== "" ? id : base.ref.id;
}

export function ChangesView(props: ChangesViewProps) {
  const { base, text } = props;
  const [prep, setPrep] = useState<Prep>({ kind: "idle" });
  const [bumped, setBumped] = useState<{ from: string; to: string } | undefined>();
  const [comment, setComment] = useState("");
  const [commentError, setCommentError] = useState<string | undefined>();
  const [pub, setPub] = useState<Publishing>({ kind: "idle" });
  const running = useRef(false);
  const latest = useRef(props);
  latest.current = props;

  const parsed = useMemo(() => parseJson(text), [text]);
  const unchanged = parsed.ok && isUnchanged(summariseDraft(parsed.doc, base.liveDoc));

  const fail = (err: unknown): ServerProblem => {
    const problem = problemOf(err);
    if (problem.code === "unauthenticated") latest.current.onUnauthenticated();
    return problem;
  };

  const prepare = async () => {
    if (running.current) return;
    running.current = true;
    setPrep({ kind: "preparing" });
    setPub({ kind: "idle" });
    try {
      let t = latest.current.text;
      const lists = await rulesAdmin.listRuleSets({});
      const doc = parseJson(t);
      if (doc.ok && isObject(doc.doc) && !isUnchanged(summariseDraft(doc.doc, base.liveDoc))) {
        const check: CheckResult = currentResult(latest.current.check, t) ?? (await checkDraft(base, t));
        const version = typeof doc.doc.version === "string" ? doc.doc.version : "";
        const id = typeof doc.doc.id === "string" ? doc.doc.id : base.ref.id;
        if (check.valid && check.sha256 !== "") {
          const refs = lists.published.flatMap((p) => (p.ruleSet ? [p.ruleSet] : []));
          const original = t;
          const source = doc.doc;
          const withVersion = (v: string) => withVersionInText(original, v) ?? pretty(setAt(source, ["version"], v));
          const shaOf = async (v: string) => (v === version ? check.sha256 : (await checkDraft(base, withVersion(v))).sha256);
          const next = await versionToPublish(version, shaOf, refs, id);
          if (next !== version) {
            t = withVersion(next);
            latest.current.setText(t);
            setBumped({ from: version, to: next });
          }
        }
      }
      const preview = await rulesAdmin.previewRuleSet({
        rules: { name: base.fileName, content: t },
        cases: base.cases,
        recentPlans: 500,
      });
      setPrep({ kind: "ready", forText: t, preview, lists, expectedLive: expectedLiveSha(lists, ruleSetId(base, t)) });
    } catch (err) {
      setPrep({ kind: "error", problem: fail(err) });
    } finally {
      running.current = false;
    }
  };

  useEffect(() => {
    if (!unchanged) void prepare();
  }, []);

  const ready = prep.kind === "ready" ? prep : undefined;
  const stale = ready !== undefined && ready.forText !== text;
  const validation = ready?.preview.validation;
  const previewResult: CheckResult | undefined =
    ready && validation
      ? {
          forText: ready.forText,
          valid: validation.valid,
          sha256: validation.sha256,
          problems: validation.diagnostics.map(problemOfDiagnostic),
          failedCases: validation.failedCases,
          casesPassed: validation.casesPassed,
        }
      : undefined;
  const checkNow = currentResult(props.check, text);
  // The server compares plans whenever the draft compiles, even with failing golden cases.
  const compiled = validation === undefined || validation.valid || validation.sha256 !== "" || (ready?.preview.casesCompared ?? 0) > 0;
  const blocked = hasErrors(previewResult) || hasErrors(checkNow) || (validation !== undefined && !validation.valid);

  let disabledWhy: string | undefined;
  if (unchanged) disabledWhy = "The draft is the live rule set: there is nothing to publish.";
  else if (prep.kind === "preparing" || prep.kind === "idle") disabledWhy = "Waiting for what changes.";
  else if (prep.kind === "error") disabledWhy = "What changes could not be shown: try again.";
  else if (stale) disabledWhy = "The draft changed since: show what changes again first.";
  else if (blocked) disabledWhy = "The draft has errors or failing golden cases: fix them first.";
  else if (pub.kind === "busy") disabledWhy = `${pub.step}…`;
  const canPublish = disabledWhy === undefined;

  const publish = async (e: Event) => {
    e.preventDefault();
    if (!ready || !canPublish) return;
    if (comment.trim() === "") {
      setCommentError("Say why, for the history: what changed and on what grounds.");
      document.getElementById("publish-comment")?.focus();
      return;
    }
    setCommentError(undefined);
    const t = ready.forText;
    const id = ruleSetId(base, t);
    let publishedSha: string | undefined;
    try {
      setPub({ kind: "busy", step: "Publishing" });
      let res;
      try {
        res = await rulesAdmin.publishRuleSet({ rules: { name: base.fileName, content: t }, cases: base.cases, comment });
      } catch (err) {
        const problem = fail(err);
        setPub({ kind: "refused", problem });
        return;
      }
      const published = res.ruleSet;
      if (!published) throw new Error("the server published nothing it could name");
      publishedSha = published.sha256;
      const live = ready.preview.live?.sha256 ?? "";
      let message: string;
      const again = res.newlyPublished ? "" : " This exact content had been published before, so nothing new was stored.";
      if (live === published.sha256 && ready.expectedLive === published.sha256) {
        message = `Version ${published.version} (${shortSha(published.sha256)}) is already live.${again}`;
      } else {
        setPub({ kind: "busy", step: "Making it live" });
        try {
          const act = await rulesAdmin.activateRuleSet({
            condition: id,
            sha256: published.sha256,
            expectedLiveSha256: ready.expectedLive,
            comment,
          });
          const replaced = act.activation?.replacedSha256 ?? "";
          message =
            `Published version ${published.version} (${shortSha(published.sha256)}) and made it live` +
            (replaced ? `, in place of ${ruleSetWords(ready.lists, replaced)}` : "") +
            `. Plans from now on use it.${again}`;
        } catch (err) {
          const problem = fail(err);
          setPub(problem.code === "aborted" ? { kind: "aborted", problem } : { kind: "failed", problem, published: published.sha256 });
          return;
        }
      }
      setPub({ kind: "idle" });
      latest.current.onPublished({ message });
    } catch (err) {
      setPub({ kind: "failed", problem: fail(err), published: publishedSha });
    }
  };

  const summary = ready ? summarisePreview(ready.preview) : undefined;
  const ordered = ready ? orderChanged(ready.preview.changed) : [];
  const safety = ordered.filter((c) => c.safety);
  const others = ordered.filter((c) => !c.safety);

  return (
    <section class="changes-view" aria-labelledby="changes-title">
      <h2 id="changes-title" tabIndex={-1}>
        What changes
      </h2>
      {unchanged && <p class="notice notice-info">The draft is the same as the live rule set: nothing would change and there is nothing to publish.</p>}
      {bumped && (
        <p class="notice notice-info version-bumped">
          The version is now <strong>{bumped.to}</strong> (was {bumped.from}): {bumped.from} is already published with other
          rules, and every plan names the version that made it.
        </p>
      )}
      {prep.kind === "preparing" && (
        <p role="status" class="busy">
          Asking the golden cases and the clinic's recent plans again, of the live rules and of the draft…
        </p>
      )}
      {prep.kind === "error" && (
        <ProblemNotice title="What changes could not be worked out" problem={prep.problem} />
      )}
      {(stale || prep.kind === "error") && !unchanged && (
        <p>
          {stale && "The draft changed since this was worked out. "}
          <button type="button" class="button" onClick={() => void prepare()}>
            Show what changes again
          </button>
        </p>
      )}
      {ready && summary && (
        <>
          <p class="preview-summary" role="status">
            {!compiled
              ? "The draft does not compile, so no plan was compared."
              : `${
                  ready.preview.live
                    ? `Against the live rules, ${ready.preview.live.id} ${ready.preview.live.version} (${shortSha(ready.preview.live.sha256)}).`
                    : "No rule set is live for this condition yet."
                } ${summary.text}`}
          </p>
          <ProblemList
            result={previewResult}
            fileName={base.fileName}
            title="Problems that stop publishing"
            placeWords={(p) => (p.line > 0 ? `line ${p.line}, column ${p.column}` : "in the file")}
          />
          {compiled && ordered.length === 0 && (
            <p class="nothing-changes">
              <strong>Nothing changes.</strong> Every golden case and every stored plan compared gets the same plan from the draft
              as from the live rules.
            </p>
          )}
          {safety.length > 0 && (
            <section class="changes-group changes-safety" aria-labelledby="changes-safety-title">
              <h3 id="changes-safety-title">Less safe than before ({safety.length})</h3>
              <p>A referral or an exclusion that disappears, a referral less urgent, treatment newly allowed: check each one.</p>
              {safety.map((c, i) => (
                <ChangedPlanView key={`s${i}`} changed={c} words={props.words} idPrefix={`cs${i}`} />
              ))}
            </section>
          )}
          {others.length > 0 && (
            <section class="changes-group" aria-labelledby="changes-other-title">
              <h3 id="changes-other-title">{safety.length > 0 ? `Other changes (${others.length})` : `Changed plans (${others.length})`}</h3>
              {others.map((c, i) => (
                <ChangedPlanView key={`o${i}`} changed={c} words={props.words} idPrefix={`co${i}`} />
              ))}
            </section>
          )}
        </>
      )}
      <section class="publish" aria-labelledby="publish-title">
        <h2 id="publish-title">Publish</h2>
        <p class="hint">
          Publishing stores the draft by its content, after the server checks it and runs every golden case again, then makes
          it live for this clinic. An earlier version can be made live again from the history.
        </p>
        <form onSubmit={publish} noValidate>
          <div class="form-field">
            <label for="publish-comment">Why (kept in the history)</label>
            <textarea
              id="publish-comment"
              rows={3}
              value={comment}
              aria-invalid={commentError ? "true" : undefined}
              aria-describedby={commentError ? "publish-comment-error" : undefined}
              onInput={(e) => setComment(e.currentTarget.value)}
            />
            {commentError && (
              <p id="publish-comment-error" class="field-error">
                {commentError}
              </p>
            )}
          </div>
          <button type="submit" class="button button-primary" disabled={!canPublish} aria-describedby={canPublish ? undefined : "publish-disabled-why"}>
            Publish and make live
          </button>
          {disabledWhy && (
            <p id="publish-disabled-why" class="hint" role="status">
              {disabledWhy}
            </p>
          )}
        </form>
        {pub.kind === "refused" && (
          <div class="notice notice-error" role="alert">
            <p class="notice-title">The server refused to publish the draft</p>
            <pre class="error-text">{pub.problem.message}</pre>
          </div>
        )}
        {pub.kind === "aborted" && (
          <div class="notice notice-error" role="alert">
            <p class="notice-title">Someone else changed what is live meanwhile</p>
            <p>
              The draft was published, but it was not made live: the rules live now are not the ones this comparison was made
              against. Look at what changes against them, then publish again (the same content is not stored twice).
            </p>
            <p class="notice-detail">{pub.problem.message}</p>
            <button type="button" class="button" onClick={() => void prepare()}>
              Compare with what is live now
            </button>
          </div>
        )}
        {pub.kind === "failed" && (
          <ProblemNotice
            title={pub.published ? "Published, but not made live" : "Publishing failed"}
            problem={pub.problem}
            hint={pub.published ? `It can be made live from the history (${shortSha(pub.published)}).` : undefined}
          />
        )}
      </section>
    </section>
  );
}

function DiffColumn(props: { lines: DiffLine[]; side: "before" | "after" }) {
  const shown = props.lines.filter((l) => l.change === "same" || (props.side === "before" ? l.change === "removed" : l.change === "added"));
  if (shown.length === 0) return <p class="empty">None</p>;
  return (
    <ul class="diff-lines">
      {shown.map((l, i) => (
        <li key={i} class={`diff-line diff-${l.change}`}>
          {l.change === "removed" && <span class="diff-mark">Gone:</span>}
          {l.change === "added" && <span class="diff-mark">New:</span>}
          {l.change !== "same" && " "}
          {l.text}
        </li>
      ))}
    </ul>
  );
}

function ChangedPlanView(props: { changed: ChangedPlan; words: WordsContext; idPrefix: string }) {
  const c = props.changed;
  const titleId = `${props.idPrefix}-title`;
  const diff = planDiff(c.before, c.after, { modality: (code) => capitalized(modalityName(props.words, code)) });
  const changedParts = diff.filter((p) => p.changed || p.reordered);
  return (
    <article class={`changed-plan ${c.safety ? "changed-plan-safety" : ""}`} aria-labelledby={titleId} data-subject={c.subject} data-kind={c.kind}>
      <h4 id={titleId}>
        {subjectWords(c)} {c.safety && <span class="badge badge-safety">Less safe</span>}
      </h4>
      {c.error && <p class="notice notice-error">The draft cannot plan these findings: {c.error}</p>}
      {c.before && c.after && changedParts.length === 0 && (
        <p class="hint">Every part of the plan shown below reads the same before and after.</p>
      )}
      {c.differences.length > 0 && (
        <ul class="differences">
          {c.differences.map((d, i) => (
            <li key={i} class={d.safety ? "difference difference-safety" : "difference"}>
              {d.safety && <strong>Less safe: </strong>}
              {d.text}
            </li>
          ))}
        </ul>
      )}
      <details class="plan-diff" open={c.safety}>
        <summary>
          The plan before and after{changedParts.length > 0 ? `: ${changedParts.map((p) => p.title.toLowerCase()).join(", ")}` : ""}
        </summary>
        <table class="data plan-diff-table">
          <caption class="visually-hidden">{subjectWords(c)}: the live rules' plan and the draft's</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Before (live rules)</th>
              <th scope="col">After (draft)</th>
            </tr>
          </thead>
          <tbody>
            {diff.map((part) => (
              <tr key={part.part} class={part.changed ? "part-changed" : "part-same"}>
                <th scope="row">
                  {part.title}
                  {part.changed && <span class="visually-hidden"> (changed)</span>}
                  {!part.changed && part.reordered && <span class="reordered"> (order changed)</span>}
                </th>
                <td>{c.before ? <DiffColumn lines={part.lines} side="before" /> : <p class="empty">No rule set was live</p>}</td>
                <td>{c.after ? <DiffColumn lines={part.lines} side="after" /> : <p class="empty">No plan</p>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </article>
  );
}

