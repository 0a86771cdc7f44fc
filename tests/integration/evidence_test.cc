// The evidence report through the real modalisd and CLI: figures from plans, feedback and outcomes
// stored over the API, scoped by the caller's clinic, refused to the booking role, bad requests
// answered with the field they name, and the same figures read from the database file.
#include <google/rpc/error_details.pb.h>
#include <google/rpc/status.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using testing::RunCommand;

class EvidenceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string clinic : {"north", "south"}) {
      ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, clinic));
    }
    for (const std::string role : {"notes", "admin", "booking"}) {
      token_["north-" + role] =
          testing::MintToken(tokens_, "--clinic north --role " + role + " --name north-" + role);
    }
    token_["south-notes"] =
        testing::MintToken(tokens_, "--clinic south --role notes --name south-notes");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--token-file", tokens_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    plans_ = v1::PlanService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));

    // North: six patients with the desk worker's findings. The first step is declined for five
    // of them ("No time today", typed two ways), accepted for the sixth; every patient goes from
    // NPRS 7 to 4 (3 points: the minimal important change) by session 2.
    for (int i = 1; i <= 6; ++i) {
      const std::string patient = "P-000" + std::to_string(i);
      v1::SuggestPlanResponse plan;
      ASSERT_TRUE(plans_->SuggestPlan(As("north-notes").get(), DeskWorker(patient), &plan).ok());
      ASSERT_GT(plan.plan().steps_size(), 0);
      first_modality_ = plan.plan().steps(0).modality();
      sha256_ = plan.plan().rule_set().sha256();
      v1::RecordFeedbackRequest feedback;
      feedback.set_plan_id(plan.plan().plan_id());
      feedback.set_step_index(0);
      feedback.set_decision(i <= 5 ? v1::STEP_DECISION_DECLINED : v1::STEP_DECISION_ACCEPTED);
      if (i <= 5) feedback.set_reason(i % 2 ? "No time today" : "no time  today");
      v1::RecordFeedbackResponse recorded;
      ASSERT_TRUE(plans_->RecordFeedback(As("north-notes").get(), feedback, &recorded).ok());
      for (const auto& [session, nprs] : {std::pair{1u, 7.0}, std::pair{2u, 4.0}}) {
        v1::RecordOutcomeRequest outcome;
        outcome.set_patient_ref(patient);
        outcome.set_session_number(session);
        outcome.set_pain_nprs(nprs);
        outcome.set_pain_days_per_week(session == 1 ? 5 : 2);
        v1::RecordOutcomeResponse out;
        ASSERT_TRUE(plans_->RecordOutcome(As("north-notes").get(), outcome, &out).ok());
      }
    }
    // South: one plan of its own.
    v1::SuggestPlanResponse plan;
    ASSERT_TRUE(plans_->SuggestPlan(As("south-notes").get(), DeskWorker("P-0001"), &plan).ok());
  }

  std::pair<int, std::string> Cli(const std::string& args) {
    return RunCommand(testing::BinDir() + "/modalis " + args);
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    return testing::Bearer(token_.at(who));
  }
  static v1::SuggestPlanRequest DeskWorker(const std::string& patient) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    *request.mutable_findings() = *JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    return request;
  }
  grpc::Status Evidence(const std::string& who, const v1::GetEvidenceRequest& request,
                        v1::GetEvidenceResponse* response) {
    return plans_->GetEvidence(As(who).get(), request, response);
  }
  static const v1::ModalityEvidence* Modality(const v1::GetEvidenceResponse& r,
                                              const std::string& name) {
    for (const auto& m : r.modalities()) {
      if (m.modality() == name) return &m;
    }
    return nullptr;
  }
  static std::vector<std::string> ViolatedFields(const grpc::Status& s) {
    google::rpc::Status details;
    google::rpc::BadRequest bad_request;
    std::vector<std::string> fields;
    if (!details.ParseFromString(s.error_details()) || details.details_size() != 1 ||
        !details.details(0).UnpackTo(&bad_request)) {
      return fields;
    }
    for (const auto& v : bad_request.field_violations()) fields.push_back(v.field());
    return fields;
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("m.db");
  const std::string tokens_ = dir_.file("tokens.json");
  std::map<std::string, std::string> token_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::string first_modality_;
  std::string sha256_;
};

TEST_F(EvidenceServiceTest, ReportsTheClinicsDecisionsAndOutcomes) {
  v1::GetEvidenceResponse r;
  grpc::Status s = Evidence("north-notes", {}, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.clinic_id(), "north");
  EXPECT_EQ(r.plans(), 6);
  EXPECT_EQ(r.patients(), 6);
  EXPECT_EQ(r.min_patients(), 5u);
  EXPECT_EQ(r.thresholds_from().sha256(), sha256_);

  const v1::ModalityEvidence* first = Modality(r, first_modality_);
  ASSERT_NE(first, nullptr) << first_modality_;
  EXPECT_FALSE(first->decisions().suppressed());
  EXPECT_EQ(first->decisions().suggested(), 6);
  EXPECT_EQ(first->decisions().declined(), 5);
  EXPECT_EQ(first->decisions().accepted(), 1);
  ASSERT_EQ(first->decisions().reasons_size(), 1);
  EXPECT_EQ(first->decisions().reasons(0).reason(), "No time today");
  EXPECT_EQ(first->decisions().reasons(0).count(), 5);
  // Declined for five of six: its outcomes rest on one patient.
  EXPECT_TRUE(first->outcomes().suppressed());

  EXPECT_EQ(r.all_patients().patients(), 6);
  EXPECT_EQ(r.all_patients().reaches_mic().count(), 6);
  ASSERT_EQ(r.all_patients().sessions_size(), 3);
  EXPECT_EQ(r.all_patients().sessions(0).session(), 2u);
  EXPECT_DOUBLE_EQ(r.all_patients().sessions(0).mean_pain_nprs_change(), 3.0);
  EXPECT_DOUBLE_EQ(r.all_patients().sessions(0).mean_pain_days_change(), 3.0);

  // The admin of the clinic reads the same; the booking app may not.
  v1::GetEvidenceResponse admin;
  ASSERT_TRUE(Evidence("north-admin", {}, &admin).ok());
  EXPECT_EQ(admin.SerializeAsString(), r.SerializeAsString());
  v1::GetEvidenceResponse none;
  EXPECT_EQ(Evidence("north-booking", {}, &none).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(EvidenceServiceTest, AnotherClinicSeesOnlyItsOwn) {
  v1::GetEvidenceResponse r;
  ASSERT_TRUE(Evidence("south-notes", {}, &r).ok());
  EXPECT_EQ(r.clinic_id(), "south");
  EXPECT_EQ(r.plans(), 1);
  EXPECT_EQ(r.patients(), 1);
  for (const auto& m : r.modalities()) {
    EXPECT_TRUE(m.decisions().suppressed()) << m.modality();
    EXPECT_EQ(m.decisions().declined(), 0) << m.modality();
  }
  EXPECT_TRUE(r.all_patients().suppressed());
}

TEST_F(EvidenceServiceTest, RangeAndRuleSetSelectThePlans) {
  v1::GetEvidenceRequest request;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  request.set_since_ms(now_ms + 24 * 3600 * 1000);
  v1::GetEvidenceResponse later;
  ASSERT_TRUE(Evidence("north-notes", request, &later).ok());
  EXPECT_EQ(later.plans(), 0);

  request.Clear();
  request.set_rule_set_sha256(sha256_);
  v1::GetEvidenceResponse same;
  ASSERT_TRUE(Evidence("north-notes", request, &same).ok());
  EXPECT_EQ(same.plans(), 6);
  request.set_rule_set_sha256(std::string(64, '0'));
  v1::GetEvidenceResponse other;
  ASSERT_TRUE(Evidence("north-notes", request, &other).ok());
  EXPECT_EQ(other.plans(), 0);
}

TEST_F(EvidenceServiceTest, BadRequestsNameTheirFields) {
  v1::GetEvidenceRequest request;
  request.set_since_ms(2000);
  request.set_until_ms(1000);
  request.set_rule_set_sha256("abc");
  v1::GetEvidenceResponse r;
  grpc::Status s = Evidence("north-notes", request, &r);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("until_ms must be after since_ms (2000)"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(ViolatedFields(s), (std::vector<std::string>{"until_ms", "rule_set_sha256"}));
}

TEST_F(EvidenceServiceTest, TheCliPrintsTheServersReportAndReadsTheSameFromTheFile) {
  auto [code, out] =
      Cli("evidence --server " + server_->address() + " --token " + token_.at("north-notes"));
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("Evidence for clinic north: 6 plans for 6 patients"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"No time today\" 5"), std::string::npos) << out;

  std::tie(code, out) = Cli("evidence --json --server " + server_->address() + " --token " +
                            token_.at("north-notes"));
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json served = nlohmann::json::parse(out);
  std::tie(code, out) = Cli("evidence --json --db " + db_ + " --clinic north --rules " +
                            testing::RulesDir() + " --plugins " + testing::PluginsDir());
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json read = nlohmann::json::parse(out);
  EXPECT_EQ(read, served);

  std::tie(code, out) = Cli("evidence --db " + db_ + " --server " + server_->address());
  EXPECT_EQ(code, 2) << out;
  std::tie(code, out) = Cli("evidence --since 2026-02-30 --db " + db_);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--since '2026-02-30' is not a date"), std::string::npos) << out;
}

}  // namespace
}  // namespace modalis
