// Derived findings declared in the vocabulary ("derivations"): compiled like conditions, applied
// before the rules read the findings, with errors located in the vocabulary file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/findings/findings.h"
#include "core/plan/planner.h"
#include "core/rules/compiler.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

const char* kRules = R"({"id": "t", "version": "1", "advice": {"a": "x"},
  "rules": [{"id": "r", "description": "d", "source": "s",
             "when": {"finding": "risk", "equals": "high"}, "then": [{"advise": "a"}]}]})";

// A vocabulary with scores and a risk group derived from them, `when_recorded` as given.
std::string Vocabulary(const std::string& when_recorded, const std::string& extra = "") {
  return R"({"id": "v", "version": "1", "findings": {
    "total": {"type": "integer", "min": 0, "max": 9},
    "psych": {"type": "integer", "min": 0, "max": 5},
    "risk": {"type": "enum", "values": ["low", "medium", "high"]},
    "flag": {"type": "boolean"}},
   "derivations": [{"id": "risk-from-scores", "description": "d", "finding": "risk",
     "cases": [{"value": "high", "when": {"finding": "psych", "at_least": 4}},
               {"value": "low", "when": {"finding": "total", "at_most": 3}},
               {"value": "medium", "when": {"all": [{"finding": "total", "at_least": 4},
                                                    {"finding": "psych", "at_most": 3}]}}])" +
         (when_recorded.empty() ? "" : R"(, "when_recorded": ")" + when_recorded + "\"") + "}" +
         extra + "]}";
}

std::shared_ptr<const CompiledRuleSet> Compile(const std::string& vocabulary,
                                               std::vector<Diagnostic>* diagnostics) {
  RuleSource source;
  source.vocabulary = {"v.json", vocabulary};
  source.rules = {"t.rules.json", kRules};
  return CompileRuleSet(source, *testing::RealPlugins(), diagnostics);
}

// The risk group after derivation, or "" when it stays unknown.
std::string Risk(const CompiledRuleSet& rules, const nlohmann::json& recorded) {
  auto findings = DecodeFindings(recorded, rules.vocabulary);
  EXPECT_TRUE(findings.ok()) << findings.status();
  if (!findings.ok()) return "?";
  rules.Derive(&*findings);
  const FindingDef* risk = rules.vocabulary->Find("risk");
  if (!findings->known(risk->slot)) return "";
  return risk->values[static_cast<size_t>(findings->value(risk->slot).number)];
}

TEST(RulesDerivationTest, TheFirstCaseThatHoldsSetsTheValue) {
  std::vector<Diagnostic> diagnostics;
  auto rules = Compile(Vocabulary("higher"), &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  ASSERT_EQ(rules->derivations.size(), 1u);
  EXPECT_EQ(Risk(*rules, {{"psych", 4}}), "high");
  EXPECT_EQ(Risk(*rules, {{"psych", 5}, {"total", 9}}), "high");
  EXPECT_EQ(Risk(*rules, {{"total", 3}}), "low");
  EXPECT_EQ(Risk(*rules, {{"total", 6}, {"psych", 2}}), "medium");
  // Undecided: a total of 6 is medium or high depending on the subscale nobody recorded.
  EXPECT_EQ(Risk(*rules, {{"total", 6}}), "");
  EXPECT_EQ(Risk(*rules, nlohmann::json::object()), "");
}

TEST(RulesDerivationTest, HigherKeepsTheHigherOfRecordedAndDerived) {
  std::vector<Diagnostic> diagnostics;
  auto rules = Compile(Vocabulary("higher"), &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(Risk(*rules, {{"risk", "high"}, {"total", 2}}), "high");
  EXPECT_EQ(Risk(*rules, {{"risk", "low"}, {"psych", 4}}), "high");
  EXPECT_EQ(Risk(*rules, {{"risk", "medium"}}), "medium");
}

TEST(RulesDerivationTest, RecordedValueStandsByDefault) {
  std::vector<Diagnostic> diagnostics;
  auto rules = Compile(Vocabulary(""), &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(Risk(*rules, {{"risk", "low"}, {"psych", 4}}), "low");
  EXPECT_EQ(Risk(*rules, {{"psych", 4}}), "high");
}

TEST(RulesDerivationTest, RulesSeeTheDerivedValue) {
  std::vector<Diagnostic> diagnostics;
  auto rules = Compile(Vocabulary("higher"), &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  auto plan = PlanForFindings(*rules, {{"psych", 5}}, PlanRequest{});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->advice.size(), 1u);
  EXPECT_EQ(plan->advice[0].code, "a");
}

TEST(RulesDerivationTest, TheShippedVocabularyDerivesTheStartBackGroup) {
  auto rules = testing::DefaultRules();
  ASSERT_NE(rules, nullptr);
  auto findings =
      DecodeFindings({{"startback_total", 7}, {"startback_psych", 4}}, rules->vocabulary);
  ASSERT_TRUE(findings.ok());
  rules->Derive(&*findings);
  const FindingDef* risk = rules->vocabulary->Find("startback_risk");
  ASSERT_NE(risk, nullptr);
  ASSERT_TRUE(findings->known(risk->slot));
  EXPECT_EQ(findings->value(risk->slot).number, *risk->ValueIndex("high"));
}

struct BadDerivation {
  const char* name;
  std::string vocabulary;
  const char* id;
  const char* pointer;
  const char* message_part;
};

TEST(RulesDerivationTest, BadDerivationsAreLocatedErrors) {
  const std::vector<BadDerivation> cases = {
      {"unknown finding", R"(,{"id": "x", "description": "d", "finding": "rsk",
         "cases": [{"value": "low", "when": {"finding": "total", "at_most": 1}}]})",
       "unknown-finding", "/derivations/1/finding", "risk"},
      {"not an enum", R"(,{"id": "x", "description": "d", "finding": "flag",
         "cases": [{"value": "low", "when": {"finding": "total", "at_most": 1}}]})",
       "wrong-type", "/derivations/1/finding", "not an enum"},
      {"derived twice", R"(,{"id": "x", "description": "d", "finding": "risk",
         "cases": [{"value": "low", "when": {"finding": "total", "at_most": 1}}]})",
       "duplicate-derivation", "/derivations/1/finding", "already derived"},
      {"misspelt value", R"(,{"id": "x", "description": "d", "finding": "risk",
         "cases": [{"value": "hihg", "when": {"finding": "total", "at_most": 1}}]})",
       "unknown-value", "/derivations/1/cases/0/value", "high"},
      {"misspelt key",
       R"(,{"id": "x", "description": "d", "finding": "risk", "whn_recorded": "higher",
         "cases": [{"value": "high", "when": {"finding": "total", "at_most": 1}}]})",
       "unknown-field", "/derivations/1/whn_recorded", "when_recorded"},
      {"bad condition", R"(,{"id": "x", "description": "d", "finding": "risk",
         "cases": [{"value": "high", "when": {"finding": "total", "at_most": 99}}]})",
       "out-of-range", "/derivations/1/cases/0/when/at_most", ""},
      {"no cases", R"(,{"id": "x", "description": "d", "finding": "risk", "cases": []})",
       "missing-field", "/derivations/1/cases", "at least one"},
  };
  for (const BadDerivation& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Diagnostic> diagnostics;
    auto rules = Compile(Vocabulary("higher", c.vocabulary), &diagnostics);
    EXPECT_EQ(rules, nullptr);
    bool found = false;
    for (const Diagnostic& d : diagnostics) {
      if (d.is(c.id) && d.where.pointer == c.pointer) {
        found = true;
        EXPECT_GT(d.where.line, 0);
        EXPECT_NE(d.message.find(c.message_part), std::string::npos) << d.message;
      }
    }
    EXPECT_TRUE(found) << FormatDiagnostics(diagnostics);
  }
  std::vector<Diagnostic> diagnostics;
  EXPECT_EQ(Compile(Vocabulary("highest"), &diagnostics), nullptr);
  EXPECT_NE(FormatDiagnostics(diagnostics).find("higher"), std::string::npos)
      << FormatDiagnostics(diagnostics);
}

}  // namespace
}  // namespace modalis
