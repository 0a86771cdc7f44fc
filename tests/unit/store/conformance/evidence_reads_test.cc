// The evidence report's reads (ReadEvidence) on every backend: what a query covers (a time range,
// a rule set), one clinic only, feedback in the order it was recorded.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreEvidenceTest : public testing::StoreConformance {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_TRUE(store_->CreateClinic({"north", "", 0}).ok());
    ASSERT_TRUE(store_->CreateClinic({"south", "", 0}).ok());
  }

  // A plan of `patient` in `clinic` at `at_ms`, with one step, and its feedback.
  void Plan(const std::string& clinic, const std::string& id, const std::string& patient,
            int64_t at_ms, const std::string& rule_set = std::string(64, 'a')) {
    NewPlan plan = SamplePlan(id);
    plan.plan.clinic_id = clinic;
    plan.plan.patient_ref = patient;
    plan.plan.created_at_ms = at_ms;
    plan.plan.plan.rule_set.sha256 = rule_set;
    plan.rule_set.sha256 = rule_set;
    ASSERT_TRUE(store_->PutPlan(plan).ok());
    StepFeedback feedback;
    feedback.clinic_id = clinic;
    feedback.plan_id = id;
    feedback.decision = StepDecision::kDeclined;
    feedback.reason = "patient prefers no needles";
    feedback.client = "notes";
    ASSERT_TRUE(store_->RecordFeedback(feedback).ok());
  }
  void Outcome(const std::string& clinic, const std::string& patient, uint32_t session) {
    SessionOutcome o;
    o.clinic_id = clinic;
    o.patient_ref = patient;
    o.session_number = session;
    o.pain_nprs = 8 - session;
    o.pain_days_per_week = 5;
    o.client = "notes";
    ASSERT_TRUE(store_->RecordOutcome(o).ok());
  }

  static std::vector<std::string> PlanIds(const EvidenceInputs& in) {
    std::vector<std::string> ids;
    for (const EvidencePlan& p : in.plans) ids.push_back(p.plan_id);
    return ids;
  }

  std::unique_ptr<Store> store_;
};

TEST_P(StoreEvidenceTest, ReadsTheCoveredPlansOfOneClinicWithTheirFeedbackAndOutcomes) {
  Plan("north", "pl_n2", "P-1", 2000);
  Plan("north", "pl_n1", "P-2", 1000);
  Plan("north", "pl_n3", "P-3", 3000, std::string(64, 'b'));
  Plan("south", "pl_s1", "P-1", 1500);
  Outcome("north", "P-1", 1);
  Outcome("north", "P-1", 2);
  Outcome("north", "P-3", 1);
  Outcome("south", "P-1", 1);
  StepFeedback correction;
  correction.clinic_id = "north";
  correction.plan_id = "pl_n1";
  correction.decision = StepDecision::kModified;
  correction.reason = "fewer needles";
  correction.client = "notes";
  ASSERT_TRUE(store_->RecordFeedback(correction).ok());

  auto all = store_->ReadEvidence("north", {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(PlanIds(*all), (std::vector<std::string>{"pl_n1", "pl_n2", "pl_n3"}));  // oldest first
  ASSERT_EQ(all->plans[0].steps.size(), 1u);
  EXPECT_EQ(all->plans[0].steps[0].modality, "dry_needling");
  EXPECT_EQ(all->plans[0].steps[0].rule_ids, std::vector<std::string>{"r1"});
  ASSERT_TRUE(all->plans[0].course.has_value());
  EXPECT_EQ(all->plans[0].course->sessions_max, 6u);
  // In the order it was recorded, not the plans' order.
  std::vector<std::string> feedback_plans;
  for (const EvidenceFeedback& f : all->feedback) feedback_plans.push_back(f.plan_id);
  EXPECT_EQ(feedback_plans, (std::vector<std::string>{"pl_n2", "pl_n1", "pl_n3", "pl_n1"}));
  EXPECT_EQ(all->feedback[3].decision, StepDecision::kModified);
  EXPECT_EQ(all->feedback[3].reason, "fewer needles");
  EXPECT_EQ(all->outcomes.size(), 3u);  // none of south's P-1
  for (const SessionOutcome& o : all->outcomes) EXPECT_EQ(o.clinic_id, "north");

  // From 1500 up to 3000: pl_n2 only, its feedback, and P-1's outcomes.
  auto range = store_->ReadEvidence("north", {1500, 3000, ""});
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(PlanIds(*range), std::vector<std::string>{"pl_n2"});
  ASSERT_EQ(range->feedback.size(), 1u);
  EXPECT_EQ(range->feedback[0].plan_id, "pl_n2");
  EXPECT_EQ(range->feedback[0].decision, StepDecision::kDeclined);
  EXPECT_EQ(range->feedback[0].reason, "patient prefers no needles");
  ASSERT_EQ(range->outcomes.size(), 2u);
  EXPECT_EQ(range->outcomes[1].patient_ref, "P-1");
  EXPECT_EQ(range->outcomes[1].session_number, 2u);

  auto by_rules = store_->ReadEvidence("north", {0, 0, std::string(64, 'b')});
  ASSERT_TRUE(by_rules.ok()) << by_rules.status();
  EXPECT_EQ(PlanIds(*by_rules), std::vector<std::string>{"pl_n3"});
  EXPECT_EQ(by_rules->outcomes.size(), 1u);

  auto nobody = store_->ReadEvidence("nowhere", {});
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_TRUE(nobody->plans.empty());
  EXPECT_TRUE(nobody->feedback.empty());
  EXPECT_TRUE(nobody->outcomes.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEvidenceTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
