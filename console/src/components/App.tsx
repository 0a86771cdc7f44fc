// The console: who is signed in, the top navigation and the page the hash names.
import { useEffect, useRef, useState } from "preact/hooks";
import { currentSession, signOut, type Session } from "../api/session";
import { EvidencePage } from "../pages/EvidencePage";
import { PatientsPage } from "../pages/PatientsPage";
import { RulesPage } from "../pages/RulesPage";
import { StatusPage } from "../pages/StatusPage";
import { TryPage } from "../pages/TryPage";
import { ROUTES, useRoute, type Route } from "../router";
import { useLiveRuleSet } from "../ruleSet";
import { SignIn } from "./SignIn";

type SessionState =
  | { kind: "loading" }
  | { kind: "signedOut"; notice?: string }
  | { kind: "signedIn"; session: Session }
  | { kind: "error"; message: string };

const TITLES: Record<Route, string> = {
  try: "Try a patient",
  patients: "Patients",
  evidence: "Evidence",
  rules: "Rules",
  status: "Status",
};

export function App() {
  const [state, setState] = useState<SessionState>({ kind: "loading" });

  useEffect(() => {
    currentSession()
      .then((session) => setState(session ? { kind: "signedIn", session } : { kind: "signedOut" }))
      .catch((err: unknown) => setState({ kind: "error", message: err instanceof Error ? err.message : String(err) }));
  }, []);

  switch (state.kind) {
    case "loading":
      return (
        <main id="main" class="loading" tabIndex={-1}>
          <p role="status">Loading…</p>
        </main>
      );
    case "error":
      return (
        <main id="main" tabIndex={-1}>
          <h1>Modalis console</h1>
          <p class="notice notice-error" role="alert">
            The console cannot reach the server: {state.message}
          </p>
        </main>
      );
    case "signedOut":
      return <SignIn notice={state.notice} onSignedIn={(session) => setState({ kind: "signedIn", session })} />;
    case "signedIn":
      return (
        <Console
          session={state.session}
          onSignedOut={(notice) => setState(notice ? { kind: "signedOut", notice } : { kind: "signedOut" })}
        />
      );
  }
}

function Console(props: { session: Session; onSignedOut: (notice?: string) => void }) {
  const route = useRoute();
  const lost = () => props.onSignedOut("Your session has ended. Sign in again.");
  const ruleSet = useLiveRuleSet(lost);
  const [signOutError, setSignOutError] = useState<string | undefined>();
  const firstRoute = useRef(true);

  useEffect(() => {
    document.title = `${TITLES[route]} · Modalis console`;
    // Moving focus to the new page's heading tells screen-reader users the page changed; on the
    // first page it would only skip the navigation.
    if (firstRoute.current) firstRoute.current = false;
    else document.getElementById("page-title")?.focus();
  }, [route]);

  const doSignOut = async () => {
    try {
      await signOut();
      props.onSignedOut("You have signed out.");
    } catch (err) {
      setSignOutError(err instanceof Error ? err.message : String(err));
    }
  };

  const { session } = props;
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="site-header">
        <p class="brand">Modalis console</p>
        <nav aria-label="Main">
          <ul class="nav-list">
            {ROUTES.map((r) => (
              <li key={r.route}>
                <a href={`#/${r.route}`} aria-current={r.route === route ? "page" : undefined}>
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{session.client}</strong> ({session.role}, clinic {session.clinicId})
          </span>
          <button type="button" class="button" onClick={doSignOut}>
            Sign out
          </button>
          {signOutError && (
            <p class="field-error" role="alert">
              {signOutError}
            </p>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route === "try" && <TryPage ruleSet={ruleSet} session={session} onUnauthenticated={lost} />}
        {route === "patients" && <PatientsPage session={session} onUnauthenticated={lost} />}
        {route === "evidence" && <EvidencePage session={session} ruleSet={ruleSet} onUnauthenticated={lost} />}
        {route === "rules" && <RulesPage ruleSet={ruleSet} session={session} />}
        {route === "status" && <StatusPage session={session} onUnauthenticated={lost} />}
      </main>
    </>
  );
}
