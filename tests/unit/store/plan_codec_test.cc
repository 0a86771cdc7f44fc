// The JSON plan codec is today's PlanToJson / PlanFromJson, and a stored plan is read by the
// format stored with it: JSON always, the configured codec's own, anything else refused by name.
#include "core/store/plan_codec.h"

#include <gtest/gtest.h>

#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::PlanToJsonText;
using testing::RichPlan;

// Not JSON: a tag, then the plan's JSON.
class TaggedCodec final : public PlanCodec {
 public:
  std::string_view format() const override { return "test.tagged"; }
  std::string Encode(const Plan& plan) const override {
    return "TAG\n" + JsonPlanCodec()->Encode(plan);
  }
  absl::StatusOr<Plan> Decode(std::string_view bytes) const override {
    if (bytes.substr(0, 4) != "TAG\n") return absl::DataLossError("no tag");
    return JsonPlanCodec()->Decode(bytes.substr(4));
  }
};

TEST(PlanCodecTest, JsonIsPlanToJson) {
  const Plan plan = RichPlan("pl_1").plan.plan;
  auto codec = JsonPlanCodec();
  EXPECT_EQ(codec->format(), "json");
  EXPECT_EQ(codec->Encode(plan), PlanToJsonText(plan));
  auto back = codec->Decode(codec->Encode(plan));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(PlanToJsonText(*back), PlanToJsonText(plan));
  EXPECT_EQ(codec->Decode("{not json").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(codec->Decode("{}").status().code(), absl::StatusCode::kDataLoss);
}

TEST(PlanCodecTest, StoredPlansAreReadByTheirOwnFormat) {
  const Plan plan = RichPlan("pl_1").plan.plan;
  const TaggedCodec tagged;
  const std::string json = JsonPlanCodec()->Encode(plan);
  const std::string tag = tagged.Encode(plan);

  for (const PlanCodec* configured : {static_cast<const PlanCodec*>(&tagged),
                                      static_cast<const PlanCodec*>(JsonPlanCodec().get())}) {
    auto from_json = DecodeStoredPlan(*configured, "json", json);
    ASSERT_TRUE(from_json.ok()) << from_json.status();
    EXPECT_EQ(PlanToJsonText(*from_json), PlanToJsonText(plan));
  }
  auto from_tag = DecodeStoredPlan(tagged, "test.tagged", tag);
  ASSERT_TRUE(from_tag.ok()) << from_tag.status();
  EXPECT_EQ(PlanToJsonText(*from_tag), PlanToJsonText(plan));
  // The format decides, not the configured codec.
  EXPECT_EQ(DecodeStoredPlan(tagged, "json", tag).status().code(), absl::StatusCode::kDataLoss);

  auto unknown = DecodeStoredPlan(*JsonPlanCodec(), "test.tagged", tag);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.status().message().find("'test.tagged'"), std::string::npos)
      << unknown.status();
  auto other = DecodeStoredPlan(tagged, "modalis.v9.Plan", tag);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("'modalis.v9.Plan'"), std::string::npos)
      << other.status();
}

}  // namespace
}  // namespace modalis
