// modalis rules test: runs the rule set's golden cases and shows expected against actual.
#include <iostream>

#include "cli/commands.h"
#include "cli/rule_candidate.h"
#include "core/engine.h"
#include "core/plan/golden_cases.h"
#include "core/rules/compiler.h"

namespace modalis::cli {
namespace {

int Test(const Common& common, const std::string& path, bool verbose) {
  auto plugins = LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  auto candidate = CandidateFor(common, path.empty() ? RulesDir(common) : path);
  if (!candidate.ok()) {
    std::cerr << "modalis: " << candidate.status().message() << "\n";
    return 1;
  }
  const RuleSource* source = &candidate->source;
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(*source, **plugins, &diagnostics);
  RefuseMissingModalities(common.allow_missing_plugins, PluginsDir(common), **plugins,
                          &diagnostics);
  if (HasErrors(diagnostics)) rules = nullptr;
  std::cerr << FormatDiagnostics(diagnostics);
  if (rules == nullptr) return 1;
  if (source->cases.empty()) {
    std::cerr << "modalis: the manifest names no golden cases (\"cases\" in modalis.json)\n";
    return 1;
  }
  GoldenReport report = RunGoldenCases(*rules, source->cases);
  std::cout << FormatGoldenReport(report, verbose);
  return report.ok() ? 0 : 1;
}

}  // namespace

void AddGoldenCommands(CLI::App& app, Common* common, Runner* run) {
  CLI::App* rules = app.get_subcommand("rules");
  auto verbose = std::make_shared<bool>(false);
  auto path = std::make_shared<std::string>();
  CLI::App* test = rules->add_subcommand("test", "run the rule set's golden cases");
  AddCommonOptions(test, common);
  test->add_option("PATH", *path,
                   "a rules directory, or an edited copy of one of its files, run in place of "
                   "the file it would replace; default: --rules");
  test->add_flag("-v,--verbose", *verbose, "list passing cases too");
  test->add_flag("--allow-missing-plugins", common->allow_missing_plugins,
                 "accept rules naming a modality no loaded plugin provides");
  test->callback([=] { *run = [=] { return Test(*common, *path, *verbose); }; });
}

}  // namespace modalis::cli
