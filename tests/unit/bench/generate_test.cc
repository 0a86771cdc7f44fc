// The peer comparison (bench/peers) relies on these properties of the generator: with nothing
// missing, three-valued and two-valued engines must agree, so every rule is decided.
#include <gtest/gtest.h>

#include "bench/engine/compile_generated.h"
#include "bench/engine/generate.h"
#include "core/findings/findings.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

TEST(BenchGenerateTest, CompleteDocumentsRecordEveryFindingAndShareTheRules) {
  const auto partial = bench::Generate(200, 100);
  const auto complete = bench::Generate(200, 100, 20240601, 0.0);
  EXPECT_EQ(complete.rules, partial.rules);
  EXPECT_EQ(complete.vocabulary, partial.vocabulary);
  const auto vocabulary = nlohmann::json::parse(complete.vocabulary)["findings"];
  ASSERT_EQ(complete.documents.size(), 100u);
  for (const auto& doc : complete.documents) {
    EXPECT_EQ(doc.size(), vocabulary.size());
    for (const auto& [code, spec] : vocabulary.items()) EXPECT_TRUE(doc.contains(code)) << code;
  }
  size_t absent = 0;
  for (const auto& doc : partial.documents) absent += vocabulary.size() - doc.size();
  EXPECT_GT(absent, 0u);
}

TEST(BenchGenerateTest, DefaultMissingProbabilityIsUnchanged) {
  const auto implicit = bench::Generate(50, 50, 3);
  const auto explicit_default = bench::Generate(50, 50, 3, bench::kDefaultMissing);
  EXPECT_EQ(implicit.rules, explicit_default.rules);
  EXPECT_EQ(implicit.documents, explicit_default.documents);
}

TEST(BenchGenerateTest, NoRuleIsUndecidedOnCompleteDocuments) {
  const auto set = bench::Generate(200, 100, 20240601, 0.0);
  std::vector<Diagnostic> diagnostics;
  auto rules = bench::CompileGenerated(set, &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  EvaluationScratch scratch;
  size_t fired = 0;
  for (const auto& doc : set.documents) {
    auto findings = DecodeFindings(doc, rules->vocabulary);
    ASSERT_TRUE(findings.ok()) << findings.status();
    rules->EvaluateAll(*findings, &scratch);
    for (Tri t : scratch.results()) EXPECT_NE(t, Tri::kUnknown);
    fired += scratch.fired().size();
  }
  EXPECT_GT(fired, 0u);
}

}  // namespace
}  // namespace modalis
