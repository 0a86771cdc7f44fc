// The rules as JSON in CodeMirror 6, loaded only when the JSON editor opens (import()): the
// rule-set schema completes, explains on hover and underlines as you type, and the problems the
// server found (ValidateRuleSet, the messages of `modalis rules check`) are marked at their line
// and column. Everything it shows is text: messages and schema descriptions never become markup.
//
// The editor lives in a shadow root: CodeMirror's own styles are then constructed style sheets,
// which the console's Content-Security-Policy (style-src 'self') allows, where a <style> element
// would be refused.
import { basicSetup } from "codemirror";
import { json, jsonLanguage, jsonParseLinter } from "@codemirror/lang-json";
import { forceLinting, linter, lintGutter, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { EditorSelection, EditorState, StateEffect, StateField } from "@codemirror/state";
import { EditorView, hoverTooltip } from "@codemirror/view";
import { handleRefresh, jsonCompletion, jsonSchemaHover, jsonSchemaLinter, stateExtensions } from "codemirror-json-schema";
import { ruleSetSchema } from "../gen/ruleSetSchema";
import { markRange, offsetAt, type Problem } from "./diagnostics";

export interface JsonEditorOptions {
  text: string;
  label: string;
  onChange: (text: string) => void;
}

export interface JsonEditorHandle {
  /** Replaces the whole text (a change made elsewhere, e.g. the version set for publishing). */
  setText(text: string): void;
  /** The server's problems for `forText`; ignored when the text has changed since. */
  setProblems(problems: readonly Problem[], forText: string): void;
  /** Puts the cursor at a line and column and the focus in the editor. */
  focusAt(line: number, column: number): void;
  destroy(): void;
}

interface Marked {
  from: number;
  to: number;
  severity: "error" | "warning";
  message: string;
}

const setServerProblems = StateEffect.define<Marked[]>();

// The server's problems, moved along with the text as it is edited until the next check.
const serverProblems = StateField.define<Marked[]>({
  create: () => [],
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setServerProblems)) return e.value;
    if (!tr.docChanged || value.length === 0) return value;
    return value.map((m) => {
      const from = tr.changes.mapPos(m.from, 1);
      return { ...m, from, to: Math.max(from, tr.changes.mapPos(m.to, -1)) };
    });
  },
});

function serverLinter(view: EditorView): CmDiagnostic[] {
  return view.state.field(serverProblems).map((m) => ({
    from: m.from,
    to: m.to,
    severity: m.severity,
    message: m.message,
    source: "modalis rules check",
  }));
}

// The schema's own messages, as text: the library would render them as Markdown into innerHTML.
function schemaLinter(): (view: EditorView) => CmDiagnostic[] {
  const lint = jsonSchemaLinter();
  return (view) =>
    lint(view).map((d) => ({
      from: d.from,
      to: d.to,
      severity: d.severity,
      message: d.message,
      source: "rule-set schema",
    }));
}

function textHover(texts: { message: string; typeInfo: string }): HTMLElement {
  const box = document.createElement("div");
  box.className = "cm-schema-hover";
  if (texts.message) {
    const p = document.createElement("p");
    p.textContent = texts.message;
    box.appendChild(p);
  }
  if (texts.typeInfo) {
    const code = document.createElement("code");
    code.textContent = texts.typeInfo.replace(/`/g, "");
    box.appendChild(code);
  }
  return box;
}

// Colours that keep WCAG AA contrast on white; sizes that fit 768 px.
const theme = EditorView.theme({
  "&": {
    fontSize: "0.95rem",
    border: "2px solid #4a5560",
    borderRadius: "3px",
    backgroundColor: "#ffffff",
    color: "#1a1a1a",
    height: "min(70vh, 44rem)",
  },
  "&.cm-focused": { outline: "3px solid #ffbf47", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace', lineHeight: "1.5" },
  ".cm-gutters": { backgroundColor: "#f3f5f7", color: "#4a5560", borderRight: "1px solid #b8c2cc" },
  ".cm-activeLineGutter": { backgroundColor: "#e2e8ee", color: "#1a1a1a" },
  ".cm-activeLine": { backgroundColor: "#eef4fa" },
  ".cm-tooltip": { maxWidth: "36rem", fontSize: "0.9rem", color: "#1a1a1a", backgroundColor: "#ffffff" },
  ".cm-schema-hover": { padding: "0.3rem 0.5rem" },
  ".cm-schema-hover p": { margin: "0 0 0.2rem" },
  ".cm-diagnostic": { whiteSpace: "pre-wrap" },
  ".cm-diagnostic-error": { borderLeftColor: "#a4161a" },
  ".cm-diagnostic-warning": { borderLeftColor: "#7a4100" },
  ".cm-lintRange-error": { backgroundColor: "#fdeceb" },
  ".cm-lintRange-warning": { backgroundColor: "#fff4e0" },
  ".cm-panels": { color: "#1a1a1a" },
});

export function createJsonEditor(host: HTMLElement, options: JsonEditorOptions): JsonEditorHandle {
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const parent = document.createElement("div");
  shadow.replaceChildren(parent);

  let applyingOutside = false;
  const view = new EditorView({
    root: shadow,
    parent,
    state: EditorState.create({
      doc: options.text,
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        theme,
        json(),
        serverProblems,
        lintGutter(),
        linter(jsonParseLinter(), { delay: 300 }),
        linter(schemaLinter(), { delay: 300, needsRefresh: handleRefresh }),
        linter(serverLinter, {
          delay: 300,
          needsRefresh: (u) => u.startState.field(serverProblems) !== u.state.field(serverProblems),
        }),
        jsonLanguage.data.of({ autocomplete: jsonCompletion() }),
        hoverTooltip(jsonSchemaHover({ formatHover: textHover })),
        stateExtensions(ruleSetSchema as Parameters<typeof stateExtensions>[0]),
        // tabindex: the editable text is the scrolling area's focusable content, said explicitly.
        EditorView.contentAttributes.of({ "aria-label": options.label, tabindex: "0" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !applyingOutside) options.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });

  return {
    setText(text) {
      if (view.state.doc.toString() === text) return;
      applyingOutside = true;
      try {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      } finally {
        applyingOutside = false;
      }
    },
    setProblems(problems, forText) {
      const text = view.state.doc.toString();
      if (text !== forText) return;
      // The server counts columns in characters.
      const marked = problems
        .filter((p) => p.line > 0)
        .map((p): Marked => {
          const { from, to } = markRange(text, offsetAt(text, p.line, p.column, "char"));
          return {
            from,
            to,
            severity: p.severity,
            message: `${p.message} [${p.id}]`,
          };
        });
      view.dispatch({ effects: setServerProblems.of(marked) });
      forceLinting(view);
    },
    focusAt(line, column) {
      const text = view.state.doc.toString();
      const at = offsetAt(text, line, column, "char");
      view.dispatch({ selection: EditorSelection.cursor(at), scrollIntoView: true });
      view.focus();
    },
    destroy() {
      view.destroy();
    },
  };
}
