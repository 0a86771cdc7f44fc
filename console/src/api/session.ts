// The console's sign-in: POST /console/session exchanges a token of the clinic for an HttpOnly
// cookie; GET says who is signed in; DELETE signs out. The token itself is never stored here.
import { CONSOLE_HEADER } from "./client";

export type Role = "booking" | "notes" | "admin" | "operator";

export interface Session {
  client: string;
  role: Role | string;
  clinicId: string;
}

export class SessionError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const PATH = "/console/session";

function sessionOf(body: unknown): Session {
  const b = (body ?? {}) as Record<string, unknown>;
  return { client: String(b.client ?? ""), role: String(b.role ?? ""), clinicId: String(b.clinic_id ?? "") };
}

async function errorOf(res: Response, fallback: string): Promise<SessionError> {
  let message = fallback;
  try {
    const body = (await res.json()) as Record<string, unknown>;
    if (typeof body.error === "string" && body.error !== "") message = body.error;
    else if (typeof body.message === "string" && body.message !== "") message = body.message;
  } catch {
    // Not JSON: keep the fallback.
  }
  return new SessionError(message, res.status);
}

/** Who is signed in, or undefined when nobody is. */
export async function currentSession(): Promise<Session | undefined> {
  const res = await fetch(PATH, { credentials: "same-origin", headers: { [CONSOLE_HEADER]: "1" } });
  if (res.status === 401) return undefined;
  if (!res.ok) throw await errorOf(res, `The server answered ${res.status} when asked who is signed in.`);
  return sessionOf(await res.json());
}

export async function signIn(token: string): Promise<Session> {
  const res = await fetch(PATH, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", [CONSOLE_HEADER]: "1" },
    body: JSON.stringify({ token }),
  });
  if (res.status === 401) throw await errorOf(res, "That token was not accepted.");
  if (!res.ok) throw await errorOf(res, `Signing in failed: the server answered ${res.status}.`);
  return sessionOf(await res.json());
}

export async function signOut(): Promise<void> {
  const res = await fetch(PATH, { method: "DELETE", credentials: "same-origin", headers: { [CONSOLE_HEADER]: "1" } });
  if (!res.ok && res.status !== 401) throw await errorOf(res, `Signing out failed: the server answered ${res.status}.`);
}
