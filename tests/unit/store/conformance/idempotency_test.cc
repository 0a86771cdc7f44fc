// Idempotent writes on every backend: a retry of a request gets the plan stored first, a request id
// reused for another request is ALREADY_EXISTS (never another patient's plan), and a retry that
// spans an upgrade of the request hash's form still finds its plan.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreIdempotencyTest : public testing::StoreConformance {};

TEST_P(StoreIdempotencyTest, RetrySameRequestReturnsTheFirstPlan) {
  auto store = Open();
  auto first = store->PutPlan(SamplePlan("pl_1", "req-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  // The retry was planned again (new plan id) but must get the stored plan back.
  auto retry = store->PutPlan(SamplePlan("pl_2", "req-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->plan_id, "pl_1");
  EXPECT_EQ(retry->plan.plan_id, "pl_1");
  EXPECT_EQ(store->GetPlan("default", "pl_2").status().code(), absl::StatusCode::kNotFound);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->audit_records, 1);  // one decision, one record
}

TEST_P(StoreIdempotencyTest, SameRequestIdWithAnotherRequestIsAlreadyExistsNeverTheOtherPlan) {
  auto store = Open();
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1", "req-1")).ok());
  NewPlan other = SamplePlan("pl_2", "req-1");
  other.plan.patient_ref = "P-0002";
  other.plan.request_hash = "another-request";
  auto got = store->PutPlan(other);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->GetPlan("default", "pl_2").status().code(), absl::StatusCode::kNotFound);

  // Another client may use the same id.
  NewPlan booking = SamplePlan("pl_3", "req-1");
  booking.plan.client = "booking";
  EXPECT_TRUE(store->PutPlan(booking).ok());
}

// A plan stored before request hashes took their "<form>:" prefix is matched by the retry's hash
// in the older form, computed only then; without that form, or when it differs, the request is
// another one.
TEST_P(StoreIdempotencyTest, RetrySpanningAnUpgradeOfTheRequestHashFindsTheFirstPlan) {
  auto store = Open();
  NewPlan before = SamplePlan("pl_1", "req-1");
  before.plan.request_hash = std::string(64, 'c');  // as an earlier release stored it
  ASSERT_TRUE(store->PutPlan(before).ok());

  int computed = 0;
  NewPlan retry = SamplePlan("pl_2", "req-1");
  retry.plan.request_hash = "pb1:" + std::string(64, 'd');
  retry.legacy_request_hash = [&computed] {
    ++computed;
    return std::string(64, 'c');
  };
  auto got = store->PutPlan(retry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->plan_id, "pl_1");
  EXPECT_EQ(computed, 1);

  NewPlan other = SamplePlan("pl_3", "req-1");
  other.plan.request_hash = "pb1:" + std::string(64, 'd');
  other.legacy_request_hash = [] { return std::string(64, 'e'); };
  EXPECT_EQ(store->PutPlan(other).status().code(), absl::StatusCode::kAlreadyExists);

  NewPlan without = SamplePlan("pl_4", "req-1");
  without.plan.request_hash = "pb1:" + std::string(64, 'd');
  EXPECT_EQ(store->PutPlan(without).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->GetPlan("default", "pl_3").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetPlan("default", "pl_4").status().code(), absl::StatusCode::kNotFound);

  // Two hashes of the current form are compared as they are: the older form is never consulted.
  NewPlan current = SamplePlan("pl_5", "req-2");
  current.plan.request_hash = "pb1:" + std::string(64, 'f');
  ASSERT_TRUE(store->PutPlan(current).ok());
  NewPlan changed = SamplePlan("pl_6", "req-2");
  changed.plan.request_hash = "pb1:" + std::string(64, '0');
  changed.legacy_request_hash = [&computed] {
    ++computed;
    return std::string("pb1:") + std::string(64, 'f');
  };
  EXPECT_EQ(store->PutPlan(changed).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(computed, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreIdempotencyTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
