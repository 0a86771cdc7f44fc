// One finding's input. Each kind keeps "not asked" distinct from "no": a radio of its own for
// yes/no, an empty box for numbers and text, a "Not asked" option for choices and lists.
import type { Field, FieldValue } from "../model/form";

export interface FieldProps {
  field: Field;
  value: FieldValue | undefined;
  error?: string | undefined;
  onChange: (code: string, value: FieldValue | undefined) => void;
}

const FLAG_WORDS = {
  required_screen: "Required screen",
  ask_before_treating: "Ask before treating",
  red_flag: "Red flag",
} as const;

function Flag(props: { field: Field }) {
  const flag = props.field.redFlag;
  if (!flag) return null;
  return <span class={`badge badge-${flag}`}>{FLAG_WORDS[flag]}</span>;
}

function rangeHint(field: Field): string {
  const range =
    field.min !== undefined && field.max !== undefined
      ? `${field.min} to ${field.max}`
      : field.min !== undefined
        ? `at least ${field.min}`
        : field.max !== undefined
          ? `at most ${field.max}`
          : "";
  const parts = [range, field.unit, field.integer ? "whole number" : ""].filter((p) => p);
  return parts.join(", ");
}

function Hint(props: { id: string; field: Field; extra?: string }) {
  return (
    <p id={props.id} class="hint">
      {props.extra && <span>{props.extra} · </span>}
      <code>{props.field.code}</code>
    </p>
  );
}

function ErrorText(props: { id: string; error?: string | undefined }) {
  if (!props.error) return null;
  return (
    <p id={props.id} class="field-error">
      {props.error}
    </p>
  );
}

function describedBy(hintId: string, errorId: string, error: string | undefined): string {
  return error ? `${hintId} ${errorId}` : hintId;
}

export function FieldInput({ field, value, error, onChange }: FieldProps) {
  const id = `f-${field.code}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const asked = value !== undefined;
  const cls = `field field-${field.kind} ${asked ? "is-asked" : "is-unasked"} ${error ? "has-error" : ""}`;

  switch (field.kind) {
    case "yesno": {
      const choice = value === true ? "yes" : value === false ? "no" : "unasked";
      const set = (c: string) => onChange(field.code, c === "yes" ? true : c === "no" ? false : undefined);
      return (
        <fieldset class={cls} aria-describedby={describedBy(hintId, errorId, error)}>
          <legend>
            {field.label} <Flag field={field} />
          </legend>
          <div class="choices">
            {(["unasked", "yes", "no"] as const).map((c) => (
              <label key={c} class="choice">
                <input
                  type="radio"
                  name={id}
                  id={`${id}-${c}`}
                  value={c}
                  checked={choice === c}
                  onChange={() => set(c)}
                />
                {c === "unasked" ? "Not asked" : c === "yes" ? "Yes" : "No"}
              </label>
            ))}
          </div>
          <Hint id={hintId} field={field} />
          <ErrorText id={errorId} error={error} />
        </fieldset>
      );
    }
    case "number":
      return (
        <div class={cls}>
          <label for={id}>
            {field.label} <Flag field={field} />
          </label>
          <div class="number-row">
            <input
              id={id}
              type="number"
              inputMode={field.integer ? "numeric" : "decimal"}
              min={field.min}
              max={field.max}
              step={field.integer ? 1 : "any"}
              value={value === "?" ? undefined : typeof value === "string" ? value : ""}
              placeholder="Not asked"
              aria-describedby={describedBy(hintId, errorId, error)}
              aria-invalid={error ? "true" : undefined}
              onInput={(e) => {
                const el = e.currentTarget;
                // A half-typed number ("1-") reads as "" in a number box: keep it as typed text
                // so the error shows instead of the finding silently becoming "not asked".
                const text = el.validity.badInput ? "?" : el.value;
                onChange(field.code, text === "" ? undefined : text);
              }}
            />
            {field.unit && <span class="unit">{field.unit}</span>}
          </div>
          <Hint id={hintId} field={field} extra={`${rangeHint(field)}; empty = not asked`} />
          <ErrorText id={errorId} error={error} />
        </div>
      );
    case "choice":
      return (
        <div class={cls}>
          <label for={id}>
            {field.label} <Flag field={field} />
          </label>
          <select
            id={id}
            value={typeof value === "string" ? value : ""}
            aria-describedby={describedBy(hintId, errorId, error)}
            aria-invalid={error ? "true" : undefined}
            onChange={(e) => onChange(field.code, e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
          >
            <option value="">Not asked</option>
            {field.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <Hint id={hintId} field={field} />
          <ErrorText id={errorId} error={error} />
        </div>
      );
    case "multi": {
      const ticked = Array.isArray(value) ? value : [];
      const toggle = (v: string, on: boolean) => {
        const next = on ? [...ticked, v] : ticked.filter((x) => x !== v);
        onChange(field.code, next);
      };
      return (
        <fieldset class={cls} aria-describedby={describedBy(hintId, errorId, error)}>
          <legend>
            {field.label} <Flag field={field} />
          </legend>
          <div class="choices">
            <label class="choice choice-unasked">
              <input
                type="checkbox"
                id={`${id}-unasked`}
                checked={!asked}
                onChange={(e) => onChange(field.code, e.currentTarget.checked ? undefined : [])}
              />
              Not asked
            </label>
            {field.options.map((o) => (
              <label key={o.value} class="choice">
                <input
                  type="checkbox"
                  id={`${id}-${o.value}`}
                  value={o.value}
                  checked={ticked.includes(o.value)}
                  onChange={(e) => toggle(o.value, e.currentTarget.checked)}
                />
                {o.label}
              </label>
            ))}
          </div>
          <Hint
            id={hintId}
            field={field}
            extra={asked && ticked.length === 0 ? "asked: none of these" : "tick every one that applies"}
          />
          <ErrorText id={errorId} error={error} />
        </fieldset>
      );
    }
    case "text":
      return (
        <div class={cls}>
          <label for={id}>
            {field.label} <Flag field={field} />
          </label>
          <textarea
            id={id}
            rows={2}
            value={typeof value === "string" ? value : ""}
            aria-describedby={describedBy(hintId, errorId, error)}
            onInput={(e) => onChange(field.code, e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
          />
          <Hint id={hintId} field={field} extra="one per line; empty = not asked" />
          <ErrorText id={errorId} error={error} />
        </div>
      );
  }
}
