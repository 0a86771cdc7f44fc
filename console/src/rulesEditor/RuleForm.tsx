// One rule of the draft by form: what it is (id, description, source), when it applies and what
// it does, with the rule in plain words as it now reads, and every problem at its field.
import { courseWords, ruleWords } from "../model/plainWords";
import { parseAction, parseCondition, type Rule } from "../model/rules";
import type { WordsContext } from "../model/plainWords";
import { ActionsEditor, CourseEditor, TextField } from "./ActionsEditor";
import { ConditionEditor } from "./ConditionEditor";
import type { RuleList } from "./diagnostics";
import { countBySeverity, pointerOf } from "./diagnostics";
import { ProblemsAt, useForm } from "./FormBits";
import { isObject, type Json } from "./json";

/** The rule as the plain-words module reads rules (model/rules.ts). */
export function ruleForWords(raw: Json | undefined, list: RuleList, index: number): Rule {
  const r = isObject(raw) ? raw : {};
  const isCourse = list === "course_rules";
  const rule: Rule = {
    id: typeof r.id === "string" ? r.id : "",
    description: typeof r.description === "string" ? r.description : "",
    source: typeof r.source === "string" ? r.source : "",
    when: r.when === undefined ? "always" : parseCondition(r.when),
    index,
    isCourse,
    then: Array.isArray(r.then) ? r.then.map(parseAction) : [],
  };
  if (isCourse) {
    if (r.course === "none") rule.course = "none";
    else if (isObject(r.course)) {
      rule.course = {
        frequency: String(r.course.frequency ?? ""),
        sessionsMin: Number(r.course.sessions_min ?? 0),
        sessionsMax: Number(r.course.sessions_max ?? 0),
        reviewAfterSessions: Number(r.course.review_after_sessions ?? 0),
      };
    }
  }
  return rule;
}

function plainWords(words: WordsContext, rule: Rule): string {
  try {
    return ruleWords(words, rule);
  } catch {
    return rule.isCourse ? courseWords(rule.course) : "This rule cannot be put in words yet.";
  }
}

export interface RuleFormProps {
  rule: Json | undefined;
  list: RuleList;
  index: number;
  count: number;
  words: WordsContext;
  change: "new" | "changed" | "same" | undefined;
  onMove: (delta: number) => void;
  onDelete: () => void;
}

export function RuleForm(props: RuleFormProps) {
  const ctx = useForm();
  const { rule, list, index } = props;
  const path = [list, index];
  const pointer = pointerOf(path);
  const r = isObject(rule) ? rule : {};
  const isCourse = list === "course_rules";
  const words = plainWords(props.words, ruleForWords(rule, list, index));
  const id = typeof r.id === "string" ? r.id : "";
  const problemCount = countBySeverity([...ctx.problemsAt.values()].flat());

  return (
    <section class="rule-form" aria-labelledby="rule-form-title" data-pointer={pointer}>
      <h2 id="rule-form-title" tabIndex={-1}>
        {isCourse ? "Course rule" : "Rule"} <code>{id || "(no id)"}</code>
        {props.change === "new" && <span class="badge badge-new">New</span>}
        {props.change === "changed" && <span class="badge badge-changed">Changed</span>}
      </h2>
      <p class="plain-words rule-form-words" aria-live="polite">
        {words}
      </p>
      <p class="hint">
        {isCourse
          ? `Course rule ${index + 1} of ${props.count}: course rules are tried in order and the first that applies sets the course.`
          : `Rule ${index + 1} of ${props.count}.`}
      </p>
      {problemCount.errors + problemCount.warnings > 0 && (
        <p class={`notice ${problemCount.errors > 0 ? "notice-error" : "notice-warning"} rule-problems-note`}>
          {[
            problemCount.errors > 0 ? `${problemCount.errors} ${problemCount.errors === 1 ? "error" : "errors"}` : "",
            problemCount.warnings > 0 ? `${problemCount.warnings} ${problemCount.warnings === 1 ? "warning" : "warnings"}` : "",
          ]
            .filter((x) => x)
            .join(" and ")}{" "}
          in this rule, shown at {problemCount.errors + problemCount.warnings === 1 ? "its field" : "their fields"} below.
        </p>
      )}
      <ProblemsAt pointer={pointer} />
      <div class="rule-part rule-about">
        <TextField path={[...path, "id"]} value={r.id} label="Id" hint="Unique in the file; plans and explanations quote it." />
        <TextField path={[...path, "description"]} value={r.description} label="Description" multiline hint="One sentence a colleague understands." />
        <TextField path={[...path, "source"]} value={r.source} label="Source" hint="A guideline, a paper, or the clinic's own practice." />
      </div>
      <div class="rule-part rule-when">
        {isCourse && r.when === undefined ? (
          <ConditionEditor value="always" path={[...path, "when"]} label="When" depth={0} />
        ) : (
          <ConditionEditor value={r.when} path={[...path, "when"]} label="When" depth={0} />
        )}
      </div>
      {isCourse ? <CourseEditor course={r.course} path={path} /> : <ActionsEditor then={r.then} path={path} />}
      {!ctx.readOnly && (
        <div class="toolbar rule-tools">
          <button type="button" class="button" disabled={index === 0} onClick={() => props.onMove(-1)}>
            Move up
          </button>
          <button type="button" class="button" disabled={index === props.count - 1} onClick={() => props.onMove(1)}>
            Move down
          </button>
          <button type="button" class="button button-danger" onClick={props.onDelete}>
            Delete this rule
          </button>
        </div>
      )}
    </section>
  );
}
