#include "cli/rule_candidate.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace modalis::cli {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

enum class Kind { kRules, kVocabulary, kCases, kManifest };

// By content, so an edited copy may have any name. Text that does not parse is taken as a rule
// file, whose compiler reports where it breaks.
Kind KindOf(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Kind::kRules;
  // A manifest names its files: {"vocabulary": "…", "rules": "…", "cases": [...]}.
  if (j.contains("vocabulary") && j["vocabulary"].is_string() && j.contains("rules") &&
      j["rules"].is_string()) {
    return Kind::kManifest;
  }
  if (j.contains("cases")) return Kind::kCases;
  if (j.contains("findings") && !j.contains("rules")) return Kind::kVocabulary;
  return Kind::kRules;
}

}  // namespace

std::string RulesDir(const Common& common) {
  if (common.rules == "rules" && !fs::exists("rules/modalis.json") && fs::exists("modalis.json")) {
    return ".";
  }
  return common.rules;
}

absl::StatusOr<Candidate> CandidateFor(const Common& common, const std::string& path) {
  Candidate out;
  if (fs::is_directory(path) || fs::path(path).filename() == "modalis.json") {
    out.directory = fs::is_directory(path) ? path : fs::path(path).parent_path().string();
    if (out.directory.empty()) out.directory = ".";
    auto source = ReadRuleSource(out.directory);
    if (!source.ok()) return source.status();
    out.source = *std::move(source);
    out.in_rule_set = true;
    return out;
  }
  auto text = ReadText(path);
  if (!text.ok()) return text.status();
  std::string beside = fs::path(path).parent_path().string();
  if (beside.empty()) beside = ".";
  out.in_rule_set = fs::exists(beside + "/modalis.json");
  out.directory = out.in_rule_set ? beside : RulesDir(common);
  auto source = ReadRuleSource(out.directory);
  if (!source.ok()) return source.status();
  out.source = *std::move(source);
  RuleSource::File candidate{path, *std::move(text)};
  const Kind kind = KindOf(candidate.text);
  if (kind == Kind::kManifest) {
    // A new manifest (naming new rule and case files) checked before it is renamed into place.
    out.directory = beside;
    auto named = ReadRuleSource(beside, fs::path(path).filename().string());
    if (!named.ok()) return named.status();
    out.source = *std::move(named);
    out.in_rule_set = true;
    out.replaces = beside + "/modalis.json";
    return out;
  }
  switch (kind) {
    case Kind::kRules:
      out.replaces = out.source.rules.path;
      out.source.rules = std::move(candidate);
      break;
    case Kind::kVocabulary:
      out.replaces = out.source.vocabulary.path;
      out.source.vocabulary = std::move(candidate);
      break;
    case Kind::kManifest:  // handled above
      break;
    case Kind::kCases: {
      const std::string name = fs::path(path).filename().string();
      bool replaced = false;
      for (RuleSource::File& f : out.source.cases) {
        if (fs::path(f.path).filename() == name) {
          out.replaces = f.path;
          f = candidate;
          replaced = true;
        }
      }
      if (!replaced) out.source.cases.push_back(std::move(candidate));
      break;
    }
  }
  // A lone rule file or vocabulary elsewhere is checked against the rest of --rules; that set's
  // golden cases were written for other files, so they are not run. A case file runs with them.
  if (kind == Kind::kCases) {
    out.in_rule_set = true;
  } else if (!out.in_rule_set) {
    out.source.cases.clear();
  }
  return out;
}

}  // namespace modalis::cli
