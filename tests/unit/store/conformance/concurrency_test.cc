// The store on several threads at once, on every backend: a full write queue answers at once
// instead of hanging, and readers beside the writer see every acknowledged plan. These carry the
// label `concurrent` (tests/CMakeLists.txt) and run again under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreConcurrencyTest : public testing::StoreConformance {};

TEST_P(StoreConcurrencyTest, FullQueueIsResourceExhaustedNotAHang) {
  auto store = Open({.queue_capacity = 2, .max_batch = 1});
  std::atomic<int> done{0}, exhausted{0};
  constexpr int kWrites = 200;
  for (int i = 0; i < kWrites; ++i) {
    store->PutPlanAsync(SamplePlan("pl_" + std::to_string(i)), [&](absl::StatusOr<StoredPlan> s) {
      if (s.status().code() == absl::StatusCode::kResourceExhausted) {
        ++exhausted;
      }
      ++done;
    });
  }
  store->Close();
  EXPECT_EQ(done.load(), kWrites);
  EXPECT_GT(exhausted.load(), 0);
  // After Close every write is answered; later ones are refused, not lost silently.
  auto late = store->PutPlan(SamplePlan("pl_late"));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnavailable);
}

// The writer thread commits batches while readers use the pool and callers ask for the write
// health: every acknowledged plan is readable at once, and every plan is stored once.
TEST_P(StoreConcurrencyTest, ReadersAndWritersAtOnceSeeEveryAcknowledgedPlan) {
  auto store = Open({.max_batch = 8});
  constexpr int kWriters = 3, kPlansEach = 40, kReaders = 3;
  std::atomic<int> written{0}, writers_left{kWriters}, read_failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPlansEach; ++i) {
        const std::string id = "pl_" + std::to_string(w) + "_" + std::to_string(i);
        if (!store->PutPlan(SamplePlan(id)).ok() || !store->GetPlan("default", id).ok())
          ++read_failures;
        ++written;
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      while (writers_left > 0) {
        auto page = store->ListPlans("default", "P-0001", 20, "");
        if (!page.ok() || !store->write_health().writable) ++read_failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(written.load(), kWriters * kPlansEach);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, kWriters * kPlansEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConcurrencyTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
