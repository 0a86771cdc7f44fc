// Translates a Modalis rule-set file into the input formats of json-rules-engine and GoRules
// ZEN, test for test, so that all three engines evaluate the same conditions.
//
// The peers are two-valued: a test on a finding that is not in the document is false, and `not`
// of it is true. Modalis is three-valued (docs/rule-language.md): such a test is unknown and a
// rule fires only when its condition is true. The translations below are exact on documents
// that record every finding; on documents with gaps the answers differ by design, and run.mjs
// counts where.

const NUMERIC = {
  above: ['greaterThan', '>'],
  at_least: ['greaterThanInclusive', '>='],
  below: ['lessThan', '<'],
  at_most: ['lessThanInclusive', '<='],
};

const TEST_KEYS = [
  'equals',
  'one_of',
  'contains',
  'contains_any',
  'contains_all',
  'between',
  ...Object.keys(NUMERIC),
];

function fail(path, message) {
  throw new Error(`${path}: ${message}`);
}

// The one operator of a Modalis test, with its operand.
function testOperator(test, path) {
  const keys = Object.keys(test).filter((k) => k !== 'finding');
  if (keys.length !== 1) fail(path, `expected one test next to "finding", got ${keys.join(', ')}`);
  const op = keys[0];
  if (op === 'known') fail(path, '"known" has no two-valued counterpart in the peers');
  if (!TEST_KEYS.includes(op)) fail(path, `unsupported test "${op}"`);
  return [op, test[op]];
}

// Visits a Modalis condition; `build` has one function per kind of node.
function walk(when, path, build) {
  if (when === 'always') fail(path, '"always" is not translated');
  if (typeof when !== 'object' || when === null || Array.isArray(when)) {
    fail(path, 'expected a condition object');
  }
  if ('finding' in when) {
    const [op, value] = testOperator(when, path);
    return build.test(when.finding, op, value, path);
  }
  const keys = Object.keys(when);
  if (keys.length !== 1) fail(path, `expected one of all/any/not, got ${keys.join(', ')}`);
  const kind = keys[0];
  if (kind === 'not') return build.not(walk(when.not, `${path}/not`, build));
  if (kind === 'all' || kind === 'any') {
    if (!Array.isArray(when[kind]) || when[kind].length === 0) {
      fail(path, `"${kind}" needs a non-empty list`);
    }
    return build[kind](when[kind].map((c, i) => walk(c, `${path}/${kind}/${i}`, build)));
  }
  return fail(path, `unknown condition "${kind}"`);
}

function rulesOf(ruleSet) {
  if (!Array.isArray(ruleSet.rules)) throw new Error('rule set has no "rules" list');
  return ruleSet.rules.map((rule, i) => ({ id: rule.id, when: rule.when, path: `/rules/${i}/when` }));
}

// --- json-rules-engine -------------------------------------------------------------------------

const jreBuild = {
  test(fact, op, value) {
    if (op in NUMERIC) return { fact, operator: NUMERIC[op][0], value };
    switch (op) {
      case 'equals':
        return { fact, operator: 'equal', value };
      case 'one_of':
        return { fact, operator: 'in', value };
      case 'contains':
        return { fact, operator: 'contains', value };
      // No built-in operator takes a list here: spelled out as a group of single tests.
      case 'contains_any':
        return { any: value.map((v) => ({ fact, operator: 'contains', value: v })) };
      case 'contains_all':
        return { all: value.map((v) => ({ fact, operator: 'contains', value: v })) };
      case 'between':
        return {
          all: [
            { fact, operator: 'greaterThanInclusive', value: value[0] },
            { fact, operator: 'lessThanInclusive', value: value[1] },
          ],
        };
    }
    throw new Error(`unhandled test ${op}`);
  },
  all: (conditions) => ({ all: conditions }),
  any: (conditions) => ({ any: conditions }),
  not: (condition) => ({ not: condition }),
};

// One json-rules-engine rule per Modalis rule, at the default priority: distinct priorities
// would only make the engine run the rules in sequence. The event type is the rule id.
export function toJsonRulesEngine(ruleSet) {
  return rulesOf(ruleSet).map(({ id, when, path }) => {
    let conditions = walk(when, path, jreBuild);
    // The engine wants all/any/not at the root.
    if (!('all' in conditions || 'any' in conditions || 'not' in conditions)) {
      conditions = { all: [conditions] };
    }
    return { name: id, conditions, event: { type: id } };
  });
}

// --- ZEN ---------------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function literal(value, path) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return fail(path, `cannot write ${JSON.stringify(value)} as a ZEN literal`);
}

// ZEN raises an error for an ordering comparison or a membership test on null (and inside a
// decision-table cell that error silently counts as "row does not match", which `not` would
// turn into a match), so every such test is guarded by `x != null and`, which ZEN evaluates
// left to right and stops at false. Every leaf is parenthesised: `not x == true` would parse as
// `(not x) == true`.
const zenBuild = {
  test(finding, op, value, path) {
    if (!IDENTIFIER.test(finding)) fail(path, `finding "${finding}" is not a ZEN identifier`);
    const guard = `${finding} != null and `;
    if (op in NUMERIC) return `(${guard}${finding} ${NUMERIC[op][1]} ${literal(value, path)})`;
    switch (op) {
      case 'equals':
        // Equality with null is false, not an error.
        return `(${finding} == ${literal(value, path)})`;
      case 'one_of':
        return `(${guard}${finding} in [${value.map((v) => literal(v, path)).join(', ')}])`;
      case 'contains':
        return `(${guard}${literal(value, path)} in ${finding})`;
      case 'contains_any':
      case 'contains_all': {
        const join = op === 'contains_any' ? ' or ' : ' and ';
        const members = value.map((v) => `${literal(v, path)} in ${finding}`).join(join);
        return `(${guard}(${members}))`;
      }
      case 'between':
        return `(${guard}${finding} >= ${literal(value[0], path)} and ${finding} <= ${literal(value[1], path)})`;
    }
    throw new Error(`unhandled test ${op}`);
  },
  all: (parts) => (parts.length === 1 ? parts[0] : `(${parts.join(' and ')})`),
  any: (parts) => (parts.length === 1 ? parts[0] : `(${parts.join(' or ')})`),
  not: (part) => `(not ${part})`,
};

// One boolean ZEN expression per rule.
export function toZenExpressions(ruleSet) {
  return rulesOf(ruleSet).map(({ id, when, path }) => ({ id, expression: walk(when, path, zenBuild) }));
}

function graph(node) {
  const at = (x) => ({ x, y: 100 });
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'input', type: 'inputNode', name: 'findings', position: at(0) },
      { ...node, position: at(300) },
      { id: 'output', type: 'outputNode', name: 'fired', position: at(600) },
    ],
    edges: [
      { id: 'input-rules', type: 'edge', sourceId: 'input', targetId: node.id },
      { id: 'rules-output', type: 'edge', sourceId: node.id, targetId: 'output' },
    ],
  };
}

// input -> decision table (hit policy collect) -> output. The table has one input column
// without a field, so each cell is a whole boolean expression: nested all/any/not cannot be
// written as ZEN's per-column unary tests without expanding to disjunctive normal form. Each row
// outputs its rule id; the result is the list of matching rows.
export function toZenDecisionTable(ruleSet) {
  const rows = toZenExpressions(ruleSet).map(({ id, expression }, i) => ({
    _id: `row${i}`,
    condition: expression,
    rule: JSON.stringify(id),
  }));
  return graph({
    id: 'rules',
    type: 'decisionTableNode',
    name: 'rules',
    content: {
      hitPolicy: 'collect',
      inputs: [{ id: 'condition', name: 'condition', type: 'expression' }],
      outputs: [{ id: 'rule', name: 'rule', type: 'expression', field: 'rule' }],
      rules: rows,
    },
  });
}

// input -> expression node -> output: one output key per rule (r0, r1, ... in rule order, as
// rule ids need not be valid keys), true when the rule fires.
export function toZenExpressionNode(ruleSet) {
  const expressions = toZenExpressions(ruleSet).map(({ expression }, i) => ({
    id: `e${i}`,
    key: `r${i}`,
    value: expression,
  }));
  return graph({ id: 'rules', type: 'expressionNode', name: 'rules', content: { expressions } });
}

// Fired rule ids from each engine's answer.
export function firedFromZenTable(result) {
  return Array.isArray(result) ? result.map((row) => row.rule) : [];
}

export function firedFromZenExpressions(result, ids) {
  const fired = [];
  for (let i = 0; i < ids.length; ++i) if (result[`r${i}`] === true) fired.push(ids[i]);
  return fired;
}

export function ruleIds(ruleSet) {
  return rulesOf(ruleSet).map(({ id }) => id);
}

// --- reference evaluators ----------------------------------------------------------------------
// Plain JavaScript, to tell an engine's disagreement from a translation mistake: `twoValued` is
// what the peers should answer, `kleene` what Modalis should answer (true / false / undefined for
// unknown).

function leaf(doc, finding, op, value) {
  const x = doc[finding];
  if (x === undefined || x === null) return undefined;
  switch (op) {
    case 'above':
      return x > value;
    case 'at_least':
      return x >= value;
    case 'below':
      return x < value;
    case 'at_most':
      return x <= value;
    case 'between':
      return x >= value[0] && x <= value[1];
    case 'equals':
      return x === value;
    case 'one_of':
      return value.includes(x);
    case 'contains':
      return x.includes(value);
    case 'contains_any':
      return value.some((v) => x.includes(v));
    case 'contains_all':
      return value.every((v) => x.includes(v));
  }
  throw new Error(`unhandled test ${op}`);
}

function kleeneBuild(doc) {
  return {
    test: (finding, op, value) => leaf(doc, finding, op, value),
    all: (parts) => (parts.includes(false) ? false : parts.includes(undefined) ? undefined : true),
    any: (parts) => (parts.includes(true) ? true : parts.includes(undefined) ? undefined : false),
    not: (part) => (part === undefined ? undefined : !part),
  };
}

function twoValuedBuild(doc) {
  return {
    test: (finding, op, value) => leaf(doc, finding, op, value) === true,
    all: (parts) => parts.every(Boolean),
    any: (parts) => parts.some(Boolean),
    not: (part) => !part,
  };
}

export function referenceFired(ruleSet, doc, semantics) {
  const build = semantics === 'kleene' ? kleeneBuild(doc) : twoValuedBuild(doc);
  return rulesOf(ruleSet)
    .filter(({ when, path }) => walk(when, path, build) === true)
    .map(({ id }) => id);
}
