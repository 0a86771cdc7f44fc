#include "core/rules/compiler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/common/canonical_json.h"
#include "core/common/did_you_mean.h"
#include "core/common/file_shape.h"
#include "core/common/json_document.h"
#include "core/common/sha256.h"
#include "core/rules/analysis.h"
#include "core/rules/rule_compiler.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError("error reading '" + path + "'");
  return text.str();
}

// 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st.
std::string Ordinal(size_t n) {
  const size_t tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

// Opens each message about one rule with the rule's id and its place counted from 1 ("rule
// `exclude.dry-needling.pregnancy` (16th): ..."), as a therapist finds it in the file; the JSON
// pointer (counted from 0) stays for tools.
void NameRules(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics, size_t first) {
  for (size_t i = first; i < diagnostics->size(); ++i) {
    Diagnostic& d = (*diagnostics)[i];
    for (const char* list : {"rules", "course_rules"}) {
      const std::string prefix = std::string("/") + list + "/";
      if (d.where.pointer.rfind(prefix, 0) != 0) continue;
      const std::string rest = d.where.pointer.substr(prefix.size());
      const size_t digits = rest.find_first_not_of("0123456789");
      if (rest.empty() || digits == 0 || std::min(digits, rest.size()) > 9) continue;
      const size_t index = std::stoul(rest.substr(0, digits));
      const auto& root = doc.root();
      if (!root.is_object() || !root.contains(list) || !root[list].is_array() ||
          index >= root[list].size()) {
        continue;
      }
      const auto& rule = root[list][index];
      const std::string kind = list[0] == 'r' ? "rule" : "course rule";
      const std::string id = rule.is_object() && rule.contains("id") && rule["id"].is_string()
                                 ? " `" + rule["id"].get<std::string>() + "`"
                                 : "";
      d.message = kind + id + " (" + Ordinal(index + 1) + "): " + d.message;
    }
  }
}

// Findings a refer, exclude or caution tests, by slot.
std::set<SlotId> SafetyFindings(const CompiledRuleSet& rs) {
  std::set<SlotId> out;
  std::vector<uint32_t> stack;
  for (const Rule& rule : rs.rules) {
    const bool safety = std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
      return a.kind != Action::Kind::kSuggest && a.kind != Action::Kind::kAdvise;
    });
    if (safety) stack.push_back(rule.root);
  }
  const ConditionGraph& graph = rs.conditions();
  while (!stack.empty()) {
    const Node& n = graph.node(stack.back());
    stack.pop_back();
    if (n.kind == Node::Kind::kTest) {
      out.insert(graph.test(n).slot);
    } else {
      for (uint32_t child : graph.children(n)) stack.push_back(child);
    }
  }
  return out;
}

// A finding named like a safety finding (pregnancy_trimester beside pregnant) is usually its detail
// or its counterpart; if no constraint links the two, a contradiction between them would be read
// the permissive way. Warn so the author declares one (or decides none applies).
void WarnUnlinkedSafetyFindings(const CompiledRuleSet& rs, const JsonDocument& vocabulary,
                                std::vector<Diagnostic>* diagnostics) {
  constexpr size_t kStem = 5;
  const Vocabulary& v = *rs.vocabulary;
  auto linked = [&](SlotId a, SlotId b) {
    return std::any_of(rs.constraints.begin(), rs.constraints.end(), [&](const Constraint& c) {
      return std::count(c.findings.begin(), c.findings.end(), a) &&
             std::count(c.findings.begin(), c.findings.end(), b);
    });
  };
  const std::set<SlotId> safety = SafetyFindings(rs);
  for (SlotId s : safety) {
    const std::string& code = v.at(s).code;
    for (SlotId o = 0; o < v.size(); ++o) {
      const std::string& other = v.at(o).code;
      // A pair of safety findings is reported once, from its first member.
      if (o == s || (safety.count(o) != 0 && o < s) || other.size() < kStem ||
          code.size() < kStem || other.compare(0, kStem, code, 0, kStem) != 0 || linked(s, o)) {
        continue;
      }
      diagnostics->push_back(Diagnostic{
          Diagnostic::Severity::kWarning, "unlinked-safety-finding",
          vocabulary.Locate("/findings/" + PointerToken(code)),
          "safety finding '" + code + "' and '" + other +
              "' look related but no constraint in the vocabulary links them; a record that "
              "contradicts itself across the two would not be caught (declare \"not_both\" or "
              "\"if\"/\"then\" in 'constraints')"});
    }
  }
}

// Everything manifest.schema.json says: the file names a vocabulary and a rule file, and may list
// golden-case files.
void CheckManifestShape(const JsonDocument& manifest, std::vector<Diagnostic>* diagnostics) {
  ShapeChecker s(manifest, diagnostics);
  const Json& root = manifest.root();
  if (!s.Object(root, "", "the manifest")) return;
  s.Keys(root, "", {"$schema", "vocabulary", "rules", "cases"});
  s.Required(root, "", {"vocabulary", "rules"});
  if (root.contains("$schema")) s.Text(root["$schema"], "/$schema", "$schema");
  for (const char* key : {"vocabulary", "rules"}) {
    if (root.contains(key)) s.Text(root[key], std::string("/") + key, key, 1);
  }
  if (root.contains("cases") && s.Array(root["cases"], "/cases", "cases")) {
    for (size_t i = 0; i < root["cases"].size(); ++i) {
      s.Text(root["cases"][i], "/cases/" + std::to_string(i), "cases", 1);
    }
  }
}

}  // namespace

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.ToString() + "\n";
  return out;
}

absl::StatusOr<RuleSource> ReadRuleSource(const std::string& directory,
                                          const std::string& manifest_name) {
  RuleSource source;
  source.manifest.path = directory + "/" + manifest_name;
  auto manifest_text = ReadFile(source.manifest.path);
  if (!manifest_text.ok()) return manifest_text.status();
  source.manifest.text = *std::move(manifest_text);

  std::vector<Diagnostic> diagnostics;
  JsonDocument manifest =
      JsonDocument::Parse(source.manifest.text, source.manifest.path, &diagnostics);
  if (!HasErrors(diagnostics)) CheckManifestShape(manifest, &diagnostics);
  if (HasErrors(diagnostics)) return absl::InvalidArgumentError(FormatDiagnostics(diagnostics));
  const Json& root = manifest.root();
  const std::string vocabulary = root["vocabulary"].get<std::string>();
  const std::string rules = root["rules"].get<std::string>();
  std::vector<std::string> cases;
  for (const auto& c : root.value("cases", Json::array())) cases.push_back(c.get<std::string>());

  for (auto [file, rel] :
       {std::pair{&source.vocabulary, vocabulary}, std::pair{&source.rules, rules}}) {
    file->path = directory + "/" + rel;
    auto text = ReadFile(file->path);
    if (!text.ok()) return text.status();
    file->text = *std::move(text);
  }
  for (const std::string& rel : cases) {
    RuleSource::File file{directory + "/" + rel, {}};
    auto text = ReadFile(file.path);
    if (!text.ok()) return text.status();
    file.text = *std::move(text);
    source.cases.push_back(std::move(file));
  }
  return source;
}

namespace {
constexpr std::string_view kCanonicalVocabulary = "vocabulary:";
constexpr std::string_view kCanonicalRules = "\nrules:";
}  // namespace

absl::StatusOr<RuleSource> RuleSourceFromCanonical(const std::string& canonical_source,
                                                   const std::string& label) {
  // Canonical JSON has no raw newline, so the first "\nrules:" is the separator.
  const size_t rules_at = canonical_source.find(kCanonicalRules);
  if (!canonical_source.starts_with(kCanonicalVocabulary) || rules_at == std::string::npos) {
    return absl::DataLossError(label + " is not a stored rule set's canonical form");
  }
  RuleSource source;
  source.manifest.path = label;
  source.vocabulary = {
      label + " (vocabulary)",
      canonical_source.substr(kCanonicalVocabulary.size(), rules_at - kCanonicalVocabulary.size())};
  source.rules = {label + " (rules)", canonical_source.substr(rules_at + kCanonicalRules.size())};
  return source;
}

std::shared_ptr<const CompiledRuleSet> CompileRuleSet(const RuleSource& source,
                                                      const ModalitySet& modalities,
                                                      std::vector<Diagnostic>* diagnostics,
                                                      const RuleLimits& limits) {
  const size_t first_new = diagnostics->size();
  auto has_new_errors = [&] {
    return std::any_of(
        diagnostics->begin() + static_cast<std::ptrdiff_t>(first_new), diagnostics->end(),
        [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; });
  };
  const JsonLimits json_limits{limits.max_file_bytes, limits.max_json_depth};
  JsonDocument vocab_doc =
      JsonDocument::Parse(source.vocabulary.text, source.vocabulary.path, diagnostics, json_limits);
  JsonDocument rules_doc =
      JsonDocument::Parse(source.rules.text, source.rules.path, diagnostics, json_limits);
  if (has_new_errors()) return nullptr;

  auto rule_set = std::make_shared<CompiledRuleSet>();
  rule_set->vocabulary = Vocabulary::FromDocument(vocab_doc, modalities.ids(), diagnostics);
  if (rule_set->vocabulary == nullptr || has_new_errors()) return nullptr;

  const size_t first_rule_diagnostic = diagnostics->size();
  RuleCompiler(rules_doc, modalities, limits, diagnostics, rule_set.get()).Compile();
  if (has_new_errors()) {
    NameRules(rules_doc, diagnostics, first_rule_diagnostic);
    return nullptr;
  }
  // Warnings that need the whole compiled set (never-firing and repeated rules). They run only
  // on an error-free set: a rule with an error has a placeholder condition that would mislead.
  AnalyseRules(*rule_set, rules_doc, diagnostics);
  NameRules(rules_doc, diagnostics, first_rule_diagnostic);

  // Modalities the rules can suggest: their safety declarations must compile against this
  // vocabulary, since a floor that cannot be evaluated would be a floor silently not applied.
  std::set<std::string> suggested;
  for (const Rule& rule : rule_set->rules) {
    for (const Action& a : rule.actions) {
      if (a.kind == Action::Kind::kSuggest) suggested.insert(a.modality);
    }
  }
  {
    RuleCompiler vocabulary_compiler(vocab_doc, modalities, limits, diagnostics, rule_set.get());
    vocabulary_compiler.CompileConstraints();
    vocabulary_compiler.CompileDerivations();
  }
  for (const auto& modality : modalities.modalities()) {
    const ModalityInfo& info = modality->info();
    const bool used = suggested.count(info.id) != 0;
    BoundModality bound;
    bound.modality = modality;
    std::vector<std::string> unresolved;
    bound.slots = modality->Bind(*rule_set->vocabulary, &unresolved);
    for (const std::string& code : unresolved) {
      const bool required = std::find(info.required_known.begin(), info.required_known.end(),
                                      code) != info.required_known.end();
      // A required-known finding the vocabulary lacks could never be known: the modality would
      // vanish from every plan with no exclusion and no question. Refuse the rule set instead.
      diagnostics->push_back(Diagnostic{
          required && used ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning,
          required ? "plugin-requires-unknown-finding" : "plugin-reads-unknown-finding",
          SourceLocation{info.path, 0, 0, ""},
          "plugin " + info.id + (required ? " must know '" : " reads '") + code +
              "', which is not in the vocabulary" +
              (required ? "; add it to the vocabulary, or the modality could never be suggested"
                        : "; it will always be unknown")});
    }
    for (const std::string& code : info.required_known) {
      const FindingDef* def = rule_set->vocabulary->Find(code);
      bound.required_known.push_back(def == nullptr ? kNoSlot : def->slot);
    }
    if (used && !info.safety_json.empty()) {
      JsonDocument safety = JsonDocument::Parse(info.safety_json, info.path + " (safety_json)",
                                                diagnostics, json_limits);
      if (!has_new_errors()) {
        RuleCompiler(safety, modalities, limits, diagnostics, rule_set.get())
            .CompilePluginSafety(info.id);
      }
    }
    rule_set->modalities.emplace(info.id, std::move(bound));
  }
  if (has_new_errors()) return nullptr;
  WarnUnlinkedSafetyFindings(*rule_set, vocab_doc, diagnostics);
  rule_set->Seal();

  // Canonical form: keys sorted, no whitespace; independent of formatting and key order.
  const std::string canonical = std::string(kCanonicalVocabulary) +
                                CanonicalJson(vocab_doc.root()) + std::string(kCanonicalRules) +
                                CanonicalJson(rules_doc.root());
  rule_set->sha256 = Sha256Hex(canonical);
  rule_set->canonical_source = canonical;
  return rule_set;
}

}  // namespace modalis
