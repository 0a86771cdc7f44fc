// The JSON plan codec is today's PlanToJson / PlanFromJson, and a stored plan is read by the
// format stored with it: JSON always, the configured codec's own, anything else refused by name.
#include "core/store/plan_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

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

// What the evidence report reads of a plan: by default, the whole plan decoded, chosen by the
// stored format as DecodeStoredPlan chooses.
TEST(PlanCodecTest, EvidencePartsAreThePlansStepsAndCourse) {
  const Plan plan = RichPlan("pl_1").plan.plan;
  const TaggedCodec tagged;
  for (const auto& [format, bytes] :
       {std::pair<std::string, std::string>{"json", JsonPlanCodec()->Encode(plan)},
        std::pair<std::string, std::string>{"test.tagged", tagged.Encode(plan)}}) {
    EvidencePlan parts;
    parts.plan_id = "kept";
    parts.steps.push_back({"left over", {}});
    ASSERT_TRUE(DecodeStoredEvidence(tagged, format, bytes, &parts).ok()) << format;
    EXPECT_EQ(parts.plan_id, "kept");
    ASSERT_EQ(parts.steps.size(), plan.steps.size());
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      EXPECT_EQ(parts.steps[i].modality, plan.steps[i].modality);
      EXPECT_EQ(parts.steps[i].rule_ids, plan.steps[i].rule_ids);
    }
    ASSERT_TRUE(parts.course.has_value());
    EXPECT_EQ(parts.course->frequency, plan.course->frequency);
    EXPECT_EQ(parts.course->sessions_min, plan.course->sessions_min);
    EXPECT_EQ(parts.course->sessions_max, plan.course->sessions_max);
    EXPECT_EQ(parts.course->review_after_sessions, plan.course->review_after_sessions);
  }
  EvidencePlan parts;
  EXPECT_EQ(DecodeStoredEvidence(tagged, "json", "{not json", &parts).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredEvidence(*JsonPlanCodec(), "test.tagged", "TAG\n{}", &parts).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace modalis
