#include "core/common/canonical_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// The canonical text must stay byte for byte what hashing a std::map-ordered copy gave, or the
// rule-set hashes already in clinics' stores would stop matching their rules.
std::string Reference(const nlohmann::ordered_json& document) {
  return nlohmann::json(document).dump();
}

TEST(CanonicalJsonTest, SortsKeysBytewiseAndDropsWhitespace) {
  const auto doc = nlohmann::ordered_json::parse(
      R"({"b": [1, 2.5, -3, 1e300, "x\"y"], "a": {"z": null, "Z": true, "é": false}, "": {}})");
  EXPECT_EQ(CanonicalJson(doc),
            R"({"":{},"a":{"Z":true,"z":null,"é":false},"b":[1,2.5,-3,1e+300,"x\"y"]})");
  EXPECT_EQ(CanonicalJson(doc), Reference(doc));
}

TEST(CanonicalJsonTest, EscapesAndNumbersAsTheReferenceDoes) {
  const auto doc = nlohmann::ordered_json::parse(
      R"({"k\u0001\t": ["\u001f\u007f\b\f\r\n\\/", 3.0, -0.0, 18446744073709551615,
          -9223372036854775808, 0.1, 1e-7, 123456789012345678901234567890]})");
  EXPECT_EQ(CanonicalJson(doc), Reference(doc));
}

TEST(CanonicalJsonTest, MatchesTheReferenceOnEveryShippedRuleFile) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::RulesDir())) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto doc = nlohmann::ordered_json::parse(text.str());
    EXPECT_EQ(CanonicalJson(doc), Reference(doc)) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 4u);
}

// Random documents with keys that differ in case, prefix and non-ASCII bytes, and numbers of
// every kind.
nlohmann::ordered_json RandomValue(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 4 : 6);
  const char* keys[] = {"a", "A", "ab", "b", "", "é", "a\u0001", "Zz", "z", "10", "9"};
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2:
      return std::uniform_int_distribution<int64_t>(-1'000'000'000'000, 1'000'000'000'000)(rng);
    case 3:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    case 4:
      return std::string(keys[std::uniform_int_distribution<size_t>(0, 10)(rng)]) + "\"\\\n";
    case 5: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i) {
        array.push_back(RandomValue(rng, depth + 1));
      }
      return array;
    }
    default: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (int i = std::uniform_int_distribution<int>(0, 6)(rng); i > 0; --i) {
        object[keys[std::uniform_int_distribution<size_t>(0, 10)(rng)]] =
            RandomValue(rng, depth + 1);
      }
      return object;
    }
  }
}

TEST(CanonicalJsonTest, MatchesTheReferenceOnRandomDocuments) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    const nlohmann::ordered_json doc = RandomValue(rng, 0);
    ASSERT_EQ(CanonicalJson(doc), Reference(doc)) << doc.dump();
  }
}

}  // namespace
}  // namespace modalis
