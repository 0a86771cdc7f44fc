// modalis: the therapist's and operator's command line, over the same engine as modalisd.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/plan_text.h"
#include "core/engine.h"
#include "server/paths.h"
#include "server/plan_proto.h"

namespace {

struct Common {
  std::string rules = "rules";
  std::string plugins;
};

std::string PluginsDir(const Common& c) {
  return c.plugins.empty() ? modalis::DefaultPluginsDir() : modalis::Absolute(c.plugins);
}

int Suggest(const Common& common, const std::string& file, bool as_json) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "modalis: cannot read " << file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto input = nlohmann::json::parse(text.str(), nullptr, false);
  if (input.is_discarded()) {
    std::cerr << "modalis: " << file << " is not valid JSON\n";
    return 1;
  }
  // Either a findings object, or a request-like object with "findings" and options.
  modalis::PlanRequest request;
  nlohmann::json findings = input;
  if (input.is_object() && input.contains("findings")) {
    findings = input["findings"];
    if (input.contains("session_minutes") && input["session_minutes"].is_number_unsigned()) {
      request.session_minutes = input["session_minutes"].get<uint32_t>();
    }
    if (input.contains("practitioner") && input["practitioner"].is_object()) {
      request.qualifications =
          input["practitioner"].value("qualifications", std::vector<std::string>{});
    }
  }

  modalis::EngineConfig config{common.rules, PluginsDir(common), {}};
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << "modalis: " << engine.status().message() << "\n";
    return 1;
  }
  auto plan = (*engine)->Suggest(findings, request);
  if (!plan.ok()) {
    std::cerr << "modalis: " << plan.status().message() << "\n";
    return 1;
  }
  if (as_json) {
    modalis::v1::Plan proto;
    modalis::PlanToProto(*plan, &proto);
    std::cout << modalis::MessageToJson(proto) << "\n";
  } else {
    std::cout << modalis::PlanToText(*plan);
  }
  return 0;
}

int RulesCheck(const Common& common) {
  auto plugins = modalis::LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  auto source = modalis::ReadRuleSource(common.rules);
  if (!source.ok()) {
    std::cerr << source.status().message() << "\n";
    return 1;
  }
  std::vector<modalis::Diagnostic> diagnostics;
  auto rules = modalis::CompileRuleSet(*source, **plugins, &diagnostics);
  std::cerr << modalis::FormatDiagnostics(diagnostics);
  if (rules == nullptr) return 1;
  std::cout << "ok: " << rules->id << " " << rules->version << " (" << rules->rules.size()
            << " rules, sha256 " << rules->sha256 << ")\n";
  return 0;
}

int PluginsList(const Common& common) {
  auto plugins = modalis::LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  for (const auto& m : (*plugins)->modalities()) {
    const auto& i = m->info();
    std::cout << "loaded   " << i.id << " " << i.version << " (phase " << i.phase << ", "
              << i.default_minutes << " min) " << i.path << "\n";
  }
  for (const auto& r : (*plugins)->refused()) {
    std::cout << "refused  " << r.path << ": " << r.reason << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"modalis: session plans from assessment findings"};
  app.require_subcommand(1);
  Common common;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--rules", common.rules, "rules directory (holds modalis.json)")
        ->capture_default_str();
    sub->add_option("--plugins", common.plugins, "modality plugins directory");
  };

  std::string file;
  bool as_json = false;
  CLI::App* suggest = app.add_subcommand("suggest", "print the plan for a findings file");
  add_common(suggest);
  suggest->add_option("FILE", file, "findings JSON file")->required();
  suggest->add_flag("--json", as_json, "print the proto3 JSON of the Plan message");

  CLI::App* rules = app.add_subcommand("rules", "work with rule files");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand("check", "compile the rule set and report problems");
  add_common(check);

  CLI::App* plugins = app.add_subcommand("plugins", "modality plugins");
  plugins->require_subcommand(1);
  CLI::App* list = plugins->add_subcommand("list", "show loaded and refused plugins");
  add_common(list);

  CLI11_PARSE(app, argc, argv);
  if (suggest->parsed()) return Suggest(common, file, as_json);
  if (check->parsed()) return RulesCheck(common);
  if (list->parsed()) return PluginsList(common);
  return 1;
}
