// RulesAdmin against the real modalisd: status, dry runs of edits, reloads good and broken.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/waiting.h"

namespace modalis {
namespace {

using testing::Deadline;

class RulesAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(testing::RulesDir(), rules_dir_.path(),
                          std::filesystem::copy_options::recursive);
    Start("0");  // explicit reloads only, so each test decides when the rules change
  }

  void Start(const std::string& watch_quiet_ms) {
    server_.reset();
    server_ = std::make_unique<testing::ServerProcess>(std::vector<std::string>{
        "--rules", rules_dir_.path(), "--plugins", testing::PluginsDir(), "--db",
        db_dir_.file("modalis.db"), "--watch-quiet-ms", watch_quiet_ms});
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    admin_ = v1::RulesAdmin::NewStub(channel);
    plans_ = v1::PlanService::NewStub(channel);
  }

  std::string RulesFile() const { return rules_dir_.file("lower-back-pain.rules.json"); }

  // Writes the edit the way an editor should: a temp file renamed over the original.
  void Edit(const std::string& from, const std::string& to) {
    std::string text = testing::ReadText(RulesFile());
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    testing::WriteText(RulesFile() + ".tmp", text);
    std::filesystem::rename(RulesFile() + ".tmp", RulesFile());
  }

  v1::GetStatusResponse Status() {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetStatusResponse status;
    EXPECT_TRUE(admin_->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  grpc::Status Reload(const std::string& sha, v1::ReloadRulesResponse* out) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::ReloadRulesRequest request;
    request.set_expected_sha256(sha);
    return admin_->ReloadRules(&ctx, request, out);
  }

  std::string PlanVersion() {
    v1::SuggestPlanRequest request;
    request.set_patient_ref("P-1");
    request.set_dry_run(true);
    auto findings = JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    *request.mutable_findings() = *findings;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::SuggestPlanResponse response;
    EXPECT_TRUE(plans_->SuggestPlan(&ctx, request, &response).ok());
    return response.plan().rule_set().version();
  }

  testing::TempDir rules_dir_;
  testing::TempDir db_dir_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
};

TEST_F(RulesAdminTest, StatusNamesTheActiveRulesAndPlugins) {
  v1::GetStatusResponse status = Status();
  EXPECT_EQ(status.rule_set().id(), "lower-back-pain");
  EXPECT_EQ(status.rule_set().sha256().size(), 64u);
  EXPECT_EQ(status.modalities_size(), 4);
  EXPECT_TRUE(status.last_reload_error().empty());

  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::ListModalitiesResponse modalities;
  ASSERT_TRUE(admin_->ListModalities(&ctx, {}, &modalities).ok());
  ASSERT_EQ(modalities.modalities_size(), 4);
  EXPECT_EQ(modalities.modalities(1).id(), "dry_needling");
  EXPECT_EQ(modalities.modalities(1).qualification(), "dry_needling");
}

TEST_F(RulesAdminTest, ValidateReportsLocatedErrorsAndTheCandidateHash) {
  v1::ValidateRuleSetRequest request;
  request.mutable_rules()->set_name("edit.rules.json");
  std::string text = testing::ReadText(RulesFile());
  request.mutable_rules()->set_content(text);
  request.add_cases()->set_content(
      testing::ReadText(rules_dir_.file("lower-back-pain.cases.json")));
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::ValidateRuleSetResponse response;
    ASSERT_TRUE(admin_->ValidateRuleSet(&ctx, request, &response).ok());
    EXPECT_TRUE(response.valid()) << response.report();
    EXPECT_EQ(response.sha256(), Status().rule_set().sha256());
    EXPECT_GE(response.cases_passed(), 30u);
  }
  text.replace(text.find("\"rf_major_trauma\""), 17, "\"rf_major_trama\"");
  request.mutable_rules()->set_content(text);
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::ValidateRuleSetResponse response;
  ASSERT_TRUE(admin_->ValidateRuleSet(&ctx, request, &response).ok());
  EXPECT_FALSE(response.valid());
  ASSERT_GE(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).file(), "edit.rules.json");
  EXPECT_EQ(response.diagnostics(0).id(), "unknown-finding");
  EXPECT_GT(response.diagnostics(0).line(), 1);
  EXPECT_NE(response.report().find("did you mean 'rf_major_trauma'"), std::string::npos);
}

TEST_F(RulesAdminTest, GoodEditGoesLiveBrokenEditKeepsTheOldRules) {
  EXPECT_EQ(PlanVersion(), "0.3.0");
  Edit("\"version\": \"0.3.0\"", "\"version\": \"0.3.1\"");
  v1::ReloadRulesResponse reloaded;
  ASSERT_TRUE(Reload("", &reloaded).ok());
  EXPECT_EQ(reloaded.rule_set().version(), "0.3.1");
  EXPECT_EQ(PlanVersion(), "0.3.1");

  Edit("\"rf_major_trauma\"", "\"rf_major_trama\"");
  grpc::Status broken = Reload("", &reloaded);
  EXPECT_EQ(broken.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(broken.error_message().find("did you mean 'rf_major_trauma'"), std::string::npos);
  EXPECT_EQ(PlanVersion(), "0.3.1");
  EXPECT_NE(Status().last_reload_error().find("rf_major_trama"), std::string::npos);
}

TEST_F(RulesAdminTest, ReloadActivatesOnlyTheExpectedContent) {
  const std::string live = Status().rule_set().sha256();
  Edit("\"version\": \"0.3.0\"", "\"version\": \"0.4.0\"");
  v1::ReloadRulesResponse reloaded;
  grpc::Status mismatch = Reload(live, &reloaded);
  EXPECT_EQ(mismatch.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(PlanVersion(), "0.3.0");
}

TEST_F(RulesAdminTest, WatcherActivatesASavedEditOnceTheDirectoryIsQuiet) {
  Start("300");
  Edit("\"version\": \"0.3.0\"", "\"version\": \"0.4.0\"");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Status().rule_set().version() != "0.4.0" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(PlanVersion(), "0.4.0");
  // A half-written file is refused and the last good rules keep serving.
  testing::WriteText(RulesFile(), testing::ReadText(RulesFile()).substr(0, 2000));
  while (Status().last_reload_error().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(Status().last_reload_error().find("not valid JSON"), std::string::npos)
      << Status().last_reload_error();
  EXPECT_EQ(PlanVersion(), "0.4.0");
}

TEST_F(RulesAdminTest, FailingGoldenCaseKeepsTheOldRules) {
  // Lower the emergency to urgent: the golden cases must catch it.
  Edit("\"reason\": \"possible cauda equina syndrome: send to A&E now\"", "\"reason\": \"x\"");
  Edit("\"urgency\": \"emergency\"", "\"urgency\": \"urgent\"");
  v1::ReloadRulesResponse reloaded;
  grpc::Status refused = Reload("", &reloaded);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find("FAIL emergency-saddle-anaesthesia"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(PlanVersion(), "0.3.0");
}

}  // namespace
}  // namespace modalis
