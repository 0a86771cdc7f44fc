// Modalis against json-rules-engine and GoRules ZEN on the generated rule sets of
// bench/engine/generate.h: do they fire the same rules, and how many evaluations per second does
// each manage on one core?
//
//   node run.mjs [--rules 20,200,2000] [--reps 3] [--runs 5] [--run-ms 1000] [--warmup-ms 2000]
//                [--engines modalis,json-rules-engine,zen-table] [--out results.json]
//                [--modalis PATH] [--generate PATH] [--data DIR] [--cpu 0]
//
// Exit code 1 when an engine disagrees on a document that records every finding (or an engine
// disagrees with the plain JavaScript reference of its own semantics); differences on documents
// with missing findings are expected and only counted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { referenceFired } from './translate.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const PEERS = ['json-rules-engine', 'zen-table', 'zen-expression'];

const { values: opts } = parseArgs({
  options: {
    rules: { type: 'string', default: '20,200,2000' },
    reps: { type: 'string', default: '3' },
    runs: { type: 'string', default: '5' },
    'run-ms': { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '2000' },
    engines: { type: 'string', default: 'modalis,json-rules-engine,zen-table' },
    out: { type: 'string' },
    modalis: { type: 'string', default: join(REPO, 'build/release/bin/modalis') },
    generate: { type: 'string', default: join(REPO, 'build/release/bin/modalis_bench_generate') },
    data: { type: 'string' },
    cpu: { type: 'string', default: '0' },
  },
});
const ruleCounts = opts.rules.split(',').map(Number);
const engines = opts.engines.split(',');
for (const e of engines) {
  if (e !== 'modalis' && !PEERS.includes(e)) {
    console.error(`run: unknown engine "${e}" (modalis, ${PEERS.join(', ')})`);
    process.exit(2);
  }
}
const peers = engines.filter((e) => e !== 'modalis');
if (!engines.includes('modalis')) {
  console.error('run: the comparison needs the modalis engine');
  process.exit(2);
}
const reps = Number(opts.reps);
const runs = Number(opts.runs);
const runMs = Number(opts['run-ms']);
const dataDir = opts.data ?? mkdtempSync(join(tmpdir(), 'modalis-peers-'));

// Every engine runs alone on one core: ZEN's Node binding hands each call to another thread,
// which on two cores would otherwise measure the hand-off between cores.
function pinned(command, args) {
  const run = spawnSync('taskset', ['-c', opts.cpu, command, ...args], {
    cwd: HERE,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.error) throw run.error;
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}

function modalis(dir, findings, seconds, repeat) {
  return pinned(opts.modalis, [
    'bench',
    '--rules', join(dir, 'rules.json'),
    '--vocabulary', join(dir, 'vocabulary.json'),
    '--findings', join(dir, findings),
    '--seconds', String(seconds),
    '--repeat', String(repeat),
  ]);
}

function peer(engine, dir, mode) {
  return pinned(process.execPath, [
    join(HERE, 'worker.mjs'),
    '--engine', engine,
    '--dir', dir,
    '--mode', mode,
    '--warmup-ms', opts['warmup-ms'],
    '--runs', String(runs),
    '--run-ms', String(runMs),
  ]);
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sorted = (ids) => [...ids].map(String).sort();
const sameIds = (a, b) => a.length === b.length && a.every((id, i) => id === b[i]);
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

// Per document, the ids only one side fired; documents with no difference are left out.
function differences(left, right) {
  if (left.length !== right.length) {
    throw new Error(`document counts differ: ${left.length} and ${right.length}`);
  }
  const out = [];
  for (let d = 0; d < left.length; ++d) {
    const a = sorted(left[d]);
    const b = sorted(right[d]);
    if (sameIds(a, b)) continue;
    const inB = new Set(b);
    const inA = new Set(a);
    out.push({ document: d, only_left: a.filter((x) => !inB.has(x)), only_right: b.filter((x) => !inA.has(x)) });
  }
  return out;
}

function readLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function git(args) {
  const run = spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

// --- the rule sets and documents ---------------------------------------------------------------

const gen = spawnSync(opts.generate, ['--rules', ruleCounts.join(','), '--out', dataDir], {
  encoding: 'utf8',
});
if (gen.status !== 0) {
  console.error(`run: ${opts.generate} failed:\n${gen.stderr ?? gen.error}`);
  process.exit(2);
}

const environment = {
  date: new Date().toISOString(),
  node: process.version,
  packages: Object.fromEntries(
    ['json-rules-engine', '@gorules/zen-engine'].map((p) => [p, packageVersion(p)]),
  ),
  cpu_model: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  pinned_to_cpu: opts.cpu,
  loadavg_start: readFileSync('/proc/loadavg', 'utf8').trim(),
  modalis_binary: opts.modalis,
  modalis_commit: git(['rev-parse', 'HEAD']),
  modalis_worktree_clean: git(['status', '--porcelain']) === '',
  data_dir: dataDir,
  method:
    `fresh process per cell, pinned with taskset -c ${opts.cpu}; ${reps} rep(s) interleaved ` +
    `(for rep, for N, for engine); per process ${runs} timed runs of >= ${runMs} ms over ` +
    `findings-complete.jsonl, one evaluation in flight; peers warm up ${opts['warmup-ms']} ms ` +
    'first, Modalis after evaluating every document once; cell = median of the per-process ' +
    'medians, min-max over all runs',
  command: `node ${process.argv.slice(1).join(' ')}`,
};

// --- agreement ---------------------------------------------------------------------------------

let failed = false;
const agreement = {};
for (const n of ruleCounts) {
  const dir = join(dataDir, String(n));
  const ruleSet = JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8'));
  const docs = {
    complete: readLines(join(dir, 'findings-complete.jsonl')),
    missing: readLines(join(dir, 'findings-missing.jsonl')),
  };
  const fired = {
    modalis: {
      complete: modalis(dir, 'findings-complete.jsonl', 0.01, 1).fired,
      missing: modalis(dir, 'findings-missing.jsonl', 0.01, 1).fired,
    },
  };
  for (const p of peers) {
    process.stderr.write(`agreement: N=${n} ${p}\n`);
    fired[p] = peer(p, dir, 'fired');
  }
  // What each semantics implies for the generated documents, worked out independently.
  const reference = {};
  for (const semantics of ['kleene', 'two-valued']) {
    reference[semantics] = {};
    for (const set of ['complete', 'missing']) {
      reference[semantics][set] = docs[set].map((d) => referenceFired(ruleSet, d, semantics));
    }
  }

  const cell = {
    documents: { complete: docs.complete.length, missing: docs.missing.length },
    fired_per_document: {},
    modalis_vs_kleene_reference: {
      complete: differences(fired.modalis.complete, reference.kleene.complete).length,
      missing: differences(fired.modalis.missing, reference.kleene.missing).length,
    },
    peers: {},
  };
  if (cell.modalis_vs_kleene_reference.complete || cell.modalis_vs_kleene_reference.missing) {
    failed = true;
  }
  for (const e of ['modalis', ...peers]) {
    cell.fired_per_document[e] = {
      complete: fired[e].complete.reduce((s, f) => s + f.length, 0) / fired[e].complete.length,
      missing: fired[e].missing.reduce((s, f) => s + f.length, 0) / fired[e].missing.length,
    };
  }
  for (const p of peers) {
    const mismatches = differences(fired.modalis.complete, fired[p].complete).map((m) => ({
      document: m.document,
      only_modalis: m.only_left,
      [`only_${p}`]: m.only_right,
    }));
    const missing = differences(fired.modalis.missing, fired[p].missing);
    const twoValued = {
      complete: differences(fired[p].complete, reference['two-valued'].complete).length,
      missing: differences(fired[p].missing, reference['two-valued'].missing).length,
    };
    cell.peers[p] = {
      mismatches_complete: mismatches.length,
      mismatch_examples: mismatches.slice(0, 20),
      missing_documents_differing: missing.length,
      missing_rules_only_modalis: missing.reduce((s, m) => s + m.only_left.length, 0),
      missing_rules_only_peer: missing.reduce((s, m) => s + m.only_right.length, 0),
      peer_vs_two_valued_reference: twoValued,
      load_ms: fired[p].load_ms,
    };
    if (mismatches.length || twoValued.complete || twoValued.missing) failed = true;
    for (const m of mismatches.slice(0, 5)) {
      console.error(
        `MISMATCH N=${n} ${p} document ${m.document}: only modalis [${m.only_modalis}], ` +
          `only ${p} [${m[`only_${p}`]}]`,
      );
    }
  }
  agreement[n] = cell;
}

// --- speed, interleaved ------------------------------------------------------------------------

const samples = {}; // samples[n][engine] = [{median, runs, load1}]
for (let rep = 1; rep <= reps; ++rep) {
  for (const n of ruleCounts) {
    const dir = join(dataDir, String(n));
    for (const e of engines) {
      process.stderr.write(`speed: rep ${rep}/${reps} N=${n} ${e}\n`);
      const before = load1();
      let runsPerSecond;
      let extra = {};
      if (e === 'modalis') {
        const out = modalis(dir, 'findings-complete.jsonl', runMs / 1000, runs);
        runsPerSecond = out.runs_per_second;
        extra = { compile_ms: out.compile_seconds * 1000 };
      } else {
        const out = peer(e, dir, 'time');
        runsPerSecond = out.runs_per_second;
        extra = {
          load_ms: out.load_ms,
          first_evaluation_ms: out.first_evaluation_ms,
          max_rss_mb: out.max_rss_mb,
        };
      }
      ((samples[n] ??= {})[e] ??= []).push({
        median: median(runsPerSecond),
        runs: runsPerSecond,
        load1: [before, load1()],
        ...extra,
      });
    }
  }
}

const speed = {};
for (const n of ruleCounts) {
  speed[n] = {};
  for (const e of engines) {
    const s = samples[n][e];
    const all = s.flatMap((x) => x.runs);
    const eps = median(s.map((x) => x.median));
    speed[n][e] = {
      evaluations_per_second: eps,
      min: Math.min(...all),
      max: Math.max(...all),
      us_per_evaluation: 1e6 / eps,
      per_process_medians: s.map((x) => x.median),
      load1_seen: [Math.min(...s.flatMap((x) => x.load1)), Math.max(...s.flatMap((x) => x.load1))],
      fired_per_document: agreement[n].fired_per_document[e].complete,
    };
    const keep = ['compile_ms', 'load_ms', 'first_evaluation_ms', 'max_rss_mb'];
    for (const k of keep) {
      if (s[0][k] !== undefined) speed[n][e][k] = median(s.map((x) => x[k]));
    }
  }
  for (const p of peers) {
    speed[n][p].modalis_ratio =
      speed[n].modalis.evaluations_per_second / speed[n][p].evaluations_per_second;
  }
}
environment.loadavg_end = readFileSync('/proc/loadavg', 'utf8').trim();

const result = { environment, agreement, speed, ok: !failed };
if (opts.out) writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');

// --- table -------------------------------------------------------------------------------------

const fmt = (x) =>
  x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2);
console.log(
  `${environment.cpu_model}, ${environment.cpus} cpus, pinned to cpu ${opts.cpu}; node ` +
    `${environment.node}; json-rules-engine ${environment.packages['json-rules-engine']}, ` +
    `@gorules/zen-engine ${environment.packages['@gorules/zen-engine']}`,
);
console.log(`loadavg start ${environment.loadavg_start}; end ${environment.loadavg_end}`);
console.log('');
console.log('| rules | engine | evals/s (median) | min-max | µs/eval | fired/doc | Modalis × | mismatches (complete) | docs differing (missing) |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
for (const n of ruleCounts) {
  for (const e of engines) {
    const s = speed[n][e];
    const a = agreement[n].peers[e];
    console.log(
      `| ${n} | ${e} | ${fmt(s.evaluations_per_second)} | ${fmt(s.min)}-${fmt(s.max)} | ` +
        `${fmt(s.us_per_evaluation)} | ${s.fired_per_document.toFixed(2)} | ` +
        `${e === 'modalis' ? '' : fmt(s.modalis_ratio) + '×'} | ${a ? a.mismatches_complete : ''} | ` +
        `${a ? a.missing_documents_differing : ''} |`,
    );
  }
}
for (const n of ruleCounts) {
  const k = agreement[n].modalis_vs_kleene_reference;
  console.log(
    `N=${n}: Modalis against the Kleene reference: ${k.complete} + ${k.missing} documents differ` +
      Object.entries(agreement[n].peers)
        .map(
          ([p, a]) =>
            `; ${p} against the two-valued reference: ` +
            `${a.peer_vs_two_valued_reference.complete} + ${a.peer_vs_two_valued_reference.missing}`,
        )
        .join(''),
  );
}
console.log(failed ? '\nFAILED: engines disagree (see above)' : '\nall engines agree on complete documents');
process.exit(failed ? 1 : 0);
