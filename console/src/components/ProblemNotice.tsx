// A server error shown where it happened: what went wrong, in words, with the server's own
// message and any field it named.
import type { Problem } from "../api/errors";

const PLAIN: Record<string, string> = {
  permission_denied: "Your role may not do this.",
  unauthenticated: "You are not signed in.",
  invalid_argument: "The server refused what was sent.",
  failed_precondition: "The server cannot do this now.",
  unavailable: "The server is unavailable; try again shortly.",
  deadline_exceeded: "The server took too long to answer.",
  resource_exhausted: "The server is busy; try again shortly.",
  internal: "The server failed.",
  unimplemented: "This server does not offer that yet.",
  not_found: "Not found.",
};

export function ProblemNotice(props: { title: string; problem: Problem; hint?: string | undefined }) {
  const { problem } = props;
  return (
    <div class="notice notice-error" role="alert">
      <p class="notice-title">{props.title}</p>
      <p>
        {PLAIN[problem.code] ?? "Something went wrong."} {props.hint}
      </p>
      <p class="notice-detail">
        Server: <code>{problem.code}</code> {problem.message}
      </p>
      {problem.details.length > 0 && (
        <ul class="notice-detail">
          {problem.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
