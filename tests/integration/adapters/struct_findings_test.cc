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
#include "tests/support/findings_documents.h"

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
  for (const auto& [label, doc] : testing::ExampleFindings()) ExpectSameAsThroughJson(doc, label);
  const auto cases = testing::GoldenCaseFindings();
  for (const auto& [label, doc] : cases) ExpectSameAsThroughJson(doc, label);
  EXPECT_GT(cases.size(), 100u);
}

TEST(StructFindingsTest, EveryRefusalIsTheSame) {
  for (const auto& [label, doc] : testing::FindingsForEachCheck()) {
    ExpectSameAsThroughJson(doc, label);
  }
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
