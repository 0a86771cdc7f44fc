// The audit chain on every backend: each stored plan's record names what decided it and chains
// onto the record before; records cannot be changed or deleted, and one changed past the
// database's guards is found by Verify.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class StoreAuditTest : public testing::StoreConformance {};

TEST_P(StoreAuditTest, RecordNamesRuleSetPluginsAndFiredRules) {
  {
    auto store = Open();
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  }
  const std::string record = QueryText("SELECT record_json FROM audit WHERE plan_id = 'pl_1'");
  auto j = nlohmann::json::parse(record);
  EXPECT_EQ(j["client"], "notes");
  EXPECT_EQ(j["rule_set"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["plugins"][0]["id"], "dry_needling");
  EXPECT_EQ(j["plugins"][0]["version"], "1.2.0");
  EXPECT_EQ(j["fired_rules"][0], "r1");
  EXPECT_GT(j["at_ms"].get<int64_t>(), 0);
  // The second record chains onto the first.
  EXPECT_EQ(QueryText("SELECT prev_hash FROM audit WHERE plan_id = 'pl_2'"),
            QueryText("SELECT hash FROM audit WHERE plan_id = 'pl_1'"));
}

TEST_P(StoreAuditTest, IsAppendOnlyAndTamperingIsDetected) {
  auto store = Open();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
  auto clean = store->Verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok()) << clean->problems[0];
  EXPECT_EQ(clean->audit_records, 3);

  EXPECT_THROW(ExecuteSql("DELETE FROM audit WHERE seq = 2"), std::exception);
  EXPECT_THROW(ExecuteSql("UPDATE audit SET record_json = '{}' WHERE seq = 2"), std::exception);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM audit"), 3);
  // Someone who gets past the guards can edit a record, but the chain gives them away.
  TamperSql("UPDATE audit SET record_json = replace(record_json, 'r1', 'r9') WHERE seq = 2");
  auto tampered = store->Verify();
  ASSERT_TRUE(tampered.ok());
  ASSERT_FALSE(tampered->ok());
  EXPECT_NE(tampered->problems[0].find("audit record 2"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuditTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
