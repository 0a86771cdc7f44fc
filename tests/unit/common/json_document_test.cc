#include "core/common/json_document.h"

#include <gtest/gtest.h>

namespace modalis {
namespace {

TEST(JsonDocumentTest, LocatesValuesByPointer) {
  std::vector<Diagnostic> d;
  auto doc =
      JsonDocument::Parse("{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": true\n}", "f.json", &d);
  ASSERT_TRUE(d.empty());
  auto b = doc.Locate("/a/1/b");
  EXPECT_EQ(b.line, 2);
  EXPECT_EQ(b.column, 18);
  auto c = doc.Locate("/c");
  EXPECT_EQ(c.line, 3);
  EXPECT_EQ(c.column, 8);
  EXPECT_EQ(doc.Locate("/a/0").column, 9);
}

TEST(JsonDocumentTest, DuplicateKeyIsAnErrorNamingBothPlaces) {
  std::vector<Diagnostic> d;
  JsonDocument::Parse("{\"id\": \"a\",\n \"id\": \"b\"}", "f.json", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "duplicate-key");
  EXPECT_EQ(d[0].where.line, 2);
  EXPECT_EQ(d[0].where.column, 2);
  EXPECT_NE(d[0].message.find("first at line 1"), std::string::npos) << d[0].message;
  EXPECT_EQ(d[0].ToString().rfind("f.json:2:2: error: ", 0), 0u) << d[0].ToString();
}

// A duplicate whose value is a container: the first value is kept whole, the second is parsed
// but kept apart, and the members after it still land in the right object with their positions.
TEST(JsonDocumentTest, DuplicateContainerKeepsTheFirstAndLaterMembersStillLand) {
  std::vector<Diagnostic> d;
  const JsonDocument doc = JsonDocument::Parse(
      "{\"a\": {\"x\": [1, 2]},\n \"a\": {\"y\": {\"z\": 3}},\n \"b\": [{\"c\": true}]}", "f.json",
      &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "duplicate-key");
  EXPECT_EQ(d[0].where.pointer, "/a");
  EXPECT_EQ(doc.root(),
            nlohmann::ordered_json::parse(R"({"a": {"x": [1, 2]}, "b": [{"c": true}]})"));
  EXPECT_EQ(doc.Locate("/a/x/1").line, 1);
  EXPECT_EQ(doc.Locate("/a/x/1").column, 17);
  EXPECT_EQ(doc.Locate("/b/0/c").line, 3);
  EXPECT_EQ(doc.Locate("/b/0/c").column, 14);
}

TEST(JsonDocumentTest, MalformedJsonReportsPosition) {
  std::vector<Diagnostic> d;
  JsonDocument::Parse("{\n  \"a\": 1,\n  \"b\": }\n", "f.json", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "malformed-json");
  EXPECT_EQ(d[0].where.line, 3);
}

// A syntax error is named by its likely cause, where it was made: not "unexpected string" on the
// line after a missing comma.
TEST(JsonDocumentTest, MissingAndTrailingCommasAreNamedWhereTheyWereMade) {
  std::vector<Diagnostic> d;
  JsonDocument::Parse("{\n  \"a\": 1\n  \"b\": 2\n}\n", "f.json", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "malformed-json");
  EXPECT_EQ(d[0].where.line, 2);
  EXPECT_EQ(d[0].where.column, 9);
  EXPECT_EQ(d[0].message.rfind("missing comma at the end of line 2?", 0), 0u) << d[0].message;

  d.clear();
  JsonDocument::Parse("{\n  \"a\": [1, 2],\n}\n", "f.json", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].where.line, 2);
  EXPECT_EQ(d[0].where.column, 14);
  EXPECT_EQ(
      d[0].message.rfind("a comma before a closing '}': remove the comma at the end of line 2", 0),
      0u)
      << d[0].message;
}

TEST(JsonDocumentTest, EmptyFileIsReported) {
  std::vector<Diagnostic> d;
  JsonDocument::Parse("  \n", "empty.json", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("empty"), std::string::npos);
}

TEST(JsonDocumentTest, DepthLimitStopsDeepNesting) {
  std::vector<Diagnostic> d;
  JsonDocument::Parse(std::string(100, '[') + std::string(100, ']'), "deep.json", &d,
                      JsonLimits{1024, 10});
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].id, "too-deep");
}

}  // namespace
}  // namespace modalis
