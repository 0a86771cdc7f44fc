// The findings form: one fieldset per part of the assessment, in asking order.
import type { FieldValue, FormGroup, FormState } from "../model/form";
import { FieldInput } from "./FieldInput";

export interface FindingsFormProps {
  groups: readonly FormGroup[];
  state: FormState;
  errors: Readonly<Record<string, string>>;
  onChange: (code: string, value: FieldValue | undefined) => void;
}

export function FindingsForm({ groups, state, errors, onChange }: FindingsFormProps) {
  return (
    <form class="findings-form" aria-label="Findings" onSubmit={(e) => e.preventDefault()} noValidate>
      {groups.map((g) => {
        const asked = g.fields.filter((f) => state[f.code] !== undefined).length;
        return (
          <fieldset key={g.id} class={`group group-${g.id}`}>
            <legend>
              <h2 class="group-title">{g.title}</h2>
            </legend>
            <p class="group-description">
              {g.description}{" "}
              <span class="group-count">
                {asked} of {g.fields.length} recorded.
              </span>
            </p>
            <div class="fields">
              {g.fields.map((f) => (
                <FieldInput
                  key={f.code}
                  field={f}
                  value={state[f.code]}
                  error={errors[f.code]}
                  onChange={onChange}
                />
              ))}
            </div>
          </fieldset>
        );
      })}
    </form>
  );
}
