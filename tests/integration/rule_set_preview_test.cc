// RulesAdmin.PreviewRuleSet against the real modalisd: a draft rule set compared with the live one
// on the golden cases and on the caller's clinic's stored plans, safety changes first, nothing
// stored, and no other clinic's plans in sight.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using nlohmann::json;

class RuleSetPreviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, "north"));
    admin_ = testing::MintToken(tokens_, "--role admin --name owner");
    notes_ = testing::MintToken(tokens_, "--role notes --name notes-app");
    booking_ = testing::MintToken(tokens_, "--role booking --name booking-app");
    north_admin_ = testing::MintToken(tokens_, "--clinic north --role admin --name north-owner");
    north_notes_ = testing::MintToken(tokens_, "--clinic north --role notes --name north-notes");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--token-file", tokens_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    admin_stub_ = v1::RulesAdmin::NewStub(channel);
    plans_ = v1::PlanService::NewStub(channel);
  }

  // Stores the desk worker's plan for `patient`, with `changes` to the findings.
  std::string Store(const std::string& token, const std::string& patient, json changes) {
    json findings = json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
    findings.update(changes);
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    *request.mutable_findings() = *JsonToStruct(findings);
    v1::SuggestPlanResponse response;
    const grpc::Status status =
        plans_->SuggestPlan(testing::Bearer(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.plan().plan_id();
  }

  // The live rules with the rule `rule_id` removed.
  v1::PreviewRuleSetRequest Draft(const std::string& token, const std::string& rule_id) {
    v1::GetRuleSetResponse live;
    const grpc::Status got = admin_stub_->GetRuleSet(testing::Bearer(token).get(), {}, &live);
    EXPECT_TRUE(got.ok()) << got.error_message();
    json rules = json::parse(live.rules_json());
    json& list = rules["rules"];
    for (auto it = list.begin(); it != list.end(); ++it) {
      if ((*it)["id"] == rule_id) {
        list.erase(it);
        break;
      }
    }
    v1::PreviewRuleSetRequest request;
    request.mutable_rules()->set_name("draft.rules.json");
    request.mutable_rules()->set_content(rules.dump(2));
    return request;
  }

  grpc::Status Preview(const std::string& token, const v1::PreviewRuleSetRequest& request,
                       v1::PreviewRuleSetResponse* response) {
    return admin_stub_->PreviewRuleSet(testing::Bearer(token, std::chrono::seconds(30)).get(),
                                       request, response);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("modalis.db");
  const std::string tokens_ = dir_.file("tokens.json");
  std::string admin_, notes_, booking_, north_admin_, north_notes_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_stub_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
};

TEST_F(RuleSetPreviewTest, ADraftThatDropsAnExclusionShowsThePlansItChangesSafetyFirst) {
  const std::string unchanged = Store(notes_, "P-1", json::object());
  const std::string anticoagulated = Store(notes_, "P-2", {{"anticoagulant_therapy", true}});
  const std::string north_plan = Store(north_notes_, "P-2", {{"anticoagulant_therapy", true}});

  v1::PreviewRuleSetResponse preview;
  const grpc::Status status =
      Preview(admin_, Draft(admin_, "exclude.dry-needling.anticoagulant"), &preview);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(preview.live().id(), "lower-back-pain");
  EXPECT_FALSE(preview.validation().sha256().empty()) << preview.validation().report();
  EXPECT_GT(preview.cases_compared(), 0u);
  EXPECT_EQ(preview.plans_compared(), 2u);
  EXPECT_EQ(preview.plans_skipped(), 0u);

  bool saw_plan = false;
  for (int i = 0; i < preview.changed_size(); ++i) {
    const v1::ChangedPlan& c = preview.changed(i);
    EXPECT_NE(c.subject(), unchanged) << "the same plan is no change";
    EXPECT_NE(c.subject(), north_plan) << "another clinic's plan";
    if (c.subject() != anticoagulated) continue;
    saw_plan = true;
    EXPECT_EQ(c.kind(), "stored_plan");
    EXPECT_EQ(c.patient_ref(), "P-2");
    EXPECT_TRUE(c.safety());
    ASSERT_GT(c.differences_size(), 0);
    EXPECT_TRUE(c.differences(0).safety());
    EXPECT_EQ(c.differences(0).text().rfind("no longer excluded: dry_needling", 0), 0u)
        << c.differences(0).text();
    EXPECT_EQ(c.before().steps(0).modality(), "myofascial_release");
    EXPECT_EQ(c.after().steps(0).modality(), "dry_needling");
  }
  EXPECT_TRUE(saw_plan);
  // Safety changes come first.
  bool safe_seen = false;
  for (const v1::ChangedPlan& c : preview.changed()) {
    if (!c.safety()) safe_seen = true;
    EXPECT_FALSE(safe_seen && c.safety()) << c.subject();
  }

  // The other clinic sees its own plan and not the default clinic's.
  v1::PreviewRuleSetResponse north;
  ASSERT_TRUE(
      Preview(north_admin_, Draft(north_admin_, "exclude.dry-needling.anticoagulant"), &north)
          .ok());
  EXPECT_EQ(north.plans_compared(), 1u);
  for (const v1::ChangedPlan& c : north.changed()) {
    if (c.kind() == "stored_plan") {
      EXPECT_EQ(c.subject(), north_plan);
    }
  }

  // Nothing was stored or activated: the live rule set still excludes, and no plan was added.
  v1::ListPlansRequest list;
  list.set_patient_ref("P-2");
  v1::ListPlansResponse plans;
  ASSERT_TRUE(plans_->ListPlans(testing::Bearer(notes_).get(), list, &plans).ok());
  EXPECT_EQ(plans.plans_size(), 1);
  v1::GetRuleSetResponse live;
  ASSERT_TRUE(admin_stub_->GetRuleSet(testing::Bearer(admin_).get(), {}, &live).ok());
  EXPECT_NE(live.rules_json().find("exclude.dry-needling.anticoagulant"), std::string::npos);
}

TEST_F(RuleSetPreviewTest, GoldenCasesThatChangeAreListedAndABrokenDraftOnlyValidates) {
  // Without the cauda equina rule, golden cases that expect the emergency referral change (and
  // fail): the preview lists them as safety changes.
  v1::PreviewRuleSetResponse preview;
  ASSERT_TRUE(Preview(admin_, Draft(admin_, "triage.emergency.cauda-equina"), &preview).ok());
  EXPECT_FALSE(preview.validation().valid());
  EXPECT_GT(preview.validation().failed_cases_size(), 0);
  ASSERT_GT(preview.changed_size(), 0);
  EXPECT_EQ(preview.changed(0).kind(), "case");
  EXPECT_TRUE(preview.changed(0).safety());
  EXPECT_EQ(preview.changed(0).differences(0).what(), "referral");

  v1::PreviewRuleSetRequest broken;
  broken.mutable_rules()->set_name("draft.rules.json");
  broken.mutable_rules()->set_content(R"({"id": "lower-back-pain", "rules": [)");
  v1::PreviewRuleSetResponse refused;
  ASSERT_TRUE(Preview(admin_, broken, &refused).ok());
  EXPECT_FALSE(refused.validation().valid());
  ASSERT_GT(refused.validation().diagnostics_size(), 0);
  EXPECT_EQ(refused.validation().diagnostics(0).file(), "draft.rules.json");
  EXPECT_GT(refused.validation().diagnostics(0).line(), 0);
  EXPECT_EQ(refused.changed_size(), 0);
}

TEST_F(RuleSetPreviewTest, OnlyAdminsPreview) {
  v1::PreviewRuleSetResponse preview;
  const auto request = Draft(admin_, "triage.emergency.cauda-equina");
  EXPECT_EQ(Preview(booking_, request, &preview).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Preview(notes_, request, &preview).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::PreviewRuleSetRequest most = request;
  most.set_recent_plans(2000);
  EXPECT_TRUE(Preview(admin_, most, &preview).ok());
  v1::PreviewRuleSetRequest too_many = request;
  too_many.set_recent_plans(2001);
  EXPECT_EQ(Preview(admin_, too_many, &preview).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace modalis
