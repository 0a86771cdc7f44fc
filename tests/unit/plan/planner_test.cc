// Planning with the default rule set and the real plugins.
#include "core/plan/planner.h"
#include "core/plan/plan_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

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
  // No treatment, so no treatment advice either.
  for (const auto& a : plan.advice) {
    EXPECT_NE(a.code, "exercise_programme");
    EXPECT_NE(a.code, "stay_active");
  }
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

// Whether `code` is asked about for a reason starting with `why_prefix`.
bool Asked(const Plan& plan, const std::string& code, const std::string& why_prefix = "") {
  return std::any_of(
      plan.missing_findings.begin(), plan.missing_findings.end(), [&](const MissingFinding& m) {
        return m.code == code &&
               std::any_of(m.reasons.begin(), m.reasons.end(),
                           [&](const std::string& r) { return r.rfind(why_prefix, 0) == 0; });
      });
}

const PlanStep* StepOf(const Plan& plan, const std::string& modality) {
  for (const auto& s : plan.steps) {
    if (s.modality == modality) return &s;
  }
  return nullptr;
}

std::vector<std::string> AdviceCodes(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan.advice) out.push_back(a.code);
  return out;
}

TEST(PlannerTest, ConflictingPhobiaAndConsentTakeTheMostRestrictiveReading) {
  json f = DeskWorker();
  f["needle_phobia"] = true;
  f["needling_consent"] = true;
  Plan plan = PlanFor(f);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kAbsolute));
  EXPECT_TRUE(HasExclusion(plan, "auricular_acupuncture", Exclusion::Severity::kAbsolute));
  EXPECT_EQ(plan.status, PlanStatus::kProvisional);
  ASSERT_EQ(plan.contradictions.size(), 1u);
  EXPECT_EQ(plan.contradictions[0].constraint_id, "needle-phobia-with-consent");
  EXPECT_EQ(plan.contradictions[0].findings,
            (std::vector<std::string>{"needle_phobia", "needling_consent"}));
  EXPECT_TRUE(Asked(plan, "needle_phobia", "contradictory record"));
  EXPECT_TRUE(Asked(plan, "needling_consent", "contradictory record"));
  // Read both ways: believing the phobia, and believing consent was never given.
  std::vector<std::string> reasons;
  for (const auto& e : plan.exclusions) {
    if (e.modality == "dry_needling") reasons.push_back(e.reason);
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"needle phobia",
                                               "the client has not consented to needling"}));
}

// Each reading that resolves a contradiction is a whole reading of its own: here only the one that
// believes the trimester (pregnant, in the 2nd trimester) makes the exclusion true.
TEST(PlannerTest, ARuleThatHoldsInOnlyOneResolvedReadingStillActs) {
  std::vector<Diagnostic> diagnostics;
  auto rules = testing::CompileText(R"({"id": "t", "version": "1",
    "rules": [
      {"id": "suggest.mfr", "description": "d", "source": "s", "when": "always",
       "then": [{"suggest": {"modality": "myofascial_release", "targets": ["piriformis"]}}]},
      {"id": "exclude.mfr.later-pregnancy", "description": "later pregnancy", "source": "s",
       "when": {"all": [{"finding": "pregnant", "equals": true},
                        {"finding": "pregnancy_trimester", "at_least": 2}]},
       "then": [{"exclude": {"modality": "myofascial_release", "reason": "later pregnancy"}}]}
    ]})",
                                    &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  auto findings = DecodeFindings(json{{"pregnant", false},
                                      {"pregnancy_trimester", 2},
                                      {"dvt_suspected", false},
                                      {"rf_fever_or_unwell", false}},
                                 rules->vocabulary);
  ASSERT_TRUE(findings.ok()) << findings.status();
  Plan plan = MakePlan(*rules, *findings, {});
  EXPECT_TRUE(plan.steps.empty()) << PlanToJson(plan).dump();
  EXPECT_TRUE(HasExclusion(plan, "myofascial_release", Exclusion::Severity::kRule));
}

// A modality already excluded needs no answer to its other questions.
TEST(PlannerTest, NoQuestionsForAModalityAlreadyExcluded) {
  json f = DeskWorker();
  f["anticoagulant_therapy"] = true;  // excludes dry needling and auricular acupuncture
  f.erase("metal_allergy");           // a floor of one, an exclusion of the other
  Plan plan = PlanFor(f);
  EXPECT_FALSE(Asked(plan, "metal_allergy")) << PlanToJson(plan).dump();
  EXPECT_EQ(plan.status, PlanStatus::kComplete);
}

// A detail recorded for a condition marked absent: the detail is believed for safety.
TEST(PlannerTest, TrimesterRecordedWhilePregnantIsNoReadsAsPregnant) {
  json f = DeskWorker();
  f["pregnant"] = false;
  f["pregnancy_trimester"] = 2;
  Plan plan = PlanFor(f);
  EXPECT_EQ(StepOf(plan, "dry_needling"), nullptr);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kRule));
  EXPECT_EQ(plan.status, PlanStatus::kProvisional);
  ASSERT_EQ(plan.contradictions.size(), 1u);
  EXPECT_TRUE(Asked(plan, "pregnant", "contradictory record"));
  EXPECT_TRUE(Asked(plan, "pregnancy_trimester", "contradictory record"));
  // Auricular acupuncture stays, with the pregnancy precaution.
  const PlanStep* ear = StepOf(plan, "auricular_acupuncture");
  ASSERT_NE(ear, nullptr);
  EXPECT_TRUE(std::any_of(ear->cautions.begin(), ear->cautions.end(), [](const std::string& c) {
    return c.find("pregnant") != std::string::npos;
  }));
}

TEST(PlannerTest, TrimesterRecordedWithPregnancyUnrecordedMeansPregnant) {
  json f = DeskWorker();
  f.erase("pregnant");
  f["pregnancy_trimester"] = 1;
  Plan plan = PlanFor(f);
  EXPECT_TRUE(plan.contradictions.empty());
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kRule));
  EXPECT_FALSE(Asked(plan, "pregnant"));
}

// With age unknown the under-16 exclusion is undecided: needling may be offered, but only
// provisionally and with the question asked.
TEST(PlannerTest, UndecidedRuleExclusionMakesThePlanProvisional) {
  json f = DeskWorker();
  f.erase("age");
  Plan plan = PlanFor(f);
  ASSERT_NE(StepOf(plan, "dry_needling"), nullptr);
  EXPECT_EQ(plan.status, PlanStatus::kProvisional);
  EXPECT_TRUE(Asked(plan, "age", "ask before dry_needling"));
}

TEST(PlannerTest, UndecidedPluginFloorIsAskedAndMakesThePlanProvisional) {
  json f = DeskWorker();
  f.erase("metal_allergy");
  Plan plan = PlanFor(f);
  ASSERT_NE(StepOf(plan, "dry_needling"), nullptr);
  EXPECT_EQ(plan.status, PlanStatus::kProvisional);
  EXPECT_TRUE(Asked(plan, "metal_allergy", "ask before dry_needling"));
}

TEST(PlannerTest, UndecidedFloorOfAModalityNotOfferedLeavesThePlanComplete) {
  json f = DeskWorker();
  f.erase("metal_allergy");
  f["trigger_points"] = json::array();  // nothing to needle
  f["fascial_restriction"] = {"thoracolumbar_fascia"};
  f["stress_level"] = "low";
  f["sleep_quality"] = "good";
  Plan plan = PlanFor(f);
  EXPECT_EQ(StepOf(plan, "dry_needling"), nullptr);
  EXPECT_FALSE(Asked(plan, "metal_allergy"));
  EXPECT_EQ(plan.status, PlanStatus::kComplete);
}

TEST(PlannerTest, TwoRulesExcludingTheSameModalityKeepBothReasons) {
  json f = DeskWorker();
  f["anticoagulant_therapy"] = true;
  f["bleeding_disorder"] = true;
  Plan plan = PlanFor(f);
  std::vector<std::string> sources;
  for (const auto& e : plan.exclusions) {
    if (e.modality == "dry_needling") sources.push_back(e.source);
  }
  EXPECT_EQ(sources, (std::vector<std::string>{"exclude.dry-needling.anticoagulant",
                                               "exclude.dry-needling.bleeding-disorder"}));
}

TEST(PlannerTest, RegionSpecificFloorRemovesOnlyTheTargetsInThatRegion) {
  json f = DeskWorker();
  f["lymphoedema_region"] = "trunk";
  f["trigger_points"] = {"quadratus_lumborum", "gluteus_medius"};
  Plan plan = PlanFor(f);
  const PlanStep* needling = StepOf(plan, "dry_needling");
  ASSERT_NE(needling, nullptr);
  EXPECT_EQ(needling->targets, (std::vector<std::string>{"gluteus_medius"}));
  EXPECT_TRUE(
      std::any_of(needling->cautions.begin(), needling->cautions.end(), [](const std::string& c) {
        return c.rfind("quadratus_lumborum not treated: lymphoedema", 0) == 0;
      }));
  // A leg reaches the buttock: the gluteal target goes too, so nothing is left to needle.
  f["lymphoedema_region"] = "left_leg";
  f["trigger_points"] = {"gluteus_medius", "piriformis"};
  plan = PlanFor(f);
  EXPECT_EQ(StepOf(plan, "dry_needling"), nullptr);
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kAbsolute));
}

TEST(PlannerTest, OperatedSiteKeepsMyofascialReleaseOffThatRegionOnly) {
  json f = DeskWorker();
  f["recent_surgery_site"] = "hip";
  f["trigger_points"] = {"quadratus_lumborum", "gluteus_medius"};
  f["fascial_restriction"] = {"hip_flexors"};
  Plan plan = PlanFor(f);
  const PlanStep* mfr = StepOf(plan, "myofascial_release");
  ASSERT_NE(mfr, nullptr);
  EXPECT_EQ(mfr->targets, (std::vector<std::string>{"quadratus_lumborum"}));
  // Dry needling's operated-site exclusion is whole-modality.
  EXPECT_TRUE(HasExclusion(plan, "dry_needling", Exclusion::Severity::kRule));
}

TEST(PlannerTest, SkinLesionExcludesMyofascialRelease) {
  json f = DeskWorker();
  f["skin_lesion_at_site"] = true;
  Plan plan = PlanFor(f);
  EXPECT_EQ(StepOf(plan, "myofascial_release"), nullptr);
  EXPECT_TRUE(HasExclusion(plan, "myofascial_release", Exclusion::Severity::kRule));
}

// Clinical brief §5 R1: an emergency's advice is its own; no GP visit within days beside it.
TEST(PlannerTest, ReferralAdviceIsTheHighestLevelsOnly) {
  json f = DeskWorker();
  f["rf_saddle_anaesthesia"] = true;  // emergency
  f["rf_history_of_cancer"] = true;   // urgent
  f["inflammatory_pattern"] = true;   // routine
  Plan plan = PlanFor(f);
  EXPECT_EQ(plan.referral.urgency, Urgency::kEmergency);
  EXPECT_EQ(AdviceCodes(plan), (std::vector<std::string>{"attend_ed_now"}));
  f["radiation"] = "below_knee";  // cauda equina safety-netting applies
  EXPECT_EQ(AdviceCodes(PlanFor(f)), (std::vector<std::string>{"attend_ed_now", "safety_net_ces"}));
  f["rf_saddle_anaesthesia"] = false;
  EXPECT_EQ(AdviceCodes(PlanFor(f)), (std::vector<std::string>{"see_gp_urgent", "safety_net_ces"}));
}

// The minimal important change at the precision scores are recorded in.
TEST(PlannerTest, ExactlyTheMinimalImportantChangeCountsAsImproved) {
  for (auto [baseline, now, improved] :
       {std::tuple{8.7, 6.7, true}, std::tuple{8.2, 6.2, true}, std::tuple{8.7, 6.8, false},
        std::tuple{6.0, 4.2, true}, std::tuple{3.3, 2.31, true}, std::tuple{3.3, 2.32, false},
        std::tuple{0.3, 0.21, true}}) {
    EXPECT_EQ(ReachesMinimalImportantChange(baseline, now, ReviewPolicy{}), improved)
        << baseline << " -> " << now;
    json f = DeskWorker();
    f["sessions_completed"] = 4;
    f["baseline_pain_nprs"] = baseline;
    f["pain_nprs"] = now;
    EXPECT_EQ(PlanFor(f).referral.urgency, improved ? Urgency::kNone : Urgency::kRoutine)
        << baseline << " -> " << now;
  }
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
  request.baseline_pain = 8;
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
  EXPECT_TRUE(Asked(plan, "needling_consent", "needed for dry_needling"));
  // Indicated but held back: the plan says so, naming what to record.
  bool held_back = false;
  for (const auto& e : plan.exclusions) {
    held_back |= e.modality == "dry_needling" &&
                 e.severity == Exclusion::Severity::kNeedsFindings &&
                 e.findings == std::vector<std::string>{"needling_consent"};
  }
  EXPECT_TRUE(held_back);
}

TEST(PlannerTest, EachMissingFindingIsListedOnceWithEveryReason) {
  json f = DeskWorker();
  f.erase("needle_phobia");
  Plan plan = PlanFor(f);
  size_t listed = 0;
  std::vector<std::string> reasons;
  for (const auto& m : plan.missing_findings) {
    if (m.code != "needle_phobia") continue;
    ++listed;
    reasons = m.reasons;
    EXPECT_EQ(m.why, m.reasons.front());
  }
  EXPECT_EQ(listed, 1u);
  for (const char* reason : {"needed for dry_needling", "needed for auricular_acupuncture"}) {
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), reason), reasons.end()) << reason;
  }
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

const FiredRule* Explained(const Plan& plan, const std::string& rule_id) {
  for (const auto& e : plan.explanation) {
    if (e.rule_id == rule_id) return &e;
  }
  return nullptr;
}

TEST(PlannerTest, RulesThatDidNotFireAreExplainedOnlyWhenAsked) {
  PlanRequest asked;
  asked.explain_not_fired = true;
  Plan plan = PlanFor(DeskWorker(), asked);
  // Every red flag answered "no": the test that was false is named.
  const FiredRule* cauda = Explained(plan, "triage.emergency.cauda-equina");
  ASSERT_NE(cauda, nullptr);
  EXPECT_EQ(cauda->outcome, "not_fired");
  EXPECT_EQ(cauda->findings,
            (std::vector<std::string>{"rf_saddle_anaesthesia", "rf_bladder_dysfunction",
                                      "rf_bowel_dysfunction", "rf_sexual_dysfunction",
                                      "rf_bilateral_leg_symptoms"}));
  const FiredRule* anticoagulant = Explained(plan, "exclude.dry-needling.anticoagulant");
  ASSERT_NE(anticoagulant, nullptr);
  EXPECT_EQ(anticoagulant->outcome, "not_fired");
  EXPECT_EQ(anticoagulant->findings, (std::vector<std::string>{"anticoagulant_therapy"}));
  // What planned is unchanged by the extra explanation.
  Plan plain = PlanFor(DeskWorker());
  EXPECT_EQ(Modalities(plan), Modalities(plain));
  EXPECT_EQ(Explained(plain, "triage.emergency.cauda-equina"), nullptr);
  for (const auto& e : plain.explanation) EXPECT_NE(e.outcome, "not_fired");
  EXPECT_LT(plain.explanation.size(), plan.explanation.size());
}

TEST(PlannerTest, AnUnaskedFindingLeavesEveryRuleOnItUndecidedWhenAsked) {
  json f = DeskWorker();
  f.erase("anticoagulant_therapy");
  PlanRequest asked;
  asked.explain_not_fired = true;
  Plan plan = PlanFor(f, asked);
  const FiredRule* anticoagulant = Explained(plan, "exclude.dry-needling.anticoagulant");
  ASSERT_NE(anticoagulant, nullptr);
  EXPECT_EQ(anticoagulant->outcome, "undecided");
  EXPECT_EQ(anticoagulant->findings, (std::vector<std::string>{"anticoagulant_therapy"}));
  // A fired rule is still explained by what made it true.
  bool fired = false;
  for (const auto& e : plan.explanation) fired |= e.outcome == "fired" && !e.findings.empty();
  EXPECT_TRUE(fired);
}

}  // namespace
}  // namespace modalis
