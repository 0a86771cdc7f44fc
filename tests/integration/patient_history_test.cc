// PlanService.GetPatientHistory against the real modalisd: one patient's plans, the decisions on
// their steps and the outcome of every session, in the caller's clinic only.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

class PatientHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, "north"));
    notes_ = testing::MintToken(tokens_, "--role notes --name notes-app");
    booking_ = testing::MintToken(tokens_, "--role booking --name booking-app");
    north_ = testing::MintToken(tokens_, "--clinic north --role notes --name north-notes");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--token-file", tokens_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    plans_ = v1::PlanService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  std::string Store(const std::string& patient) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    *request.mutable_findings() = *JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    v1::SuggestPlanResponse response;
    EXPECT_TRUE(plans_->SuggestPlan(testing::Bearer(notes_).get(), request, &response).ok());
    return response.plan().plan_id();
  }

  void Outcome(const std::string& patient, uint32_t session, double pain) {
    v1::RecordOutcomeRequest outcome;
    outcome.set_patient_ref(patient);
    outcome.set_session_number(session);
    outcome.set_pain_nprs(pain);
    outcome.set_pain_days_per_week(5);
    if (session == 2) outcome.set_rmdq(11);
    v1::RecordOutcomeResponse r;
    const grpc::Status s = plans_->RecordOutcome(testing::Bearer(notes_).get(), outcome, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status History(const std::string& token, const std::string& patient,
                       v1::GetPatientHistoryResponse* out) {
    v1::GetPatientHistoryRequest request;
    request.set_patient_ref(patient);
    return plans_->GetPatientHistory(testing::Bearer(token).get(), request, out);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("modalis.db");
  const std::string tokens_ = dir_.file("tokens.json");
  std::string notes_, booking_, north_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
};

TEST_F(PatientHistoryTest, PlansDecisionsAndOutcomesOfOnePatientInOrder) {
  const std::string first = Store("P-7");
  const std::string second = Store("P-7");
  Store("P-8");
  v1::RecordFeedbackRequest feedback;
  feedback.set_plan_id(second);
  feedback.set_step_index(1);
  feedback.set_decision(v1::STEP_DECISION_DECLINED);
  feedback.set_reason("client prefers no hands-on work today");
  v1::RecordFeedbackResponse recorded;
  ASSERT_TRUE(plans_->RecordFeedback(testing::Bearer(notes_).get(), feedback, &recorded).ok());
  // Recorded out of order: the history gives them by session.
  for (const auto& [session, pain] :
       std::vector<std::pair<uint32_t, double>>{{2, 6}, {1, 7}, {4, 6}, {3, 6}}) {
    Outcome("P-7", session, pain);
  }

  v1::GetPatientHistoryResponse history;
  ASSERT_TRUE(History(booking_, "P-7", &history).ok());
  EXPECT_EQ(history.patient_ref(), "P-7");
  ASSERT_EQ(history.plans_size(), 2);
  EXPECT_EQ(history.plans_total(), 2u);
  EXPECT_EQ(history.plans(0).plan().plan_id(), first);
  EXPECT_EQ(history.plans(1).plan().plan_id(), second);
  EXPECT_LE(history.plans(0).created_at_ms(), history.plans(1).created_at_ms());
  ASSERT_EQ(history.feedback_size(), 1);
  EXPECT_EQ(history.feedback(0).plan_id(), second);
  EXPECT_EQ(history.feedback(0).step_index(), 1u);
  EXPECT_EQ(history.feedback(0).decision(), v1::STEP_DECISION_DECLINED);
  EXPECT_EQ(history.feedback(0).reason(), "client prefers no hands-on work today");
  ASSERT_EQ(history.outcomes_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(history.outcomes(i).session_number(), static_cast<uint32_t>(i + 1));
  }
  EXPECT_EQ(history.outcomes(0).pain_nprs(), 7);
  EXPECT_TRUE(history.outcomes(1).has_rmdq());
  EXPECT_FALSE(history.outcomes(0).has_rmdq());
  // Progress as GetProgress reports it: four sessions, no minimal important change, review due.
  EXPECT_EQ(history.progress().sessions_completed(), 4u);
  EXPECT_TRUE(history.progress().review_due());
  EXPECT_FALSE(history.progress().pain_nprs().reaches_mic());
  EXPECT_EQ(history.mic_nprs_points(), 2);
  EXPECT_EQ(history.mic_percent(), 30);
}

TEST_F(PatientHistoryTest, AnotherClinicSeesNothingOfThePatient) {
  Store("P-7");
  Outcome("P-7", 1, 7);
  // The same answer as for a reference no clinic has: nothing tells the other clinic it exists.
  v1::GetPatientHistoryResponse north, nobody;
  const grpc::Status other = History(north_, "P-7", &north);
  const grpc::Status unknown = History(north_, "P-9", &nobody);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other.error_message(), "nothing is stored for patient 'P-7'");
  EXPECT_EQ(north.plans_size(), 0);
}

TEST_F(PatientHistoryTest, AReferenceThatIsNotOneIsRefused) {
  v1::GetPatientHistoryResponse history;
  EXPECT_EQ(History(notes_, "Jane Doe", &history).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(History(notes_, "", &history).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace modalis
