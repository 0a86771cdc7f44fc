// The findings vocabulary as the loader reads it: the bounds it enforces, with the place named.
#include "core/findings/vocabulary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/common/json_document.h"

namespace modalis {
namespace {

using nlohmann::json;

std::shared_ptr<const Vocabulary> Load(const json& doc, std::vector<Diagnostic>* diagnostics) {
  JsonDocument parsed = JsonDocument::Parse(doc.dump(1), "vocabulary.json", diagnostics);
  return Vocabulary::FromDocument(parsed, {}, diagnostics);
}

json WithValues(const std::string& type, int count) {
  json values = json::array();
  for (int i = 0; i < count; ++i) values.push_back("v" + std::to_string(i));
  return json{{"id", "test"},
              {"version", "1.0.0"},
              {"findings", {{"choice", {{"type", type}, {"values", values}}}}}};
}

// Set members and the values an enum test accepts live in a 64-bit mask: 64 values load, 65 are
// refused where they are declared (an enum of 65 once reached an undefined shift in the compiler).
TEST(VocabularyTest, SetAndEnumFindingsHoldAtMost64Values) {
  for (const std::string type : {"enum", "set"}) {
    std::vector<Diagnostic> at_limit;
    EXPECT_NE(Load(WithValues(type, 64), &at_limit), nullptr) << type;
    EXPECT_FALSE(HasErrors(at_limit)) << at_limit[0].ToString();
    std::vector<Diagnostic> past;
    Load(WithValues(type, 65), &past);
    ASSERT_TRUE(HasErrors(past)) << type;
    EXPECT_EQ(past[0].id, "too-many-values") << type;
    EXPECT_EQ(past[0].where.pointer, "/findings/choice") << type;
    EXPECT_NE(past[0].message.find("'choice' has 65 values"), std::string::npos) << past[0].message;
  }
}

}  // namespace
}  // namespace modalis
