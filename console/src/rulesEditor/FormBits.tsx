// Pieces every part of the rule form shares: ids made from JSON pointers, the problems the server
// found at a place, and inputs that keep half-typed text.
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { Vocabulary } from "../model/vocabulary";
import type { Problem } from "./diagnostics";
import type { Json, Path } from "./json";

export interface FormContext {
  vocabulary: Vocabulary;
  /** Problems by the pointer of the field they belong to. */
  problemsAt: Map<string, Problem[]>;
  /** Modality codes and their names (plugins name them). */
  modalities: Array<{ code: string; name: string; paramSchema?: Record<string, unknown> }>;
  targets: string[];
  adviceCodes: string[];
  adviceTexts: Record<string, string>;
  /** Replaces the value at a path of the rule file. */
  set: (path: Path, value: Json) => void;
  /** Removes the value at a path (an array item or a key). */
  remove: (path: Path) => void;
  readOnly: boolean;
}

export const FormCtx = createContext<FormContext | undefined>(undefined);

export function useForm(): FormContext {
  const ctx = useContext(FormCtx);
  if (!ctx) throw new Error("rule form context missing");
  return ctx;
}

/** An element id for a pointer: "/rules/3/when" -> "rf-rules-3-when". */
export function idOf(pointer: string, suffix = ""): string {
  return `rf${pointer.replace(/[^A-Za-z0-9_]+/g, "-")}${suffix ? `-${suffix}` : ""}`;
}

export function problemsId(pointer: string): string {
  return idOf(pointer, "problems");
}

/** Props that tie an input to its problems: aria-invalid, aria-describedby, data-pointer. */
export function fieldProps(ctx: FormContext, pointer: string, hintId?: string) {
  const problems = ctx.problemsAt.get(pointer) ?? [];
  const described = [hintId, problems.length > 0 ? problemsId(pointer) : undefined].filter(Boolean).join(" ");
  return {
    "aria-invalid": problems.some((p) => p.severity === "error") ? ("true" as const) : undefined,
    "aria-describedby": described || undefined,
    "data-pointer": pointer,
  };
}

export function ProblemsAt(props: { pointer: string }) {
  const ctx = useForm();
  const problems = ctx.problemsAt.get(props.pointer) ?? [];
  if (problems.length === 0) return null;
  return (
    <ul id={problemsId(props.pointer)} class="field-problems">
      {problems.map((p, i) => (
        <li key={i} class={`field-problem field-problem-${p.severity}`}>
          <strong>{p.severity === "error" ? "Error" : "Warning"}:</strong> {p.message}{" "}
          <span class="problem-id">[{p.id}]</span>
        </li>
      ))}
    </ul>
  );
}

/** A number box that keeps what is typed until it is a number, then reports it. */
export function NumberInput(props: {
  id: string;
  value: Json | undefined;
  onChange: (n: number | undefined) => void;
  min?: number | undefined;
  max?: number | undefined;
  integer?: boolean;
  optional?: boolean;
  disabled?: boolean;
  extra?: Record<string, unknown>;
}) {
  const shown = typeof props.value === "number" ? String(props.value) : "";
  const [text, setText] = useState(shown);
  useEffect(() => {
    // Follow a change made elsewhere, unless the box already says the same number.
    if (Number(text) !== props.value || (text.trim() === "" && shown !== "")) setText(shown);
  }, [shown]);
  return (
    <input
      id={props.id}
      type="number"
      inputMode={props.integer ? "numeric" : "decimal"}
      step={props.integer ? 1 : "any"}
      min={props.min}
      max={props.max}
      value={text}
      disabled={props.disabled}
      onInput={(e) => {
        const t = e.currentTarget.value;
        setText(t);
        if (t.trim() === "") {
          if (props.optional) props.onChange(undefined);
          return;
        }
        const n = Number(t);
        if (Number.isFinite(n)) props.onChange(n);
      }}
      {...props.extra}
    />
  );
}
