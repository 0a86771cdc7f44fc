// What was published and made live (RulesAdmin.ListRuleSets), newest first, and going back: a
// rollback is making an earlier rule set live again (ActivateRuleSet), guarded by the hash live
// now so that nobody's activation made meanwhile is overwritten.
import { useEffect, useState } from "preact/hooks";
import { rulesAdmin } from "../api/client";
import { problemOf, type Problem as ServerProblem } from "../api/errors";
import { ProblemNotice } from "../components/ProblemNotice";
import type { ListRuleSetsResponse } from "../gen/modalis/v1/rules_admin_pb.js";
import { ConfirmDialog } from "./ConfirmDialog";
import { expectedLiveSha, liveFor, rollbackTarget, ruleSetWords, shortSha, timeWords, versionOf } from "./history";

type State = { kind: "loading" } | { kind: "ready"; lists: ListRuleSetsResponse } | { kind: "error"; problem: ServerProblem };

interface Pending {
  condition: string;
  sha256: string;
  /** What the person saw live when they chose: the guard against someone else's change. */
  expectedLive: string;
  rollback: boolean;
}

export function HistoryView(props: { onLiveChanged: () => void; onUnauthenticated: () => void; notice?: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [reload, setReload] = useState(0);
  const [pending, setPending] = useState<Pending | undefined>();
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; problem?: ServerProblem; aborted?: boolean } | undefined>();

  useEffect(() => {
    const ctrl = new AbortController();
    rulesAdmin
      .listRuleSets({}, { signal: ctrl.signal })
      .then((lists) => setState({ kind: "ready", lists }))
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") props.onUnauthenticated();
        else setState({ kind: "error", problem });
      });
    return () => ctrl.abort();
  }, [reload]);

  const lists = state.kind === "ready" ? state.lists : undefined;

  const choose = (condition: string, sha256: string, rollback: boolean) => {
    if (!lists) return;
    setOutcome(undefined);
    setComment(rollback ? `Roll back to ${ruleSetWords(lists, sha256)}` : `Make ${ruleSetWords(lists, sha256)} live`);
    setPending({ condition, sha256, expectedLive: expectedLiveSha(lists, condition), rollback });
  };

  const activate = async () => {
    if (!pending || !lists) return;
    setBusy(true);
    try {
      const res = await rulesAdmin.activateRuleSet({
        condition: pending.condition,
        sha256: pending.sha256,
        expectedLiveSha256: pending.expectedLive,
        comment,
      });
      const ref = res.ruleSet ?? res.activation;
      const version = res.ruleSet?.version || versionOf(lists, pending.sha256);
      setOutcome({
        ok: true,
        text: `${version ? `Version ${version}` : "The rule set"} (${shortSha(ref?.sha256 ?? pending.sha256)}) is live again for ${pending.condition}, in place of ${ruleSetWords(lists, res.activation?.replacedSha256 ?? pending.expectedLive)}.`,
      });
      setPending(undefined);
      props.onLiveChanged();
      setReload((n) => n + 1);
    } catch (err) {
      const problem = problemOf(err);
      if (problem.code === "unauthenticated") props.onUnauthenticated();
      setPending(undefined);
      setOutcome({
        ok: false,
        text: problem.code === "aborted" ? "Someone else changed what is live meanwhile: nothing was changed." : "The rule set could not be made live.",
        problem,
        aborted: problem.code === "aborted",
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="history-view" aria-labelledby="history-title">
      <h2 id="history-title" tabIndex={-1}>
        History and rollback
      </h2>
      {props.notice && <p class="notice notice-info">{props.notice}</p>}
      {outcome && (
        <div class={`notice ${outcome.ok ? "notice-ok" : "notice-error"}`} role={outcome.ok ? "status" : "alert"}>
          <p class="notice-title">{outcome.text}</p>
          {outcome.problem && <p class="notice-detail">{outcome.problem.message}</p>}
          {outcome.aborted && (
            <button type="button" class="button" onClick={() => setReload((n) => n + 1)}>
              Reload the history
            </button>
          )}
        </div>
      )}
      {state.kind === "loading" && <p role="status">Loading the history…</p>}
      {state.kind === "error" && <ProblemNotice title="The history cannot be shown" problem={state.problem} />}
      {lists && (
        <>
          <section aria-labelledby="live-now-title">
            <h3 id="live-now-title">Live now</h3>
            {lists.live.length === 0 && <p>No rule set is live for this clinic.</p>}
            <ul class="live-now">
              {lists.live.map((l) => {
                const back = rollbackTarget(lists, l.condition);
                return (
                  <li key={l.condition} class="live-entry">
                    <p>
                      <strong>{l.condition}</strong>:{" "}
                      {l.ruleSet ? (
                        <>
                          version <strong class="live-version">{l.ruleSet.version}</strong> (<code>{shortSha(l.ruleSet.sha256)}</code>)
                        </>
                      ) : (
                        "none"
                      )}
                      {l.fromPlatform ? ", the platform's" : ""}
                      {l.error && <span class="field-error"> It cannot be served: {l.error}</span>}
                    </p>
                    {back && (
                      <button type="button" class="button button-primary" onClick={() => choose(l.condition, back, true)}>
                        Roll back to {ruleSetWords(lists, back)}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
          <section aria-labelledby="activations-title">
            <h3 id="activations-title">Made live</h3>
            {lists.activations.length === 0 ? (
              <p>This clinic has never made a rule set live of its own; the platform's serves it.</p>
            ) : (
              <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="activations-title">
                <table class="data history-table activations-table">
                  <caption class="visually-hidden">Every activation, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Made live</th>
                      <th scope="col">In place of</th>
                      <th scope="col">By</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lists.activations.map((a) => (
                      <tr key={String(a.seq)}>
                        <td>{timeWords(a.activatedAtMs)}</td>
                        <td>
                          {a.condition} {ruleSetWords(lists, a.sha256)}
                        </td>
                        <td>{ruleSetWords(lists, a.replacedSha256)}</td>
                        <td>{a.author}</td>
                        <td>{a.comment}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="published-title">
            <h3 id="published-title">Published</h3>
            <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="published-title">
              <table class="data history-table published-table">
                <caption class="visually-hidden">Rule sets this clinic may make live, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule set</th>
                    <th scope="col">Published</th>
                    <th scope="col">By</th>
                    <th scope="col">Why</th>
                    <th scope="col">Live</th>
                  </tr>
                </thead>
                <tbody>
                  {lists.published.map((p) => {
                    const ref = p.ruleSet;
                    if (!ref) return null;
                    const live = liveFor(lists, ref.id);
                    const isLive = live?.ruleSet?.sha256 === ref.sha256;
                    return (
                      <tr key={ref.sha256} class={isLive ? "is-live" : ""} data-sha={ref.sha256}>
                        <td>
                          {ref.id} <strong>{ref.version}</strong> <code>{shortSha(ref.sha256)}</code>
                          {p.platform && <span class="badge">platform</span>}
                        </td>
                        <td>{timeWords(p.publishedAtMs)}</td>
                        <td>{p.author}</td>
                        <td>{p.comment}</td>
                        <td>
                          {isLive ? (
                            <strong>Live now</strong>
                          ) : (
                            <button
                              type="button"
                              class="button button-small"
                              aria-label={`Make live: ${ref.version} (${shortSha(ref.sha256)})`}
                              onClick={() => choose(ref.id, ref.sha256, false)}
                            >
                              Make live
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
      {pending && lists && (
        <ConfirmDialog
          title={pending.rollback ? "Roll back?" : "Make this rule set live?"}
          confirmLabel={pending.rollback ? "Roll back" : "Make it live"}
          busy={busy}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void activate()}
        >
          <p>
            {pending.condition}: {ruleSetWords(lists, pending.sha256)} will be live in place of{" "}
            {ruleSetWords(lists, liveFor(lists, pending.condition)?.ruleSet?.sha256 ?? pending.expectedLive)}.
            Every plan from now on uses it; plans already made keep the rules that made them.
          </p>
          <div class="form-field">
            <label for="activate-comment">Why (kept in the history)</label>
            <input id="activate-comment" type="text" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </div>
        </ConfirmDialog>
      )}
    </section>
  );
}
