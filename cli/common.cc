#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/paths.h"
#include "cli/commands.h"
#include "cli/rule_candidate.h"

namespace modalis::cli {

void AddCommonOptions(CLI::App* sub, Common* common) {
  sub->add_option("--rules", common->rules, "rules directory (holds modalis.json)")
      ->capture_default_str();
  sub->add_option("--plugins", common->plugins,
                  "modality plugins directory (default: the plugins built beside modalis)");
}

std::string PluginsDir(const Common& common) {
  return common.plugins.empty() ? DefaultPluginsDir() : Absolute(common.plugins);
}

void WarnFailingGoldenCases(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    if (d.is(diagnostic_id::kGoldenCasesFail)) std::cerr << "modalis: warning: " << d.text();
  }
}

std::unique_ptr<Engine> EngineForReading(const Common& common) {
  // A person reads the result and nothing goes live: a modality without its plugin is a warning
  // and shows as unavailable, so rules can be tried on a machine without every plugin.
  EngineConfig config;
  config.rules_dir = RulesDir(common);
  config.plugins_dir = PluginsDir(common);
  config.allow_missing_modalities = true;
  config.golden_cases_advisory = true;
  std::vector<Diagnostic> diagnostics;
  auto engine = Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << "modalis: " << engine.status().message() << "\n";
    return nullptr;
  }
  WarnFailingGoldenCases(diagnostics);
  return *std::move(engine);
}

bool ReadFindingsFile(const std::string& path, FindingsFile* out) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "modalis: cannot read " << path << "\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto input = nlohmann::json::parse(text.str(), nullptr, false);
  if (input.is_discarded()) {
    std::cerr << "modalis: " << path << " is not valid JSON\n";
    return false;
  }
  out->findings = input;
  if (input.is_object() && input.contains("findings")) {
    out->findings = input["findings"];
    if (input.contains("session_minutes") && input["session_minutes"].is_number_unsigned()) {
      out->request.session_minutes = input["session_minutes"].get<uint32_t>();
    }
    if (input.contains("practitioner") && input["practitioner"].is_object()) {
      out->request.qualifications =
          input["practitioner"].value("qualifications", std::vector<std::string>{});
    }
  }
  return true;
}

}  // namespace modalis::cli
