// What a stored plan was asked: only what decides the plan is kept, the same question is the same
// bytes however it arrived, and reading it back refuses what this program did not write.
#include "adapters/replay_input.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "adapters/request_hash.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using google::protobuf::util::MessageDifferencer;

v1::SuggestPlanRequest DeskWorker() {
  v1::SuggestPlanRequest request;
  const auto status = google::protobuf::util::JsonStringToMessage(
      testing::ReadText(testing::DataFile("desk-worker-request.json")), &request);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return request;
}

// The definition: the deterministic encoding of a request holding only what decides the plan.
std::string Reference(const v1::SuggestPlanRequest& request) {
  v1::SuggestPlanRequest asked;
  *asked.mutable_findings() = request.findings();
  asked.set_session_minutes(request.session_minutes());
  if (request.has_practitioner()) *asked.mutable_practitioner() = request.practitioner();
  asked.set_condition(request.condition());
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    asked.SerializeToCodedStream(&coded);
  }
  return out;
}

// Written field by field (the findings are not copied), the bytes are the reduced request's.
TEST(ReplayInputTest, TheBytesAreThoseOfTheRequestHoldingOnlyWhatDecidesThePlan) {
  v1::SuggestPlanRequest request = DeskWorker();
  // A Struct within the findings, its keys too in order.
  google::protobuf::Struct* nested =
      (*request.mutable_findings()->mutable_fields())["nested"].mutable_struct_value();
  (*nested->mutable_fields())["z"].set_number_value(1);
  (*nested->mutable_fields())["a"].set_string_value("x");
  EXPECT_EQ(EncodeReplayInput(request), Reference(request));
  request.set_session_minutes(45);
  EXPECT_EQ(EncodeReplayInput(request), Reference(request));
  request.mutable_practitioner();
  EXPECT_EQ(EncodeReplayInput(request), Reference(request));
  request.mutable_practitioner()->add_qualifications("acupuncture");
  request.set_condition("lower-back-pain");
  request.set_dry_run(true);
  EXPECT_EQ(EncodeReplayInput(request), Reference(request));
  EXPECT_EQ(EncodeReplayInput(v1::SuggestPlanRequest()), Reference(v1::SuggestPlanRequest()));
  // From the findings' encoding modalisd hashes the request with: the same bytes, the same hash.
  const std::string findings = FindingsEncoding(request);
  EXPECT_EQ(EncodeReplayInput(request, findings), Reference(request));
  EXPECT_EQ(RequestHash(request, findings), RequestHash(request));
}

TEST(ReplayInputTest, KeepsWhatDecidesThePlanAndNothingOfWhoseOrWhichRequestItWas) {
  v1::SuggestPlanRequest request = DeskWorker();
  request.set_session_minutes(45);
  request.mutable_practitioner()->add_qualifications("dry_needling");
  request.set_condition("lower-back-pain");
  request.set_explain_not_fired(true);

  const std::string bytes = EncodeReplayInput(request);
  auto asked = DecodeReplayInput(kReplayInputFormat, bytes);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_TRUE(MessageDifferencer::Equals(asked->findings(), request.findings()));
  EXPECT_EQ(asked->session_minutes(), 45u);
  ASSERT_TRUE(asked->has_practitioner());
  EXPECT_EQ(asked->practitioner().qualifications_size(), 1);
  EXPECT_EQ(asked->practitioner().qualifications(0), "dry_needling");
  EXPECT_EQ(asked->condition(), "lower-back-pain");
  EXPECT_EQ(asked->patient_ref(), "");
  EXPECT_EQ(asked->request_id(), "");
  EXPECT_FALSE(asked->dry_run());
  EXPECT_FALSE(asked->explain_not_fired());

  // Another patient, another key, the same question: the same bytes.
  v1::SuggestPlanRequest other = request;
  other.set_patient_ref("P-9999");
  other.set_request_id("another-key");
  other.set_explain_not_fired(false);
  EXPECT_EQ(EncodeReplayInput(other), bytes);
  other.set_session_minutes(30);
  EXPECT_NE(EncodeReplayInput(other), bytes);
}

TEST(ReplayInputTest, FindingsInAnotherOrderAreTheSameBytes) {
  const v1::SuggestPlanRequest request = DeskWorker();
  // The same findings, inserted key by key in the opposite order.
  v1::SuggestPlanRequest reversed;
  std::vector<std::string> keys;
  for (const auto& [key, value] : request.findings().fields()) keys.push_back(key);
  ASSERT_GT(keys.size(), 10u);
  std::sort(keys.rbegin(), keys.rend());
  for (const std::string& key : keys) {
    (*reversed.mutable_findings()->mutable_fields())[key] = request.findings().fields().at(key);
  }
  EXPECT_EQ(EncodeReplayInput(reversed), EncodeReplayInput(request));
}

// Absent means "the rule set's qualifications"; present and empty means "none": the two plan
// differently, so they stay different questions.
TEST(ReplayInputTest, APractitionerWithNoQualificationsIsNotAnAbsentOne) {
  v1::SuggestPlanRequest absent = DeskWorker();
  v1::SuggestPlanRequest none = absent;
  none.mutable_practitioner();
  EXPECT_NE(EncodeReplayInput(none), EncodeReplayInput(absent));
  auto absent_back = DecodeReplayInput(kReplayInputFormat, EncodeReplayInput(absent));
  auto none_back = DecodeReplayInput(kReplayInputFormat, EncodeReplayInput(none));
  ASSERT_TRUE(absent_back.ok() && none_back.ok());
  EXPECT_FALSE(absent_back->has_practitioner());
  EXPECT_TRUE(none_back->has_practitioner());
}

// The store takes an empty input for "none kept": a request with nothing in it is still a question.
TEST(ReplayInputTest, AnEmptyRequestIsStillAQuestion) {
  const std::string bytes = EncodeReplayInput(v1::SuggestPlanRequest());
  EXPECT_FALSE(bytes.empty());
  auto asked = DecodeReplayInput(kReplayInputFormat, bytes);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_TRUE(asked->has_findings());
  EXPECT_EQ(asked->findings().fields_size(), 0);
}

TEST(ReplayInputTest, AnotherFormatOrBytesThatAreNotTheMessageAreRefused) {
  const std::string bytes = EncodeReplayInput(DeskWorker());

  auto other = DecodeReplayInput("modalis.v2.SuggestPlanRequest", bytes);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("'modalis.v2.SuggestPlanRequest'"), std::string::npos)
      << other.status();
  EXPECT_NE(other.status().message().find("'modalis.v1.SuggestPlanRequest'"), std::string::npos)
      << other.status();

  auto cut = DecodeReplayInput(kReplayInputFormat, bytes.substr(0, bytes.size() - 1));
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss) << cut.status();
  EXPECT_NE(cut.status().message().find("not a readable modalis.v1.SuggestPlanRequest"),
            std::string::npos)
      << cut.status();
  EXPECT_EQ(DecodeReplayInput(kReplayInputFormat, "\xff\xff\xff").status().code(),
            absl::StatusCode::kDataLoss);

  auto none = DecodeReplayInput("", "");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("kept no question"), std::string::npos) << none.status();
}

}  // namespace
}  // namespace modalis
