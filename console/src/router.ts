// Hash routes (#/try, #/rules, #/status): modalisd serves one index.html for the whole console,
// and a hash never reaches the server. Only hashes starting "#/" are routes, so in-page anchors
// such as the skip link's leave the page where it is.
import { useEffect, useState } from "preact/hooks";

export type Route = "try" | "rules" | "status";

export const ROUTES: ReadonlyArray<{ route: Route; label: string }> = [
  { route: "try", label: "Try a patient" },
  { route: "rules", label: "Rules" },
  { route: "status", label: "Status" },
];

export function routeOf(hash: string): Route | undefined {
  if (!hash.startsWith("#/")) return undefined;
  const name = hash.slice(2).split(/[/?]/)[0];
  return ROUTES.find((r) => r.route === name)?.route ?? "try";
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash) ?? "try");
  useEffect(() => {
    const onChange = () => {
      const next = routeOf(window.location.hash);
      if (next) setRoute(next);
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
