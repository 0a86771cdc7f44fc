// A plan survives JSON both ways (the store reads back exactly what it wrote), with the public
// API's field names and enum spellings, and a damaged document is refused, not half-read.
#include "core/plan/plan_json.h"

#include <gtest/gtest.h>

namespace modalis {
namespace {

Plan Sample() {
  Plan p;
  p.plan_id = "pl_1";
  p.rule_set = {"lower-back-pain", "0.3.0", std::string(64, 'a')};
  p.status = PlanStatus::kProvisional;
  p.referral = {Urgency::kRoutine, {"no improvement"}, {"course.review"}};
  PlanStep step;
  step.modality = "myofascial_release";
  step.display_name = "Myofascial release";
  step.targets = {"upper_back"};
  step.minutes = 20;
  step.pressure = "light";
  step.params = {{"pressure", "light"}};
  step.cautions = {"anticoagulants: light pressure"};
  step.instructions = {"slow strokes"};
  step.required_qualification = "";
  step.needs_written_consent = true;
  step.rationale = "trigger points";
  step.rule_ids = {"suggest.myofascial"};
  p.steps.push_back(step);
  p.exclusions.push_back({"dry_needling",
                          "needle phobia",
                          Exclusion::Severity::kAbsolute,
                          "plugin:dry_needling",
                          {"needle_phobia"}});
  p.advice.push_back({"stay_active", "Keep moving."});
  p.course = Course{Frequency::kFortnightly, 2, 3, 2};
  p.missing_findings.push_back({"rf_fever_or_unwell", "ask", {"ask", "needed for review"}});
  p.contradictions.push_back({"c1", "both recorded", {"a", "b"}});
  p.explanation.push_back({"r1", "a rule", "[SEED]", "fired", {"pain_nprs"}});
  return p;
}

TEST(PlanJsonTest, RoundTripsEveryField) {
  const Plan original = Sample();
  auto back = PlanFromJson(PlanToJson(original));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(PlanToJson(*back), PlanToJson(original));
  EXPECT_EQ(back->steps.at(0).minutes, 20u);
  EXPECT_TRUE(back->steps.at(0).needs_written_consent);
  ASSERT_TRUE(back->course.has_value());
  EXPECT_EQ(back->course->frequency, Frequency::kFortnightly);
  EXPECT_EQ(back->exclusions.at(0).severity, Exclusion::Severity::kAbsolute);
  EXPECT_EQ(back->missing_findings.at(0).reasons.size(), 2u);
}

TEST(PlanJsonTest, SpellsEnumsAsTheApiDoes) {
  const nlohmann::json j = PlanToJson(Sample());
  EXPECT_EQ(j["status"], "PROVISIONAL");
  EXPECT_EQ(j["referral"]["urgency"], "ROUTINE");
  EXPECT_EQ(j["course"]["frequency"], "FORTNIGHTLY");
}

TEST(PlanJsonTest, ANoCoursePlanHasNoCourse) {
  Plan p = Sample();
  p.course.reset();
  auto back = PlanFromJson(PlanToJson(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->course.has_value());
}

TEST(PlanJsonTest, RefusesADamagedDocument) {
  nlohmann::json j = PlanToJson(Sample());
  j["status"] = "MAYBE";
  EXPECT_FALSE(PlanFromJson(j).ok());
  EXPECT_FALSE(PlanFromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace modalis
