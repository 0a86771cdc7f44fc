// Hash routes (#/try, #/rules, #/status): modalisd serves one index.html for the whole console,
// and a hash never reaches the server. Only hashes starting "#/" are routes, so in-page anchors
// such as the skip link's leave the page where it is. #/patients/<patient_ref> is the Patients
// page showing one patient (src/model/patient.ts reads the reference).
import { useEffect, useState } from "preact/hooks";

export type Route = "try" | "patients" | "evidence" | "rules" | "status";

export const ROUTES: ReadonlyArray<{ route: Route; label: string }> = [
  { route: "try", label: "Try a patient" },
  { route: "patients", label: "Patients" },
  { route: "evidence", label: "Evidence" },
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
