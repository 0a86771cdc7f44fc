// Server errors in words, for showing next to where they happened.
import { Code, ConnectError } from "@connectrpc/connect";

export interface Problem {
  /** The Connect code's name, e.g. "permission_denied". */
  code: string;
  /** What happened, for the person. */
  message: string;
  /** Field-level problems the server named (google.rpc.BadRequest), e.g. "findings.age: ...". */
  details: string[];
}

const CODE_NAMES: Partial<Record<Code, string>> = {
  [Code.Canceled]: "canceled",
  [Code.Unknown]: "unknown",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out_of_range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data_loss",
  [Code.Unauthenticated]: "unauthenticated",
};

function badRequestDetails(err: ConnectError): string[] {
  const out: string[] = [];
  for (const d of err.details) {
    // Without the BadRequest schema, the JSON form's "debug" carries the same for people.
    const debug = (d as { debug?: unknown }).debug as { fieldViolations?: unknown } | undefined;
    const violations = debug?.fieldViolations;
    if (!Array.isArray(violations)) continue;
    for (const v of violations as Array<{ field?: unknown; description?: unknown }>) {
      out.push(`${String(v.field ?? "")}: ${String(v.description ?? "")}`);
    }
  }
  return out;
}

export function problemOf(err: unknown): Problem {
  if (err instanceof ConnectError || (err instanceof Error && err.name === "ConnectError")) {
    const e = ConnectError.from(err);
    return { code: CODE_NAMES[e.code] ?? String(e.code), message: e.rawMessage, details: badRequestDetails(e) };
  }
  return { code: "unknown", message: err instanceof Error ? err.message : String(err), details: [] };
}
