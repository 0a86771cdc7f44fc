#!/usr/bin/env python3
"""Writes the generated part of bench/RESULTS.md from the JSON each benchmark left in one run.

Usage: report.py RUN_DIR RESULTS_MD

RUN_DIR holds run.json (machine, commands) and the outputs of the benchmarks that ran
(engine.json, store.json: Google Benchmark JSON; load.json, cluster.json, peers.json: from
bench/load and bench/peers). Only the text between the two markers in RESULTS_MD is replaced, so
the written analysis below them stays.
"""

import json
import os
import sys

BEGIN = "<!-- scripts/bench: generated, do not edit by hand -->"
END = "<!-- scripts/bench: end of generated part -->"


def load(run_dir, name):
    path = os.path.join(run_dir, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def num(x, digits=0):
    if x is None:
        return "—"
    if digits == 0:
        return f"{x:,.1f}" if abs(x) < 100 and x != int(x) else f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def medians(gbench):
    """Google Benchmark aggregates: run name -> the median row."""
    out = {}
    for b in gbench.get("benchmarks", []):
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b
        elif b.get("run_type") == "iteration" and b["run_name"] not in out:
            out[b["run_name"]] = b
    return out


def cpu_ms(row):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[row.get("time_unit", "ns")]
    return row["cpu_time"] * scale


def engine_section(engine):
    rows = medians(engine)
    lines = ["### Rule engine, one core (`bench/engine`)", ""]
    lines.append("| rules | compile (CPU) | bytes per compiled rule | evaluations/s | µs per "
                 "evaluation | fired per document | plans/s (whole plan) |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|")
    figures = {}
    for n in (20, 200, 2000, 20000):
        c = rows.get(f"BM_Compile/{n}")
        e = rows.get(f"BM_EvaluateAll/{n}")
        p = rows.get(f"BM_PlanGenerated/{n}")
        evals = e.get("items_per_second") if e else None
        figures[n] = {"compile_ms": cpu_ms(c) if c else None, "evals": evals}
        lines.append("| {} | {} | {} | {} | {} | {} | {} |".format(
            num(n), num(cpu_ms(c), 1) + " ms" if c else "—",
            num(c.get("bytes_per_rule")) if c else "—", num(evals),
            num(1e6 / evals, 2) if evals else "—",
            num(e.get("fired_per_doc"), 1) if e else "—",
            num(p.get("items_per_second")) if p else "—"))
    d = rows.get("BM_PlanDefaultRules")
    if d:
        lines += ["", "Default rule set with the built plugins, planning every golden case's "
                  f"findings in turn: {num(d.get('items_per_second'))} plans/s "
                  f"({num(1e6 / d['items_per_second'], 1)} µs per plan)."]
    lines += ["", "Targets:", ""]
    t = []
    if figures[2000]["evals"]:
        t.append(f"- ≥ 50,000 evaluations/s at 2,000 rules: {num(figures[2000]['evals'])} "
                 f"{verdict(figures[2000]['evals'] >= 50000)}")
    if figures[20]["evals"]:
        t.append(f"- ≥ 500,000 evaluations/s at 20 rules: {num(figures[20]['evals'])} "
                 f"{verdict(figures[20]['evals'] >= 500000)}")
    if figures[20000]["compile_ms"]:
        t.append(f"- 20,000 rules compile in < 1 s: {num(figures[20000]['compile_ms'])} ms "
                 f"{verdict(figures[20000]['compile_ms'] < 1000)}")
    return lines + t, figures


def store_section(store):
    rows = medians(store)
    lines = ["### Plan store (`bench/store`), plans stored per second", ""]
    lines.append("| writers | one commit per plan | group commit | ratio |")
    lines.append("|---:|---:|---:|---:|")
    for w in (1, 8, 32):
        one = rows.get(f"BM_StorePlans/max_batch:1/writers:{w}/real_time")
        group = rows.get(f"BM_StorePlans/max_batch:64/writers:{w}/real_time")
        a = one.get("items_per_second") if one else None
        b = group.get("items_per_second") if group else None
        ratio = f"{b / a:.1f}×" if a and b else "—"
        lines.append(f"| {w} | {num(a)} | {num(b)} | {ratio} |")
    return lines


def load_section(load):
    lines = ["### SuggestPlan over gRPC (`bench/load`)", ""]
    payload = load.get("payload_bytes", {})
    machine = load.get("machine", {})
    lines.append(f"Request {payload.get('suggest_request', '?')} bytes, reply "
                 f"{payload.get('suggest_response', '?')} bytes; the echo service carries the same "
                 f"sizes. Database on {machine.get('work_dir_filesystem', '?')}, median fsync of "
                 f"4 KiB {machine.get('fsync_4k_ms_median', '?')} ms. Medians of "
                 f"{load.get('settings', {}).get('repeats', '?')} cells per target, targets "
                 "alternated.")
    lines += ["", "| streams | target | QPS (min-max) | p50 µs | p99 µs | p99.9 µs | errors | "
              "QPS ÷ echo |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for row in load.get("summary", []):
        echo = row.get("echo", {}).get("qps")
        for target in ("modalis_durable", "modalis_dry_run", "echo"):
            c = row.get(target)
            if not c:
                continue
            ratio = f"{c['qps'] / echo:.0%}" if echo and target != "echo" else "—"
            lines.append(f"| {row['streams']} | {target} | {num(c['qps'])} ({num(c['qps_min'])}-"
                         f"{num(c['qps_max'])}) | {num(c['p50_us'])} | {num(c['p99_us'])} | "
                         f"{num(c['p999_us'])} | {c['errors']} | {ratio} |")
    reload = load.get("reload")
    if reload:
        lines += ["", f"Hot reload of {num(reload['rules'])} generated rules "
                  f"({num(reload['rules_file_bytes'] / 1024)} KiB): median "
                  f"{num(reload['client_ms_median'], 1)} ms at the client, "
                  f"{num(reload['server_ms_median'], 1)} ms in modalisd, over "
                  f"{reload['reloads']} reloads. modalisd resident memory: "
                  f"{load.get('memory', {}).get('modalisd_at_start', {}).get('vm_rss_mib', '?')} MiB "
                  "at start on the default rules, "
                  f"{reload.get('memory_started_on_generated_set', {}).get('vm_rss_mib', '?')} MiB "
                  "started on the generated set, "
                  f"{reload.get('memory_after_reloads', {}).get('vm_rss_mib', '?')} MiB after the "
                  "reloads, "
                  f"{reload.get('memory_after_load', {}).get('vm_rss_mib', '?')} MiB after a "
                  "16-stream load on them."]
    names = {
        "reload_ms_median": "hot reload of the 2,000-rule set < 50 ms",
        "rss_mib_with_generated_rules": "modalisd RSS < 64 MiB with it loaded",
        "durable_to_echo_qps_at_16": "SuggestPlan with the durable store ≥ 60% of echo QPS at 16 "
                                     "streams",
        "durable_p99_us_at_16": "p99 < 5 ms at 16 streams (durable)",
    }
    goals = load.get("goals", [])
    if goals:
        lines += ["", "Targets:", ""]
        for g in goals:
            lines.append(f"- {names.get(g['name'], g['name'])}: {num(g['value'], 2)} "
                         f"{verdict(g['met'])}")
    return lines


def peers_section(peers):
    env = peers.get("environment", {})
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    lines = ["### Against other rules engines (`bench/peers`), one core each", "",
             f"Node {env.get('node', '?')}, {packages}; every engine pinned to CPU "
             f"{env.get('pinned_to_cpu', '?')}. {env.get('method', '')}", ""]
    lines.append("| rules | engine | evaluations/s (min-max) | µs per evaluation | Modalis ÷ engine"
                 " | fired per document | mismatches with Modalis (complete documents) |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|")
    speed, agreement = peers.get("speed", {}), peers.get("agreement", {})
    for n in sorted(speed, key=int):
        for engine, cell in speed[n].items():
            a = agreement.get(n, {}).get("peers", {}).get(engine, {})
            ratio = f"{cell['modalis_ratio']:,.0f}×" if "modalis_ratio" in cell else "—"
            lines.append(f"| {num(int(n))} | {engine} | {num(cell['evaluations_per_second'])} "
                         f"({num(cell['min'])}-{num(cell['max'])}) | "
                         f"{num(cell['us_per_evaluation'], 2)} | {ratio} | "
                         f"{num(cell.get('fired_per_document'), 1)} | "
                         f"{a.get('mismatches_complete', '—') if engine != 'modalis' else '—'} |")
    lines += ["", "Documents with missing findings: Modalis reads a test on an unrecorded finding "
              "as unknown (Kleene logic), the peers as false, so they differ by design. Documents "
              "of 1,000 whose fired rules differ from Modalis', and in which direction:", ""]
    for n in sorted(agreement, key=int):
        for engine, a in agreement[n].get("peers", {}).items():
            lines.append(f"- {num(int(n))} rules, {engine}: {a['missing_documents_differing']} "
                         f"documents; {a['missing_rules_only_peer']} firings only by the peer, "
                         f"{a['missing_rules_only_modalis']} only by Modalis")
    lines += ["", "Overall agreement check: " + ("**passed**" if peers.get("ok") else
                                                "**FAILED**")]
    return lines


def cluster_section(cluster):
    lines = ["### Replicas on a shared PostgreSQL behind nginx (`bench/load/cluster_main.cc`)", "",
             "Durable SuggestPlan, each call a new request committed before its reply (PostgreSQL "
             "with fsync on; SQLite as modalisd runs it), beside the bare echo. CPU per call is "
             "what each process used over the cell divided by the calls in it.", "",
             "| target | streams | QPS | p50 ms | p99 ms | CPU ms/call: modalisd | PostgreSQL "
             "| nginx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    rows = cluster.get("durable_suggest_plan", {})
    for key in sorted(rows, key=lambda k: (int(k.split("/")[1]), k)):
        name, streams = key.split("/")
        r = rows[key]
        cpu = r.get("cpu_ms_per_call", {})
        lines.append(f"| {name} | {streams} | {num(r.get('qps'))} | {num(r.get('p50_ms'), 1)} | "
                     f"{num(r.get('p99_ms'), 1)} | {num(cpu.get('modalisd'), 2) if cpu else '—'} | "
                     f"{num(cpu.get('postgres'), 2) if cpu else '—'} | "
                     f"{num(cpu.get('nginx'), 2) if cpu else '—'} |")
    stored = cluster.get("stored_bytes", {})
    if stored:
        lines += ["", "Stored per plan (row, audit record, indexes; the database's growth over the "
                      "run divided by its plans): " +
                      ", ".join(f"{k.replace('_', ' ')}: {num(v.get('bytes_per_plan'))} bytes"
                                for k, v in sorted(stored.items())) + "."]
    act = cluster.get("activation_to_all_replicas_ms")
    if act:
        lines += ["", f"Activation on one replica until all three serve it: median "
                      f"{num(act.get('median'), 1)} ms, max {num(act.get('max'), 1)} ms over "
                      f"{act.get('activations')} activations."]
    return lines


def main():
    run_dir, results = sys.argv[1], sys.argv[2]
    run = load(run_dir, "run.json") or {}
    out = [BEGIN, "", f"## Latest full run ({run.get('date', '?')})", ""]
    out.append(f"Machine: {run.get('machine', '?')}; load average at start "
               f"{run.get('load_start', '?')}, at end {run.get('load_end', '?')}. "
               f"Commit {run.get('commit', '?')}. Written by `scripts/bench`, which ran:")
    out += ["", "```sh"] + run.get("commands", []) + ["```", ""]
    engine = load(run_dir, "engine.json")
    if engine:
        section, _ = engine_section(engine)
        out += section + [""]
    for name, fn in (("load.json", load_section), ("cluster.json", cluster_section),
                     ("peers.json", peers_section), ("store.json", store_section)):
        data = load(run_dir, name)
        if data:
            out += fn(data) + [""]
    out.append(END)

    with open(results) as f:
        text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + "\n".join(out) + tail
    else:
        # First generated run: put it after the title and the introduction paragraph.
        head, sep, tail = text.partition("\n## ")
        text = head.rstrip("\n") + "\n\n" + "\n".join(out) + "\n\n" + sep.lstrip("\n") + tail
    with open(results, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
