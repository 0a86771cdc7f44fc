// The host's own check of a rule's params against a plugin's param_schema_json.
#include "core/plugins/param_schema.h"

#include <gtest/gtest.h>

namespace modalis {
namespace {

constexpr const char* kHeat = R"({"type": "object", "additionalProperties": false,
  "properties": {"method": {"enum": ["pack", "wrap"]},
                 "layers": {"type": "integer", "minimum": 1, "maximum": 3}}})";

std::unique_ptr<ParamSchema> Heat() {
  auto schema = ParamSchema::Compile(kHeat);
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *std::move(schema) : nullptr;
}

TEST(ParamSchemaTest, ParamsOfTheDeclaredShapePass) {
  auto schema = Heat();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->Check("{}"), "");
  EXPECT_EQ(schema->Check(R"({"method": "wrap", "layers": 2})"), "");
}

TEST(ParamSchemaTest, AValueOutsideTheEnumIsNamedByItsPointerWithTheAllowedValues) {
  auto schema = Heat();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->Check(R"({"method": "sauna"})"),
            R"(params /method must be one of pack, wrap (found "sauna"))");
}

TEST(ParamSchemaTest, WrongTypeOutOfRangeAndUnknownKeysAreRefused) {
  auto schema = Heat();
  ASSERT_NE(schema, nullptr);
  EXPECT_NE(schema->Check(R"({"layers": "two"})").find("/layers"), std::string::npos);
  EXPECT_NE(schema->Check(R"({"layers": 4})").find("/layers"), std::string::npos);
  EXPECT_EQ(schema->Check(R"({"temperature": 60})"),
            "unknown param 'temperature' (known: layers, method)");
  auto none = ParamSchema::Compile(R"({"type": "object", "additionalProperties": false})");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->Check(R"({"depth": 3})"),
            "unknown param 'depth' (this modality takes no params)");
  EXPECT_NE(schema->Check("[1]"), "");
  EXPECT_EQ(schema->Check("{not json"), "the params are not valid JSON");
}

TEST(ParamSchemaTest, ASchemaThatIsNotJsonOrNotUsableIsRefused) {
  EXPECT_EQ(ParamSchema::Compile("{\"type\": ").status().message(),
            "param_schema_json is not valid JSON");
  EXPECT_EQ(ParamSchema::Compile("[]").status().message(),
            "param_schema_json is not a JSON Schema object");
  // A schema must stand alone: nothing is fetched from elsewhere.
  auto remote = ParamSchema::Compile(R"({"$ref": "https://example.org/heat.json"})");
  EXPECT_FALSE(remote.ok());
  EXPECT_NE(remote.status().message().find("not a usable JSON Schema"), std::string::npos)
      << remote.status();
}

}  // namespace
}  // namespace modalis
