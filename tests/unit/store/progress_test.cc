// Progress against baseline (clinical brief §2, §5 R6): the pure computation and the store's view.
#include <gtest/gtest.h>

#include "core/store/progress.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

SessionOutcome Outcome(uint32_t session, double nprs, double days) {
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = session;
  o.pain_nprs = nprs;
  o.pain_days_per_week = days;
  o.client = "notes";
  return o;
}

TEST(ProgressTest, TwoPointsFromFirstOutcomeIsImprovement) {
  ProgressInputs in;
  in.outcomes = {Outcome(3, 4, 3), Outcome(1, 6, 5), Outcome(2, 5, 5)};  // any order
  in.latest_course = Course{Frequency::kWeekly, 4, 6, 4};
  Progress p = ComputeProgress("P-0001", in, {});
  EXPECT_EQ(p.baseline_source, BaselineSource::kFirstOutcome);
  EXPECT_EQ(p.pain_nprs.baseline, 6.0);
  EXPECT_EQ(p.pain_nprs.latest, 4.0);
  EXPECT_EQ(p.pain_nprs.improvement, 2.0);
  EXPECT_TRUE(p.pain_nprs.reaches_mic);
  EXPECT_TRUE(p.improved);
  EXPECT_NEAR(*p.pain_days_per_week.improvement_fraction, 0.4, 1e-9);
  EXPECT_TRUE(p.pain_days_per_week.reaches_mic);
  EXPECT_EQ(p.sessions_completed, 3u);
  EXPECT_EQ(p.review_after_sessions, 4u);
  EXPECT_FALSE(p.review_due);
  EXPECT_FALSE(p.referral_due);
}

TEST(ProgressTest, ThirtyPercentCountsWhenPointsDoNot) {
  ProgressInputs in;
  in.outcomes = {Outcome(1, 3, 7), Outcome(2, 2, 6)};  // 1 point but 33%
  Progress p = ComputeProgress("P-0001", in, {});
  EXPECT_TRUE(p.improved);
  EXPECT_FALSE(p.pain_days_per_week.reaches_mic);  // 1 of 7 days is 14%
}

TEST(ProgressTest, NotImprovedAtReviewIsAReferral) {
  ProgressInputs in;
  in.outcomes = {Outcome(1, 6, 5), Outcome(2, 6, 5), Outcome(3, 5, 5), Outcome(4, 5, 4)};
  in.latest_course = Course{Frequency::kWeekly, 4, 6, 4};
  Progress p = ComputeProgress("P-0001", in, {});
  EXPECT_FALSE(p.improved);  // 1 point, 17%
  EXPECT_TRUE(p.review_due);
  EXPECT_TRUE(p.referral_due);

  ProgressPolicy lenient;
  lenient.mic_points = 1;
  EXPECT_FALSE(ComputeProgress("P-0001", in, lenient).referral_due);
  ProgressPolicy earlier;
  earlier.review_after_sessions = 2;
  in.outcomes.resize(2);
  EXPECT_TRUE(ComputeProgress("P-0001", in, earlier).review_due);
}

TEST(ProgressTest, WorseningNeverReachesTheMinimalImportantChange) {
  ProgressInputs in;
  in.outcomes = {Outcome(1, 4, 3), Outcome(2, 7, 6)};
  Progress p = ComputeProgress("P-0001", in, {});
  EXPECT_EQ(p.pain_nprs.improvement, -3.0);
  EXPECT_FALSE(p.improved);
  EXPECT_FALSE(p.pain_days_per_week.reaches_mic);
}

TEST(ProgressTest, PlanFindingsAreTheBaselineUntilAnOutcomeExists) {
  ProgressInputs in;
  in.first_plan = FindingsBaseline{6.0, 5.0, 7.0};
  Progress p = ComputeProgress("P-0001", in, {});
  EXPECT_EQ(p.baseline_source, BaselineSource::kPlanFindings);
  EXPECT_EQ(p.pain_nprs.baseline, 7.0);  // the recorded baseline score wins over today's
  EXPECT_FALSE(p.pain_nprs.latest.has_value());
  EXPECT_FALSE(p.referral_due);  // nothing measured yet

  in.first_plan = FindingsBaseline{6.0, std::nullopt, std::nullopt};
  EXPECT_EQ(ComputeProgress("P-0001", in, {}).pain_nprs.baseline, 6.0);
  in.first_plan = FindingsBaseline{};
  EXPECT_EQ(ComputeProgress("P-0001", in, {}).baseline_source, BaselineSource::kNone);
}

TEST(ProgressStoreTest, StoreComputesFromItsOwnRecords) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.file("m.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->GetProgress("default", "P-0001", {}).status().code(),
            absl::StatusCode::kNotFound);
  NewPlan plan = testing::SamplePlan("pl_1");
  plan.plan.baseline = FindingsBaseline{8.0, 6.0, std::nullopt};
  ASSERT_TRUE((*store)->PutPlan(plan).ok());

  auto before = (*store)->GetProgress("default", "P-0001", {});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->baseline_source, BaselineSource::kPlanFindings);
  EXPECT_EQ(before->pain_nprs.baseline, 8.0);
  EXPECT_EQ(before->review_after_sessions, 4u);  // from the sample plan's course

  for (auto o : {Outcome(1, 6, 5), Outcome(2, 6, 5), Outcome(3, 6, 4), Outcome(4, 5, 4)}) {
    ASSERT_TRUE((*store)->RecordOutcome(o).ok());
  }
  auto after = (*store)->GetProgress("default", "P-0001", {});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->baseline_source, BaselineSource::kFirstOutcome);
  EXPECT_EQ(after->pain_nprs.baseline, 6.0);
  EXPECT_EQ(after->pain_nprs.latest, 5.0);
  EXPECT_EQ(after->sessions_completed, 4u);
  EXPECT_TRUE(after->review_due);
  EXPECT_TRUE(after->referral_due);
  EXPECT_EQ(after->latest_referral, Urgency::kNone);

  // A later plan that books nothing (referred, no course) does not erase the review that is due,
  // and the referral is said.
  NewPlan referred = testing::SamplePlan("pl_2");
  referred.plan.plan.status = PlanStatus::kReferred;
  referred.plan.plan.steps.clear();
  referred.plan.plan.course.reset();
  referred.plan.plan.referral.urgency = Urgency::kUrgent;
  ASSERT_TRUE((*store)->PutPlan(referred).ok());
  auto later = (*store)->GetProgress("default", "P-0001", {});
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->review_after_sessions, 4u);
  EXPECT_TRUE(later->review_due);
  EXPECT_EQ(later->latest_referral, Urgency::kUrgent);
}

}  // namespace
}  // namespace modalis
