// Plans through the Store interface, on every backend: stored and read back whole (across a
// reopen too), their rule set kept once by content, a failed write failing alone in its batch, and
// a patient's plans listed page by page.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StorePlansTest : public testing::StoreConformance {};

TEST_P(StorePlansTest, PlanSurvivesReopenUnchanged) {
  {
    auto store = Open();
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  }
  auto store = Open();
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->patient_ref, "P-0001");
  EXPECT_EQ(got->plan.status, PlanStatus::kProvisional);
  ASSERT_EQ(got->plan.steps.size(), 1u);
  EXPECT_EQ(got->plan.steps[0].targets[0], "piriformis");
  ASSERT_TRUE(got->plan.course.has_value());
  EXPECT_EQ(got->plan.course->sessions_max, 6u);
  EXPECT_EQ(got->plan.missing_findings[0].code, "pregnant");
  EXPECT_EQ(got->baseline.pain_nprs, 6.0);
  EXPECT_EQ(got->baseline.pain_days_per_week, 5.0);
  EXPECT_FALSE(got->baseline.baseline_pain_nprs.has_value());
}

TEST_P(StorePlansTest, MissingPlanIsNotFound) {
  auto store = Open();
  EXPECT_EQ(store->GetPlan("default", "pl_nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StorePlansTest, RuleSetIsStoredOnceByContent) {
  {
    auto store = Open();
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
    NewPlan second = SamplePlan("pl_2");
    second.rule_set.canonical_source = nullptr;  // already known: content not needed again
    ASSERT_TRUE(store->PutPlan(second).ok());
    NewPlan unknown = SamplePlan("pl_3");
    unknown.plan.plan.rule_set.sha256 = std::string(64, 'b');
    unknown.rule_set.sha256 = std::string(64, 'b');
    unknown.rule_set.canonical_source = nullptr;
    EXPECT_EQ(store->PutPlan(unknown).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM rule_sets"), 1);
  EXPECT_EQ(QueryText("SELECT canonical_source FROM rule_sets"), "{\"rules\":[]}");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM plans"), 2);
}

TEST_P(StorePlansTest, BadWriteFailsAloneInItsBatch) {
  auto store = Open({.max_batch = 64});
  // Queue many writes at once so they share batches; every third reuses a plan id.
  std::atomic<int> ok{0}, exists{0};
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::string unexpected;  // the first answer that is neither, to show what went wrong
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string id = "pl_" + std::to_string(t) + "_" + std::to_string(i % 20);
        auto s = store->PutPlan(SamplePlan(id));
        if (s.ok()) {
          ++ok;
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.push_back(id);
        } else if (s.status().code() == absl::StatusCode::kAlreadyExists) {
          ++exists;
        } else {
          std::lock_guard<std::mutex> lock(mutex);
          if (unexpected.empty()) unexpected = s.status().ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80) << unexpected;
  EXPECT_EQ(exists.load(), 40) << unexpected;
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, 80);  // a failed write leaves no audit record behind
  // A failure beside them in the batch never undoes the writes acknowledged with it.
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(store->GetPlan("default", id).ok()) << id << " was acknowledged";
  }
}

TEST_P(StorePlansTest, ListPlansPagesOldestFirst) {
  auto store = Open();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
  NewPlan other = SamplePlan("pl_x");
  other.plan.patient_ref = "P-0002";
  ASSERT_TRUE(store->PutPlan(other).ok());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store->ListPlans("default", "P-0001", 2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& p : page->plans) seen.push_back(p.plan_id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"pl_0", "pl_1", "pl_2", "pl_3", "pl_4"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(store->ListPlans("default", "P-0001", 2, "x1").status().code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorePlansTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
