// Plans at rest as modalis.v1.Plan: ProtoToPlan undoes PlanToProto for every plan the shipped
// rules make for their golden cases and for a plan with every field set, the encoding is
// deterministic, bad bytes are refused by name, and the SQLite store behaves with this codec as it
// does with JSON (tests/support/store_codec_checks.h).
#include "adapters/plan_codec_proto.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "adapters/plan_proto.h"
#include "core/plan/plan_json.h"
#include "core/plan/planner.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/store_codec_checks.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::PlanToJsonText;

// The plan each shipped golden case makes, planned as `modalis rules test` plans it.
std::vector<std::pair<std::string, Plan>> GoldenCasePlans() {
  auto source = ReadRuleSource(testing::RulesDir());
  EXPECT_TRUE(source.ok()) << source.status();
  if (!source.ok()) return {};
  std::vector<std::pair<std::string, Plan>> plans;
  for (const RuleSource::File& file : source->cases) {
    const nlohmann::json doc = nlohmann::json::parse(file.text);
    for (const nlohmann::json& c : doc.at("cases")) {
      PlanRequest request;
      if (c.contains("request")) {
        const nlohmann::json& r = c["request"];
        if (r.contains("session_minutes")) {
          request.session_minutes = static_cast<uint32_t>(r["session_minutes"].get<double>());
        }
        if (r.contains("practitioner")) {
          request.qualifications = r["practitioner"]
                                       .value("qualifications", nlohmann::json::array())
                                       .get<std::vector<std::string>>();
        }
      }
      auto plan = PlanForFindings(*testing::DefaultRules(), c.at("findings"), request);
      EXPECT_TRUE(plan.ok()) << c.at("id") << ": " << plan.status();
      if (plan.ok()) plans.emplace_back(c.at("id").get<std::string>(), *std::move(plan));
    }
  }
  return plans;
}

// The parts the evidence report reads, read straight from the bytes, are the plan's.
void ExpectEvidenceParts(const std::string& bytes, const Plan& plan) {
  EvidencePlan parts;
  ASSERT_TRUE(ProtoPlanCodec()->DecodeEvidence(bytes, &parts).ok());
  ASSERT_EQ(parts.steps.size(), plan.steps.size());
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    EXPECT_EQ(parts.steps[i].modality, plan.steps[i].modality);
    EXPECT_EQ(parts.steps[i].rule_ids, plan.steps[i].rule_ids);
  }
  ASSERT_EQ(parts.course.has_value(), plan.course.has_value());
  if (plan.course) {
    EXPECT_EQ(parts.course->frequency, plan.course->frequency);
    EXPECT_EQ(parts.course->sessions_min, plan.course->sessions_min);
    EXPECT_EQ(parts.course->sessions_max, plan.course->sessions_max);
    EXPECT_EQ(parts.course->review_after_sessions, plan.course->review_after_sessions);
  }
}

void ExpectRoundTrip(const Plan& plan) {
  v1::Plan message;
  PlanToProto(plan, &message);
  auto back = ProtoToPlan(message);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(PlanToJsonText(*back), PlanToJsonText(plan));

  auto codec = ProtoPlanCodec();
  const std::string bytes = codec->Encode(plan);
  EXPECT_EQ(codec->Encode(plan), bytes) << "encoding is not deterministic";
  EXPECT_EQ(EncodePlanMessage(message), bytes) << "the server's bytes differ from the codec's";
  auto decoded = codec->Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(PlanToJsonText(*decoded), PlanToJsonText(plan));
  EXPECT_EQ(codec->Encode(*decoded), bytes);
  ExpectEvidenceParts(bytes, plan);
}

TEST(PlanCodecProtoTest, EveryGoldenCasePlanRoundTrips) {
  const auto plans = GoldenCasePlans();
  ASSERT_GT(plans.size(), 10u);
  size_t with_steps = 0;
  size_t referred = 0;
  for (const auto& [id, plan] : plans) {
    SCOPED_TRACE(id);
    ExpectRoundTrip(plan);
    with_steps += plan.steps.empty() ? 0 : 1;
    referred += plan.status == PlanStatus::kReferred ? 1 : 0;
  }
  EXPECT_GT(with_steps, 0u);
  EXPECT_GT(referred, 0u);
}

TEST(PlanCodecProtoTest, APlanWithEveryFieldRoundTrips) {
  const Plan plan = testing::RichPlan("pl_1").plan.plan;
  ASSERT_GE(plan.steps[0].params.size(), 3u);
  ASSERT_EQ(plan.exclusions.size(), 8u);
  ExpectRoundTrip(plan);
  Plan bare;  // nothing but defaults: no course, no steps
  ExpectRoundTrip(bare);
  Plan empty_course;
  empty_course.course = Course{};  // present though every field is zero
  ExpectRoundTrip(empty_course);
}

TEST(PlanCodecProtoTest, AValueWithoutANameIsRefusedNamingTheField) {
  v1::Plan message;
  PlanToProto(testing::RichPlan("pl_1").plan.plan, &message);
  {
    v1::Plan m = message;
    m.set_status(v1::PLAN_STATUS_UNSPECIFIED);
    auto plan = ProtoToPlan(m);
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(plan.status().message().find("status"), std::string::npos) << plan.status();
  }
  {
    v1::Plan m = message;
    m.mutable_exclusions(3)->set_severity(static_cast<v1::ExclusionSeverity>(99));
    auto plan = ProtoToPlan(m);
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(plan.status().message().find("exclusions[3].severity"), std::string::npos)
        << plan.status();
    // Stored, it is data the program cannot read.
    auto decoded = ProtoPlanCodec()->Decode(EncodePlanMessage(m));
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(decoded.status().message().find("exclusions[3].severity"), std::string::npos);
  }
  {
    v1::Plan m = message;
    m.mutable_referral()->set_urgency(v1::URGENCY_UNSPECIFIED);
    EXPECT_EQ(ProtoToPlan(m).status().code(), absl::StatusCode::kInvalidArgument);
  }
  {
    v1::Plan m = message;
    m.mutable_course()->set_frequency(static_cast<v1::Frequency>(7));
    EXPECT_EQ(ProtoToPlan(m).status().code(), absl::StatusCode::kInvalidArgument);
    // The evidence report's reading refuses it as Decode does.
    EvidencePlan parts;
    const absl::Status s = ProtoPlanCodec()->DecodeEvidence(EncodePlanMessage(m), &parts);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("course.frequency"), std::string::npos) << s;
  }
  {
    v1::Plan m = message;
    *m.mutable_steps(0)->add_params() = m.steps(0).params(0);
    auto plan = ProtoToPlan(m);
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(plan.status().message().find("twice"), std::string::npos) << plan.status();
  }
}

TEST(PlanCodecProtoTest, BytesThatAreNoPlanAreDataLossNamingTheFormat) {
  auto codec = ProtoPlanCodec();
  EXPECT_EQ(codec->format(), "modalis.v1.Plan");
  const std::string json = PlanToJsonText(testing::SamplePlan("pl_1").plan.plan);
  auto decoded = codec->Decode(json);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("modalis.v1.Plan"), std::string::npos)
      << decoded.status();
  std::string cut = codec->Encode(testing::RichPlan("pl_1").plan.plan);
  cut.resize(cut.size() / 2);
  EXPECT_EQ(codec->Decode(cut).status().code(), absl::StatusCode::kDataLoss);

  EvidencePlan parts;
  const absl::Status not_a_plan = codec->DecodeEvidence(json, &parts);
  EXPECT_EQ(not_a_plan.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(not_a_plan.message().find("modalis.v1.Plan"), std::string::npos) << not_a_plan;
  EXPECT_EQ(codec->DecodeEvidence(cut, &parts).code(), absl::StatusCode::kDataLoss);
}

TEST(PlanCodecProtoTest, StoreBehavesAsWithJson) {
  testing::ExpectStoreBehavesAsWithJson(ProtoPlanCodec());
}

TEST(PlanCodecProtoTest, EncodedPlanIsStoredAsGiven) {
  testing::ExpectEncodedPlanIsStoredAsGiven(ProtoPlanCodec());
}

TEST(PlanCodecProtoTest, JsonDatabaseIsConvertedAtOpen) {
  testing::ExpectJsonDatabaseIsConvertedAtOpen(ProtoPlanCodec());
}

TEST(PlanCodecProtoTest, ReadsFollowEachPlansFormat) {
  testing::ExpectReadsFollowEachPlansFormat(ProtoPlanCodec());
}

}  // namespace
}  // namespace modalis
