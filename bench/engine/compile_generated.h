// Compiles a generated rule set (generate.h) with no plugins, as benchmarks and tests do.
#pragma once

#include <memory>
#include <vector>

#include "bench/engine/generate.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"

namespace modalis::bench {

// Limits raised for file size only: the largest generated sets are far beyond a clinic's.
inline RuleLimits GeneratedSetLimits() {
  RuleLimits limits;
  limits.max_file_bytes = size_t{256} << 20;
  return limits;
}

// Null when the set does not compile; the problems are in `diagnostics`.
inline std::shared_ptr<const CompiledRuleSet> CompileGenerated(
    const GeneratedSet& set, std::vector<Diagnostic>* diagnostics) {
  RuleSource source;
  source.vocabulary = {"generated.vocabulary.json", set.vocabulary};
  source.rules = {"generated.rules.json", set.rules};
  static const PluginRegistry kNoPlugins;
  return CompileRuleSet(source, kNoPlugins, diagnostics, GeneratedSetLimits());
}

}  // namespace modalis::bench
