// The draft as JSON. CodeMirror is loaded only now (a separate file, import()), so the console's
// first page stays small; the server's problems appear at their line and column in it.
import { useEffect, useRef, useState } from "preact/hooks";
import type { JsonEditorHandle } from "./codemirror";
import type { Problem } from "./diagnostics";
import { ProblemList } from "./ProblemList";
import { currentResult, latestResult, ruleFileProblems, type Base, type CheckState } from "./workspace";

export function JsonView(props: {
  base: Base;
  text: string;
  setText: (t: string) => void;
  /** Moves when the text was replaced other than by typing here. */
  replaced: number;
  check: CheckState;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<JsonEditorHandle | undefined>(undefined);
  const [status, setStatus] = useState<"loading" | "ready" | "failed">("loading");
  const [loadError, setLoadError] = useState("");
  const setText = useRef(props.setText);
  setText.current = props.setText;
  const latestText = useRef(props.text);
  latestText.current = props.text;

  useEffect(() => {
    let cancelled = false;
    import("./codemirror")
      .then((mod) => {
        if (cancelled || !host.current) return;
        editor.current = mod.createJsonEditor(host.current, {
          text: latestText.current,
          label: `The draft rule file ${props.base.fileName} as JSON`,
          onChange: (t) => setText.current(t),
        });
        setStatus("ready");
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setLoadError(err instanceof Error ? err.message : String(err));
        setStatus("failed");
      });
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = undefined;
    };
  }, []);

  // A change made elsewhere (a discarded draft). Never an echo of typing here: a render a
  // keystroke behind would undo the keystroke.
  useEffect(() => {
    editor.current?.setText(props.text);
  }, [props.replaced]);

  const result = currentResult(props.check, props.text);
  useEffect(() => {
    if (result && editor.current) editor.current.setProblems(ruleFileProblems(result, props.base), result.forText);
  }, [result, status]);

  const show = (p: Problem) => editor.current?.focusAt(p.line, p.column);
  const place = (p: Problem) => (p.line > 0 ? `line ${p.line}, column ${p.column}` : "in the file");

  return (
    <section class="json-view" aria-labelledby="json-title">
      <h2 id="json-title" tabIndex={-1}>
        Edit as JSON
      </h2>
      <p class="hint" id="json-help">
        The rule file exactly as it will be published. Ctrl+Space completes a key or value from the rule-set schema; hovering a
        key explains it; F8 moves to the next problem and Ctrl+Shift+M lists them. Tab leaves the editor.
      </p>
      {status === "loading" && <p role="status">Loading the editor…</p>}
      {status === "failed" && (
        <p class="notice notice-error" role="alert">
          The JSON editor could not be loaded: {loadError}. Edit by form instead, or reload the page.
        </p>
      )}
      <div ref={host} class="json-host" data-testid="json-editor" />
      <ProblemList
        result={result ?? latestResult(props.check)}
        fileName={props.base.fileName}
        onShow={status === "ready" ? show : undefined}
        placeWords={place}
      />
    </section>
  );
}
