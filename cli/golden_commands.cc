// modalis rules test: runs the rule set's golden cases and shows expected against actual.
#include <iostream>

#include "cli/commands.h"
#include "core/plan/golden_cases.h"
#include "core/rules/compiler.h"

namespace modalis::cli {
namespace {

int Test(const Common& common, bool verbose) {
  auto plugins = LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  auto source = ReadRuleSource(common.rules);
  if (!source.ok()) {
    std::cerr << source.status().message() << "\n";
    return 1;
  }
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(*source, **plugins, &diagnostics);
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
  CLI::App* test = rules->add_subcommand("test", "run the rule set's golden cases");
  AddCommonOptions(test, common);
  test->add_flag("-v,--verbose", *verbose, "list passing cases too");
  test->callback([=] { *run = [=] { return Test(*common, *verbose); }; });
}

}  // namespace modalis::cli
