// Status: what modalisd serves this clinic (RulesAdmin.GetStatus). Roles that may not read it
// are told so plainly.
import { useEffect, useState } from "preact/hooks";
import { rulesAdmin } from "../api/client";
import { problemOf, type Problem } from "../api/errors";
import type { Session } from "../api/session";
import { ProblemNotice } from "../components/ProblemNotice";
import type { GetStatusResponse } from "../gen/modalis/v1/rules_admin_pb.js";

type State = { kind: "loading" } | { kind: "ready"; status: GetStatusResponse } | { kind: "error"; problem: Problem };

function when(ms: bigint): string {
  if (ms === 0n) return "never";
  return `${new Date(Number(ms)).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

export function StatusPage(props: { session: Session; onUnauthenticated: () => void }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setState({ kind: "loading" });
    rulesAdmin
      .getStatus({}, { signal: ctrl.signal })
      .then((status) => setState({ kind: "ready", status }))
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        const problem = problemOf(err);
        if (problem.code === "unauthenticated") props.onUnauthenticated();
        else setState({ kind: "error", problem });
      });
    return () => ctrl.abort();
  }, [reload]);

  return (
    <div class="page status-page">
      <h1 id="page-title" tabIndex={-1}>
        Status
      </h1>
      {state.kind === "loading" && <p role="status">Asking the server…</p>}
      {state.kind === "error" && state.problem.code === "permission_denied" && (
        <div class="notice notice-error refusal" role="alert">
          <p class="notice-title">Your role may not see the server's status</p>
          <p>
            You are signed in as {props.session.client} with the role <strong>{props.session.role}</strong>. The status
            is for the clinic's administrators and the platform's operator. Try a patient and the Rules are open to you.
          </p>
          <p class="notice-detail">
            Server: <code>{state.problem.code}</code> {state.problem.message}
          </p>
        </div>
      )}
      {state.kind === "error" && state.problem.code !== "permission_denied" && (
        <ProblemNotice title="The status cannot be shown" problem={state.problem} />
      )}
      {state.kind === "ready" && <StatusView status={state.status} />}
      {state.kind !== "loading" && (
        <button type="button" class="button" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      )}
    </div>
  );
}

function StatusView({ status }: { status: GetStatusResponse }) {
  return (
    <>
      <section class="status-part" aria-labelledby="status-rules">
        <h2 id="status-rules">Rule sets</h2>
        {status.ruleSet && (
          <p>
            The rules directory's rule set: <strong>{status.ruleSet.id}</strong> {status.ruleSet.version} (
            <code>{short(status.ruleSet.sha256)}</code>), live since {when(status.activatedAtMs)}.
          </p>
        )}
        {status.servingLastGood && (
          <p class="notice notice-error" role="alert">
            The rule files could not be used; the rule set that last went live is served instead.
          </p>
        )}
        {status.live.length > 0 && (
          <table class="data">
            <caption>Live per condition</caption>
            <thead>
              <tr>
                <th scope="col">Clinic</th>
                <th scope="col">Condition</th>
                <th scope="col">Rule set</th>
                <th scope="col">From</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {status.live.map((l) => (
                <tr key={`${l.clinicId}/${l.condition}`}>
                  <td>{l.clinicId}</td>
                  <td>{l.condition}</td>
                  <td>
                    {l.ruleSet ? (
                      <>
                        {l.ruleSet.id} {l.ruleSet.version} <code>{short(l.ruleSet.sha256)}</code>
                      </>
                    ) : (
                      "none"
                    )}
                  </td>
                  <td>{l.fromPlatform ? "the platform" : "the clinic"}</td>
                  <td>{l.error || "none"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Last reload</h3>
        {status.lastReloadError ? (
          <div class="notice notice-error">
            <p>Failed at {when(status.lastReloadAtMs)}:</p>
            <pre class="error-text">{status.lastReloadError}</pre>
          </div>
        ) : (
          <p>{status.lastReloadAtMs === 0n ? "No reload yet." : `Succeeded at ${when(status.lastReloadAtMs)}.`}</p>
        )}
      </section>
      <section class="status-part" aria-labelledby="status-plugins">
        <h2 id="status-plugins">Plugins</h2>
        <table class="data">
          <caption>Modalities the loaded plugins provide</caption>
          <thead>
            <tr>
              <th scope="col">Modality</th>
              <th scope="col">Version</th>
              <th scope="col">Qualification</th>
              <th scope="col">Minutes</th>
              <th scope="col">Written consent</th>
            </tr>
          </thead>
          <tbody>
            {status.modalities.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.displayName} <code>{m.id}</code>
                </td>
                <td>{m.version}</td>
                <td>{m.qualification || "none"}</td>
                <td>{m.defaultMinutes}</td>
                <td>{m.needsWrittenConsent ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Refused plugins</h3>
        {status.refusedPlugins.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {status.refusedPlugins.map((p) => (
              <li key={p.path}>
                <code>{p.path}</code>: {p.reason}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="status-part" aria-labelledby="status-store">
        <h2 id="status-store">Store</h2>
        {status.storeWritable ? (
          <p class="ok">The database is writable: plans are stored.</p>
        ) : (
          <p class="notice notice-error" role="alert">
            The database cannot be written: {status.storeError || "no reason given"}. Plans are refused until it can.
          </p>
        )}
      </section>
      {status.replicas.length > 0 && (
        <section class="status-part" aria-labelledby="status-replicas">
          <h2 id="status-replicas">Replicas</h2>
          <table class="data">
            <caption>What each replica serves</caption>
            <thead>
              <tr>
                <th scope="col">Replica</th>
                <th scope="col">Clinic</th>
                <th scope="col">Condition</th>
                <th scope="col">Rule set</th>
                <th scope="col">Reported</th>
              </tr>
            </thead>
            <tbody>
              {status.replicas.map((r) => (
                <tr key={`${r.replicaId}/${r.clinicId}/${r.condition}`}>
                  <td>{r.replicaId}</td>
                  <td>{r.clinicId}</td>
                  <td>{r.condition}</td>
                  <td>{r.sha256 ? <code>{short(r.sha256)}</code> : r.error}</td>
                  <td>{when(r.reportedAtMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
