// modalis rules check: compile rule sets and report every problem like a compiler.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "core/rules/compiler.h"

namespace modalis::cli {
namespace {

namespace fs = std::filesystem;

// The rule source a PATH names: a directory with modalis.json, a manifest itself, or a single
// rule file checked against the vocabulary of the --rules set.
absl::StatusOr<RuleSource> SourceFor(const Common& common, const std::string& path) {
  if (fs::is_directory(path)) return ReadRuleSource(path);
  if (fs::path(path).filename() == "modalis.json") {
    return ReadRuleSource(fs::path(path).parent_path().string());
  }
  auto source = ReadRuleSource(common.rules);
  if (!source.ok()) return source.status();
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  source->rules = {path, text.str()};
  return source;
}

int Check(const Common& common, std::vector<std::string> paths, bool as_json) {
  auto plugins = LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  if (paths.empty()) paths.push_back(common.rules);
  std::vector<Diagnostic> all;
  bool failed = false;
  for (const std::string& path : paths) {
    auto source = SourceFor(common, path);
    if (!source.ok()) {
      std::cerr << "modalis: " << source.status().message() << "\n";
      failed = true;
      continue;
    }
    std::vector<Diagnostic> diagnostics;
    auto rules = CompileRuleSet(*source, **plugins, &diagnostics);
    if (rules == nullptr) failed = true;
    if (!as_json) {
      std::cerr << FormatDiagnostics(diagnostics);
      if (rules != nullptr) {
        std::cout << "ok: " << source->rules.path << ": " << rules->id << " " << rules->version
                  << " (" << rules->rules.size() << " rules, sha256 " << rules->sha256 << ")\n";
      }
    }
    all.insert(all.end(), diagnostics.begin(), diagnostics.end());
  }
  if (as_json) std::cout << DiagnosticsToJson(all).dump(2) << "\n";
  return failed ? 1 : 0;
}

}  // namespace

void AddRulesCommands(CLI::App& app, Common* common, Runner* run) {
  struct Args {
    std::vector<std::string> paths;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* rules = app.add_subcommand("rules", "work with rule files");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand(
      "check", "compile rule sets and report every problem (exit 1 on any error)");
  AddCommonOptions(check, common);
  check->add_option("PATH", args->paths,
                    "rules directories (with modalis.json) or rule files; default: --rules");
  check->add_flag("--json", args->json, "print the problems as a JSON array for tools");
  check->callback([=] { *run = [=] { return Check(*common, args->paths, args->json); }; });
}

}  // namespace modalis::cli
