// Golden cases run against a compiled rule set: a case passes, a wrong expectation fails with a
// line saying what was expected and what came, and the report's ok() follows.
#include "core/plan/golden_cases.h"

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

RuleSource::File Cases(const std::string& text) { return {"test.cases.json", text}; }

const char* kScreenedRedFlagsNo =
    R"("rf_saddle_anaesthesia": false, "rf_bladder_dysfunction": false,
  "rf_bowel_dysfunction": false, "rf_sexual_dysfunction": false,
  "rf_bilateral_leg_symptoms": false, "rf_progressive_neuro_deficit": false)";

TEST(GoldenCasesTest, APassingAndAFailingCase) {
  const std::string text = std::string(R"({"cases": [
    {"id": "saddle", "description": "saddle numbness",
     "findings": {"rf_saddle_anaesthesia": true},
     "expect": {"status": "REFERRED", "referral": "EMERGENCY", "steps": []}},
    {"id": "wrong", "description": "screened, expected wrongly to be referred",
     "findings": {)") + kScreenedRedFlagsNo +
                           R"(},
     "expect": {"referral": "EMERGENCY"}}]})";
  const GoldenReport report = RunGoldenCases(*testing::DefaultRules(), {Cases(text)});
  ASSERT_EQ(report.cases.size(), 2u) << FormatGoldenReport(report, true);
  EXPECT_EQ(report.passed(), 1u);
  EXPECT_EQ(report.failed(), 1u);
  EXPECT_FALSE(report.ok());
  const GoldenCaseResult& wrong = report.cases[1];
  EXPECT_EQ(wrong.id, "wrong");
  ASSERT_FALSE(wrong.details.empty());
  EXPECT_NE(wrong.details[0].find("EMERGENCY"), std::string::npos) << wrong.details[0];
  EXPECT_EQ(wrong.where.file, "test.cases.json");
  EXPECT_GT(wrong.where.line, 1);
  EXPECT_NE(FormatGoldenReport(report).find("wrong"), std::string::npos);
}

TEST(GoldenCasesTest, ABrokenCaseFileIsADiagnosticNotAPass) {
  const GoldenReport report = RunGoldenCases(*testing::DefaultRules(), {Cases("{\"cases\": [")});
  EXPECT_FALSE(report.ok());
  ASSERT_FALSE(report.diagnostics.empty());
  EXPECT_EQ(report.diagnostics[0].where.file, "test.cases.json");
}

TEST(GoldenCasesTest, TheShippedCasesPass) {
  auto source = ReadRuleSource(testing::RulesDir());
  ASSERT_TRUE(source.ok()) << source.status();
  const GoldenReport report = RunGoldenCases(*testing::DefaultRules(), source->cases);
  EXPECT_TRUE(report.ok()) << FormatGoldenReport(report);
  EXPECT_GT(report.passed(), 10u);
}

}  // namespace
}  // namespace modalis
