// Feedback on a plan's steps and outcomes of sessions, on every backend: both validated, feedback
// only on a step that exists, one outcome per session.
#include <gtest/gtest.h>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreFeedbackAndOutcomesTest : public testing::StoreConformance {};

TEST_P(StoreFeedbackAndOutcomesTest, FeedbackPerStepIsValidated) {
  auto store = Open();
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  StepFeedback f{"pl_1", 0, StepDecision::kDeclined, "patient prefers no needles", "notes", 0};
  EXPECT_TRUE(store->RecordFeedback(f).ok());
  f.reason.clear();
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kInvalidArgument);
  f = {"pl_1", 1, StepDecision::kAccepted, "", "notes", 0};
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kInvalidArgument);  // one step
  f = {"pl_nope", 0, StepDecision::kAccepted, "", "notes", 0};
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kNotFound);
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->feedback.size(), 1u);
  EXPECT_EQ(record->feedback[0].decision, StepDecision::kDeclined);
  EXPECT_EQ(record->feedback[0].reason, "patient prefers no needles");
}

TEST_P(StoreFeedbackAndOutcomesTest, OutcomesAreRangeCheckedAndOnePerSession) {
  auto store = Open();
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = 1;
  o.pain_nprs = 6;
  o.pain_days_per_week = 5;
  o.odi_percent = 40;
  o.client = "notes";
  EXPECT_TRUE(store->RecordOutcome(o).ok());
  EXPECT_EQ(store->RecordOutcome(o).code(), absl::StatusCode::kAlreadyExists);
  SessionOutcome bad = o;
  bad.session_number = 2;
  bad.pain_nprs = 11;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = o;
  bad.session_number = 2;
  bad.rmdq = 25;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = o;
  bad.session_number = 2;
  bad.pain_days_per_week = 8;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->outcomes.size(), 1u);
  EXPECT_EQ(record->outcomes[0].odi_percent, 40.0);
  EXPECT_FALSE(record->outcomes[0].rmdq.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreFeedbackAndOutcomesTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
