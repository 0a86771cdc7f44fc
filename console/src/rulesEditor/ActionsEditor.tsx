// A rule's actions (refer, exclude, suggest, advise) and a course rule's course, by form.
import { frequencyWords } from "../model/plainWords";
import type { FindingDef } from "../model/vocabulary";
import { capitalized, humanize, shortName } from "../model/words";
import {
  ACTION_KINDS,
  ACTION_KIND_WORDS,
  FREQUENCIES,
  URGENCIES,
  URGENCY_WORDS,
  actionKind,
  actionOfKind,
  adviseAction,
  adviseParts,
  withField,
  type ActionKind,
} from "./actions";
import { pointerOf } from "./diagnostics";
import { fieldProps, idOf, NumberInput, ProblemsAt, useForm, type FormContext } from "./FormBits";
import { isObject, type Json, type JsonObject, type Path } from "./json";

/** A text box (or a few lines) for a string of the rule file, with its problems. */
export function TextField(props: { path: Path; value: Json | undefined; label: string; multiline?: boolean; hint?: string }) {
  const ctx = useForm();
  const pointer = pointerOf(props.path);
  const id = idOf(pointer);
  const hintId = props.hint ? idOf(pointer, "hint") : undefined;
  const value = typeof props.value === "string" ? props.value : "";
  const common = {
    id,
    value,
    disabled: ctx.readOnly,
    onInput: (e: Event) => ctx.set(props.path, (e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value),
    ...fieldProps(ctx, pointer, hintId),
  };
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      {props.multiline ? <textarea rows={2} {...common} /> : <input type="text" {...common} />}
      {props.hint && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      <ProblemsAt pointer={pointer} />
    </div>
  );
}

function SelectField(props: {
  path: Path;
  value: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  onChange: (v: string) => void;
  unknownLabel?: (v: string) => string;
}) {
  const ctx = useForm();
  const pointer = pointerOf(props.path);
  const id = idOf(pointer);
  const known = props.options.some((o) => o.value === props.value);
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} disabled={ctx.readOnly} onChange={(e) => props.onChange(e.currentTarget.value)} {...fieldProps(ctx, pointer)}>
        {!known && <option value={props.value}>{props.unknownLabel ? props.unknownLabel(props.value) : props.value}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ProblemsAt pointer={pointer} />
    </div>
  );
}

function modalityOptions(ctx: FormContext) {
  return ctx.modalities.map((m) => ({ value: m.code, label: `${m.name} · ${m.code}` }));
}

function findingOption(d: FindingDef) {
  return { value: d.code, label: `${capitalized(shortName(d, d.code))} · ${d.code}` };
}

export function ActionsEditor(props: { then: Json | undefined; path: Path }) {
  const ctx = useForm();
  const listPath = [...props.path, "then"];
  const pointer = pointerOf(listPath);
  const actions = Array.isArray(props.then) ? props.then : [];
  const defaults = { modality: ctx.modalities[0]?.code ?? "", advice: ctx.adviceCodes[0] ?? "" };
  return (
    <fieldset class="rule-part actions" data-pointer={pointer}>
      <legend>Then</legend>
      <ProblemsAt pointer={pointer} />
      {actions.length === 0 && <p class="hint">A rule needs at least one action.</p>}
      <ol class="action-list">
        {actions.map((a, i) => (
          <li key={i} class="action">
            <ActionEditor action={a} path={[...listPath, i]} index={i} defaults={defaults} />
          </li>
        ))}
      </ol>
      {!ctx.readOnly && (
        <button type="button" class="button button-small" onClick={() => ctx.set(listPath, [...actions, actionOfKind("advise", undefined, defaults)])}>
          Add an action
        </button>
      )}
    </fieldset>
  );
}

function ActionEditor(props: { action: Json; path: Path; index: number; defaults: { modality: string; advice: string } }) {
  const ctx = useForm();
  const { action, path } = props;
  const pointer = pointerOf(path);
  const kind = actionKind(action);
  const kindId = idOf(pointer, "kind");
  const name = `Action ${props.index + 1}`;
  const inner = kind && isObject(action) ? action[kind] : undefined;
  const innerObj: JsonObject = isObject(inner) ? inner : {};
  const innerPath = kind ? [...path, kind] : path;
  const setInner = (key: string, value: Json | undefined) => ctx.set(innerPath, withField(innerObj, key, value));

  return (
    <div class="action-body" data-pointer={pointer}>
      <div class="cond-head">
        <label for={kindId}>{name}</label>
        <select
          id={kindId}
          value={kind ?? ""}
          disabled={ctx.readOnly}
          onChange={(e) => ctx.set(path, actionOfKind(e.currentTarget.value as ActionKind, action, props.defaults))}
          {...fieldProps(ctx, pointer)}
        >
          {!kind && <option value="">(not understood)</option>}
          {ACTION_KINDS.map((k) => (
            <option key={k} value={k}>
              {ACTION_KIND_WORDS[k]}
            </option>
          ))}
        </select>
        {!ctx.readOnly && (
          <button type="button" class="button button-small" aria-label={`Remove ${name.toLowerCase()}`} onClick={() => ctx.remove(path)}>
            Remove
          </button>
        )}
      </div>
      <ProblemsAt pointer={pointer} />
      {kind && <ProblemsAt pointer={pointerOf(innerPath)} />}
      {!kind && <pre class="error-text">{JSON.stringify(action, null, 2)}</pre>}
      {kind === "refer" && (
        <div class="action-fields">
          <SelectField
            path={[...innerPath, "urgency"]}
            value={typeof innerObj.urgency === "string" ? innerObj.urgency : ""}
            label="Urgency"
            options={URGENCIES.map((u) => ({ value: u, label: URGENCY_WORDS[u]! }))}
            onChange={(v) => setInner("urgency", v)}
            unknownLabel={(v) => `${v} (not an urgency)`}
          />
          <TextField path={[...innerPath, "reason"]} value={innerObj.reason} label="Reason (shown on the plan)" />
        </div>
      )}
      {kind === "exclude" && (
        <div class="action-fields">
          <SelectField
            path={[...innerPath, "modality"]}
            value={typeof innerObj.modality === "string" ? innerObj.modality : ""}
            label="Modality"
            options={modalityOptions(ctx)}
            onChange={(v) => setInner("modality", v)}
            unknownLabel={(v) => `${v} (no plugin provides it)`}
          />
          <TextField path={[...innerPath, "reason"]} value={innerObj.reason} label="Reason (shown on the plan)" />
          <SelectField
            path={[...innerPath, "regions_from"]}
            value={typeof innerObj.regions_from === "string" ? innerObj.regions_from : ""}
            label="Where"
            options={[
              { value: "", label: "Everywhere: the whole modality" },
              ...ctx.vocabulary.findings.filter((d) => d.namesRegions).map((d) => ({ ...findingOption(d), label: `Only the regions of: ${findingOption(d).label}` })),
            ]}
            onChange={(v) => setInner("regions_from", v === "" ? undefined : v)}
            unknownLabel={(v) => `${v} (names no regions)`}
          />
        </div>
      )}
      {kind === "suggest" && <SuggestFields inner={innerObj} path={innerPath} setInner={setInner} />}
      {kind === "advise" && <AdviseFields value={isObject(action) ? action.advise : undefined} path={path} />}
    </div>
  );
}

function SuggestFields(props: { inner: JsonObject; path: Path; setInner: (key: string, value: Json | undefined) => void }) {
  const ctx = useForm();
  const { inner, path, setInner } = props;
  const modality = typeof inner.modality === "string" ? inner.modality : "";
  const targets = Array.isArray(inner.targets) ? inner.targets.filter((t): t is string => typeof t === "string") : [];
  const shownTargets = [...ctx.targets, ...targets.filter((t) => !ctx.targets.includes(t))];
  const targetsPointer = pointerOf([...path, "targets"]);
  const priorityPointer = pointerOf([...path, "priority"]);
  const priorityId = idOf(priorityPointer);
  const setFinding = ctx.vocabulary.findings.filter((d) => d.type === "set" && d.valuesFrom === "targets");
  const toggle = (t: string, on: boolean) => {
    const next = on ? [...targets, t] : targets.filter((x) => x !== t);
    setInner("targets", next.length > 0 ? shownTargets.filter((x) => next.includes(x)) : undefined);
  };
  return (
    <div class="action-fields">
      <SelectField
        path={[...path, "modality"]}
        value={modality}
        label="Modality"
        options={modalityOptions(ctx)}
        onChange={(v) => setInner("modality", v)}
        unknownLabel={(v) => `${v} (no plugin provides it)`}
      />
      <fieldset class="form-field value-set" data-pointer={targetsPointer}>
        <legend>Targets named</legend>
        <div class="value-choices">
          {shownTargets.map((t) => {
            const id = idOf(targetsPointer, t);
            return (
              <label key={t} class="choice" for={id}>
                <input id={id} type="checkbox" checked={targets.includes(t)} disabled={ctx.readOnly} onChange={(e) => toggle(t, e.currentTarget.checked)} />
                {ctx.targets.includes(t) ? humanize(t) : `${t} (not a target)`}
              </label>
            );
          })}
        </div>
        <ProblemsAt pointer={targetsPointer} />
      </fieldset>
      <SelectField
        path={[...path, "targets_from"]}
        value={typeof inner.targets_from === "string" ? inner.targets_from : ""}
        label="Targets from a finding"
        options={[{ value: "", label: "None" }, ...setFinding.map(findingOption)]}
        onChange={(v) => setInner("targets_from", v === "" ? undefined : v)}
        unknownLabel={(v) => `${v} (not a finding of targets)`}
      />
      <div class="form-field">
        <label for={priorityId}>Priority within its phase (-1000 to 1000; empty: none)</label>
        <NumberInput
          id={priorityId}
          value={inner.priority}
          min={-1000}
          max={1000}
          integer
          optional
          disabled={ctx.readOnly}
          onChange={(n) => setInner("priority", n)}
          extra={fieldProps(ctx, priorityPointer)}
        />
        <ProblemsAt pointer={priorityPointer} />
      </div>
      <ParamsFields modality={modality} params={inner.params} path={[...path, "params"]} setParams={(p) => setInner("params", p)} />
    </div>
  );
}

/** The modality's parameters, as its plugin's schema declares them (choices, numbers, yes/no). */
function ParamsFields(props: { modality: string; params: Json | undefined; path: Path; setParams: (p: JsonObject | undefined) => void }) {
  const ctx = useForm();
  const schema = ctx.modalities.find((m) => m.code === props.modality)?.paramSchema;
  const properties = isObject(schema?.properties as Json) ? (schema!.properties as Record<string, Record<string, unknown>>) : {};
  const params: JsonObject = isObject(props.params) ? props.params : {};
  const pointer = pointerOf(props.path);
  const names = [...new Set([...Object.keys(properties), ...Object.keys(params)])];
  if (names.length === 0) return <ProblemsAt pointer={pointer} />;
  const setParam = (key: string, value: Json | undefined) => {
    const next = withField(params, key, value);
    props.setParams(Object.keys(next).length > 0 ? next : undefined);
  };
  return (
    <fieldset class="form-field params" data-pointer={pointer}>
      <legend>Details for the plugin</legend>
      <ProblemsAt pointer={pointer} />
      {names.map((name) => {
        const prop = properties[name] ?? {};
        const id = idOf(pointer, name);
        const value = params[name];
        const choices = Array.isArray(prop.enum) ? (prop.enum as Json[]).filter((v): v is string => typeof v === "string") : undefined;
        return (
          <div key={name} class="form-field">
            <label for={id}>{capitalized(humanize(name))}</label>
            {choices ? (
              <select id={id} value={typeof value === "string" ? value : ""} disabled={ctx.readOnly} onChange={(e) => setParam(name, e.currentTarget.value === "" ? undefined : e.currentTarget.value)}>
                <option value="">The plugin's default</option>
                {typeof value === "string" && !choices.includes(value) && <option value={value}>{value} (not allowed)</option>}
                {choices.map((c) => (
                  <option key={c} value={c}>
                    {humanize(c)}
                  </option>
                ))}
              </select>
            ) : prop.type === "number" || prop.type === "integer" || typeof value === "number" ? (
              <NumberInput id={id} value={value} integer={prop.type === "integer"} optional disabled={ctx.readOnly} onChange={(n) => setParam(name, n)} />
            ) : prop.type === "boolean" || typeof value === "boolean" ? (
              <select id={id} value={value === true ? "true" : value === false ? "false" : ""} disabled={ctx.readOnly} onChange={(e) => setParam(name, e.currentTarget.value === "" ? undefined : e.currentTarget.value === "true")}>
                <option value="">The plugin's default</option>
                <option value="true">yes</option>
                <option value="false">no</option>
              </select>
            ) : (
              <input id={id} type="text" value={typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)} disabled={ctx.readOnly} onInput={(e) => setParam(name, e.currentTarget.value === "" ? undefined : e.currentTarget.value)} />
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** "desk_setup: Set up your desk: screen at eye level…" */
function adviceLabel(code: string, text: string | undefined): string {
  const t = (text ?? "").trim();
  return t === "" ? code : `${code}: ${t.length > 60 ? `${t.slice(0, 57).trimEnd()}…` : t}`;
}

function AdviseFields(props: { value: Json | undefined; path: Path }) {
  const ctx = useForm();
  const { code, alsoWhenReferred } = adviseParts(props.value);
  const valuePath = [...props.path, "advise"];
  const codePath = typeof props.value === "string" ? valuePath : [...valuePath, "code"];
  const flagId = idOf(pointerOf(valuePath), "also");
  const text = ctx.adviceTexts[code];
  return (
    <div class="action-fields">
      <SelectField
        path={codePath}
        value={code}
        label="Advice"
        options={ctx.adviceCodes.map((c) => ({ value: c, label: adviceLabel(c, ctx.adviceTexts[c]) }))}
        onChange={(v) => ctx.set(props.path, adviseAction(v, alsoWhenReferred))}
        unknownLabel={(v) => `${v} (no such advice text)`}
      />
      {text !== undefined && <p class="hint advice-preview">“{text}”</p>}
      <div class="form-field form-check">
        <input
          id={flagId}
          type="checkbox"
          checked={alsoWhenReferred}
          disabled={ctx.readOnly}
          onChange={(e) => ctx.set(props.path, adviseAction(code, e.currentTarget.checked))}
        />
        <label for={flagId}>Also when the patient is referred</label>
      </div>
    </div>
  );
}

export function CourseEditor(props: { course: Json | undefined; path: Path }) {
  const ctx = useForm();
  const coursePath = [...props.path, "course"];
  const pointer = pointerOf(coursePath);
  const kindId = idOf(pointer, "kind");
  const none = props.course === "none";
  const c: JsonObject = isObject(props.course) ? props.course : {};
  const setField = (key: string, v: Json | undefined) => ctx.set(coursePath, withField(c, key, v));
  const numberField = (key: string, label: string) => {
    const p = pointerOf([...coursePath, key]);
    const id = idOf(p);
    return (
      <div class="form-field">
        <label for={id}>{label}</label>
        <NumberInput id={id} value={c[key]} min={1} max={100} integer disabled={ctx.readOnly} onChange={(n) => setField(key, n ?? 1)} extra={fieldProps(ctx, p)} />
        <ProblemsAt pointer={p} />
      </div>
    );
  };
  return (
    <fieldset class="rule-part course" data-pointer={pointer}>
      <legend>Then book</legend>
      <div class="form-field">
        <label for={kindId}>Course</label>
        <select
          id={kindId}
          value={none ? "none" : "course"}
          disabled={ctx.readOnly}
          onChange={(e) =>
            ctx.set(
              coursePath,
              e.currentTarget.value === "none" ? "none" : { frequency: "weekly", sessions_min: 2, sessions_max: 4, review_after_sessions: 2 },
            )
          }
          {...fieldProps(ctx, pointer)}
        >
          <option value="course">A course of sessions</option>
          <option value="none">Nothing: book no course</option>
        </select>
      </div>
      <ProblemsAt pointer={pointer} />
      {!none && (
        <div class="action-fields">
          <SelectField
            path={[...coursePath, "frequency"]}
            value={typeof c.frequency === "string" ? c.frequency : ""}
            label="How often"
            options={FREQUENCIES.map((f) => ({ value: f, label: capitalized(frequencyWords(f)) }))}
            onChange={(v) => setField("frequency", v)}
            unknownLabel={(v) => `${v} (not a frequency)`}
          />
          {numberField("sessions_min", "Sessions, at least")}
          {numberField("sessions_max", "Sessions, at most")}
          {numberField("review_after_sessions", "Review after this many sessions")}
        </div>
      )}
    </fieldset>
  );
}
