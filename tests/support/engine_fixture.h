// Shared real parts for unit tests: the plugins loaded once from the build tree, the shipped
// vocabulary, and helpers to compile rule text against them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"
#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

inline std::shared_ptr<const PluginRegistry> RealPlugins() {
  static std::shared_ptr<const PluginRegistry> plugins = [] {
    auto loaded = LoadPlugins(PluginsDir());
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : std::make_shared<const PluginRegistry>();
  }();
  return plugins;
}

// Compiles `rules_text` (a rule-set file) with the shipped vocabulary.
inline std::shared_ptr<const CompiledRuleSet> CompileText(const std::string& rules_text,
                                                          std::vector<Diagnostic>* diagnostics) {
  RuleSource source;
  source.vocabulary = {RulesDir() + "/vocabulary.json", ReadText(RulesDir() + "/vocabulary.json")};
  source.rules = {"test.rules.json", rules_text};
  return CompileRuleSet(source, *RealPlugins(), diagnostics);
}

inline std::shared_ptr<const CompiledRuleSet> DefaultRules() {
  static std::shared_ptr<const CompiledRuleSet> rules = [] {
    auto source = ReadRuleSource(RulesDir());
    EXPECT_TRUE(source.ok()) << source.status();
    std::vector<Diagnostic> diagnostics;
    auto compiled = CompileRuleSet(*source, *RealPlugins(), &diagnostics);
    EXPECT_NE(compiled, nullptr) << FormatDiagnostics(diagnostics);
    return compiled;
  }();
  return rules;
}

}  // namespace modalis::testing
