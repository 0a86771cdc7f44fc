// One evaluation = one findings document against the whole rule set, collecting every fired
// rule (as in ../shared research and bench/RESULTS.md). Documents are decoded before timing.
#include <benchmark/benchmark.h>

#include "bench/engine/generate.h"
#include "core/findings/findings.h"
#include "core/rules/compiler.h"

namespace modalis::bench {
namespace {

RuleLimits BigLimits() {
  RuleLimits limits;
  limits.max_file_bytes = size_t{256} << 20;
  return limits;
}

std::shared_ptr<const CompiledRuleSet> Compile(const GeneratedSet& set) {
  RuleSource source;
  source.vocabulary = {"generated.vocabulary.json", set.vocabulary};
  source.rules = {"generated.rules.json", set.rules};
  std::vector<Diagnostic> diagnostics;
  static const PluginRegistry kNoPlugins;
  return CompileRuleSet(source, kNoPlugins, &diagnostics, BigLimits());
}

size_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// Memory the compiled rules take (condition graph, rules with their actions, index, evaluation
// program); the vocabulary and the canonical source kept for audit are left out.
size_t CompiledBytes(const CompiledRuleSet& rs) {
  size_t bytes = rs.nodes.capacity() * sizeof(Node) + rs.children.capacity() * sizeof(uint32_t) +
                 rs.tests.capacity() * sizeof(Test) + rs.node_shared.capacity() +
                 rs.gate_groups.capacity() * sizeof(GateGroup) +
                 (rs.gated_rules.capacity() + rs.ungated_rules.capacity()) * sizeof(uint32_t) +
                 rs.rules.capacity() * sizeof(Rule);
  const EvalProgram& p = rs.program;
  bytes += p.test_batches.capacity() * sizeof(EvalProgram::TestBatch) +
           p.test_slot.capacity() * sizeof(SlotId) +
           (p.test_a.capacity() + p.test_b.capacity()) * sizeof(double) +
           p.test_mask.capacity() * sizeof(uint64_t) +
           p.runs.capacity() * sizeof(EvalProgram::GroupRun) +
           (p.test_out.capacity() + p.group_out.capacity() + p.group_children.capacity() +
            p.always_nodes.capacity() + p.rule_roots.capacity()) *
               sizeof(uint32_t);
  for (const Rule& r : rs.rules) {
    bytes += HeapBytes(r.id) + HeapBytes(r.description) + HeapBytes(r.source) +
             HeapBytes(r.pointer) + r.actions.capacity() * sizeof(Action);
    for (const Action& a : r.actions) {
      bytes += HeapBytes(a.reason) + HeapBytes(a.modality) + HeapBytes(a.params_json) +
               HeapBytes(a.advice);
    }
  }
  return bytes;
}

void BM_Compile(benchmark::State& state) {
  const GeneratedSet set = Generate(static_cast<size_t>(state.range(0)), 0);
  std::shared_ptr<const CompiledRuleSet> rules;
  for (auto _ : state) {
    rules = Compile(set);
    benchmark::DoNotOptimize(rules.get());
  }
  if (rules == nullptr) {
    state.SkipWithError("generated rule set did not compile");
    return;
  }
  state.counters["rules"] = static_cast<double>(rules->rules.size());
  state.counters["bytes_per_rule"] =
      static_cast<double>(CompiledBytes(*rules)) / static_cast<double>(rules->rules.size());
  state.counters["nodes"] = static_cast<double>(rules->nodes.size());
}

void BM_EvaluateAll(benchmark::State& state) {
  const GeneratedSet set = Generate(static_cast<size_t>(state.range(0)), 1000);
  auto rules = Compile(set);
  if (rules == nullptr) {
    state.SkipWithError("generated rule set did not compile");
    return;
  }
  std::vector<Findings> documents;
  for (const auto& doc : set.documents) {
    auto findings = DecodeFindings(doc, rules->vocabulary);
    if (!findings.ok()) {
      state.SkipWithError("generated document did not decode");
      return;
    }
    documents.push_back(*std::move(findings));
  }
  EvaluationScratch scratch;
  size_t next = 0, fired = 0;
  for (auto _ : state) {
    rules->EvaluateAll(documents[next], &scratch);
    fired += scratch.fired().size();
    benchmark::DoNotOptimize(scratch.fired().data());
    if (++next == documents.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["fired_per_doc"] =
      static_cast<double>(fired) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_Compile)->Arg(20)->Arg(200)->Arg(2000)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateAll)->Arg(20)->Arg(200)->Arg(2000)->Arg(20000);

}  // namespace
}  // namespace modalis::bench

BENCHMARK_MAIN();
