// The condition builder: "always", a test of one finding, or all / any / not groups of
// conditions, nested as deep as the rule language allows. Findings come from the vocabulary,
// tests from what the finding's type takes, values from what the vocabulary allows.
import { GROUPS, askingRank, groupOf } from "../model/groups";
import type { FindingDef, Vocabulary } from "../model/vocabulary";
import { capitalized, humanize, shortName, unitOf } from "../model/words";
import {
  KIND_WORDS,
  OPERATOR_WORDS,
  conditionKind,
  convertCondition,
  newTest,
  operatorOf,
  operatorsFor,
  testKeys,
  withFinding,
  withOperator,
  type ConditionKind,
  type Operator,
} from "./conditions";
import { pointerOf } from "./diagnostics";
import { fieldProps, idOf, NumberInput, ProblemsAt, useForm } from "./FormBits";
import type { Json, JsonObject, Path } from "./json";

const groupCache = new WeakMap<Vocabulary, Array<{ title: string; defs: FindingDef[] }>>();

/** The vocabulary's findings in the groups and order of the Try page's form. */
function findingGroups(vocabulary: Vocabulary): Array<{ title: string; defs: FindingDef[] }> {
  const cached = groupCache.get(vocabulary);
  if (cached) return cached;
  const groups = GROUPS.map((g) => ({
    title: g.title,
    defs: vocabulary.findings
      .filter((d) => groupOf(d, undefined) === g.id)
      .sort((a, b) => askingRank(a.code, undefined) - askingRank(b.code, undefined) || a.code.localeCompare(b.code)),
  })).filter((g) => g.defs.length > 0);
  groupCache.set(vocabulary, groups);
  return groups;
}

const TYPE_WORDS: Record<FindingDef["type"], string> = {
  boolean: "yes or no",
  integer: "a whole number",
  number: "a number",
  enum: "one value of a list",
  set: "several values of a list",
  text_list: "free text (only whether it is recorded can be tested)",
};

function findingHint(def: FindingDef | undefined, code: string): string {
  if (!def) return code === "" ? "Choose a finding." : `${code} is not a finding of the vocabulary.`;
  const range =
    def.min !== undefined && def.max !== undefined ? `, from ${def.min} to ${def.max}` : def.min !== undefined ? `, at least ${def.min}` : "";
  const unit = unitOf(def);
  return `${def.code}: ${TYPE_WORDS[def.type]}${range}${unit ? ` (${unit})` : ""}. ${def.description}`;
}

const KINDS: readonly ConditionKind[] = ["test", "all", "any", "not", "always"];

const GROUP_LEGEND: Record<"all" | "any", string> = {
  all: "All of these must hold",
  any: "Any one of these is enough",
};

export interface ConditionEditorProps {
  value: Json | undefined;
  path: Path;
  /** Where the condition sits, for its kind's label: "When", "Condition 2 of the group". */
  label: string;
  onRemove?: (() => void) | undefined;
  /** How deep in groups it sits, from 0: for indentation. */
  depth: number;
}

export function ConditionEditor(props: ConditionEditorProps) {
  const ctx = useForm();
  const { value, path } = props;
  const pointer = pointerOf(path);
  const kind = conditionKind(value);
  const kindId = idOf(pointer, "kind");

  const setKind = (k: ConditionKind) => ctx.set(path, convertCondition(value, k, ctx.vocabulary));

  return (
    <div class={`cond cond-${kind} cond-depth-${Math.min(props.depth, 4)}`} data-pointer={pointer}>
      <div class="cond-head">
        <label for={kindId}>{props.label}</label>
        <select
          id={kindId}
          value={kind}
          disabled={ctx.readOnly}
          onChange={(e) => setKind(e.currentTarget.value as ConditionKind)}
          {...fieldProps(ctx, pointer)}
        >
          {(kind === "unknown" ? [...KINDS, "unknown" as const] : KINDS).map((k) => (
            <option key={k} value={k}>
              {KIND_WORDS[k]}
            </option>
          ))}
        </select>
        {props.onRemove && !ctx.readOnly && (
          <button type="button" class="button button-small" onClick={props.onRemove} aria-label={`Remove ${props.label.toLowerCase()}`}>
            Remove
          </button>
        )}
      </div>
      <ProblemsAt pointer={pointer} />
      {kind === "test" && <TestEditor test={value as JsonObject} path={path} />}
      {(kind === "all" || kind === "any") && <GroupEditor kind={kind} items={(value as JsonObject)[kind] as Json[]} path={path} depth={props.depth} />}
      {kind === "not" && (
        <div class="cond-not">
          <ConditionEditor value={(value as JsonObject).not} path={[...path, "not"]} label="Must not hold" depth={props.depth + 1} />
        </div>
      )}
      {kind === "always" && <p class="hint">The rule applies to every patient.</p>}
      {kind === "unknown" && (
        <div class="notice notice-error">
          <p>This condition is not one the form understands. Choose another kind above, or edit it as JSON:</p>
          <pre class="error-text">{JSON.stringify(value, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}

function GroupEditor(props: { kind: "all" | "any"; items: Json[]; path: Path; depth: number }) {
  const ctx = useForm();
  const listPath = [...props.path, props.kind];
  const pointer = pointerOf(listPath);
  const add = (item: Json) => ctx.set(listPath, [...props.items, item]);
  return (
    <fieldset class="cond-group">
      <legend>{GROUP_LEGEND[props.kind]}</legend>
      <ProblemsAt pointer={pointer} />
      {props.items.length === 0 && <p class="hint">No conditions yet: add one.</p>}
      <ol class="cond-members">
        {props.items.map((item, i) => (
          <li key={i}>
            <ConditionEditor
              value={item}
              path={[...listPath, i]}
              label={`Condition ${i + 1}`}
              depth={props.depth + 1}
              onRemove={() => ctx.remove([...listPath, i])}
            />
          </li>
        ))}
      </ol>
      {!ctx.readOnly && (
        <div class="toolbar toolbar-small">
          <button type="button" class="button button-small" onClick={() => add(newTest(ctx.vocabulary))}>
            Add a test
          </button>
          <button type="button" class="button button-small" onClick={() => add({ [props.kind === "all" ? "any" : "all"]: [newTest(ctx.vocabulary)] })}>
            Add a group
          </button>
        </div>
      )}
    </fieldset>
  );
}

function TestEditor(props: { test: JsonObject; path: Path }) {
  const ctx = useForm();
  const { test, path } = props;
  const pointer = pointerOf(path);
  const code = typeof test.finding === "string" ? test.finding : "";
  const def = ctx.vocabulary.byCode.get(code);
  const keys = testKeys(test);
  const op = operatorOf(test);
  const opKey = op ?? keys[0];
  const allowed = operatorsFor(def?.type);
  const findingId = idOf(pointer, "finding");
  const opId = idOf(pointer, "op");
  const hintId = idOf(pointer, "hint");
  const findingPointer = `${pointer}/finding`;
  const opPointer = opKey !== undefined ? `${pointer}/${opKey}` : pointer;

  return (
    <div class="test" data-pointer={pointer}>
      <div class="test-row">
        <div class="test-part test-finding">
          <label for={findingId}>Finding</label>
          <select
            id={findingId}
            value={code}
            disabled={ctx.readOnly}
            onChange={(e) => {
              const next = e.currentTarget.value;
              ctx.set(path, withFinding(test, ctx.vocabulary.byCode.get(next), next));
            }}
            {...fieldProps(ctx, findingPointer, hintId)}
          >
            {!def && <option value={code}>{code === "" ? "(none)" : `${code} (not in the vocabulary)`}</option>}
            {findingGroups(ctx.vocabulary).map((g) => (
              <optgroup key={g.title} label={g.title}>
                {g.defs.map((d) => (
                  <option key={d.code} value={d.code}>
                    {capitalized(shortName(d, d.code))} · {d.code}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div class="test-part test-op">
          <label for={opId}>Test</label>
          <select
            id={opId}
            value={opKey ?? ""}
            disabled={ctx.readOnly}
            onChange={(e) => ctx.set(path, withOperator(test, e.currentTarget.value as Operator, def))}
            {...fieldProps(ctx, opPointer)}
          >
            {opKey === undefined && <option value="">(no test)</option>}
            {opKey !== undefined && !(allowed as readonly string[]).includes(opKey) && (
              <option value={opKey}>{op ? `${OPERATOR_WORDS[op]} (not for this finding)` : `${opKey} (not a test)`}</option>
            )}
            {allowed.map((o) => (
              <option key={o} value={o}>
                {OPERATOR_WORDS[o]}
              </option>
            ))}
          </select>
        </div>
        {op && <ValueEditor test={test} op={op} def={def} path={path} />}
      </div>
      <p id={hintId} class="hint">
        {findingHint(def, code)}
      </p>
      <ProblemsAt pointer={findingPointer} />
      {keys.map((k) => (
        <ProblemsAt key={k} pointer={`${pointer}/${k}`} />
      ))}
    </div>
  );
}

function ValueEditor(props: { test: JsonObject; op: Operator; def: FindingDef | undefined; path: Path }) {
  const ctx = useForm();
  const { test, op, def, path } = props;
  const valuePath = [...path, op];
  const pointer = pointerOf(valuePath);
  const id = idOf(pointer);
  const value = test[op];
  const set = (v: Json) => ctx.set(valuePath, v);
  const label = <label for={id}>Value</label>;
  const values = def?.values ?? [];
  const integer = def?.type === "integer";

  if (op === "known") {
    return (
      <div class="test-part test-value">
        {label}
        <select id={id} value={value === false ? "false" : "true"} disabled={ctx.readOnly} onChange={(e) => set(e.currentTarget.value === "true")} {...fieldProps(ctx, pointer)}>
          <option value="true">recorded</option>
          <option value="false">not recorded</option>
        </select>
      </div>
    );
  }
  if (op === "equals" && (def?.type === "boolean" || typeof value === "boolean")) {
    return (
      <div class="test-part test-value">
        {label}
        <select id={id} value={value === false ? "false" : "true"} disabled={ctx.readOnly} onChange={(e) => set(e.currentTarget.value === "true")} {...fieldProps(ctx, pointer)}>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      </div>
    );
  }
  if ((op === "equals" && (def?.type === "enum" || typeof value === "string")) || op === "contains") {
    const current = typeof value === "string" ? value : "";
    return (
      <div class="test-part test-value">
        {label}
        <select id={id} value={current} disabled={ctx.readOnly} onChange={(e) => set(e.currentTarget.value)} {...fieldProps(ctx, pointer)}>
          {!values.includes(current) && <option value={current}>{current === "" ? "(none)" : `${current} (not a value of this finding)`}</option>}
          {values.map((v) => (
            <option key={v} value={v}>
              {humanize(v)}
            </option>
          ))}
        </select>
      </div>
    );
  }
  if (op === "one_of" || op === "contains_any" || op === "contains_all") {
    const chosen = Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
    const shown = [...values, ...chosen.filter((v) => !values.includes(v))];
    const toggle = (v: string, on: boolean) => {
      const next = on ? [...chosen, v] : chosen.filter((x) => x !== v);
      // Keep the vocabulary's order, unknown values last.
      set(shown.filter((x) => next.includes(x)));
    };
    return (
      <fieldset class="test-part test-values" data-pointer={pointer} aria-describedby={(ctx.problemsAt.get(pointer)?.length ?? 0) > 0 ? idOf(pointer, "problems") : undefined}>
        <legend>Values</legend>
        <div class="value-choices">
          {shown.map((v) => {
            const vid = idOf(pointer, v);
            return (
              <label key={v} class="choice" for={vid}>
                <input id={vid} type="checkbox" checked={chosen.includes(v)} disabled={ctx.readOnly} onChange={(e) => toggle(v, e.currentTarget.checked)} />
                {values.includes(v) ? humanize(v) : `${v} (not a value of this finding)`}
              </label>
            );
          })}
        </div>
      </fieldset>
    );
  }
  if (op === "between") {
    const pair = Array.isArray(value) ? value : [];
    const low = pair[0];
    const high = pair[1];
    const lowId = idOf(pointer, "low");
    const highId = idOf(pointer, "high");
    return (
      <div class="test-part test-value test-between" data-pointer={pointer}>
        <label for={lowId}>From</label>
        <NumberInput
          id={lowId}
          value={low}
          min={def?.min}
          max={def?.max}
          integer={integer}
          disabled={ctx.readOnly}
          onChange={(n) => set([n ?? 0, typeof high === "number" ? high : (n ?? 0)])}
          extra={fieldProps(ctx, pointer)}
        />
        <label for={highId}>to</label>
        <NumberInput
          id={highId}
          value={high}
          min={def?.min}
          max={def?.max}
          integer={integer}
          disabled={ctx.readOnly}
          onChange={(n) => set([typeof low === "number" ? low : (n ?? 0), n ?? 0])}
          extra={{ "aria-invalid": fieldProps(ctx, pointer)["aria-invalid"] }}
        />
      </div>
    );
  }
  // A number: equals, above, at_least, below, at_most.
  const unit = def ? unitOf(def) : undefined;
  return (
    <div class="test-part test-value">
      {label}
      <span class="number-with-unit">
        <NumberInput id={id} value={value} min={def?.min} max={def?.max} integer={integer} disabled={ctx.readOnly} onChange={(n) => set(n ?? 0)} extra={fieldProps(ctx, pointer)} />
        {unit && <span class="unit">{unit}</span>}
      </span>
    </div>
  );
}

