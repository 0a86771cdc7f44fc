// The SQLite store with a plan codec other than JSON (a test codec here; modalisd's protobuf one in
// tests/integration/adapters/plan_codec_proto_test.cc runs the same checks).
#include <gtest/gtest.h>

#include "core/store/plan_codec.h"
#include "tests/support/store_codec_checks.h"

namespace modalis {
namespace {

// Not JSON: the plan's JSON backwards, so a store that kept JSON, or read a row with the wrong
// codec, shows.
class ReversedJsonCodec final : public PlanCodec {
 public:
  std::string_view format() const override { return "test.reversed-json"; }
  std::string Encode(const Plan& plan) const override {
    std::string json = JsonPlanCodec()->Encode(plan);
    return std::string(json.rbegin(), json.rend());
  }
  absl::StatusOr<Plan> Decode(std::string_view bytes) const override {
    return JsonPlanCodec()->Decode(std::string(bytes.rbegin(), bytes.rend()));
  }
};

std::shared_ptr<const PlanCodec> Reversed() { return std::make_shared<ReversedJsonCodec>(); }

TEST(SqlitePlanCodecTest, StoreBehavesAsWithJson) {
  testing::ExpectStoreBehavesAsWithJson(Reversed());
}

TEST(SqlitePlanCodecTest, EncodedPlanIsStoredAsGiven) {
  testing::ExpectEncodedPlanIsStoredAsGiven(Reversed());
}

TEST(SqlitePlanCodecTest, JsonDatabaseIsConvertedAtOpen) {
  testing::ExpectJsonDatabaseIsConvertedAtOpen(Reversed());
}

TEST(SqlitePlanCodecTest, ReadsFollowEachPlansFormat) {
  testing::ExpectReadsFollowEachPlansFormat(Reversed());
}

TEST(SqlitePlanCodecTest, EncodedPlanWithTheJsonCodecIsStoredAsGiven) {
  testing::ExpectEncodedPlanIsStoredAsGiven(JsonPlanCodec());
}

// JSON that does not read back as a plan is left as it is by the conversion; reading it reports
// the problem, as before.
TEST(SqlitePlanCodecTest, UnreadableJsonIsLeftAsItWas) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = testing::OpenWith(path, nullptr);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutPlan(testing::SamplePlan("pl_1")).ok());
    ASSERT_TRUE(store->PutPlan(testing::SamplePlan("pl_2")).ok());
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("UPDATE plans SET plan_data = CAST('{\"broken\": 1}' AS BLOB) WHERE plan_id = 'pl_1'");
  }
  auto store = testing::OpenWith(path, Reversed());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetPlan("default", "pl_1").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(store->GetPlan("default", "pl_2").ok());
  store.reset();
  const auto rows = testing::StoredPlanRows(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].format, "json");
  EXPECT_EQ(rows[0].bytes, "{\"broken\": 1}");
  EXPECT_EQ(rows[1].format, "test.reversed-json");
}

}  // namespace
}  // namespace modalis
