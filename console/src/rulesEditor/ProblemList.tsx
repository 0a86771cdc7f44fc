// The draft's check in words: a short summary that screen readers hear as it changes, and the
// full list of problems and failing golden cases, each with a way to its place.
import type { Problem as ServerProblem } from "../api/errors";
import { countBySeverity, type Problem } from "./diagnostics";
import { hasErrors, latestResult, type CheckResult, type CheckState } from "./workspace";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function checkWords(state: CheckState, current: CheckResult | undefined): string {
  if (state.kind === "idle") return "Not checked yet.";
  if (state.kind === "checking") return "Checking the draft…";
  if (state.kind === "failed") return `The draft could not be checked: ${state.problem.message}`;
  const r = current ?? state.result;
  const { errors, warnings } = countBySeverity(r.problems);
  const failing = r.failedCases.length;
  if (hasErrors(r)) {
    const parts = [
      errors > 0 ? plural(errors, "error", "errors") : "",
      failing > 0 ? `${plural(failing, "golden case", "golden cases")} failing` : "",
      warnings > 0 ? plural(warnings, "warning", "warnings") : "",
    ].filter((p) => p);
    return `${parts.join(", ") || "Not valid"}: the draft cannot be published until they are fixed.`;
  }
  return `No errors${warnings > 0 ? `, ${plural(warnings, "warning", "warnings")}` : ""}. ${plural(r.casesPassed, "golden case passes", "golden cases pass")}.`;
}

export function CheckSummary(props: { state: CheckState; current: CheckResult | undefined }) {
  const r = props.current ?? latestResult(props.state);
  const bad = props.state.kind === "failed" || (props.state.kind === "done" && hasErrors(r));
  const cls = props.state.kind === "checking" ? "check-busy" : bad ? "check-bad" : props.state.kind === "done" ? "check-ok" : "";
  return (
    <p class={`check-summary ${cls}`} role="status" aria-live="polite">
      <span class="check-label">Check:</span> {checkWords(props.state, props.current)}
    </p>
  );
}

export interface ProblemListProps {
  result: CheckResult | undefined;
  /** The rule file's name: problems of other files (golden cases) are shown without a place. */
  fileName: string;
  /** Where a problem's "Show" button takes the person; absent: no button. */
  onShow?: (p: Problem) => void;
  /** Words for a problem's place, e.g. "rule triage.x, When" or "line 3, column 5". */
  placeWords: (p: Problem) => string;
  title?: string;
  checkFailed?: ServerProblem | undefined;
}

export function ProblemList(props: ProblemListProps) {
  const { result } = props;
  if (!result) return null;
  const problems = [...result.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  if (problems.length === 0 && result.failedCases.length === 0) return null;
  return (
    <section class="problem-list" aria-labelledby="problem-list-title">
      <h2 id="problem-list-title">{props.title ?? "Problems the check found"}</h2>
      {problems.length > 0 && (
        <ul class="problems">
          {problems.map((p, i) => (
            <li key={i} class={`problem problem-${p.severity}`}>
              <p>
                <strong>{p.severity === "error" ? "Error" : "Warning"}</strong>{" "}
                {p.file === props.fileName || p.file === "" ? props.placeWords(p) : `${p.file}:${p.line}:${p.column}`}:{" "}
                {p.message} <span class="problem-id">[{p.id}]</span>
              </p>
              {props.onShow && (p.file === props.fileName || p.file === "") && (
                <button type="button" class="button button-small" onClick={() => props.onShow!(p)}>
                  Show it
                  <span class="visually-hidden">: {props.placeWords(p)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {result.failedCases.length > 0 && (
        <>
          <h3>Golden cases that fail</h3>
          <ul class="problems">
            {result.failedCases.map((c) => (
              <li key={c.caseId} class="problem problem-error">
                <p>
                  <strong>{c.caseId}</strong>
                </p>
                <ul>
                  {c.details.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
