// Rule engine benchmarks over generated rule sets and the shipped one: compile, evaluate and plan.
// One evaluation = one findings document against the whole rule set, collecting every fired
// rule (see bench/RESULTS.md). Documents are decoded before timing, except in the plan benchmarks.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "bench/engine/compile_generated.h"
#include "bench/engine/generate.h"
#include "core/findings/findings.h"
#include "core/plan/planner.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"

namespace modalis::bench {
namespace {

std::shared_ptr<const CompiledRuleSet> Compile(const GeneratedSet& set) {
  std::vector<Diagnostic> diagnostics;
  return CompileGenerated(set, &diagnostics);
}

size_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// Memory the compiled rules take (condition graph, evaluation program, rules with their actions);
// the vocabulary and the canonical source kept for audit are left out.
size_t CompiledBytes(const CompiledRuleSet& rs) {
  size_t bytes = rs.ConditionBytes() + rs.rules.capacity() * sizeof(Rule);
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
  state.counters["nodes"] = static_cast<double>(rules->conditions().size());
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

// A whole plan (decode, derive, evaluate, exclusions, steps, budget, course) for generated
// findings: the generated rules advise and refer only, so no plugin is involved.
void BM_PlanGenerated(benchmark::State& state) {
  const GeneratedSet set = Generate(static_cast<size_t>(state.range(0)), 1000);
  auto rules = Compile(set);
  if (rules == nullptr) {
    state.SkipWithError("generated rule set did not compile");
    return;
  }
  const PlanRequest request;
  size_t next = 0, failures = 0;
  for (auto _ : state) {
    auto plan = PlanForFindings(*rules, set.documents[next], request);
    if (!plan.ok()) ++failures;
    benchmark::DoNotOptimize(plan);
    if (++next == set.documents.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if (failures > 0) state.SkipWithError("a generated document did not plan");
}

// The shipped rule set with the built modality plugins, planning the findings of every golden
// case in turn: the work one SuggestPlan does inside the engine.
void BM_PlanDefaultRules(benchmark::State& state) {
  auto plugins = LoadPlugins(MODALIS_PLUGIN_DIR);
  auto source = ReadRuleSource(MODALIS_SOURCE_DIR "/rules");
  if (!plugins.ok() || !source.ok()) {
    state.SkipWithError("cannot load the default rules or plugins");
    return;
  }
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(*source, **plugins, &diagnostics);
  if (rules == nullptr) {
    state.SkipWithError("the default rule set did not compile");
    return;
  }
  std::vector<nlohmann::json> cases;
  for (const RuleSource::File& file : source->cases) {
    auto json = nlohmann::json::parse(file.text, nullptr, false);
    if (json.is_discarded() || !json.contains("cases")) continue;
    for (const auto& c : json["cases"]) cases.push_back(c.value("findings", nlohmann::json{}));
  }
  if (cases.empty()) {
    state.SkipWithError("the default rule set has no golden cases");
    return;
  }
  const PlanRequest request;
  size_t next = 0;
  for (auto _ : state) {
    auto plan = PlanForFindings(*rules, cases[next], request);
    benchmark::DoNotOptimize(plan);
    if (++next == cases.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cases"] = static_cast<double>(cases.size());
}

BENCHMARK(BM_Compile)->Arg(20)->Arg(200)->Arg(2000)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateAll)->Arg(20)->Arg(200)->Arg(2000)->Arg(20000);
BENCHMARK(BM_PlanGenerated)->Arg(20)->Arg(200)->Arg(2000)->Arg(20000);
BENCHMARK(BM_PlanDefaultRules);

}  // namespace
}  // namespace modalis::bench

BENCHMARK_MAIN();
