// The rule set's own fields by form: its version and description, and the advice texts that
// advise actions name. Clinic and progress settings are edited as JSON.
import { useState } from "preact/hooks";
import { TextField } from "./ActionsEditor";
import { pointerOf } from "./diagnostics";
import { fieldProps, idOf, ProblemsAt, useForm } from "./FormBits";
import { getAt, isObject, type Json } from "./json";

const CODE = /^[a-z][a-z0-9_]*$/;

export function SettingsForm(props: { doc: Json; usedAdvice: Set<string> }) {
  const ctx = useForm();
  const advice = getAt(props.doc, ["advice"]);
  const texts = isObject(advice) ? advice : {};
  const [newCode, setNewCode] = useState("");
  const [codeError, setCodeError] = useState<string | undefined>();
  const id = getAt(props.doc, ["id"]);

  const add = (e: Event) => {
    e.preventDefault();
    const code = newCode.trim();
    if (!CODE.test(code)) {
      setCodeError("An advice code is lower-case letters, digits and _, starting with a letter, e.g. walking_plan.");
      return;
    }
    if (code in texts) {
      setCodeError(`There is already advice ${code}.`);
      return;
    }
    setCodeError(undefined);
    setNewCode("");
    ctx.set(["advice", code], "Write the advice as the client reads it.");
    window.setTimeout(() => document.getElementById(idOf(pointerOf(["advice", code])))?.focus(), 0);
  };

  return (
    <section class="rule-form" aria-labelledby="settings-title">
      <h2 id="settings-title" tabIndex={-1}>
        Rule set <code>{typeof id === "string" ? id : ""}</code>
      </h2>
      <p class="hint">The rule set's id is the condition it plans; it cannot change here.</p>
      <ProblemsAt pointer="" />
      <div class="rule-part">
        <TextField path={["version"]} value={getAt(props.doc, ["version"])} label="Version" hint="Every plan names the version that made it: change it when the rules change." />
        <TextField path={["description"]} value={getAt(props.doc, ["description"])} label="Description" multiline />
      </div>
      <section class="rule-part" aria-labelledby="advice-title">
        <h3 id="advice-title">Advice texts</h3>
        <p class="hint">What the client receives for each advice code that an advise action names.</p>
        <ProblemsAt pointer="/advice" />
        <ul class="advice-edit-list">
          {Object.entries(texts).map(([code, text]) => {
            const pointer = pointerOf(["advice", code]);
            const inputId = idOf(pointer);
            const used = props.usedAdvice.has(code);
            return (
              <li key={code} class="advice-edit">
                <label for={inputId}>
                  <code>{code}</code>
                </label>
                <textarea
                  id={inputId}
                  rows={2}
                  value={typeof text === "string" ? text : ""}
                  disabled={ctx.readOnly}
                  onInput={(e) => ctx.set(["advice", code], e.currentTarget.value)}
                  {...fieldProps(ctx, pointer)}
                />
                <ProblemsAt pointer={pointer} />
                {!ctx.readOnly &&
                  (used ? (
                    <p class="hint">A rule advises it: remove those actions first to remove it.</p>
                  ) : (
                    <button type="button" class="button button-small" aria-label={`Remove advice ${code}`} onClick={() => ctx.remove(["advice", code])}>
                      Remove
                    </button>
                  ))}
              </li>
            );
          })}
        </ul>
        {!ctx.readOnly && (
          <form class="add-advice" onSubmit={add}>
            <div class="form-field">
              <label for="new-advice-code">New advice code</label>
              <input
                id="new-advice-code"
                type="text"
                value={newCode}
                aria-invalid={codeError ? "true" : undefined}
                aria-describedby={codeError ? "new-advice-error" : undefined}
                onInput={(e) => setNewCode(e.currentTarget.value)}
              />
              {codeError && (
                <p id="new-advice-error" class="field-error">
                  {codeError}
                </p>
              )}
            </div>
            <button type="submit" class="button button-small">
              Add advice
            </button>
          </form>
        )}
      </section>
    </section>
  );
}
