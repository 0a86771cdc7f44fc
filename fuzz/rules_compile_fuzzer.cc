// Rule file text -> CompileRuleSet against the shipped vocabulary and the built plugins; a rule set
// that compiles is then planned with on fixed findings, so whatever the compiler accepts is also
// evaluated.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/plan/planner.h"
#include "core/rules/compiler.h"
#include "fuzz/fuzz_support.h"

namespace {

struct Setup {
  std::shared_ptr<const modalis::PluginRegistry> plugins = modalis::fuzz::BuiltPlugins();
  std::string vocabulary_path = modalis::fuzz::RulesDir() + "/vocabulary.json";
  std::string vocabulary = modalis::fuzz::ReadText(vocabulary_path);
  // One assessment with most findings known, one with almost none: known and unknown paths.
  std::vector<nlohmann::json> findings = {
      nlohmann::json::parse(modalis::fuzz::ReadText(std::string(MODALIS_SOURCE_DIR) +
                                                    "/tests/data/desk-worker.json")),
      nlohmann::json::object({{"pain_nprs", 3}})};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Setup* setup = new Setup;

  modalis::RuleSource source;
  source.vocabulary = {setup->vocabulary_path, setup->vocabulary};
  source.rules = {"fuzz.rules.json", std::string(reinterpret_cast<const char*>(data), size)};
  std::vector<modalis::Diagnostic> diagnostics;
  auto rules = modalis::CompileRuleSet(source, *setup->plugins, &diagnostics);
  // Formatting reads every location the compiler reported.
  const std::string text = modalis::FormatDiagnostics(diagnostics);
  if (rules == nullptr) {
    if (!modalis::HasErrors(diagnostics)) std::abort();  // refused without saying why
    return 0;
  }
  for (const nlohmann::json& findings : setup->findings) {
    (void)modalis::PlanForFindings(*rules, findings, modalis::PlanRequest{});
  }
  return 0;
}
