// The bulk EvaluateAll must give exactly what the plain per-rule walk gives, for
// every rule (unknown included: the planner asks about undecided referrals and exclusions).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "bench/engine/compile_generated.h"
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
  std::vector<Diagnostic> diagnostics;
  auto rules = bench::CompileGenerated(set, &diagnostics);
  EXPECT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  return rules;
}

TEST(RulesEvaluateAllTest, MatchesPlainWalkOnGeneratedRuleSets) {
  for (size_t n : {20u, 500u}) {
    const auto set = bench::Generate(n, 200, static_cast<uint32_t>(n));
    auto rules = CompileGenerated(set);
    ASSERT_NE(rules, nullptr);
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

// Random conditions over the generated vocabulary: every operator, "known" both ways, "not" over
// tests and groups, nesting up to five deep, repeated sub-conditions (shared nodes), "always".
class RandomConditions {
 public:
  explicit RandomConditions(uint32_t seed) : rng_(seed), findings_(bench::detail::Findings()) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  nlohmann::json Values(const std::vector<std::string>& values) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : values) {
      if (Chance(0.4)) out.push_back(v);
    }
    if (out.empty()) out.push_back(values[static_cast<size_t>(Int(0, int(values.size()) - 1))]);
    return out;
  }

  nlohmann::json Test() {
    const auto& f = findings_[static_cast<size_t>(Int(0, int(findings_.size()) - 1))];
    nlohmann::json t = {{"finding", f.code}};
    if (Chance(0.1)) {
      t["known"] = Chance(0.5);
      return t;
    }
    const auto& v = f.values;
    switch (f.kind) {
      case bench::detail::Finding::kNumber: {
        const char* ops[] = {"equals", "above", "at_least", "below", "at_most"};
        const int x = Int(f.lo, f.hi);
        if (Chance(0.2)) {
          t["between"] = {x, Int(x, f.hi)};
        } else {
          t[ops[Int(0, 4)]] = x;
        }
        break;
      }
      case bench::detail::Finding::kBoolean:
        t["equals"] = Chance(0.5);
        break;
      case bench::detail::Finding::kEnum:
        if (Chance(0.5)) {
          t["equals"] = v[static_cast<size_t>(Int(0, int(v.size()) - 1))];
        } else {
          t["one_of"] = Values(v);
        }
        break;
      case bench::detail::Finding::kSet: {
        const int which = Int(0, 2);
        if (which == 0) {
          t["contains"] = v[static_cast<size_t>(Int(0, int(v.size()) - 1))];
        } else {
          t[which == 1 ? "contains_any" : "contains_all"] = Values(v);
        }
        break;
      }
    }
    return t;
  }

  // At most `depth` groups deep; a repeated sub-condition is one of no greater depth.
  nlohmann::json Condition(int depth) {
    const auto& reuse = used_[static_cast<size_t>(Int(0, depth))];
    if (!reuse.empty() && Chance(0.15)) {
      return reuse[static_cast<size_t>(Int(0, int(reuse.size()) - 1))];
    }
    nlohmann::json out;
    if (depth == 0 || Chance(0.35)) {
      out = Test();
    } else if (Chance(0.15)) {
      out = {{"not", Condition(depth - 1)}};
    } else {
      nlohmann::json members = nlohmann::json::array();
      const int n = Int(1, 7);
      for (int i = 0; i < n; ++i) members.push_back(Condition(depth - 1));
      out = {{Chance(0.5) ? "all" : "any", members}};
    }
    used_[static_cast<size_t>(depth)].push_back(out);
    return out;
  }

  nlohmann::json Document() {
    const double missing = Chance(0.2) ? 0.9 : 0.25;
    nlohmann::json doc = nlohmann::json::object();
    for (const auto& f : findings_) {
      if (Chance(missing)) continue;
      switch (f.kind) {
        case bench::detail::Finding::kNumber:
          doc[f.code] = Int(f.lo, f.hi);
          break;
        case bench::detail::Finding::kBoolean:
          doc[f.code] = Chance(0.5);
          break;
        case bench::detail::Finding::kEnum:
          doc[f.code] = f.values[static_cast<size_t>(Int(0, int(f.values.size()) - 1))];
          break;
        case bench::detail::Finding::kSet: {
          nlohmann::json members = nlohmann::json::array();
          for (const auto& v : f.values) {
            if (Chance(0.4)) members.push_back(v);
          }
          doc[f.code] = members;
          break;
        }
      }
    }
    return doc;
  }

 private:
  std::mt19937 rng_;
  std::vector<bench::detail::Finding> findings_;
  std::vector<nlohmann::json> used_[6];  // by depth
};

TEST(RulesEvaluateAllTest, MatchesPlainWalkOnRandomRuleSets) {
  size_t outcomes[3] = {0, 0, 0};
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    RandomConditions gen(seed);
    bench::GeneratedSet set = bench::Generate(0, 0, seed);  // the vocabulary
    nlohmann::json rules = nlohmann::json::array();
    const int count = gen.Int(1, 150);
    for (int r = 0; r < count; ++r) {
      const nlohmann::json when = gen.Chance(0.02) ? nlohmann::json("always") : gen.Condition(5);
      rules.push_back({{"id", "rule-" + std::to_string(r)},
                       {"description", "d"},
                       {"source", "s"},
                       {"when", when},
                       {"then", nlohmann::json::array({{{"advise", "a"}}})}});
    }
    set.rules = nlohmann::json{
        {"id", "random"},
        {"version", "1"},
        {"advice", {{"a", "x"}}},
        {"rules",
         rules}}.dump();
    auto compiled = CompileGenerated(set);
    ASSERT_NE(compiled, nullptr);
    EvaluationScratch scratch;
    for (int d = 0; d < 60; ++d) {
      auto findings =
          DecodeFindings(d == 0 ? nlohmann::json::object() : gen.Document(), compiled->vocabulary);
      ASSERT_TRUE(findings.ok()) << findings.status();
      ExpectSameAsPlainWalk(*compiled, *findings, &scratch);
      for (Tri t : scratch.results()) ++outcomes[static_cast<int>(t)];
    }
  }
  // All three outcomes occur often enough to matter.
  for (size_t n : outcomes) EXPECT_GT(n, 500u);
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
    const auto& actions = rules->rules[r].actions;
    const bool safety = std::any_of(actions.begin(), actions.end(), [](const Action& a) {
      return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude;
    });
    if (safety && scratch.results()[r] == Tri::kUnknown) {
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

TEST(RulesEvaluateAllTest, UndecidedStaysUndecided) {
  // Tests of "known: false", under "not" and inside "any"; findings absent, present and false.
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
  // The vocabulary's constraints bring tests of their own; the two rules share two.
  const ConditionGraph& graph = rules->conditions();
  const Node& shared = graph.node(rules->rules[0].root);
  ASSERT_EQ(graph.children(shared).size(), 2u);
  for (uint32_t child : graph.children(shared)) {
    EXPECT_EQ(graph.node(child).kind, Node::Kind::kTest);
  }
}

// A rule set whose program was never built (or is stale) must not call its rules false: the plain
// walk decides them.
TEST(RulesEvaluateAllTest, WithoutItsProgramEveryRuleIsStillDecided) {
  auto vocabulary = testing::DefaultRules()->vocabulary;
  const FindingDef* age = vocabulary->Find("age");
  ASSERT_NE(age, nullptr);
  CompiledRuleSet rules;
  rules.vocabulary = vocabulary;
  Rule refer;
  refer.id = "older";
  refer.root = rules.mutable_conditions()->AddTest(modalis::Test{age->slot, Op::kAbove, 60, 0, 0});
  rules.rules.push_back(refer);
  EvaluationScratch scratch;
  for (const nlohmann::json& doc :
       {nlohmann::json{{"age", 70}}, nlohmann::json{{"age", 30}}, nlohmann::json::object()}) {
    auto findings = DecodeFindings(doc, vocabulary);
    ASSERT_TRUE(findings.ok());
    ExpectSameAsPlainWalk(rules, *findings, &scratch);
  }
  auto old = DecodeFindings(nlohmann::json{{"age", 70}}, vocabulary);
  rules.EvaluateAll(*old, &scratch);
  EXPECT_EQ(scratch.results()[0], Tri::kTrue);
  // Sealed, then another rule added: the program no longer covers every rule.
  rules.Seal();
  Rule second = refer;
  second.id = "younger";
  second.root = rules.mutable_conditions()->AddTest(modalis::Test{age->slot, Op::kBelow, 40, 0, 0});
  rules.rules.push_back(second);
  auto young = DecodeFindings(nlohmann::json{{"age", 30}}, vocabulary);
  ExpectSameAsPlainWalk(rules, *young, &scratch);
  EXPECT_EQ(scratch.results()[1], Tri::kTrue);
}

}  // namespace
}  // namespace modalis
