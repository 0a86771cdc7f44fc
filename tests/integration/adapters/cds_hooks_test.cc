// adapters/cds_hooks: the shipped code mapping against the shipped vocabulary, and what a
// prefetch's FHIR resources become as findings.
#include "adapters/cds_hooks.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/engine_fixture.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using nlohmann::json;

constexpr char kFindingSystem[] = "https://modalis.dev/fhir/CodeSystem/finding";

const Vocabulary& Shipped() { return *testing::DefaultRules()->vocabulary; }

json Observation(const std::string& system, const std::string& code, json value_element,
                 const std::string& when = "", const std::string& status = "final") {
  json o = {{"resourceType", "Observation"},
            {"status", status},
            {"code", {{"coding", json::array({{{"system", system}, {"code", code}}})}}}};
  for (const auto& [k, v] : value_element.items()) o[k] = v;
  if (!when.empty()) o["effectiveDateTime"] = when;
  return o;
}

TEST(FhirFindingMapTest, TheShippedMappingNamesOnlyFindingsOfTheVocabulary) {
  auto map = ReadFhirFindingMap(testing::RulesDir() + "/fhir-mapping.json", Shipped());
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->codes.at({"http://loinc.org", "72514-3"}), "pain_nprs");
}

TEST(FhirFindingMapTest, AnUnknownFindingIsRefusedWithTheNearestCode) {
  testing::TempDir dir;
  testing::WriteText(dir.path() + "/m.json",
                     R"({"observation_codes": [{"system": "http://loinc.org", "code": "1-1",
                         "finding": "pain_nprz"}]})");
  auto map = ReadFhirFindingMap(dir.path() + "/m.json", Shipped());
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.status().message().find("/observation_codes/0/finding"), std::string::npos);
  EXPECT_NE(map.status().message().find("did you mean 'pain_nprs'"), std::string::npos)
      << map.status();
}

TEST(FindingsFromPrefetchTest, ObservationsAndIntakeAnswersBecomeFindings) {
  FhirFindingMap map;
  map.codes[{"http://loinc.org", "72514-3"}] = "pain_nprs";
  const json bundle = {
      {"resourceType", "Bundle"},
      {"entry",
       json::array(
           {{{"resource", Observation("http://loinc.org", "72514-3", {{"valueInteger", 4}},
                                      "2026-11-01T09:00:00Z")}},
            // The most recent pain score wins, whatever the order.
            {{"resource", Observation("http://loinc.org", "72514-3", {{"valueInteger", 7}},
                                      "2026-11-20T09:00:00Z")}},
            {{"resource", Observation("http://loinc.org", "72514-3", {{"valueInteger", 5}},
                                      "2026-11-10T09:00:00Z")}},
            // Entered in error: as if never recorded.
            {{"resource", Observation(kFindingSystem, "pregnant", {{"valueBoolean", true}}, "",
                                      "entered-in-error")}},
            {{"resource",
              Observation(kFindingSystem, "rf_saddle_anaesthesia", {{"valueBoolean", false}})}},
            // A code nobody mapped: not a finding.
            {{"resource", Observation("http://loinc.org", "8867-4", {{"valueInteger", 70}})}},
            // A value of a kind Modalis does not read.
            {{"resource",
              Observation(kFindingSystem, "age", {{"valuePeriod", json::object()}})}}})}};
  const json intake = {
      {"resourceType", "QuestionnaireResponse"},
      {"item",
       json::array(
           {{{"linkId", "work_type"},
             {"answer", json::array({{{"valueCoding", {{"code", "desk"}}}}})}},
            {{"linkId", "history"},
             {"item", json::array({{{"linkId", "aggravating"},
                                    {"answer",
                                     json::array({{{"valueCoding", {{"code", "sitting"}}}},
                                                  {{"valueCoding", {{"code", "bending"}}}}})}}})}},
            {{"linkId", "not_a_finding"}, {"answer", json::array({{{"valueBoolean", true}}})}}})}};
  const PrefetchedFindings read =
      FindingsFromPrefetch({{"observations", bundle}, {"intake", intake}}, map, Shipped());
  EXPECT_EQ(read.findings["pain_nprs"], 7);
  EXPECT_FALSE(read.findings.contains("pregnant"));
  EXPECT_EQ(read.findings["rf_saddle_anaesthesia"], false);
  EXPECT_EQ(read.findings["work_type"], "desk");
  EXPECT_EQ(read.findings["aggravating"], json::array({"sitting", "bending"}));
  EXPECT_FALSE(read.findings.contains("not_a_finding"));
  EXPECT_FALSE(read.findings.contains("age"));
  ASSERT_EQ(read.unread.size(), 1u);
  EXPECT_NE(read.unread[0].find("age"), std::string::npos);
}

TEST(CdsCardsTest, APlanCardLeadsBackToItsPlan) {
  v1::GetPlanResponse stored;
  stored.mutable_plan()->set_plan_id("pl_0123456789abcdef0123456789abcdef");
  stored.mutable_plan()->set_status(v1::SCREEN_REQUIRED);
  stored.set_patient_ref("P-1");
  const json cards = CdsCards(stored, "encounter-start")["cards"];
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0]["uuid"], "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(PlanIdOfCard(cards[0]["uuid"]), "pl_0123456789abcdef0123456789abcdef");
  EXPECT_EQ(PlanIdOfCard("not-a-uuid"), "");
}

}  // namespace
}  // namespace modalis
