#include "core/store/evidence.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace modalis {
namespace {

SessionOutcome MakeOutcome(const std::string& patient, uint32_t session, double nprs, double days) {
  SessionOutcome o;
  o.patient_ref = patient;
  o.session_number = session;
  o.pain_nprs = nprs;
  o.pain_days_per_week = days;
  return o;
}

// The figures below are computed by hand from these rows; the Wilson intervals by the formula
// (Wilson 1927, z = 1.96) independently of the code under test.
class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Seven patients, one plan each: myofascial release (rule r_mfr), then dry needling (r_dn and
    // r_shared). p5's plan also stretches (r_stretch), the only one that does.
    for (int i = 1; i <= 7; ++i) {
      EvidencePlan plan;
      plan.plan_id = "pl_" + std::to_string(i);
      plan.patient_ref = "p" + std::to_string(i);
      plan.created_at_ms = 1000 * i;
      plan.steps = {{"myofascial_release", {"r_mfr"}},
                    {"dry_needling", {"r_dn", "r_shared", "r_dn"}}};
      if (i == 5) plan.steps.push_back({"stretching_active_release", {"r_stretch"}});
      plan.course = Course{Frequency::kWeekly, 4, 6, 4};
      in_.plans.push_back(plan);
    }
    // Dry needling declined for p1-p5 (one reason, written five ways), modified for p6 after
    // first being recorded as declined, no feedback for p7. Myofascial release accepted for p1.
    const char* reasons[] = {"Patient declined needles", "patient declined needles",
                             "  Patient  declined needles ", "PATIENT DECLINED NEEDLES",
                             "patient declined needles"};
    for (int i = 1; i <= 5; ++i) {
      in_.feedback.push_back(
          {"pl_" + std::to_string(i), 1, StepDecision::kDeclined, reasons[i - 1]});
    }
    in_.feedback.push_back({"pl_6", 1, StepDecision::kDeclined, "fear of needles"});
    in_.feedback.push_back({"pl_6", 1, StepDecision::kModified, "fewer needles"});
    in_.feedback.push_back({"pl_1", 0, StepDecision::kAccepted, ""});
    // A step the plan does not have, and a plan the report does not cover: both ignored.
    in_.feedback.push_back({"pl_1", 9, StepDecision::kDeclined, "x"});
    in_.feedback.push_back({"pl_other", 0, StepDecision::kDeclined, "x"});

    // NPRS at sessions 1, 2 and 4; pain days 5 at baseline and 3 at every later session.
    Outcome("p1", 1, 8);
    Outcome("p1", 2, 5);  // 3 points: reaches the minimal important change
    Outcome("p1", 4, 4);
    Outcome("p2", 1, 8);
    Outcome("p2", 2, 7);  // 1 point, 12.5 %: does not
    Outcome("p3", 1, 6);
    Outcome("p3", 2, 6);
    Outcome("p4", 1, 8);
    Outcome("p4", 2, 6);  // exactly 2 points: does
    Outcome("p5", 1, 8);
    Outcome("p5", 2, 8);
    Outcome("p5", 4, 5);
    Outcome("p6", 1, 7);
    Outcome("p6", 2, 4);
    Outcome("p7", 1, 9);       // a baseline and nothing after it: not counted
    Outcome("someone", 1, 9);  // no covered plan: not counted
    Outcome("someone", 2, 1);
  }

  void Outcome(const std::string& patient, uint32_t session, double nprs) {
    in_.outcomes.push_back(MakeOutcome(patient, session, nprs, session == 1 ? 5 : 3));
  }

  const RuleEvidence& Rule(const EvidenceReport& r, const std::string& id) {
    for (const auto& rule : r.rules) {
      if (rule.rule_id == id) return rule;
    }
    ADD_FAILURE() << "no rule " << id;
    static RuleEvidence none;
    return none;
  }
  const ModalityEvidence& Modality(const EvidenceReport& r, const std::string& id) {
    for (const auto& m : r.modalities) {
      if (m.modality == id) return m;
    }
    ADD_FAILURE() << "no modality " << id;
    static ModalityEvidence none;
    return none;
  }

  EvidenceInputs in_;
  EvidencePolicy policy_;
};

TEST_F(EvidenceTest, WilsonIntervalsMatchHandComputedOnes) {
  Rate r = WilsonRate(5, 10);
  EXPECT_DOUBLE_EQ(r.value, 0.5);
  EXPECT_NEAR(r.low, 0.2366, 1e-4);
  EXPECT_NEAR(r.high, 0.7634, 1e-4);
  r = WilsonRate(0, 10);
  EXPECT_EQ(r.low, 0);
  EXPECT_NEAR(r.high, 0.2775, 1e-4);
  r = WilsonRate(10, 10);
  EXPECT_NEAR(r.low, 0.7225, 1e-4);
  EXPECT_LE(r.high, 1.0);
  r = WilsonRate(14, 22);
  EXPECT_NEAR(r.low, 0.4295, 1e-4);
  EXPECT_NEAR(r.high, 0.8027, 1e-4);
  r = WilsonRate(0, 0);
  EXPECT_EQ(r.total, 0);
  EXPECT_EQ(r.value, 0);
}

TEST_F(EvidenceTest, CountsDecisionsPerModalityWithTheLatestFeedbackOnEachStep) {
  const EvidenceReport r = ComputeEvidence({}, in_, policy_);
  EXPECT_EQ(r.plans, 7);
  EXPECT_EQ(r.patients, 7);
  const DecisionSummary& dn = Modality(r, "dry_needling").decisions;
  EXPECT_FALSE(dn.suppressed);
  EXPECT_EQ(dn.patients, 7);
  EXPECT_EQ(dn.suggested, 7);
  EXPECT_EQ(dn.declined, 5);
  EXPECT_EQ(dn.modified, 1);  // p6's correction replaced the decline
  EXPECT_EQ(dn.accepted, 0);
  EXPECT_EQ(dn.without_feedback, 1);
  EXPECT_EQ(dn.declined_rate.count, 5);
  EXPECT_EQ(dn.declined_rate.total, 7);
  EXPECT_NEAR(dn.declined_rate.low, 0.3589, 1e-4);
  EXPECT_NEAR(dn.declined_rate.high, 0.9178, 1e-4);
  // One reason, however it was typed, given for five patients: shown. "fewer needles" rests on
  // one patient: only counted.
  ASSERT_EQ(dn.reasons.size(), 1u);
  EXPECT_EQ(dn.reasons[0].reason, "Patient declined needles");
  EXPECT_EQ(dn.reasons[0].count, 5);
  EXPECT_EQ(dn.other_reasons, 1);

  const DecisionSummary& mfr = Modality(r, "myofascial_release").decisions;
  EXPECT_EQ(mfr.accepted, 1);
  EXPECT_EQ(mfr.without_feedback, 6);
}

TEST_F(EvidenceTest, CountsEachRuleOncePerStepItProduced) {
  const EvidenceReport r = ComputeEvidence({}, in_, policy_);
  const DecisionSummary& dn = Rule(r, "r_dn").decisions;
  EXPECT_EQ(dn.suggested, 7);  // listed twice in each step, counted once
  EXPECT_EQ(dn.declined, 5);
  EXPECT_EQ(Rule(r, "r_shared").decisions.declined, 5);
  EXPECT_EQ(Rule(r, "r_mfr").decisions.accepted, 1);
}

TEST_F(EvidenceTest, WithholdsEveryFigureRestingOnFewerThanFivePatients) {
  const EvidenceReport r = ComputeEvidence({}, in_, policy_);
  const DecisionSummary& one = Rule(r, "r_stretch").decisions;
  EXPECT_TRUE(one.suppressed);
  EXPECT_EQ(one.patients, 0);
  EXPECT_EQ(one.suggested, 0);
  EXPECT_EQ(one.declined_rate.total, 0);
  // Dry needling was declined for five of seven: its outcomes rest on p6 and p7, and p7 has no
  // follow-up.
  const OutcomeSummary& dn = Modality(r, "dry_needling").outcomes;
  EXPECT_TRUE(dn.suppressed);
  EXPECT_EQ(dn.patients, 0);
  EXPECT_TRUE(dn.sessions.empty());
  // Session 4 has two patients.
  ASSERT_EQ(r.all_patients.sessions.size(), 3u);
  EXPECT_TRUE(r.all_patients.sessions[1].suppressed);
  EXPECT_EQ(r.all_patients.sessions[1].patients, 0);
}

TEST_F(EvidenceTest, OutcomesAgainstTheFirstRecordedOutcome) {
  const EvidenceReport r = ComputeEvidence({}, in_, policy_);
  const OutcomeSummary& all = r.all_patients;
  EXPECT_FALSE(all.suppressed);
  EXPECT_EQ(all.patients, 6);  // p7 has no follow-up, "someone" no covered plan
  // At each patient's latest outcome: p1 (8 -> 4), p4 (8 -> 6), p5 (8 -> 5), p6 (7 -> 4).
  EXPECT_EQ(all.reaches_mic.count, 4);
  EXPECT_EQ(all.reaches_mic.total, 6);
  EXPECT_NEAR(all.reaches_mic.low, 0.3000, 1e-4);
  EXPECT_NEAR(all.reaches_mic.high, 0.9032, 1e-4);
  const OutcomeAtSession& s2 = all.sessions[0];
  EXPECT_EQ(s2.session, 2u);
  EXPECT_FALSE(s2.suppressed);
  EXPECT_EQ(s2.patients, 6);
  EXPECT_DOUBLE_EQ(s2.mean_pain_nprs_change, (3 + 1 + 0 + 2 + 0 + 3) / 6.0);
  EXPECT_DOUBLE_EQ(s2.mean_pain_days_change, 2.0);
  EXPECT_EQ(s2.reaches_mic.count, 3);  // p1, p4, p6
  EXPECT_EQ(all.sessions[2].session, 6u);
  EXPECT_TRUE(all.sessions[2].suppressed);

  // Myofascial release was never declined: the same patients.
  EXPECT_EQ(Modality(r, "myofascial_release").outcomes.reaches_mic.count, 4);
  ASSERT_EQ(r.courses.size(), 1u);
  EXPECT_EQ(r.courses[0].label, "weekly, 4-6 sessions, review after 4");
  EXPECT_EQ(r.courses[0].outcomes.patients, 6);
}

TEST_F(EvidenceTest, MoreFollowUpsRequiredLeaveFewerPatients) {
  policy_.min_follow_ups = 2;  // only p1 and p5
  const EvidenceReport r = ComputeEvidence({}, in_, policy_);
  EXPECT_TRUE(r.all_patients.suppressed);
}

TEST_F(EvidenceTest, FlagsARuleDeclinedMoreThanHalfTheTimeOnlyOverEnoughSuggestions) {
  EvidenceReport r = ComputeEvidence({}, in_, policy_);
  EXPECT_TRUE(r.flags.empty()) << "7 suggestions are fewer than the 20 a flag needs";
  policy_.flag_min_suggestions = 7;
  r = ComputeEvidence({}, in_, policy_);
  std::vector<std::string> flagged;
  for (const auto& f : r.flags) {
    EXPECT_EQ(f.kind, "rule_often_declined");
    flagged.push_back(f.subject);
  }
  EXPECT_EQ(flagged, (std::vector<std::string>{"r_dn", "r_shared"}));
  EXPECT_NE(r.flags[0].question.find("5 of 7 (71 %, 95 % CI 36-92 %)"), std::string::npos)
      << r.flags[0].question;
  EXPECT_NE(r.flags[0].question.find('?'), std::string::npos);
}

TEST(EvidenceFlagTest, FlagsAModalityOnlyWhenTheIntervalsDoNotOverlap) {
  // Ten patients stretched and did not improve; ten had it declined and improved.
  EvidenceInputs in;
  auto add = [&](int i, bool declined, double last) {
    const std::string p = "p" + std::to_string(i);
    in.plans.push_back({"pl_" + p, p, i, "", {{"stretching_active_release", {"r_s"}}}, {}});
    if (declined) in.feedback.push_back({"pl_" + p, 0, StepDecision::kDeclined, "no time"});
    in.outcomes.push_back(MakeOutcome(p, 1, 8, 5));
    in.outcomes.push_back(MakeOutcome(p, 2, last, 5));
  };
  for (int i = 0; i < 10; ++i) add(i, false, 8);
  for (int i = 10; i < 20; ++i) add(i, true, 3);
  EvidenceReport r = ComputeEvidence({}, in, {});
  ASSERT_EQ(r.flags.size(), 1u);
  EXPECT_EQ(r.flags[0].kind, "modality_reaches_mic_less_often");
  EXPECT_EQ(r.flags[0].subject, "stretching_active_release");
  EXPECT_NE(r.flags[0].question.find("0 of 10"), std::string::npos) << r.flags[0].question;
  EXPECT_NE(r.flags[0].question.find("10 of 10"), std::string::npos) << r.flags[0].question;

  // Six of ten improving against ten of ten: the intervals overlap, so nothing is said.
  for (size_t i = 0; i < 6; ++i) in.outcomes[2 * i + 1].pain_nprs = 3;
  r = ComputeEvidence({}, in, {});
  EXPECT_TRUE(r.flags.empty());
}

}  // namespace
}  // namespace modalis
