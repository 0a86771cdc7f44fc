#include "core/rules/rule_compiler.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/common/did_you_mean.h"
#include "core/common/file_shape.h"

namespace modalis {

std::string RuleCompiler::Quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

RuleCompiler::RuleCompiler(const JsonDocument& doc, const ModalitySet& modalities,
                           const RuleLimits& limits, std::vector<Diagnostic>* diagnostics,
                           CompiledRuleSet* out)
    : doc_(doc),
      modalities_(modalities),
      limits_(limits),
      diagnostics_(diagnostics),
      out_(out),
      vocab_(*out->vocabulary) {}

void RuleCompiler::Compile() {
  const Json& root = doc_.root();
  if (!root.is_object()) {
    Error("", "wrong-type", "a rule set file must be a JSON object");
    return;
  }
  CheckKeys(root, "",
            {"$schema", "id", "version", "description", "clinic", "progress", "advice", "rules",
             "course_rules"});
  out_->id = RequireString(root, "", "id");
  out_->version = RequireString(root, "", "version");
  CompileAdvice(root);
  CompileClinic(root);
  CompileProgress(root);
  if (!root.contains("rules") || !root["rules"].is_array()) {
    Error("/rules", "missing-field", "a rule set needs a 'rules' list");
  } else {
    const Json& rules = root["rules"];
    if (rules.size() > limits_.max_rules) {
      Error("/rules", "too-many-rules",
            "this file has " + std::to_string(rules.size()) + " rules; the limit is " +
                std::to_string(limits_.max_rules));
      return;
    }
    for (size_t i = 0; i < rules.size(); ++i) CompileRule(rules[i], "/rules/" + std::to_string(i));
  }
  if (root.contains("course_rules")) {
    if (!root["course_rules"].is_array()) {
      Error("/course_rules", "wrong-type", "'course_rules' must be a list");
    } else {
      const Json& rules = root["course_rules"];
      for (size_t i = 0; i < rules.size(); ++i) {
        CompileCourseRule(rules[i], "/course_rules/" + std::to_string(i));
      }
    }
  }
}

void RuleCompiler::Add(Diagnostic::Severity severity, const std::string& pointer, std::string id,
                       std::string message) {
  diagnostics_->push_back(
      Diagnostic{severity, std::move(id), doc_.Locate(pointer), std::move(message)});
}

void RuleCompiler::Error(const std::string& pointer, std::string id, std::string message) {
  Add(Diagnostic::Severity::kError, pointer, std::move(id), std::move(message));
}

void RuleCompiler::Warning(const std::string& pointer, std::string id, std::string message) {
  Add(Diagnostic::Severity::kWarning, pointer, std::move(id), std::move(message));
}

void RuleCompiler::CheckKeys(const Json& object, const std::string& pointer,
                             const std::vector<std::string>& allowed) {
  CheckAllowedKeys(doc_, object, pointer, allowed, diagnostics_);
}

std::string RuleCompiler::RequireString(const Json& object, const std::string& pointer,
                                        const char* key) {
  if (!object.contains(key)) {
    Error(pointer, "missing-field", std::string("'") + key + "' is required here");
    return {};
  }
  if (!object[key].is_string() || object[key].get_ref<const std::string&>().empty()) {
    Error(pointer + "/" + key, "wrong-type", std::string("'") + key + "' must be a non-empty text");
    return {};
  }
  return object[key].get<std::string>();
}

std::string RuleCompiler::OptionalString(const Json& object, const std::string& pointer,
                                         const char* key) {
  if (!object.contains(key)) return {};
  if (!object[key].is_string()) {
    Error(pointer + "/" + key, "wrong-type", std::string("'") + key + "' must be a text");
    return {};
  }
  return object[key].get<std::string>();
}

bool RuleCompiler::WholeNumber(const Json& v, double lo, double hi) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  return d == std::floor(d) && d >= lo && d <= hi;
}

const FindingDef* RuleCompiler::ResolveFinding(const Json& code, const std::string& pointer) {
  if (!code.is_string()) {
    Error(pointer, "wrong-type", "a finding code is a text, e.g. \"pain_nprs\"");
    return nullptr;
  }
  const auto& s = code.get_ref<const std::string&>();
  const FindingDef* def = vocab_.Find(s);
  if (def == nullptr) {
    Error(pointer, "unknown-finding",
          "'" + s + "' is not a finding in the vocabulary" + DidYouMeanSuffix(s, vocab_.codes()));
  }
  return def;
}

bool RuleCompiler::CheckModality(const std::string& id, const std::string& pointer) {
  if (modalities_.Find(id) != nullptr) return true;
  Warning(pointer, std::string(diagnostic_id::kUnknownModality),
          "no loaded plugin provides the modality '" + id + "'" +
              DidYouMeanSuffix(id, modalities_.ids()) + "; known: " + Quoted(modalities_.ids()));
  diagnostics_->back().consequence = ". Plans will show it as unavailable";
  return false;
}

SlotId RuleCompiler::RegionsFrom(const Json& v, const std::string& p) {
  if (!v.contains("regions_from")) return kNoSlot;
  const FindingDef* def = ResolveFinding(v["regions_from"], p + "/regions_from");
  if (def == nullptr) return kNoSlot;
  if (def->value_regions.empty()) {
    Error(p + "/regions_from", "no-regions",
          "'" + def->code +
              "' names no regions; give it \"regions\" in the vocabulary, or leave "
              "regions_from out to exclude the whole modality");
    return kNoSlot;
  }
  return def->slot;
}

uint32_t RuleCompiler::Always() { return out_->mutable_conditions()->AddAlways(); }

// Identical tests are compiled once and shared between rules.
uint32_t RuleCompiler::TestNode(const Test& t) {
  // The key is the test's fields byte for byte: equal tests, equal keys.
  char key[sizeof t.slot + sizeof t.op + sizeof t.a + sizeof t.b + sizeof t.mask];
  char* k = key;
  for (auto [field, size] : {std::pair<const void*, size_t>{&t.slot, sizeof t.slot},
                             {&t.op, sizeof t.op},
                             {&t.a, sizeof t.a},
                             {&t.b, sizeof t.b},
                             {&t.mask, sizeof t.mask}}) {
    std::memcpy(k, field, size);
    k += size;
  }
  auto [it, inserted] = test_nodes_.emplace(std::string(key, sizeof key), 0);
  if (inserted) it->second = out_->mutable_conditions()->AddTest(t);
  return it->second;
}

// Identical groups (same kind, same members in any order) are one node, so a condition that
// several rules repeat is evaluated once per evaluation and repeated rules can be recognised.
uint32_t RuleCompiler::GroupNode(Node::Kind kind, const std::vector<uint32_t>& kids) {
  std::vector<uint32_t> members = kids;
  if (kind != Node::Kind::kNot) std::sort(members.begin(), members.end());
  std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
  for (uint32_t m : members) key += "," + std::to_string(m);
  auto [it, inserted] = group_nodes_.emplace(std::move(key), 0);
  if (inserted) it->second = out_->mutable_conditions()->AddGroup(kind, kids);
  return it->second;
}

void RuleCompiler::CheckUniqueId(const std::string& id, const std::string& pointer) {
  if (id.empty()) return;
  auto [it, inserted] = rule_ids_.emplace(id, pointer);
  if (!inserted) {
    const SourceLocation first = doc_.Locate(it->second);
    Error(pointer, "duplicate-rule-id",
          "rule id '" + id + "' is already used at line " + std::to_string(first.line) +
              "; rule ids must be unique");
  }
}

}  // namespace modalis
