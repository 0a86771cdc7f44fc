// The indexed, memoised EvaluateAll must give exactly what the plain per-rule walk gives, for
// every rule (unknown included: the planner asks about undecided referrals and exclusions).
#include <gtest/gtest.h>

#include "bench/engine/generate.h"
#include "core/findings/findings.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

void ExpectSameAsPlainWalk(const CompiledRuleSet& rules, const Findings& findings,
                           EvaluationScratch* scratch) {
  rules.EvaluateAll(findings, scratch);
  ASSERT_EQ(scratch->results().size(), rules.rules.size());
  std::vector<uint32_t> fired;
  for (uint32_t r = 0; r < rules.rules.size(); ++r) {
    const Tri plain = rules.Evaluate(rules.rules[r].root, findings);
    EXPECT_EQ(scratch->results()[r], plain) << rules.rules[r].id;
    if (plain == Tri::kTrue) fired.push_back(r);
  }
  EXPECT_EQ(std::vector<uint32_t>(scratch->fired().begin(), scratch->fired().end()), fired);
}

std::shared_ptr<const CompiledRuleSet> CompileGenerated(const bench::GeneratedSet& set) {
  RuleSource source;
  source.vocabulary = {"generated.vocabulary.json", set.vocabulary};
  source.rules = {"generated.rules.json", set.rules};
  std::vector<Diagnostic> diagnostics;
  auto rules = CompileRuleSet(source, PluginRegistry(), &diagnostics);
  EXPECT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  return rules;
}

TEST(RulesEvaluateAllTest, MatchesPlainWalkOnGeneratedRuleSets) {
  for (size_t n : {20u, 500u}) {
    const auto set = bench::Generate(n, 200, static_cast<uint32_t>(n));
    auto rules = CompileGenerated(set);
    ASSERT_NE(rules, nullptr);
    // The index must actually gate most rules, or it saves nothing.
    EXPECT_GT(rules->gated_rules.size(), rules->rules.size() / 2);
    EvaluationScratch scratch;  // reused across documents, as a server thread would
    size_t fired = 0, unknown = 0;
    for (const auto& doc : set.documents) {
      auto findings = DecodeFindings(doc, rules->vocabulary);
      ASSERT_TRUE(findings.ok()) << findings.status();
      ExpectSameAsPlainWalk(*rules, *findings, &scratch);
      fired += scratch.fired().size();
      for (Tri t : scratch.results()) unknown += t == Tri::kUnknown;
    }
    // The documents exercise all three outcomes.
    EXPECT_GT(fired, 0u);
    EXPECT_GT(unknown, 0u);
  }
}

TEST(RulesEvaluateAllTest, MatchesPlainWalkOnTheDefaultRules) {
  auto rules = testing::DefaultRules();
  ASSERT_NE(rules, nullptr);
  EvaluationScratch scratch;
  for (const char* file : {"desk-worker.json", "cauda-equina.json"}) {
    auto doc = nlohmann::json::parse(testing::ReadText(testing::DataFile(file)));
    if (doc.contains("findings")) doc = doc["findings"];
    auto findings = DecodeFindings(doc, rules->vocabulary);
    ASSERT_TRUE(findings.ok()) << findings.status();
    ExpectSameAsPlainWalk(*rules, *findings, &scratch);
  }
  // Nothing recorded: refer and exclude rules are undecided, not false.
  auto empty = DecodeFindings(nlohmann::json::object(), rules->vocabulary);
  ASSERT_TRUE(empty.ok());
  ExpectSameAsPlainWalk(*rules, *empty, &scratch);
  size_t undecided_safety_rules = 0;
  for (uint32_t r = 0; r < rules->rules.size(); ++r) {
    if (rules->rules[r].acts_when_undecided && scratch.results()[r] == Tri::kUnknown) {
      ++undecided_safety_rules;
    }
  }
  EXPECT_GT(undecided_safety_rules, 10u);
}

TEST(RulesEvaluateAllTest, ScratchFollowsTheRuleSetItIsUsedWith) {
  const auto small = bench::Generate(10, 5, 1);
  const auto large = bench::Generate(300, 5, 2);
  auto a = CompileGenerated(small);
  auto b = CompileGenerated(large);
  ASSERT_TRUE(a && b);
  EvaluationScratch scratch;
  for (int round = 0; round < 2; ++round) {
    for (const auto& [rules, set] : {std::pair{a, &small}, std::pair{b, &large}}) {
      auto findings = DecodeFindings(set->documents[0], rules->vocabulary);
      ASSERT_TRUE(findings.ok());
      ExpectSameAsPlainWalk(*rules, *findings, &scratch);
    }
  }
}

TEST(RulesEvaluateAllTest, GatesNeverTurnUndecidedIntoFalse) {
  // Gates on "known: false", under "not" and inside "any"; findings absent, present and false.
  std::vector<Diagnostic> diagnostics;
  auto rules = testing::CompileText(R"({"id": "t", "version": "1", "advice": {"a": "x"},
    "rules": [
      {"id": "unrecorded-age", "description": "d", "source": "s", "then": [{"advise": "a"}],
       "when": {"all": [{"finding": "age", "known": false}, {"finding": "pregnant", "equals": true}]}},
      {"id": "not-pregnant", "description": "d", "source": "s",
       "then": [{"exclude": {"modality": "dry_needling", "reason": "r"}}],
       "when": {"all": [{"not": {"finding": "pregnant", "equals": true}}, {"finding": "age", "above": 60}]}},
      {"id": "shared-in-any", "description": "d", "source": "s",
       "then": [{"refer": {"urgency": "urgent", "reason": "r"}}],
       "when": {"any": [{"all": [{"finding": "age", "above": 60}, {"finding": "osteoporosis", "equals": true}]},
                        {"all": [{"finding": "age", "above": 60}, {"finding": "long_term_steroids", "equals": true}]}]}}
    ]})",
                                    &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EXPECT_FALSE(rules->gate_groups.empty());
  EvaluationScratch scratch;
  const std::vector<nlohmann::json> documents = {
      nlohmann::json::object(),
      {{"age", 70}},
      {{"age", 40}},
      {{"pregnant", true}},
      {{"pregnant", false}, {"age", 70}},
      {{"age", 70}, {"osteoporosis", false}},
      {{"age", 70}, {"osteoporosis", false}, {"long_term_steroids", true}},
      {{"age", 50}, {"osteoporosis", true}, {"long_term_steroids", true}, {"pregnant", true}}};
  for (const auto& doc : documents) {
    SCOPED_TRACE(doc.dump());
    auto findings = DecodeFindings(doc, rules->vocabulary);
    ASSERT_TRUE(findings.ok());
    ExpectSameAsPlainWalk(*rules, *findings, &scratch);
  }
  auto none = DecodeFindings(nlohmann::json::object(), rules->vocabulary);
  rules->EvaluateAll(*none, &scratch);
  EXPECT_EQ(scratch.results()[0], Tri::kUnknown);  // age unrecorded: true; pregnant: unknown
  EXPECT_EQ(scratch.results()[1], Tri::kUnknown);
  EXPECT_EQ(scratch.results()[2], Tri::kUnknown);
}

TEST(RulesEvaluateAllTest, IdenticalConditionsAreOneNode) {
  std::vector<Diagnostic> diagnostics;
  auto rules = testing::CompileText(R"({"id": "t", "version": "1", "advice": {"a": "x", "b": "y"},
    "rules": [
      {"id": "r1", "description": "d", "source": "s", "then": [{"advise": "a"}],
       "when": {"all": [{"finding": "pregnant", "equals": true}, {"finding": "age", "above": 30}]}},
      {"id": "r2", "description": "d", "source": "s", "then": [{"advise": "b"}],
       "when": {"all": [{"finding": "age", "above": 30}, {"finding": "pregnant", "equals": true}]}}
    ]})",
                                    &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(rules->rules[0].root, rules->rules[1].root);
  EXPECT_EQ(rules->tests.size(), 2u);
  EXPECT_EQ(rules->node_shared[rules->rules[0].root], 1);
}

}  // namespace
}  // namespace modalis
