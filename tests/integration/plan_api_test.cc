// The PlanService methods beyond SuggestPlan/GetPlan, the roles on them, and the error details a
// client in any language can read.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "adapters/plan_proto.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

class PlanApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_ = dir_.file("tokens.json");
    notes_ = Mint("notes-app", "notes");
    booking_ = Mint("booking-app", "booking");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", dir_.file("m.db"), "--token-file", tokens_});
    ASSERT_TRUE(server_->started()) << server_->output();
    stub_ = v1::PlanService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  std::string Mint(const std::string& name, const std::string& role) {
    std::string command = testing::BinDir() + "/modalis token add --file " + tokens_ + " --name " +
                          name + " --role " + role + " 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[128] = {};
    std::string token = std::fgets(buffer, sizeof buffer, pipe) != nullptr ? buffer : "";
    ::pclose(pipe);
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  v1::Plan Suggest(const std::string& token, const std::string& patient, nlohmann::json findings) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    *request.mutable_findings() = *JsonToStruct(findings);
    v1::SuggestPlanResponse response;
    grpc::Status s = stub_->SuggestPlan(Ctx(token).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.plan();
  }

  nlohmann::json DeskWorker() {
    return nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  }

  testing::TempDir dir_;
  std::string tokens_, notes_, booking_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

TEST_F(PlanApiTest, ListFeedbackOutcomesAndProgress) {
  nlohmann::json first = DeskWorker();
  first["pain_nprs"] = 7;
  const v1::Plan plan1 = Suggest(booking_, "P-10", first);
  const v1::Plan plan2 = Suggest(booking_, "P-10", DeskWorker());
  Suggest(booking_, "P-11", DeskWorker());

  v1::ListPlansRequest list;
  list.set_patient_ref("P-10");
  list.set_page_size(1);
  v1::ListPlansResponse page;
  ASSERT_TRUE(stub_->ListPlans(Ctx(booking_).get(), list, &page).ok());
  ASSERT_EQ(page.plans_size(), 1);
  EXPECT_EQ(page.plans(0).plan().plan_id(), plan1.plan_id());
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_->ListPlans(Ctx(booking_).get(), list, &page).ok());
  ASSERT_EQ(page.plans_size(), 1);
  EXPECT_EQ(page.plans(0).plan().plan_id(), plan2.plan_id());
  EXPECT_TRUE(page.next_page_token().empty());

  v1::RecordFeedbackRequest feedback;
  feedback.set_plan_id(plan1.plan_id());
  feedback.set_step_index(0);
  feedback.set_decision(v1::STEP_DECISION_DECLINED);
  v1::RecordFeedbackResponse feedback_response;
  EXPECT_EQ(stub_->RecordFeedback(Ctx(notes_).get(), feedback, &feedback_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "declining needs a reason";
  feedback.set_reason("client anxious today");
  EXPECT_TRUE(stub_->RecordFeedback(Ctx(notes_).get(), feedback, &feedback_response).ok());
  EXPECT_EQ(stub_->RecordFeedback(Ctx(booking_).get(), feedback, &feedback_response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "the booking app cannot record feedback";

  v1::RecordOutcomeResponse outcome_response;
  for (auto [session, nprs] : {std::pair{1u, 7.0}, std::pair{2u, 5.0}, std::pair{4u, 4.0}}) {
    v1::RecordOutcomeRequest outcome;
    outcome.set_patient_ref("P-10");
    outcome.set_session_number(session);
    outcome.set_pain_nprs(nprs);
    outcome.set_pain_days_per_week(3);
    ASSERT_TRUE(stub_->RecordOutcome(Ctx(notes_).get(), outcome, &outcome_response).ok());
  }
  v1::RecordOutcomeRequest bad;
  bad.set_patient_ref("P-10");
  bad.set_session_number(5);
  bad.set_pain_nprs(12);
  EXPECT_EQ(stub_->RecordOutcome(Ctx(notes_).get(), bad, &outcome_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetProgressRequest progress_request;
  progress_request.set_patient_ref("P-10");
  v1::GetProgressResponse progress;
  ASSERT_TRUE(stub_->GetProgress(Ctx(notes_).get(), progress_request, &progress).ok());
  EXPECT_EQ(progress.baseline_source(), "first_outcome");
  EXPECT_EQ(progress.pain_nprs().baseline(), 7);
  EXPECT_EQ(progress.pain_nprs().latest(), 4);
  EXPECT_TRUE(progress.pain_nprs().reaches_mic());
  EXPECT_TRUE(progress.improved());
  EXPECT_EQ(progress.sessions_completed(), 4u);
  EXPECT_TRUE(progress.review_due());
  EXPECT_FALSE(progress.referral_due());
}

TEST_F(PlanApiTest, ReviewUsesTheFirstRecordedOutcomeAsBaseline) {
  v1::RecordOutcomeResponse ignored;
  v1::RecordOutcomeRequest outcome;
  outcome.set_patient_ref("P-20");
  outcome.set_session_number(1);
  outcome.set_pain_nprs(5);
  outcome.set_pain_days_per_week(5);
  ASSERT_TRUE(stub_->RecordOutcome(Ctx(notes_).get(), outcome, &ignored).ok());
  // The findings claim a baseline of 8, but the store's first outcome (5) is the baseline: from 5
  // to 4 is no meaningful improvement at the review.
  nlohmann::json f = DeskWorker();
  f["sessions_completed"] = 4;
  f["baseline_pain_nprs"] = 8;
  f["pain_nprs"] = 4;
  const v1::Plan plan = Suggest(notes_, "P-20", f);
  EXPECT_EQ(plan.referral().urgency(), v1::ROUTINE);
}

TEST_F(PlanApiTest, BadFindingsCarryBadRequestDetails) {
  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-30");
  *request.mutable_findings() = *JsonToStruct({{"pain_nprs", 12}, {"pregnnant", true}});
  v1::SuggestPlanResponse response;
  grpc::Status s = stub_->SuggestPlan(Ctx(booking_).get(), request, &response);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  std::vector<std::string> fields;
  for (const auto& v : bad_request.field_violations()) fields.push_back(v.field());
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"findings.pain_nprs", "findings.pregnnant"}));
}

TEST_F(PlanApiTest, RetryReturnsTheStoredPlanAndAReusedIdIsRefused) {
  v1::SuggestPlanRequest request;
  request.set_request_id("visit-1");
  request.set_patient_ref("P-40");
  *request.mutable_findings() = *JsonToStruct(DeskWorker());
  v1::SuggestPlanResponse first, retry, other;
  ASSERT_TRUE(stub_->SuggestPlan(Ctx(booking_).get(), request, &first).ok());
  ASSERT_TRUE(stub_->SuggestPlan(Ctx(booking_).get(), request, &retry).ok());
  EXPECT_EQ(first.plan().plan_id(), retry.plan().plan_id());
  request.set_patient_ref("P-41");
  EXPECT_EQ(stub_->SuggestPlan(Ctx(booking_).get(), request, &other).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Request ids are scoped to the calling client.
  ASSERT_TRUE(stub_->SuggestPlan(Ctx(notes_).get(), request, &other).ok());
  EXPECT_NE(other.plan().plan_id(), first.plan().plan_id());
}

}  // namespace
}  // namespace modalis
