// What a plan was asked (StoredPlan::replay_input and replay_format), on every backend: kept with
// the plan as given and read back wherever the plan is, absent for a plan that kept none, and the
// clinic's newest plans' questions listed newest first. That one clinic never sees another's, and
// that an erasure takes them, are checked with the rest of clinics and erasure.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::AskedPlan;
using testing::SamplePlan;

class StoreReplayInputsTest : public testing::StoreConformance {
 protected:
  static std::vector<std::string> Ids(const std::vector<PlanReplayInput>& inputs) {
    std::vector<std::string> ids;
    for (const PlanReplayInput& input : inputs) ids.push_back(input.plan_id);
    return ids;
  }
};

TEST_P(StoreReplayInputsTest, TheQuestionIsKeptAsGivenAndReadBackWhereverThePlanIs) {
  // Bytes a text column would mangle: a NUL, a byte that is not UTF-8.
  const std::string bytes("\x1a\x00\x08\xff question", 13);
  NewPlan asked = AskedPlan("pl_1", bytes);
  asked.plan.request_id = "req-1";
  {
    auto store = Open();
    auto stored = store->PutPlan(asked);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->replay_input, bytes);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  }
  auto store = Open();  // across a reopen
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->replay_input, bytes);
  EXPECT_EQ(got->replay_format, "test.question");
  auto page = store->ListPlans("default", "P-0001", 10, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->plans.size(), 2u);
  EXPECT_EQ(page->plans[0].replay_input, bytes);
  EXPECT_EQ(page->plans[1].replay_input, "");
  EXPECT_EQ(page->plans[1].replay_format, "");
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->plans.size(), 2u);
  EXPECT_EQ(record->plans[0].replay_input, bytes);
  EXPECT_EQ(record->plans[0].replay_format, "test.question");
  EXPECT_EQ(record->plans[1].replay_input, "");

  // A retry is answered with the plan stored first, question and all.
  auto retry = store->PutPlan(AskedPlan("pl_3", "another question", "req-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->plan_id, "pl_1");
  EXPECT_EQ(retry->replay_input, bytes);
  // A plan that kept none stores none: no empty value for the index to hold.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM plans WHERE replay_input IS NULL"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM plans WHERE replay_format IS NULL"), 1);
}

TEST_P(StoreReplayInputsTest, AQuestionWithoutItsFormatOrAFormatWithoutAQuestionIsRefused) {
  auto store = Open();
  NewPlan no_format = AskedPlan("pl_1", "question");
  no_format.plan.replay_format.clear();
  auto refused = store->PutPlan(no_format);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  NewPlan no_input = AskedPlan("pl_2", "question");
  no_input.plan.replay_input.clear();
  EXPECT_EQ(store->PutPlan(no_input).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM plans"), 0);
}

TEST_P(StoreReplayInputsTest, RecentOnesAreTheNewestThatKeptOneNewestFirst) {
  auto store = Open();
  auto put = [&](const std::string& id, int64_t at_ms, bool asked,
                 const std::string& patient = "P-0001") {
    NewPlan plan = asked ? AskedPlan(id, "question of " + id) : SamplePlan(id);
    plan.plan.created_at_ms = at_ms;
    plan.plan.patient_ref = patient;
    ASSERT_TRUE(store->PutPlan(plan).ok()) << id;
  };
  put("pl_old_unasked", 1000, false);
  put("pl_a", 2000, true);
  put("pl_b", 4000, true, "P-0002");
  put("pl_c", 3000, true);  // stored later, made earlier: time decides, not the order of storing
  put("pl_d", 4000, true);  // the same millisecond as pl_b: the later stored first
  put("pl_new_unasked", 5000, false);

  auto all = store->RecentReplayInputs("default", 500);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"pl_d", "pl_b", "pl_c", "pl_a"}));
  const PlanReplayInput& b = (*all)[1];
  EXPECT_EQ(b.patient_ref, "P-0002");
  EXPECT_EQ(b.created_at_ms, 4000);
  EXPECT_EQ(b.rule_set_sha256, std::string(64, 'a'));
  EXPECT_EQ(b.replay_input, "question of pl_b");
  EXPECT_EQ(b.replay_format, "test.question");

  auto two = store->RecentReplayInputs("default", 2);
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{"pl_d", "pl_b"}));
  auto none = store->RecentReplayInputs("default", 0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreReplayInputsTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
