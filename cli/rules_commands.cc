// modalis rules check: compile rule sets and report every problem like a compiler.
// modalis bench: rule matching speed on a findings file, comparable with other engines.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/rule_candidate.h"
#include "core/engine.h"
#include "core/findings/findings.h"
#include "core/plan/golden_cases.h"
#include "core/rules/compiler.h"

namespace modalis::cli {
namespace {

namespace fs = std::filesystem;

// A candidate whose rule file keeps the live set's id and version but changed its content: plans
// would name a version that no longer says which rules made them.
void WarnUnchangedVersion(const Candidate& candidate, const CompiledRuleSet& rules,
                          const PluginRegistry& plugins) {
  if (!candidate.in_rule_set || candidate.replaces.empty()) return;
  auto live_source = ReadRuleSource(candidate.directory);
  if (!live_source.ok() || (live_source->rules.path != candidate.replaces &&
                            live_source->manifest.path != candidate.replaces)) {
    return;
  }
  std::vector<Diagnostic> ignored;
  auto live = CompileRuleSet(*live_source, plugins, &ignored);
  if (live == nullptr || live->id != rules.id || live->version != rules.version ||
      live->sha256 == rules.sha256) {
    return;
  }
  std::cerr << candidate.source.rules.path << ": warning: the content differs from "
            << candidate.replaces << " but the version is still " << rules.version
            << "; change \"version\" so every plan names the rules that made it "
               "[unchanged-version]\n";
}

// Golden-case failures as located diagnostics, for --json.
std::vector<Diagnostic> GoldenDiagnostics(const GoldenReport& report) {
  std::vector<Diagnostic> out = report.diagnostics;
  for (const GoldenCaseResult& c : report.cases) {
    if (c.outcome != GoldenCaseResult::Outcome::kFailed) continue;
    std::string message = "golden case '" + c.id + "' fails";
    for (const std::string& d : c.details) message += "; " + d;
    out.push_back(Diagnostic{Diagnostic::Severity::kError, "golden-case-failed", c.where, message});
  }
  return out;
}

int Check(const Common& common, std::vector<std::string> paths, bool as_json) {
  auto plugins = LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  if (paths.empty()) paths.push_back(RulesDir(common));
  std::vector<Diagnostic> all;
  bool failed = false;
  for (const std::string& path : paths) {
    auto candidate = CandidateFor(common, path);
    if (!candidate.ok()) {
      std::cerr << "modalis: " << candidate.status().message() << "\n";
      failed = true;
      continue;
    }
    std::vector<Diagnostic> diagnostics;
    auto rules = CompileRuleSet(candidate->source, **plugins, &diagnostics);
    RefuseMissingModalities(common.allow_missing_plugins, PluginsDir(common), **plugins,
                            &diagnostics);
    if (HasErrors(diagnostics)) rules = nullptr;
    if (rules == nullptr) failed = true;
    // What modalisd would refuse to put live, the check refuses too: failing golden cases.
    std::optional<GoldenReport> golden;
    if (rules != nullptr && candidate->in_rule_set && !candidate->source.cases.empty()) {
      golden = RunGoldenCases(*rules, candidate->source.cases);
      if (!golden->ok()) failed = true;
    }
    if (!as_json) {
      std::cerr << FormatDiagnostics(diagnostics);
      if (rules != nullptr) WarnUnchangedVersion(*candidate, *rules, **plugins);
      if (golden && !golden->ok()) std::cerr << FormatGoldenReport(*golden);
      if (rules != nullptr && (!golden || golden->ok())) {
        std::cout << "ok: " << candidate->source.rules.path << ": " << rules->id << " "
                  << rules->version << " (" << rules->FileRuleCount() << " rules, sha256 "
                  << rules->sha256 << ")";
        if (golden) std::cout << "; " << golden->passed() << " golden cases pass";
        if (candidate->in_rule_set && !candidate->replaces.empty()) {
          std::cout << "; may replace " << candidate->replaces;
        }
        std::cout << "\n";
      }
    }
    all.insert(all.end(), diagnostics.begin(), diagnostics.end());
    if (golden) {
      for (Diagnostic& d : GoldenDiagnostics(*golden)) all.push_back(std::move(d));
    }
  }
  if (as_json) std::cout << DiagnosticsToJson(all).dump(2) << "\n";
  return failed ? 1 : 0;
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct BenchArgs {
  std::string rules;
  std::string findings;
  std::string vocabulary;
  double seconds = 2;
  int repeat = 1;
};

// Rule matching only: no plan, no plugins, no modality checks, so a rule set written for another
// engine can be matched with its own vocabulary.
int Bench(const BenchArgs& args) {
  std::string vocabulary = args.vocabulary;
  if (vocabulary.empty()) {
    const fs::path beside = fs::path(args.rules).parent_path() / "vocabulary.json";
    vocabulary = fs::exists(beside) ? beside.string() : "rules/vocabulary.json";
  }
  RuleSource source;
  for (auto [file, path] :
       {std::pair{&source.rules, args.rules}, std::pair{&source.vocabulary, vocabulary}}) {
    auto text = ReadAll(path);
    if (!text.ok()) {
      std::cerr << "modalis: " << text.status().message() << "\n";
      return 1;
    }
    *file = {path, *std::move(text)};
  }
  std::vector<Diagnostic> diagnostics;
  RuleLimits limits;
  limits.max_file_bytes = size_t{256} << 20;  // benchmark sets may be far larger than a clinic's
  const PluginRegistry no_plugins;
  const auto compile_start = std::chrono::steady_clock::now();
  auto rules = CompileRuleSet(source, no_plugins, &diagnostics, limits);
  const double compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_start).count();
  if (rules == nullptr) {
    std::cerr << FormatDiagnostics(diagnostics);
    return 1;
  }

  auto lines = ReadAll(args.findings);
  if (!lines.ok()) {
    std::cerr << "modalis: " << lines.status().message() << "\n";
    return 1;
  }
  std::vector<Findings> documents;
  std::istringstream in(*lines);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded()) {
      std::cerr << args.findings << ":" << number << ": not valid JSON\n";
      return 1;
    }
    auto findings = DecodeFindings(json, rules->vocabulary);
    if (!findings.ok()) {
      std::cerr << args.findings << ":" << number << ": " << findings.status().message() << "\n";
      return 1;
    }
    documents.push_back(*std::move(findings));
  }
  if (documents.empty()) {
    std::cerr << "modalis: " << args.findings << " has no findings documents\n";
    return 1;
  }

  nlohmann::json fired = nlohmann::json::array();
  EvaluationScratch scratch;
  for (const Findings& f : documents) {
    rules->EvaluateAll(f, &scratch);
    nlohmann::json ids = nlohmann::json::array();
    for (uint32_t r : scratch.fired()) ids.push_back(rules->rules[r].id);
    fired.push_back(std::move(ids));
  }
  // Whole passes over the documents until the time is up; several runs in one process give a
  // spread without paying for compiling and decoding again.
  size_t evaluations = 0;
  double elapsed = 0;
  nlohmann::json runs = nlohmann::json::array();
  for (int run = 0; run < args.repeat; ++run) {
    size_t run_evaluations = 0;
    double run_elapsed = 0;
    const auto start = std::chrono::steady_clock::now();
    while (run_elapsed < args.seconds) {
      for (const Findings& f : documents) rules->EvaluateAll(f, &scratch);
      run_evaluations += documents.size();
      run_elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    runs.push_back(static_cast<double>(run_evaluations) / run_elapsed);
    evaluations += run_evaluations;
    elapsed += run_elapsed;
  }
  nlohmann::json out = {{"rules", rules->rules.size()},
                        {"documents", documents.size()},
                        {"compile_seconds", compile_seconds},
                        {"evaluations", evaluations},
                        {"seconds", elapsed},
                        {"evaluations_per_second", static_cast<double>(evaluations) / elapsed},
                        {"runs_per_second", std::move(runs)},
                        {"fired", std::move(fired)}};
  std::cout << out.dump() << "\n";
  return 0;
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
                    "rules directories (with modalis.json), or files: an edited copy beside "
                    "modalis.json is checked in place of the file it would replace, golden cases "
                    "included; default: --rules");
  check->add_flag("--json", args->json, "print the problems as a JSON array for tools");
  check->add_flag("--allow-missing-plugins", common->allow_missing_plugins,
                  "accept rules naming a modality no loaded plugin provides, as modalisd "
                  "--allow-missing-plugins does (plans show it as unavailable)");
  check->callback([=] { *run = [=] { return Check(*common, args->paths, args->json); }; });

  auto bench = std::make_shared<BenchArgs>();
  CLI::App* b = app.add_subcommand(
      "bench", "rule matching speed: evaluate every findings document repeatedly, print JSON");
  b->add_option("--rules", bench->rules, "rule-set file")->required();
  b->add_option("--findings", bench->findings, "findings documents, one JSON object per line")
      ->required();
  b->add_option("--vocabulary", bench->vocabulary,
                "vocabulary file (default: vocabulary.json beside the rules, else "
                "rules/vocabulary.json)");
  b->add_option("--seconds", bench->seconds, "how long to keep evaluating")
      ->check(
          [](const std::string& text) -> std::string {
            // Written so that NaN fails too: every comparison with it is false.
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            const bool whole = end != text.c_str() && *end == '\0';
            return whole && v >= 0.001 && v <= 3600 ? "" : "--seconds must be from 0.001 to 3600";
          },
          "SECONDS")
      ->capture_default_str();
  b->add_option("--repeat", bench->repeat, "timed runs of --seconds each (runs_per_second)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  b->callback([=] { *run = [=] { return Bench(*bench); }; });
}

}  // namespace modalis::cli
