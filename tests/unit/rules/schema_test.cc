// Every shipped rule file validates against the JSON Schema its "$schema" names, so an editor
// that follows "$schema" underlines exactly what the compiler would refuse; and the schemas do
// refuse typical mistakes.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/engine_fixture.h"
#include "tests/support/schema_check.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(RulesSchemaTest, EveryShippedFileMatchesTheSchemaItNames) {
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(testing::RulesDir())) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const json document = json::parse(testing::ReadText(entry.path().string()));
    ASSERT_TRUE(document.contains("$schema")) << "every shipped file names its schema";
    const std::string schema = document["$schema"];
    ASSERT_EQ(schema.rfind("schema/", 0), 0u) << schema;
    ASSERT_TRUE(fs::exists(testing::RulesDir() + "/" + schema)) << schema;
    EXPECT_EQ(testing::SchemaProblems(document, schema), "");
    ++checked;
  }
  EXPECT_GE(checked, 3u);  // manifest, vocabulary, rule set (and golden cases when present)
}

json DefaultRules() {
  return json::parse(testing::ReadText(testing::RulesDir() + "/lower-back-pain.rules.json"));
}

TEST(RulesSchemaTest, RuleSetSchemaRefusesTypicalMistakes) {
  json misspelt_operator = DefaultRules();
  misspelt_operator["rules"][0]["when"] = {{"finding", "pregnant"}, {"equal", true}};
  EXPECT_NE(testing::SchemaProblems(misspelt_operator, "schema/rule-set.schema.json"), "");

  json two_tests = DefaultRules();
  two_tests["rules"][0]["when"] = {{"finding", "pain_nprs"}, {"above", 3}, {"below", 8}};
  EXPECT_NE(testing::SchemaProblems(two_tests, "schema/rule-set.schema.json"), "");

  json empty_group = DefaultRules();
  empty_group["rules"][0]["when"] = {{"all", json::array()}};
  EXPECT_NE(testing::SchemaProblems(empty_group, "schema/rule-set.schema.json"), "");

  json bad_urgency = DefaultRules();
  bad_urgency["rules"][0]["then"][0]["refer"]["urgency"] = "soon";
  EXPECT_NE(testing::SchemaProblems(bad_urgency, "schema/rule-set.schema.json"), "");

  json nested_ok = DefaultRules();
  nested_ok["rules"][0]["when"] = {
      {"not", {{"any", {{{"finding", "age"}, {"between", {20, 50}}}, "always"}}}}};
  EXPECT_EQ(testing::SchemaProblems(nested_ok, "schema/rule-set.schema.json"), "");
}

TEST(RulesSchemaTest, VocabularyManifestAndCaseSchemasRefuseMistakes) {
  json vocabulary = json::parse(testing::ReadText(testing::RulesDir() + "/vocabulary.json"));
  vocabulary["findings"]["pregnant"]["type"] = "bool";
  EXPECT_NE(testing::SchemaProblems(vocabulary, "schema/vocabulary.schema.json"), "");

  EXPECT_NE(testing::SchemaProblems(json{{"vocabulary", "vocabulary.json"}},
                                    "schema/manifest.schema.json"),
            "");

  const json good_case = json::parse(R"({"$schema": "schema/cases.schema.json", "cases": [
    {"id": "desk-worker", "description": "d", "source": "s",
     "findings": {"pain_nprs": 6, "work_type": "desk"},
     "request": {"session_minutes": 60, "practitioner": {"qualifications": ["dry_needling"]}},
     "expect": {"status": "COMPLETE", "referral": "NONE", "steps": ["dry_needling"],
                "targets": {"dry_needling": ["quadratus_lumborum"]},
                "pressure": {"myofascial_release": "light"}, "excluded": ["dry_needling"],
                "advice_include": ["desk_setup"], "missing_include": ["rf_history_of_cancer"],
                "course": {"frequency": "weekly", "sessions_min": 4, "sessions_max": 6,
                           "review_after_sessions": 4},
                "cautions_include": {"stretching_active_release": ["osteoporosis"]}}}]})");
  EXPECT_EQ(testing::SchemaProblems(good_case, "schema/cases.schema.json"), "");
  json bad_status = good_case;
  bad_status["cases"][0]["expect"]["status"] = "DONE";
  EXPECT_NE(testing::SchemaProblems(bad_status, "schema/cases.schema.json"), "");
  json no_course = good_case;
  no_course["cases"][0]["expect"]["course"] = "nothing";
  EXPECT_NE(testing::SchemaProblems(no_course, "schema/cases.schema.json"), "");
  json unknown_expectation = good_case;
  unknown_expectation["cases"][0]["expect"]["step"] = json::array();
  EXPECT_NE(testing::SchemaProblems(unknown_expectation, "schema/cases.schema.json"), "");
}

}  // namespace
}  // namespace modalis
