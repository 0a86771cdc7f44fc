// The Rules page's own places, after "#/rules": the router names the page, the rest is read here.
//   #/rules                  the rules in plain words
//   #/rules/edit             the draft's rule set settings and advice texts
//   #/rules/edit/<rule id>   one rule of the draft, by form
//   #/rules/json             the draft as JSON
//   #/rules/changes          what the draft changes, and publishing it
//   #/rules/history          what was published and made live; rollback
import { useEffect, useState } from "preact/hooks";

export type RulesView = "list" | "edit" | "json" | "changes" | "history";

export interface RulesRoute {
  view: RulesView;
  /** With "edit": the rule's id; undefined for the rule set's settings. */
  ruleId?: string;
}

export function rulesRouteOf(hash: string): RulesRoute {
  const m = /^#\/rules(?:\/([^/?]*))?(?:\/([^?]*))?/.exec(hash);
  if (!m) return { view: "list" };
  const view = m[1] ?? "";
  if (view === "edit") {
    const raw = m[2] ?? "";
    if (raw === "") return { view: "edit" };
    try {
      return { view: "edit", ruleId: decodeURIComponent(raw) };
    } catch {
      return { view: "edit", ruleId: raw };
    }
  }
  if (view === "json" || view === "changes" || view === "history") return { view };
  return { view: "list" };
}

export function hrefOf(route: RulesRoute): string {
  if (route.view === "list") return "#/rules";
  if (route.view === "edit" && route.ruleId !== undefined) return `#/rules/edit/${encodeURIComponent(route.ruleId)}`;
  return `#/rules/${route.view}`;
}

export function useRulesRoute(): RulesRoute {
  const [route, setRoute] = useState<RulesRoute>(() => rulesRouteOf(window.location.hash));
  useEffect(() => {
    const onChange = () => {
      if (window.location.hash.startsWith("#/rules")) setRoute(rulesRouteOf(window.location.hash));
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Changes the address without a new history entry or a hashchange (e.g. a rule renamed). */
export function replaceRoute(route: RulesRoute): void {
  const href = hrefOf(route);
  if (window.location.hash !== href) window.history.replaceState(null, "", href);
}
