// Planning with the default rule set and the real plugins.
#include "core/plan/planner.h"
#include "core/plan/plan_json.h"

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;

json DeskWorker() { return json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))); }

Plan PlanFor(const json& findings, const PlanRequest& request = {}) {
  auto rules = testing::DefaultRules();
  auto f = DecodeFindings(findings, rules->vocabulary);
  EXPECT_TRUE(f.ok()) << f.status();
  return MakePlan(*rules, *f, request);
}

std::vector<std::string> Modalities(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) out.push_back(s.modality);
  return out;
}

bool HasExclusion(const Plan& plan, const std::string& modality, Exclusion::Severity severity) {
  for (const auto& e : plan.exclusions) {
    if (e.modality == modality && e.severity == severity) return true;
  }
  return false;
}

TEST(PlannerTest, DeskWorkerGetsAllFourModalitiesInSessionOrder) {
  Plan plan = PlanFor(DeskWorker());
  EXPECT_EQ(plan.status, PlanStatus::kComplete);
  EXPECT_EQ(Modalities(plan),
            (std::vector<std::string>{"dry_needling", "myofascial_release",
                                      "stretching_active_release", "auricular_acupuncture"}));
  EXPECT_EQ(plan.steps[0].targets,
            (std::vector<std::string>{"quadratus_lumborum", "gluteus_medius"}));
  EXPECT_TRUE(plan.steps[0].needs_written_consent);
  EXPECT_EQ(plan.steps[0].required_qualification, "dry_needling");
  ASSERT_TRUE(plan.course.has_value());
  EXPECT_EQ(plan.course->frequency, Frequency::kWeekly);
  EXPECT_EQ(plan.course->sessions_min, 4u);
  EXPECT_EQ(plan.course->sessions_max, 6u);
}

TEST(PlannerTest, CaudaEquinaIsAnEmergencyWithNoSteps) {
  json f = DeskWorker();
  f["rf_saddle_anaesthesia"] = true;
  Plan plan = PlanFor(f);
  EXPECT_EQ(plan.status, PlanStatus::kReferred);
  EXPECT_EQ(plan.referral.urgency, Urgency::kEmergency);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_FALSE(plan.course.has_value());
  ASSERT_FALSE(plan.advice.empty());
  EXPECT_EQ(plan.advice[0].code, "attend_ed_now");
  for (const auto& a : plan.advice) EXPECT_NE(a.code, "desk_setup");
}

TEST(PlannerTest, UnknownRequiredScreenMeansNoTreatment) {
  json f = DeskWorker();
  f.erase("rf_bladder_dysfunction");
  Plan plan = PlanFor(f);
  EXPECT_EQ(plan.status, PlanStatus::kScreenRequired);
  EXPECT_TRUE(plan.steps.empty());
  bool asked = false;
  for (const auto& m : plan.missing_findings) asked |= m.code == "rf_bladder_dysfunction";
  EXPECT_TRUE(asked);
}

TEST(PlannerTest, UnknownOtherRedFlagMakesThePlanProvisional) {
  json f = DeskWorker();
  f.erase("rf_history_of_cancer");
  Plan plan = PlanFor(f);
  EXPECT_EQ(plan.status, PlanStatus::kProvisional);
  EXPECT_FALSE(plan.steps.empty());
  bool asked = false;
  for (const auto& m : plan.missing_findings) {
    asked |= m.code == "rf_history_of_cancer" && m.why.rfind("ask before treating", 0) == 0;
  }
  EXPECT_TRUE(asked);
}

TEST(PlannerTest, PluginFloorExcludesNeedlingForPhobia) {
  json f = DeskWorker();
  f["needle_phobia"] = true;
  f["needling_consent"] = false;
  Plan plan = PlanFor(f);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kAbsolute));
  EXPECT_TRUE(HasExclusion(plan, "auricular_acupuncture", Exclusion::Severity::kAbsolute));
  EXPECT_EQ(Modalities(plan),
            (std::vector<std::string>{"myofascial_release", "stretching_active_release"}));
}

TEST(PlannerTest, ConflictingPhobiaAndConsentTakeTheMostRestrictiveReading) {
  json f = DeskWorker();
  f["needle_phobia"] = true;
  f["needling_consent"] = true;
  Plan plan = PlanFor(f);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kRule));
  bool flagged = false;
  for (const auto& e : plan.exclusions) flagged |= e.reason.find("conflicting record") == 0;
  EXPECT_TRUE(flagged);
}

TEST(PlannerTest, StartBackRiskIsDerivedFromTheScores) {
  json f = DeskWorker();
  f["startback_total"] = 6;
  f["startback_psych"] = 4;
  auto plan = PlanForFindings(*testing::DefaultRules(), f, {});
  ASSERT_TRUE(plan.ok());
  bool psych = false;
  for (const auto& a : plan->advice) psych |= a.code == "psych_informed_care";
  EXPECT_TRUE(psych);
  // A recorded lower risk never overrides what the scores say.
  f["startback_risk"] = "low";
  plan = PlanForFindings(*testing::DefaultRules(), f, {});
  ASSERT_TRUE(plan.ok());
  psych = false;
  for (const auto& a : plan->advice) psych |= a.code == "psych_informed_care";
  EXPECT_TRUE(psych);
}

TEST(PlannerTest, ReviewWithoutImprovementRefersRoutinely) {
  json f = DeskWorker();
  f["sessions_completed"] = 4;
  f["baseline_pain_nprs"] = 6;
  f["pain_nprs"] = 5;
  Plan plan = PlanFor(f);
  EXPECT_EQ(plan.referral.urgency, Urgency::kRoutine);
  EXPECT_FALSE(plan.steps.empty());
  // The store's first recorded score, when given, is the baseline.
  PlanRequest request;
  request.baseline_pain_nprs = 8;
  plan = PlanFor(f, request);
  EXPECT_EQ(plan.referral.urgency, Urgency::kNone);
}

TEST(PlannerTest, UnknownRequiredKnownFindingDropsOnlyThatModality) {
  json f = DeskWorker();
  f.erase("needling_consent");
  Plan plan = PlanFor(f);
  auto m = Modalities(plan);
  EXPECT_EQ(std::count(m.begin(), m.end(), "dry_needling"), 0);
  EXPECT_EQ(std::count(m.begin(), m.end(), "myofascial_release"), 1);
  bool listed = false;
  for (const auto& x : plan.missing_findings) {
    listed |= x.code == "needling_consent" && x.why == "needed for dry_needling";
  }
  EXPECT_TRUE(listed);
}

TEST(PlannerTest, PractitionerWithoutQualificationsGetsNoNeedling) {
  PlanRequest request;
  request.qualifications = std::vector<std::string>{};
  Plan plan = PlanFor(DeskWorker(), request);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kQualification));
  EXPECT_TRUE(HasExclusion(plan, "auricular_acupuncture", Exclusion::Severity::kQualification));
}

TEST(PlannerTest, WhatDoesNotFitTheSessionIsReported) {
  PlanRequest request;
  request.session_minutes = 30;
  Plan plan = PlanFor(DeskWorker(), request);
  uint32_t total = 0;
  for (const auto& s : plan.steps) total += s.minutes;
  EXPECT_LE(total, 30u);
  EXPECT_TRUE(HasExclusion(plan, "auricular_acupuncture", Exclusion::Severity::kTimeBudget));
}

TEST(PlannerTest, MyofascialPressureIsCappedOnAnticoagulants) {
  json f = DeskWorker();
  f["anticoagulant_therapy"] = true;
  Plan plan = PlanFor(f);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kRule));
  for (const auto& s : plan.steps) {
    if (s.modality == "myofascial_release") {
      EXPECT_EQ(s.pressure, "light");
    }
  }
}

TEST(PlannerTest, SamePlanForSameFindings) {
  EXPECT_EQ(PlanToJson(PlanFor(DeskWorker())), PlanToJson(PlanFor(DeskWorker())));
}

}  // namespace
}  // namespace modalis
