// Clinics as tenants through the real modalisd and CLI: a caller of one clinic acting on another
// clinic's plan ids and patient references gets NOT_FOUND (or its own, separate records), the
// other clinic's data is unchanged afterwards, and an operator token reads no patient data.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/platform_admin.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using testing::RunCommand;

class ClinicIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string clinic : {"north", "south"}) {
      ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, clinic));
    }
    token_["north-notes"] = Mint("--clinic north --role notes --name north-notes");
    token_["south-notes"] = Mint("--clinic south --role notes --name south-notes");
    token_["south-booking"] = Mint("--clinic south --role booking --name south-booking");
    token_["south-admin"] = Mint("--clinic south --role admin --name south-admin");
    token_["default-admin"] = Mint("--role admin --name owner");
    token_["west-notes"] = Mint("--clinic west --role notes --name west-notes");
    token_["operator"] = Mint("--role operator --name platform-ops");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--token-file", tokens_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    plans_ = v1::PlanService::NewStub(channel);
    platform_ = v1::PlatformAdmin::NewStub(channel);
    rules_ = v1::RulesAdmin::NewStub(channel);
  }

  std::pair<int, std::string> Cli(const std::string& args) {
    return RunCommand(testing::BinDir() + "/modalis " + args);
  }
  // The token, which `token add` prints alone on the last line (the note before it goes to
  // standard error, which RunCommand interleaves).
  std::string Mint(const std::string& args) { return testing::MintToken(tokens_, args); }
  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    return testing::Bearer(token_.at(who));
  }
  static v1::SuggestPlanRequest DeskWorker(const std::string& patient,
                                           const std::string& request_id) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    request.set_request_id(request_id);
    *request.mutable_findings() = *JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    return request;
  }
  // What the store holds for a clinic's patient, as an operator exports it.
  nlohmann::json Export(const std::string& clinic, const std::string& patient) {
    const auto [code, out] =
        Cli("db export --db " + db_ + " --clinic " + clinic + " --patient " + patient);
    if (code != 0) return nlohmann::json(out);
    return nlohmann::json::parse(out);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("m.db");
  const std::string tokens_ = dir_.file("tokens.json");
  std::map<std::string, std::string> token_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::PlatformAdmin::Stub> platform_;
  std::unique_ptr<v1::RulesAdmin::Stub> rules_;
};

TEST_F(ClinicIsolationTest, AnotherClinicsRecordsAreNotFoundAndStayUnchanged) {
  // North's patient P-0001: a plan, feedback on it, an outcome.
  v1::SuggestPlanResponse north_plan;
  ASSERT_TRUE(
      plans_->SuggestPlan(As("north-notes").get(), DeskWorker("P-0001", "req-1"), &north_plan)
          .ok());
  const std::string north_id = north_plan.plan().plan_id();
  v1::RecordFeedbackRequest feedback;
  feedback.set_plan_id(north_id);
  feedback.set_step_index(0);
  feedback.set_decision(v1::STEP_DECISION_ACCEPTED);
  v1::RecordFeedbackResponse fr;
  ASSERT_TRUE(plans_->RecordFeedback(As("north-notes").get(), feedback, &fr).ok());
  v1::RecordOutcomeRequest outcome;
  outcome.set_patient_ref("P-0001");
  outcome.set_session_number(1);
  outcome.set_pain_nprs(6);
  outcome.set_pain_days_per_week(5);
  v1::RecordOutcomeResponse orr;
  ASSERT_TRUE(plans_->RecordOutcome(As("north-notes").get(), outcome, &orr).ok());
  const nlohmann::json before = Export("north", "P-0001");
  ASSERT_TRUE(before.is_object()) << before;

  for (const std::string who : {"south-notes", "south-booking"}) {
    SCOPED_TRACE(who);
    v1::GetPlanRequest get;
    get.set_plan_id(north_id);
    v1::GetPlanResponse got;
    grpc::Status s = plans_->GetPlan(As(who).get(), get, &got);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    // The same answer as for an id that never existed.
    EXPECT_EQ(s.error_message(), "no plan with id '" + north_id + "'");
    EXPECT_FALSE(got.has_plan());

    v1::ListPlansRequest list;
    list.set_patient_ref("P-0001");
    v1::ListPlansResponse page;
    ASSERT_TRUE(plans_->ListPlans(As(who).get(), list, &page).ok());
    EXPECT_EQ(page.plans_size(), 0);
  }
  v1::GetProgressRequest progress;
  progress.set_patient_ref("P-0001");
  v1::GetProgressResponse pr;
  EXPECT_EQ(plans_->GetProgress(As("south-notes").get(), progress, &pr).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(plans_->RecordFeedback(As("south-notes").get(), feedback, &fr).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // South's own P-0001 is another patient: its session 1 and its request id "req-1" are its own.
  ASSERT_TRUE(plans_->RecordOutcome(As("south-notes").get(), outcome, &orr).ok());
  v1::SuggestPlanResponse south_plan;
  ASSERT_TRUE(
      plans_->SuggestPlan(As("south-notes").get(), DeskWorker("P-0001", "req-1"), &south_plan)
          .ok());
  EXPECT_NE(south_plan.plan().plan_id(), north_id);

  EXPECT_EQ(Export("north", "P-0001"), before);
  const nlohmann::json south = Export("south", "P-0001");
  ASSERT_TRUE(south.is_object()) << south;
  EXPECT_EQ(south["plans"].size(), 1u);
  EXPECT_EQ(south["feedback"].size(), 0u);
  EXPECT_EQ(south["outcomes"].size(), 1u);

  const auto [verified, out] = Cli("db verify --db " + db_);
  EXPECT_EQ(verified, 0) << out;
  EXPECT_NE(out.find("clinic north: 1 records"), std::string::npos) << out;
  EXPECT_NE(out.find("clinic south: 1 records"), std::string::npos) << out;
}

TEST_F(ClinicIsolationTest, AnOperatorManagesClinicsAndReadsNoPatientData) {
  v1::SuggestPlanResponse stored;
  ASSERT_TRUE(plans_->SuggestPlan(As("north-notes").get(), DeskWorker("P-0001", ""), &stored).ok());
  v1::GetPlanRequest get;
  get.set_plan_id(stored.plan().plan_id());
  v1::GetPlanResponse got;
  EXPECT_EQ(plans_->GetPlan(As("operator").get(), get, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::SuggestPlanResponse r;
  EXPECT_EQ(plans_->SuggestPlan(As("operator").get(), DeskWorker("P-0002", ""), &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::CreateClinicRequest create;
  create.set_clinic_id("west");
  create.set_name("West End Clinic");
  v1::CreateClinicResponse created;
  grpc::Status s = platform_->CreateClinic(As("operator").get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.clinic().clinic_id(), "west");
  EXPECT_EQ(platform_->CreateClinic(As("operator").get(), create, &created).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  create.set_clinic_id("West End");
  EXPECT_EQ(platform_->CreateClinic(As("operator").get(), create, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListClinicsResponse clinics;
  ASSERT_TRUE(platform_->ListClinics(As("operator").get(), {}, &clinics).ok());
  std::vector<std::string> ids;
  for (const auto& c : clinics.clinics()) ids.push_back(c.clinic_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"default", "north", "south", "west"}));

  // A clinic's own tokens cannot manage clinics.
  EXPECT_EQ(platform_->ListClinics(As("south-notes").get(), {}, &clinics).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The rules directory is the platform's rule set, served to every clinic without its own: one
// clinic's admin may check a rule set but not put one live for all; the default clinic's admin
// (the single-clinic install's) may.
TEST_F(ClinicIsolationTest, OnlyTheDefaultClinicsAdminReloadsTheRulesEveryClinicIsServed) {
  v1::ReloadRulesResponse reloaded;
  grpc::Status s = rules_->ReloadRules(As("south-admin").get(), {}, &reloaded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("served to every clinic without its own"), std::string::npos)
      << s.error_message();
  EXPECT_FALSE(reloaded.has_rule_set());

  v1::ValidateRuleSetRequest validate;
  validate.mutable_rules()->set_content(
      testing::ReadText(testing::RulesDir() + "/lower-back-pain.rules.json"));
  v1::ValidateRuleSetResponse checked;
  s = rules_->ValidateRuleSet(As("south-admin").get(), validate, &checked);
  EXPECT_TRUE(s.ok()) << s.error_message();

  s = rules_->ReloadRules(As("default-admin").get(), {}, &reloaded);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(ClinicIsolationTest, ATokenOfAClinicNobodyCreatedStoresNothingUntilItIsCreated) {
  v1::SuggestPlanResponse r;
  grpc::Status s = plans_->SuggestPlan(As("west-notes").get(), DeskWorker("P-0001", ""), &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("no clinic 'west'"), std::string::npos) << s.error_message();

  v1::CreateClinicRequest create;
  create.set_clinic_id("west");
  v1::CreateClinicResponse created;
  ASSERT_TRUE(platform_->CreateClinic(As("operator").get(), create, &created).ok());
  s = plans_->SuggestPlan(As("west-notes").get(), DeskWorker("P-0001", ""), &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace modalis
