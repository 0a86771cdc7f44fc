// Findings read straight from a protobuf Struct must decode exactly as they did through JSON:
// the same findings, or the same refusal with the same message and field violations. The
// reference is the former path, StructToJson then DecodeFindings.
#include "adapters/struct_findings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "adapters/plan_proto.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;

void ExpectSameAsThroughJson(const google::protobuf::Struct& s, const std::string& label) {
  SCOPED_TRACE(label);
  auto vocabulary = testing::DefaultRules()->vocabulary;
  const FindingsLimits limits;
  absl::StatusOr<Findings> before = [&]() -> absl::StatusOr<Findings> {
    auto as_json = StructToJson(s);
    if (!as_json.ok()) return as_json.status();
    return DecodeFindings(*as_json, vocabulary, limits);
  }();
  absl::StatusOr<Findings> after = DecodeFindingsStruct(s, vocabulary, limits);
  ASSERT_EQ(after.ok(), before.ok()) << (after.ok() ? before.status() : after.status());
  if (before.ok()) {
    EXPECT_EQ(after->ToJson(), before->ToJson());
    return;
  }
  EXPECT_EQ(after.status().code(), before.status().code());
  EXPECT_EQ(after.status().message(), before.status().message());
  const auto a = FieldViolationsOf(after.status());
  const auto b = FieldViolationsOf(before.status());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].field, b[i].field);
    EXPECT_EQ(a[i].description, b[i].description);
  }
}

void ExpectSameAsThroughJson(const json& document, const std::string& label) {
  auto s = JsonToStruct(document);
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectSameAsThroughJson(*s, label + ": " + document.dump().substr(0, 200));
}

TEST(StructFindingsTest, EveryShippedAndTestDocumentDecodesAsThroughJson) {
  size_t documents = 0;
  for (const char* file : {"desk-worker.json", "cauda-equina.json", "desk-worker-request.json"}) {
    json doc = json::parse(testing::ReadText(testing::DataFile(file)));
    if (doc.contains("findings")) doc = doc["findings"];
    ExpectSameAsThroughJson(doc, file);
    ++documents;
  }
  for (const char* file :
       {"lower-back-pain.cases.json", "lower-back-pain.safety-cells.cases.json"}) {
    const json cases = json::parse(testing::ReadText(testing::RulesDir() + "/" + file));
    for (const json& c : cases["cases"]) {
      ExpectSameAsThroughJson(c["findings"], c.value("id", "?"));
      ++documents;
    }
  }
  EXPECT_GT(documents, 100u);
}

TEST(StructFindingsTest, EveryRefusalIsTheSame) {
  json too_deep = 1;
  for (int i = 0; i < 20; ++i) too_deep = json::array({too_deep});
  json deep_but_fits = 1;
  for (int i = 0; i < 15; ++i) deep_but_fits = json::array({deep_but_fits});
  json nested_objects = 1;
  for (int i = 0; i < 16; ++i) nested_objects = json{{"a", nested_objects}};
  const std::string long_text(300, 'x');
  json too_many = json::object();
  for (int i = 0; i < 300; ++i) too_many["f" + std::to_string(i)] = i;
  json many_items = json::array();
  for (int i = 0; i < 80; ++i) many_items.push_back("quadratus_lumborum");
  const std::vector<std::pair<std::string, json>> documents = {
      {"empty", json::object()},
      {"unknown finding", {{"pregnnant", true}}},
      {"unknown long code", {{long_text, true}}},
      {"string for a number", {{"pain_nprs", "six"}}},
      {"number for a boolean", {{"pregnant", 1}}},
      {"object for a boolean", {{"pregnant", {{"a", 1}}}}},
      {"list for an enum", {{"work_type", json::array({"desk"})}}},
      {"misspelt enum value", {{"work_type", "offise"}}},
      {"out of range", {{"pain_nprs", 11}}},
      {"not whole", {{"age", 40.5}}},
      {"number in a set", {{"trigger_points", json::array({1})}}},
      {"misspelt set value", {{"trigger_points", json::array({"piriformes"})}}},
      {"set not a list", {{"trigger_points", "piriformis"}}},
      {"too many items", {{"trigger_points", many_items}}},
      {"text list item too long", {{"medications", json::array({long_text})}}},
      {"null is unknown", {{"pregnant", nullptr}, {"pain_nprs", 4}}},
      {"several problems, in key order", {{"zzz", 1}, {"pain_nprs", -1}, {"aaa", 2}}},
      {"too deep", {{"pain_nprs", too_deep}}},
      {"deep objects", {{"pregnant", nested_objects}}},
      {"deep but within the limit", {{"pregnant", deep_but_fits}}},
      {"too deep and unknown", {{"nope", too_deep}, {"pain_nprs", "x"}}},
      {"too many findings", too_many},
  };
  for (const auto& [label, doc] : documents) ExpectSameAsThroughJson(doc, label);
}

TEST(StructFindingsTest, AValueWithNoKindIsUnknown) {
  google::protobuf::Struct s;
  (*s.mutable_fields())["pregnant"];  // a Value with no kind set
  (*s.mutable_fields())["pain_nprs"].set_number_value(5);
  auto findings = DecodeFindingsStruct(s, testing::DefaultRules()->vocabulary, FindingsLimits{});
  ASSERT_TRUE(findings.ok()) << findings.status();
  EXPECT_EQ(findings->ToJson(), (json{{"pain_nprs", 5.0}}));
  ExpectSameAsThroughJson(s, "no kind");
}

}  // namespace
}  // namespace modalis
