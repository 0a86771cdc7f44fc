#include "core/findings/findings.h"

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;

std::shared_ptr<const Vocabulary> Vocab() { return testing::DefaultRules()->vocabulary; }

TEST(FindingsTest, VocabularyHasEveryContractCode) {
  // A sample across every type; the notes app depends on these exact codes.
  for (const char* code :
       {"age", "pregnancy_trimester", "work_type", "medications", "pain_nprs", "aggravating",
        "rf_saddle_anaesthesia", "lymphoedema_region", "trigger_points", "startback_risk",
        "modality_declined", "baseline_pain_nprs"}) {
    EXPECT_NE(Vocab()->Find(code), nullptr) << code;
  }
  EXPECT_EQ(Vocab()->size(), 67u);
}

TEST(FindingsTest, DecodesEachType) {
  auto f = DecodeFindings(json{{"age", 42},
                               {"pregnant", false},
                               {"pain_nprs", 6.5},
                               {"work_type", "desk"},
                               {"aggravating", {"sitting", "bending"}},
                               {"medications", {"naproxen 500mg"}},
                               {"trigger_points", {"piriformis"}}},
                          Vocab());
  ASSERT_TRUE(f.ok()) << f.status();
  const Vocabulary& v = *Vocab();
  EXPECT_EQ(f->value(v.Find("age")->slot).number, 42);
  EXPECT_TRUE(f->known(v.Find("pregnant")->slot));
  EXPECT_EQ(f->value(v.Find("pregnant")->slot).number, 0);
  EXPECT_EQ(f->value(v.Find("work_type")->slot).number, 0);  // "desk" is the first value
  EXPECT_EQ(f->value(v.Find("aggravating")->slot).bits, 0b11u);
  EXPECT_EQ(f->texts(v.Find("medications")->slot).at(0), "naproxen 500mg");
  EXPECT_FALSE(f->known(v.Find("needle_phobia")->slot));
  EXPECT_EQ(f->ToJson()["aggravating"], json({"sitting", "bending"}));
}

TEST(FindingsTest, NullMeansUnknownNotFalse) {
  auto f = DecodeFindings(json{{"needle_phobia", nullptr}}, Vocab());
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->known(Vocab()->Find("needle_phobia")->slot));
}

TEST(FindingsTest, UnknownCodeIsRejectedWithSuggestion) {
  auto f = DecodeFindings(json{{"pain_nrps", 5}}, Vocab());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = FieldViolationsOf(f.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "pain_nrps");
  EXPECT_NE(violations[0].description.find("did you mean 'pain_nprs'"), std::string::npos)
      << violations[0].description;
}

TEST(FindingsTest, EveryBadFindingIsNamed) {
  auto f = DecodeFindings(json{{"pain_nprs", 11},
                               {"age", 40.5},
                               {"pregnant", "no"},
                               {"work_type", "office"},
                               {"aggravating", {"sittting"}}},
                          Vocab());
  ASSERT_FALSE(f.ok());
  auto violations = FieldViolationsOf(f.status());
  ASSERT_EQ(violations.size(), 5u);
  std::string message(f.status().message());
  for (const char* code : {"pain_nprs", "age", "pregnant", "work_type", "aggravating"}) {
    EXPECT_NE(message.find(code), std::string::npos) << code;
  }
  EXPECT_NE(message.find("outside the range 0 to 10"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'sitting'"), std::string::npos) << message;
}

TEST(FindingsTest, FindingsMustBeAnObject) {
  auto f = DecodeFindings(json::array({1, 2}), Vocab());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(FieldViolationsOf(f.status()).at(0).field, "findings");
}

TEST(FindingsTest, ListLengthIsBounded) {
  json many = json::array();
  for (int i = 0; i < 100; ++i) many.push_back("x");
  auto f = DecodeFindings(json{{"medications", many}}, Vocab());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(std::string(f.status().message()).find("limit is 64"), std::string::npos);
}

}  // namespace
}  // namespace modalis
