// The rule compiler's working state, shared by the files that compile each part of a rule set:
// rule_compiler.cc (the file, diagnostics, the condition graph's nodes), settings_compiler.cc
// (advice, clinic and progress settings), condition_compiler.cc (conditions, tests and the
// vocabulary's constraints) and action_compiler.cc (rules, actions, course rules and the plugins'
// floors and cautions). Internal to core/rules: CompileRuleSet (compiler.h) is the interface.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/common/json_document.h"
#include "core/rules/compiler.h"
#include "core/rules/rule_set.h"

namespace modalis {

// Compiles one JSON document (a rule file, a vocabulary's constraints or a plugin's safety
// declaration) into `out`, reporting every problem located in that document.
class RuleCompiler {
 public:
  using Json = nlohmann::ordered_json;

  RuleCompiler(const JsonDocument& doc, const ModalitySet& modalities, const RuleLimits& limits,
               std::vector<Diagnostic>* diagnostics, CompiledRuleSet* out);
  void Compile();
  void CompilePluginSafety(const std::string& modality);
  void CompileConstraints();
  void CompileDerivations();

  // "a, b, c": a list as messages show it.
  static std::string Quoted(const std::vector<std::string>& items);

 private:
  // Diagnostics and the condition graph (rule_compiler.cc)
  void Add(Diagnostic::Severity severity, const std::string& pointer, std::string id,
           std::string message);
  void Error(const std::string& pointer, std::string id, std::string message);
  void Warning(const std::string& pointer, std::string id, std::string message);
  void CheckKeys(const Json& object, const std::string& pointer,
                 const std::vector<std::string>& allowed);
  std::string RequireString(const Json& object, const std::string& pointer, const char* key);
  std::string OptionalString(const Json& object, const std::string& pointer, const char* key);
  bool WholeNumber(const Json& v, double lo, double hi);
  const FindingDef* ResolveFinding(const Json& code, const std::string& pointer);
  bool CheckModality(const std::string& id, const std::string& pointer);
  SlotId RegionsFrom(const Json& v, const std::string& p);
  void CheckUniqueId(const std::string& id, const std::string& pointer);
  uint32_t Always();
  uint32_t TestNode(const Test& t);
  uint32_t GroupNode(Node::Kind kind, const std::vector<uint32_t>& kids);

  // Advice, clinic and progress settings (settings_compiler.cc)
  void CompileAdvice(const Json& root);
  void CompileClinic(const Json& root);
  void CompileProgress(const Json& root);
  SlotId NumberFinding(const Json& progress, const char* key, bool required);
  void FindingList(const Json& clinic, const char* key, std::vector<SlotId>* out);

  // Conditions, tests and constraints (condition_compiler.cc)
  uint32_t CompileCondition(const Json& j, const std::string& pointer, int depth);
  uint32_t CompileTest(const Json& j, const std::string& pointer);
  struct ConstraintSide {
    uint32_t node = 0;
    Test test;
  };
  std::optional<ConstraintSide> Side(const Json& j, const std::string& pointer);
  std::vector<Assignment> Values(const ConstraintSide& side, const std::string& pointer);
  Assignment Negated(const ConstraintSide& side) const;

  // Rules, actions and course rules (action_compiler.cc)
  std::optional<Urgency> ParseUrgency(const Json& v, const std::string& p);
  void CompileAction(const Json& j, const std::string& pointer, Rule* rule);
  void CompileRule(const Json& j, const std::string& pointer);
  void CompileCourseRule(const Json& j, const std::string& pointer);

  const JsonDocument& doc_;
  const ModalitySet& modalities_;
  const RuleLimits& limits_;
  std::vector<Diagnostic>* diagnostics_;
  CompiledRuleSet* out_;
  const Vocabulary& vocab_;
  std::vector<std::string> advice_codes_;
  std::unordered_map<std::string, uint32_t> test_nodes_;
  std::unordered_map<std::string, uint32_t> group_nodes_;
  std::unordered_map<std::string, std::string> rule_ids_;
};

}  // namespace modalis
