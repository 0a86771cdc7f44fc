// modalis rules ...: checking rule files.
#include <iostream>

#include "cli/commands.h"
#include "core/rules/compiler.h"

namespace modalis::cli {
namespace {

int Check(const Common& common) {
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
  std::cout << "ok: " << rules->id << " " << rules->version << " (" << rules->rules.size()
            << " rules, sha256 " << rules->sha256 << ")\n";
  return 0;
}

}  // namespace

void AddRulesCommands(CLI::App& app, Common* common, Runner* run) {
  CLI::App* rules = app.add_subcommand("rules", "work with rule files");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand("check", "compile the rule set and report problems");
  AddCommonOptions(check, common);
  check->callback([=] { *run = [=] { return Check(*common); }; });
}

}  // namespace modalis::cli
