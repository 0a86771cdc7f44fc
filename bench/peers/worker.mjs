// One peer engine in one process (run.mjs starts a fresh one per measurement, pinned to a core).
//
//   node worker.mjs --engine NAME --dir DIR --mode fired
//     prints {"complete": [[ids]...], "missing": [[ids]...]}: each document evaluated once
//   node worker.mjs --engine NAME --dir DIR --mode time [--warmup-ms 2000] [--runs 5] [--run-ms 1000]
//     prints {"runs_per_second": [...], ...}: timed runs over findings-complete.jsonl
//
// One evaluation = one findings document against the whole rule set, returning the ids of every
// fired rule, awaited before the next one starts (one evaluation in flight).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

import { Engine } from 'json-rules-engine';
import { ZenEngine } from '@gorules/zen-engine';

import {
  firedFromZenExpressions,
  firedFromZenTable,
  ruleIds,
  toJsonRulesEngine,
  toZenDecisionTable,
  toZenExpressionNode,
} from './translate.mjs';

// Each loader takes the Modalis rule set and returns an async evaluate(document) -> rule ids.
const ENGINES = {
  'json-rules-engine': (ruleSet) => {
    const engine = new Engine(toJsonRulesEngine(ruleSet), { allowUndefinedFacts: true });
    return async (doc) => (await engine.run(doc)).events.map((e) => e.type);
  },
  'zen-table': (ruleSet) => {
    const decision = new ZenEngine().createDecision(toZenDecisionTable(ruleSet));
    return async (doc) => firedFromZenTable((await decision.evaluate(doc)).result);
  },
  'zen-expression': (ruleSet) => {
    const ids = ruleIds(ruleSet);
    const decision = new ZenEngine().createDecision(toZenExpressionNode(ruleSet));
    return async (doc) => firedFromZenExpressions((await decision.evaluate(doc)).result, ids);
  },
};

function readLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

async function timedRun(evaluate, docs, ms) {
  let evaluations = 0;
  let next = 0;
  const start = performance.now();
  let now = start;
  do {
    await evaluate(docs[next]);
    if (++next === docs.length) next = 0;
    ++evaluations;
    now = performance.now();
  } while (now - start < ms);
  return (evaluations * 1000) / (now - start);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      engine: { type: 'string' },
      dir: { type: 'string' },
      mode: { type: 'string', default: 'time' },
      'warmup-ms': { type: 'string', default: '2000' },
      runs: { type: 'string', default: '5' },
      'run-ms': { type: 'string', default: '1000' },
    },
  });
  const load = ENGINES[opts.engine];
  if (!load) throw new Error(`unknown engine "${opts.engine}" (${Object.keys(ENGINES).join(', ')})`);
  if (!opts.dir) throw new Error('--dir is required');
  const ruleSet = JSON.parse(readFileSync(join(opts.dir, 'rules.json'), 'utf8'));

  const loadStart = performance.now();
  const evaluate = load(ruleSet);
  const loadMs = performance.now() - loadStart;

  if (opts.mode === 'fired') {
    const out = { engine: opts.engine, load_ms: loadMs };
    for (const name of ['complete', 'missing']) {
      const docs = readLines(join(opts.dir, `findings-${name}.jsonl`));
      out[name] = [];
      for (const doc of docs) out[name].push(await evaluate(doc));
    }
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  if (opts.mode !== 'time') throw new Error(`unknown mode "${opts.mode}" (fired or time)`);

  const docs = readLines(join(opts.dir, 'findings-complete.jsonl'));
  const firstStart = performance.now();
  await evaluate(docs[0]);
  const firstMs = performance.now() - firstStart;
  await timedRun(evaluate, docs, Number(opts['warmup-ms']));
  const runs = [];
  for (let r = 0; r < Number(opts.runs); ++r) {
    runs.push(await timedRun(evaluate, docs, Number(opts['run-ms'])));
  }
  process.stdout.write(
    JSON.stringify({
      engine: opts.engine,
      rules: ruleSet.rules.length,
      load_ms: loadMs,
      first_evaluation_ms: firstMs,
      runs_per_second: runs,
      evaluations_per_second: median(runs),
      max_rss_mb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`worker: ${error.stack ?? error}\n`);
  process.exit(2);
});
