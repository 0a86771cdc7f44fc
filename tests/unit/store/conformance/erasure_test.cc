// Erasing a patient on every backend: their plans, feedback and outcomes go, their audit records
// are redacted, the chain still verifies, and their reference is nowhere in the database.
#include <gtest/gtest.h>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreErasureTest : public testing::StoreConformance {};

TEST_P(StoreErasureTest, RemovesThePatientAndTheChainStillVerifies) {
  auto store = Open();
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  NewPlan other = SamplePlan("pl_3");
  other.plan.patient_ref = "P-0002";
  ASSERT_TRUE(store->PutPlan(other).ok());
  ASSERT_TRUE(store->RecordFeedback({"pl_1", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = 1;
  o.pain_nprs = 5;
  o.pain_days_per_week = 4;
  ASSERT_TRUE(store->RecordOutcome(o).ok());

  auto erased = store->ErasePatient("default", "P-0001");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->plans, 2);
  EXPECT_EQ(erased->feedback, 1);
  EXPECT_EQ(erased->outcomes, 1);
  EXPECT_EQ(erased->audit_redacted, 2);
  EXPECT_EQ(store->GetPlan("default", "pl_1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ExportPatient("default", "P-0001").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store->GetPlan("default", "pl_3").ok());
  EXPECT_EQ(store->ErasePatient("default", "P-0001").status().code(), absl::StatusCode::kNotFound);

  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->audit_records, 4);  // three plans and the tombstone
  EXPECT_EQ(report->audit_redacted, 2);

  // The patient's reference is nowhere in the database any more.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM audit WHERE record_json LIKE '%P-0001%'"), 0);
  EXPECT_EQ(QueryText("SELECT kind FROM audit ORDER BY seq DESC LIMIT 1"), "erasure");
}

// What the patient's plans were asked (their findings) goes with the plans: the console's replay of
// recent plans never asks an erased patient's question again.
TEST_P(StoreErasureTest, ThePatientsQuestionsGoWithTheirPlans) {
  auto store = Open();
  ASSERT_TRUE(store->PutPlan(testing::AskedPlan("pl_1", "P-0001's first findings")).ok());
  NewPlan other = testing::AskedPlan("pl_2", "P-0002's findings");
  other.plan.patient_ref = "P-0002";
  ASSERT_TRUE(store->PutPlan(other).ok());
  ASSERT_TRUE(store->PutPlan(testing::AskedPlan("pl_3", "P-0001's second findings")).ok());
  auto before = store->RecentReplayInputs("default", 500);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->size(), 3u);

  ASSERT_TRUE(store->ErasePatient("default", "P-0001").ok());
  auto after = store->RecentReplayInputs("default", 500);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].plan_id, "pl_2");
  EXPECT_EQ((*after)[0].patient_ref, "P-0002");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM plans WHERE replay_input IS NOT NULL"), 1);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreErasureTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
