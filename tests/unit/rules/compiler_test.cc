// Compilation errors and three-valued evaluation of rule conditions.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "core/findings/findings.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;
using testing::CompileText;

std::string RuleSetWith(const std::string& when) {
  return R"({"id": "t", "version": "1",
  "advice": {"a": "text"},
  "rules": [{"id": "r1", "description": "d", "source": "s",
             "when": )" +
         when + R"(,
             "then": [{"advise": "a"}]}]})";
}

// Truth of rule r1 of a one-rule set for `findings`.
Tri Eval(const std::string& when, const json& findings) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileText(RuleSetWith(when), &diagnostics);
  EXPECT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  if (rules == nullptr) return Tri::kUnknown;
  auto f = DecodeFindings(findings, rules->vocabulary);
  EXPECT_TRUE(f.ok()) << f.status();
  return rules->Evaluate(rules->rules[0].root, *f);
}

TEST(RulesEvalTest, EqualsOnBooleanEnumAndNumber) {
  EXPECT_EQ(Eval(R"({"finding": "pregnant", "equals": true})", {{"pregnant", true}}), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pregnant", "equals": true})", {{"pregnant", false}}), Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "work_type", "equals": "desk"})", {{"work_type", "desk"}}),
            Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "work_type", "equals": "desk"})", {{"work_type", "manual"}}),
            Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "equals": 4})", {{"pain_nprs", 4}}), Tri::kTrue);
}

TEST(RulesEvalTest, ContainsAndComparisons) {
  const json f = {{"aggravating", {"sitting", "lifting"}}, {"pain_nprs", 6}};
  EXPECT_EQ(Eval(R"({"finding": "aggravating", "contains": "sitting"})", f), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "aggravating", "contains": "walking"})", f), Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "aggravating", "contains_all": ["sitting", "walking"]})", f),
            Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "aggravating", "contains_any": ["walking", "lifting"]})", f),
            Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "above": 5})", f), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "above": 6})", f), Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "at_least": 6})", f), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "below": 6})", f), Tri::kFalse);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "at_most": 6})", f), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pain_nprs", "between": [4, 6]})", f), Tri::kTrue);
}

TEST(RulesEvalTest, MissingFindingIsUnknownNeverFalse) {
  EXPECT_EQ(Eval(R"({"finding": "pregnant", "equals": true})", json::object()), Tri::kUnknown);
  EXPECT_EQ(Eval(R"({"not": {"finding": "pregnant", "equals": true}})", json::object()),
            Tri::kUnknown);
  EXPECT_EQ(Eval(R"({"finding": "pregnant", "known": false})", json::object()), Tri::kTrue);
  EXPECT_EQ(Eval(R"({"finding": "pregnant", "known": true})", json::object()), Tri::kFalse);
}

TEST(RulesEvalTest, KleeneAllAndAny) {
  const std::string all =
      R"({"all": [{"finding": "pregnant", "equals": true}, {"finding": "age", "above": 30}]})";
  const std::string any =
      R"({"any": [{"finding": "pregnant", "equals": true}, {"finding": "age", "above": 30}]})";
  // unknown AND false = false; unknown AND true = unknown.
  EXPECT_EQ(Eval(all, {{"age", 20}}), Tri::kFalse);
  EXPECT_EQ(Eval(all, {{"age", 40}}), Tri::kUnknown);
  EXPECT_EQ(Eval(all, {{"age", 40}, {"pregnant", true}}), Tri::kTrue);
  // unknown OR true = true; unknown OR false = unknown.
  EXPECT_EQ(Eval(any, {{"age", 40}}), Tri::kTrue);
  EXPECT_EQ(Eval(any, {{"age", 20}}), Tri::kUnknown);
  EXPECT_EQ(Eval(any, {{"age", 20}, {"pregnant", false}}), Tri::kFalse);
}

TEST(RulesCompileTest, UnknownFindingIsLocatedWithSuggestion) {
  std::vector<Diagnostic> diagnostics;
  auto rules =
      CompileText(RuleSetWith(R"({"finding": "pregnnant", "equals": true})"), &diagnostics);
  EXPECT_EQ(rules, nullptr);
  ASSERT_EQ(diagnostics.size(), 1u);
  const Diagnostic& d = diagnostics[0];
  EXPECT_EQ(d.id, "unknown-finding");
  EXPECT_EQ(d.where.file, "test.rules.json");
  EXPECT_EQ(d.where.line, 4);
  EXPECT_EQ(d.where.pointer, "/rules/0/when/finding");
  EXPECT_NE(d.message.find("did you mean 'pregnant'"), std::string::npos) << d.message;
}

TEST(RulesCompileTest, ReportsEveryErrorInOnePass) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileText(R"({"id": "t", "version": "1",
    "rules": [
      {"id": "a", "description": "d", "source": "s",
       "when": {"finding": "pain_nprs", "equal": 4}, "then": [{"advise": "nope"}]},
      {"id": "a", "description": "d", "source": "s",
       "when": {"finding": "work_type", "equals": "offise"},
       "then": [{"suggest": {"modality": "dry_needling", "params": {"depth": 3}}}]},
      {"id": "b", "description": "d", "source": "s", "when": {"all": []},
       "then": [{"exclude": {"modality": "cupping", "reason": "x"}}]}
    ]})",
                           &diagnostics);
  EXPECT_EQ(rules, nullptr);
  std::vector<std::string> ids;
  for (const auto& d : diagnostics) ids.push_back(d.id);
  for (const char* expected : {"unknown-operator", "unknown-advice", "duplicate-rule-id",
                               "unknown-value", "bad-params", "empty-group", "unknown-modality"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), expected), ids.end())
        << expected << "\n"
        << FormatDiagnostics(diagnostics);
  }
}

TEST(RulesCompileTest, OperatorMustFitTheFindingType) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileText(RuleSetWith(R"({"finding": "pregnant", "above": 3})"), &diagnostics);
  EXPECT_EQ(rules, nullptr);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].id, "type-mismatch");
}

TEST(RulesCompileTest, ShippedRuleSetCompilesWithoutWarnings) {
  auto source = ReadRuleSource(testing::RulesDir());
  ASSERT_TRUE(source.ok()) << source.status();
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(*source, *testing::RealPlugins(), &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(rules->sha256.size(), 64u);
}

TEST(RulesCompileTest, HashIgnoresFormattingButNotContent) {
  const std::string a = RuleSetWith(R"({"finding": "pregnant", "equals": true})");
  std::string reformatted = a;
  reformatted.erase(std::remove(reformatted.begin(), reformatted.end(), '\n'), reformatted.end());
  std::vector<Diagnostic> d;
  auto x = CompileText(a, &d);
  auto y = CompileText(reformatted, &d);
  auto z = CompileText(RuleSetWith(R"({"finding": "pregnant", "equals": false})"), &d);
  ASSERT_TRUE(x && y && z);
  EXPECT_EQ(x->sha256, y->sha256);
  EXPECT_NE(x->sha256, z->sha256);
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

// The shipped rule set compiled against a vocabulary edited by `edit`.
std::shared_ptr<const CompiledRuleSet> CompileWithVocabulary(
    const std::function<void(nlohmann::ordered_json*)>& edit, std::vector<Diagnostic>* diagnostics,
    const std::string& rules_text = testing::ReadText(testing::RulesDir() +
                                                      "/lower-back-pain.rules.json")) {
  auto vocabulary =
      nlohmann::ordered_json::parse(testing::ReadText(testing::RulesDir() + "/vocabulary.json"));
  edit(&vocabulary);
  RuleSource source;
  source.vocabulary = {"vocabulary.json", vocabulary.dump(2)};
  source.rules = {"rules.json", rules_text};
  return CompileRuleSet(source, *testing::RealPlugins(), diagnostics);
}

bool HasDiagnostic(const std::vector<Diagnostic>& diagnostics, const std::string& id,
                   Diagnostic::Severity severity) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [&](const Diagnostic& d) { return d.id == id && d.severity == severity; });
}

// A modality whose required-known finding the vocabulary lacks could never be suggested, and would
// vanish from every plan with no exclusion and no question: the rule set is refused instead.
TEST(PluginSafetyCompileTest, RequiredKnownFindingMissingFromTheVocabularyIsAnError) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileWithVocabulary(
      [](nlohmann::ordered_json* v) { (*v)["findings"].erase("ear_infection"); }, &diagnostics,
      R"({"id": "ear", "version": "1", "rules": [{"id": "suggest.ear", "description": "d",
          "source": "s", "when": "always",
          "then": [{"suggest": {"modality": "auricular_acupuncture"}}]}]})");
  EXPECT_EQ(rules, nullptr);
  EXPECT_TRUE(
      HasDiagnostic(diagnostics, "plugin-requires-unknown-finding", Diagnostic::Severity::kError))
      << FormatDiagnostics(diagnostics);
}

// A plugin floor naming a finding the vocabulary lacks cannot be evaluated: refused, located in
// the plugin's declaration.
TEST(PluginSafetyCompileTest, FloorOnAFindingMissingFromTheVocabularyIsAnError) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileWithVocabulary(
      [](nlohmann::ordered_json* v) { (*v)["findings"].erase("epilepsy"); }, &diagnostics);
  EXPECT_EQ(rules, nullptr);
  bool located = false;
  for (const Diagnostic& d : diagnostics) {
    located |= d.id == "unknown-finding" &&
               d.where.file.find("modalis_dry_needling.so (safety_json)") != std::string::npos;
  }
  EXPECT_TRUE(located) << FormatDiagnostics(diagnostics);
}

TEST(PluginSafetyCompileTest, FloorsAndCautionsCompileIntoRulesOfTheirPlugin) {
  auto rules = testing::DefaultRules();
  size_t floors = 0;
  size_t cautions = 0;
  for (const Rule& r : rules->rules) {
    if (r.plugin.empty()) continue;
    EXPECT_EQ(r.id.rfind("plugin:" + r.plugin + ":", 0), 0u) << r.id;
    for (const Action& a : r.actions) {
      floors += a.kind == Action::Kind::kExclude;
      cautions += a.kind == Action::Kind::kCaution;
    }
  }
  EXPECT_EQ(floors, 14u);   // 7 dry needling, 3 auricular, 2 myofascial, 2 stretching
  EXPECT_EQ(cautions, 9u);  // 4 dry needling, 1 auricular, 4 stretching
}

// A side that is a group rather than one test is refused by the vocabulary's schema (each side
// names its "finding"); a side of the right shape must name a finding the vocabulary has.
TEST(ConstraintCompileTest, ConstraintsNeedOneTestPerSideAndKnownFindings) {
  auto with_sides = [](nlohmann::ordered_json first, nlohmann::ordered_json second) {
    return [=](nlohmann::ordered_json* v) {
      (*v)["constraints"].push_back(
          {{"id", "bad"}, {"description", "d"}, {"not_both", {first, second}}});
    };
  };
  const nlohmann::ordered_json pregnant = {{"finding", "pregnant"}, {"equals", true}};
  std::vector<Diagnostic> group;
  EXPECT_EQ(CompileWithVocabulary(with_sides({{"all", {pregnant}}}, pregnant), &group), nullptr);
  EXPECT_TRUE(HasDiagnostic(group, "missing-field", Diagnostic::Severity::kError))
      << FormatDiagnostics(group);

  std::vector<Diagnostic> misspelt;
  EXPECT_EQ(CompileWithVocabulary(with_sides(pregnant, {{"finding", "pregnnat"}, {"equals", true}}),
                                  &misspelt),
            nullptr);
  EXPECT_TRUE(HasDiagnostic(misspelt, "unknown-finding", Diagnostic::Severity::kError))
      << FormatDiagnostics(misspelt);
}

TEST(ConstraintCompileTest, RelatedSafetyFindingsWithNoConstraintAreWarnedAbout) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileWithVocabulary(
      [](nlohmann::ordered_json* v) { (*v)["constraints"] = nlohmann::ordered_json::array(); },
      &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  std::vector<std::string> warned;
  for (const Diagnostic& d : diagnostics) {
    if (d.id == "unlinked-safety-finding") warned.push_back(d.message);
  }
  auto mentions = [&](const std::string& a, const std::string& b) {
    return std::any_of(warned.begin(), warned.end(), [&](const std::string& m) {
      return m.find("'" + a + "'") != std::string::npos &&
             m.find("'" + b + "'") != std::string::npos;
    });
  };
  EXPECT_TRUE(mentions("pregnant", "pregnancy_trimester"));
  EXPECT_TRUE(mentions("needle_phobia", "needling_consent"));
  // The shipped vocabulary declares them: no warning.
  diagnostics.clear();
  ASSERT_NE(CompileWithVocabulary([](nlohmann::ordered_json*) {}, &diagnostics), nullptr);
  EXPECT_FALSE(
      HasDiagnostic(diagnostics, "unlinked-safety-finding", Diagnostic::Severity::kWarning))
      << FormatDiagnostics(diagnostics);
}

TEST(VocabularyRegionsTest, EveryValueOfARegionFindingMustBeMapped) {
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileWithVocabulary(
      [](nlohmann::ordered_json* v) {
        (*v)["findings"]["lymphoedema_region"]["regions"].erase("arm");
        (*v)["findings"]["recent_surgery_site"]["regions"]["hip"] = {"glutael"};
      },
      &diagnostics);
  EXPECT_EQ(rules, nullptr);
  EXPECT_TRUE(HasDiagnostic(diagnostics, "missing-value", Diagnostic::Severity::kError));
  EXPECT_TRUE(HasDiagnostic(diagnostics, "unknown-region", Diagnostic::Severity::kError));
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

// A therapist finds a rule by its id and its place counted from 1; the pointer stays for tools.
TEST(RuleDiagnosticsTest, MessagesNameTheRuleByIdAndPlaceCountedFromOne) {
  std::vector<Diagnostic> diagnostics;
  auto rules = testing::CompileText(R"({"id": "t", "version": "1", "advice": {"a": "x"},
    "rules": [
      {"id": "first", "description": "d", "source": "s", "then": [{"advise": "a"}],
       "when": {"finding": "pregnant", "equals": true}},
      {"id": "second", "description": "d", "source": "s", "then": [{"advise": "a"}],
       "when": {"finding": "pregnnant", "equals": true}}
    ]})",
                                    &diagnostics);
  EXPECT_EQ(rules, nullptr);
  ASSERT_EQ(diagnostics.size(), 1u) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(diagnostics[0].message.rfind("rule `second` (2nd): 'pregnnant' is not a finding", 0),
            0u)
      << diagnostics[0].message;
  EXPECT_EQ(diagnostics[0].where.pointer, "/rules/1/when/finding");
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

std::string Describe(const Assignment& a, const Vocabulary& v) {
  return v.at(a.slot).code + "=" +
         (a.unknown ? std::string("unknown") : std::to_string(a.value.number));
}

// How each shipped constraint reads a conflict: believe one record, or the other (the first
// reading is the one steps are built from).
TEST(ConstraintCompileTest, ShippedConstraintsReadTheConflictEveryWay) {
  auto rules = testing::DefaultRules();
  std::map<std::string, std::vector<std::vector<std::string>>> readings;
  std::map<std::string, std::string> fill;
  for (const Constraint& c : rules->constraints) {
    for (const auto& reading : c.readings) {
      std::vector<std::string> out;
      for (const Assignment& a : reading) out.push_back(Describe(a, *rules->vocabulary));
      readings[c.id].push_back(out);
    }
    if (c.fill.slot != kNoSlot) fill[c.id] = Describe(c.fill, *rules->vocabulary);
  }
  using Readings = std::vector<std::vector<std::string>>;
  EXPECT_EQ(readings["needle-phobia-with-consent"],
            (Readings{{"needling_consent=0.000000"}, {"needle_phobia=0.000000"}}));
  EXPECT_EQ(readings["trimester-without-pregnancy"],
            (Readings{{"pregnant=1.000000"}, {"pregnancy_trimester=unknown"}}));
  // neuro_deficit: none, sensory, motor, sensory_motor.
  EXPECT_EQ(readings["progressive-deficit-without-deficit"],
            (Readings{{"neuro_deficit=1.000000"},
                      {"neuro_deficit=2.000000"},
                      {"neuro_deficit=3.000000"},
                      {"rf_progressive_neuro_deficit=0.000000"}}));
  EXPECT_EQ(
      fill,
      (std::map<std::string, std::string>{{"trimester-without-pregnancy", "pregnant=1.000000"}}));
}

}  // namespace
}  // namespace modalis
