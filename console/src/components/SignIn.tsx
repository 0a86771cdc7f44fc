// Sign-in with a token of the clinic. The token goes to POST /console/session once and is not
// kept: the server answers with an HttpOnly cookie the page cannot read.
import { useEffect, useRef, useState } from "preact/hooks";
import { signIn, type Session } from "../api/session";

export function SignIn(props: { notice?: string | undefined; onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    document.title = "Sign in · Modalis console";
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (token.trim() === "") {
      setError("Enter your access token.");
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(token.trim());
      setToken("");
      props.onSignedIn(session);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin" tabIndex={-1}>
      <h1>Sign in to the Modalis console</h1>
      {props.notice && (
        <p class="notice notice-info" role="status">
          {props.notice}
        </p>
      )}
      <form class="signin-form" onSubmit={submit} noValidate>
        <label for="token">Access token</label>
        <p id="token-hint" class="hint">
          The token your clinic's administrator gave you (made with <code>modalis token add</code>).
        </p>
        <input
          ref={input}
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          aria-describedby={error ? "token-hint token-error" : "token-hint"}
          aria-invalid={error ? "true" : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
