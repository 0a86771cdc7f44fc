// Rule sets published, activated and rolled back per clinic and condition, through the real
// modalisd, CLI and plugins: two clinics on one server get different plans for the same findings,
// a stale activation is ABORTED, a rule set whose golden cases fail is never published, a clinic
// never sees or activates another clinic's rule sets, and what is live survives a restart.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
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
namespace fs = std::filesystem;

std::string NeckRules() { return testing::SourceDir() + "/tests/rules/neck-pain"; }

class RuleSetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string clinic : {"north", "south"}) {
      ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, clinic));
    }
    for (const std::string clinic : {"north", "south"}) {
      token_[clinic + "-admin"] =
          Mint("--clinic " + clinic + " --role admin --name " + clinic + "-owner");
      token_[clinic + "-notes"] =
          Mint("--clinic " + clinic + " --role notes --name " + clinic + "-notes");
    }
    token_["operator"] = Mint("--role operator --name platform-ops");
    // South's own lower-back-pain rules: the shipped ones with 5 minutes of stretching.
    fs::copy(testing::RulesDir(), south_rules_, fs::copy_options::recursive);
    auto rules =
        nlohmann::json::parse(testing::ReadText(south_rules_ + "/lower-back-pain.rules.json"));
    rules["version"] = rules["version"].get<std::string>() + "-south";
    rules["clinic"]["modality_minutes"]["stretching_active_release"] = 5;
    testing::WriteText(south_rules_ + "/lower-back-pain.rules.json", rules.dump(2));
    Start();
  }

  void Start() {
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--token-file", tokens_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    plans_ = v1::PlanService::NewStub(channel);
    rules_ = v1::RulesAdmin::NewStub(channel);
  }

  std::pair<int, std::string> Cli(const std::string& args) {
    return RunCommand(testing::BinDir() + "/modalis " + args);
  }
  // A rule-set command against the server, as `who`.
  std::pair<int, std::string> Rules(const std::string& who, const std::string& args) {
    return Cli("rules " + args + " --server " + server_->address() + " --token " + token_.at(who));
  }
  std::string Mint(const std::string& args) { return testing::MintToken(tokens_, args); }
  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    return testing::Bearer(token_.at(who), std::chrono::seconds(20));
  }
  static v1::SuggestPlanRequest DeskWorker(const std::string& condition = "") {
    v1::SuggestPlanRequest request;
    request.set_patient_ref("P-0001");
    request.set_dry_run(true);
    request.set_condition(condition);
    *request.mutable_findings() = *JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    return request;
  }
  grpc::Status Suggest(const std::string& who, const v1::SuggestPlanRequest& request,
                       v1::Plan* plan) {
    v1::SuggestPlanResponse response;
    grpc::Status s = plans_->SuggestPlan(As(who).get(), request, &response);
    *plan = response.plan();
    return s;
  }
  uint32_t StretchingMinutes(const v1::Plan& plan) {
    for (const auto& step : plan.steps()) {
      if (step.modality() == "stretching_active_release") return step.minutes();
    }
    ADD_FAILURE() << "no stretching step";
    return 0;
  }
  v1::ListRuleSetsResponse List(const std::string& who) {
    v1::ListRuleSetsResponse list;
    grpc::Status s = rules_->ListRuleSets(As(who).get(), {}, &list);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return list;
  }
  v1::PublishRuleSetResponse Publish(const std::string& who, const std::string& dir,
                                     grpc::Status* status = nullptr) {
    v1::PublishRuleSetRequest request;
    auto read = [](const std::string& path, v1::RuleFile* file) {
      file->set_name(fs::path(path).filename().string());
      file->set_content(testing::ReadText(path));
    };
    auto manifest = nlohmann::json::parse(testing::ReadText(dir + "/modalis.json"));
    read(dir + "/" + manifest["rules"].get<std::string>(), request.mutable_rules());
    read(dir + "/" + manifest["vocabulary"].get<std::string>(), request.mutable_vocabulary());
    for (const auto& c : manifest["cases"])
      read(dir + "/" + c.get<std::string>(), request.add_cases());
    v1::PublishRuleSetResponse response;
    grpc::Status s = rules_->PublishRuleSet(As(who).get(), request, &response);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return response;
  }
  grpc::Status Activate(const std::string& who, const std::string& sha256,
                        const std::string& expected, v1::ActivateRuleSetResponse* out = nullptr) {
    v1::ActivateRuleSetRequest request;
    request.set_sha256(sha256);
    request.set_expected_live_sha256(expected);
    request.set_comment("test");
    v1::ActivateRuleSetResponse response;
    grpc::Status s = rules_->ActivateRuleSet(As(who).get(), request, &response);
    if (out != nullptr) *out = response;
    return s;
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("m.db");
  const std::string tokens_ = dir_.file("tokens.json");
  const std::string south_rules_ = dir_.file("south-rules");
  std::map<std::string, std::string> token_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::RulesAdmin::Stub> rules_;
};

TEST_F(RuleSetsTest, TwoClinicsWithDifferentRuleSetsGetDifferentPlansForTheSameFindings) {
  v1::Plan platform_plan;
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &platform_plan).ok());
  ASSERT_EQ(StretchingMinutes(platform_plan), 10u);

  const auto [code, out] = Rules("south-admin", "publish " + south_rules_ + " --activate");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("published lower-back-pain 0.3.0-south"), std::string::npos) << out;
  EXPECT_NE(out.find("for clinic south, condition lower-back-pain; it replaces none"),
            std::string::npos)
      << out;

  v1::Plan south, north;
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &south).ok());
  ASSERT_TRUE(Suggest("north-notes", DeskWorker("lower-back-pain"), &north).ok());
  EXPECT_EQ(StretchingMinutes(south), 5u);
  EXPECT_EQ(south.rule_set().version(), "0.3.0-south");
  EXPECT_EQ(StretchingMinutes(north), 10u);
  EXPECT_EQ(north.rule_set().sha256(), platform_plan.rule_set().sha256());
  // The safety of the plan is the rule set's, not the clinic's settings: same exclusions.
  EXPECT_EQ(south.exclusions_size(), north.exclusions_size());

  // Publishing the same content again changes nothing.
  const auto [again_code, again] = Rules("south-admin", "publish " + south_rules_);
  ASSERT_EQ(again_code, 0) << again;
  EXPECT_NE(again.find("already published"), std::string::npos) << again;
  EXPECT_EQ(List("south-admin").activations_size(), 1);
}

TEST_F(RuleSetsTest, AConditionOnlyOneClinicHasIsRefusedForTheOtherNamingItsConditions) {
  const auto [code, out] = Rules("north-admin", "publish " + NeckRules() + " --activate");
  ASSERT_EQ(code, 0) << out;
  v1::SuggestPlanRequest neck;
  neck.set_patient_ref("P-0002");
  neck.set_dry_run(true);
  neck.set_condition("neck-pain");
  *neck.mutable_findings() = *JsonToStruct({{"rf_myelopathy_signs", false},
                                            {"rf_fever_or_unwell", false},
                                            {"dvt_suspected", false},
                                            {"upper_back_tender_points", true}});
  v1::Plan plan;
  grpc::Status s = Suggest("north-notes", neck, &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(plan.rule_set().id(), "neck-pain");
  s = Suggest("south-notes", neck, &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "there is no rule set for the condition 'neck-pain' in this clinic; it has "
            "'lower-back-pain'");
  // North still plans its other condition by the platform's rules.
  ASSERT_TRUE(Suggest("north-notes", DeskWorker(), &plan).ok());
  EXPECT_EQ(plan.rule_set().id(), "lower-back-pain");
}

TEST_F(RuleSetsTest, AStaleActivationIsAbortedAndARollbackIsAnEarlierHash) {
  const std::string first = Publish("south-admin", testing::RulesDir()).rule_set().sha256();
  const std::string second = Publish("south-admin", south_rules_).rule_set().sha256();
  ASSERT_NE(first, second);
  ASSERT_TRUE(Activate("south-admin", first, "").ok());
  v1::ActivateRuleSetResponse activated;
  grpc::Status s = Activate("south-admin", second, first, &activated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(activated.activation().replaced_sha256(), first);
  EXPECT_EQ(activated.rule_set().sha256(), second);

  // An editor who still believes `first` is live.
  s = Activate("south-admin", first, first);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  v1::Plan plan;
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &plan).ok());
  EXPECT_EQ(plan.rule_set().sha256(), second);

  // The CLI's rollback names the live hash itself, by a prefix of the one to restore.
  const auto [code, out] = Rules("south-admin", "rollback " + first.substr(0, 10));
  ASSERT_EQ(code, 0) << out;
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &plan).ok());
  EXPECT_EQ(plan.rule_set().sha256(), first);
  const auto list = List("south-admin");
  ASSERT_EQ(list.activations_size(), 3);
  EXPECT_EQ(list.activations(0).sha256(), first);
  EXPECT_EQ(list.activations(0).replaced_sha256(), second);
  EXPECT_EQ(list.activations(0).comment(), "rollback");
  EXPECT_EQ(list.activations(0).author(), "south-owner");
  const auto [hcode, history] = Rules("south-admin", "history");
  ASSERT_EQ(hcode, 0) << history;
  EXPECT_NE(history.find("by south-owner: rollback"), std::string::npos) << history;
}

TEST_F(RuleSetsTest, ARuleSetWhoseGoldenCasesFailIsNotPublished) {
  // A 15-minute session: the desk worker's case expects four steps.
  auto rules =
      nlohmann::json::parse(testing::ReadText(south_rules_ + "/lower-back-pain.rules.json"));
  rules["clinic"]["session_minutes"] = 15;
  testing::WriteText(south_rules_ + "/lower-back-pain.rules.json", rules.dump(2));
  grpc::Status s;
  Publish("south-admin", south_rules_, &s);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("the rule set was not published"), std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("lower-back-pain.cases.json"), std::string::npos)
      << s.error_message();
  const auto after = List("south-admin");
  for (const auto& p : after.published()) EXPECT_TRUE(p.platform());
  const auto [code, out] = Rules("south-admin", "publish " + south_rules_ + " --activate");
  EXPECT_EQ(code, 1) << out;
  // The status message is bounded; the CLI prints the server's whole report.
  EXPECT_NE(out.find("every problem, as modalisd found them"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL desk-worker"), std::string::npos) << out;
  EXPECT_EQ(List("south-admin").activations_size(), 0);
}

TEST_F(RuleSetsTest, AClinicNeitherSeesNorActivatesAnotherClinicsRuleSets) {
  const std::string norths = Publish("north-admin", south_rules_).rule_set().sha256();
  const auto souths = List("south-admin");
  for (const auto& p : souths.published()) EXPECT_NE(p.rule_set().sha256(), norths);
  grpc::Status s = Activate("south-admin", norths, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string unknown(64, 'a');
  grpc::Status u = Activate("south-admin", unknown, "");
  EXPECT_EQ(u.error_code(), grpc::StatusCode::NOT_FOUND);
  // The same answer as for a hash nobody published, but for the hash itself.
  std::string message = s.error_message();
  message.replace(message.find(norths), norths.size(), unknown);
  EXPECT_EQ(message, u.error_message());
  EXPECT_EQ(List("south-admin").activations_size(), 0);
  EXPECT_EQ(List("north-admin").activations_size(), 0);
  // Notes tokens run plans, not rules.
  v1::ListRuleSetsResponse list;
  EXPECT_EQ(rules_->ListRuleSets(As("south-notes").get(), {}, &list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // A platform set, published by the operator, is every clinic's to activate.
  const std::string platform = Publish("operator", south_rules_).rule_set().sha256();
  EXPECT_EQ(platform, norths);  // the same content: stored once, published by two owners
  bool seen = false;
  const auto with_platform = List("south-admin");
  for (const auto& p : with_platform.published()) seen |= p.rule_set().sha256() == platform;
  EXPECT_TRUE(seen);
  EXPECT_TRUE(Activate("south-admin", platform, "").ok());
}

TEST_F(RuleSetsTest, WhatIsLiveSurvivesARestartAndTheUnchangedDirectoryDoesNotOverrideIt) {
  const auto before = List("north-admin");
  ASSERT_EQ(before.live_size(), 1);
  const std::string dir_sha = before.live(0).rule_set().sha256();
  const std::string south = Publish("operator", south_rules_).rule_set().sha256();
  // The operator changes the platform's set: every clinic without its own follows.
  ASSERT_TRUE(Activate("operator", south, dir_sha).ok());
  v1::Plan plan;
  ASSERT_TRUE(Suggest("north-notes", DeskWorker(), &plan).ok());
  EXPECT_EQ(plan.rule_set().sha256(), south);
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  Start();
  ASSERT_TRUE(Suggest("north-notes", DeskWorker(), &plan).ok());
  EXPECT_EQ(plan.rule_set().sha256(), south);
  const auto list = List("operator");
  ASSERT_EQ(list.activations_size(), 2);  // the directory's at the first start, then the operator's
  EXPECT_EQ(list.activations(1).author(), "rules directory");
  EXPECT_EQ(list.activations(0).author(), "platform-ops");
}

// What a clinic's profile changes, and what it can never change.
class ClinicProfileTest : public RuleSetsTest {
 protected:
  std::pair<int, std::string> SetProfile(const std::string& who, const nlohmann::json& profile) {
    const std::string file = dir_.file("profile-" + std::to_string(++files_) + ".json");
    testing::WriteText(file, profile.dump(2));
    return Cli("clinic profile set " + file + " --server " + server_->address() + " --token " +
               token_.at(who));
  }
  v1::SuggestPlanRequest Patient(const std::string& data_file) {
    v1::SuggestPlanRequest request = DeskWorker();
    *request.mutable_findings() =
        *JsonToStruct(nlohmann::json::parse(testing::ReadText(testing::DataFile(data_file))));
    return request;
  }
  int files_ = 0;
};

TEST_F(ClinicProfileTest, AProfileChangesOneClinicsSettingsAndIsVersioned) {
  auto [code, out] = SetProfile(
      "south-admin", {{"modality_minutes", {{"stretching_active_release", 5}}},
                      {"advice_texts", {{"desk_setup", "Ask reception for the desk leaflet."}}}});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("clinic profile version 1 set and applied"), std::string::npos) << out;
  v1::Plan south, north;
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &south).ok());
  ASSERT_TRUE(Suggest("north-notes", DeskWorker(), &north).ok());
  EXPECT_EQ(StretchingMinutes(south), 5u);
  EXPECT_EQ(south.rule_set().version(), "0.3.0+profile.1");
  EXPECT_EQ(south.rule_set().sha256(), north.rule_set().sha256());
  EXPECT_EQ(StretchingMinutes(north), 10u);
  EXPECT_EQ(north.rule_set().version(), "0.3.0");
  bool leaflet = false;
  for (const auto& a : south.advice()) leaflet |= a.text() == "Ask reception for the desk leaflet.";
  EXPECT_TRUE(leaflet) << south.DebugString();

  // North sees no profile of its own; a stale version is refused and changes nothing.
  v1::GetClinicProfileResponse north_profile;
  ASSERT_TRUE(rules_->GetClinicProfile(As("north-admin").get(), {}, &north_profile).ok());
  EXPECT_FALSE(north_profile.has_live());
  v1::SetClinicProfileRequest stale;
  stale.set_profile_json(R"({"session_minutes": 30})");
  stale.set_expected_version(0);
  v1::SetClinicProfileResponse ignored;
  EXPECT_EQ(rules_->SetClinicProfile(As("south-admin").get(), stale, &ignored).error_code(),
            grpc::StatusCode::ABORTED);
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &south).ok());
  EXPECT_EQ(south.rule_set().version(), "0.3.0+profile.1");

  // A misspelt modality changes nothing silently: it is refused.
  std::tie(code, out) = SetProfile("south-admin", {{"modality_minutes", {{"streching", 5}}}});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("'streching'"), std::string::npos) << out;

  // What is applied survives a restart.
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  Start();
  ASSERT_TRUE(Suggest("south-notes", DeskWorker(), &south).ok());
  EXPECT_EQ(StretchingMinutes(south), 5u);
  v1::GetClinicProfileRequest history;
  history.set_history(true);
  v1::GetClinicProfileResponse versions;
  ASSERT_TRUE(rules_->GetClinicProfile(As("south-admin").get(), history, &versions).ok());
  ASSERT_EQ(versions.history_size(), 1);
  EXPECT_EQ(versions.history(0).author(), "south-owner");
}

TEST_F(ClinicProfileTest, NoProfileRemovesAReferralAnExclusionOrARule) {
  // A profile cannot even say so.
  auto [code, out] =
      SetProfile("south-admin", {{"session_minutes", 30}, {"rules", nlohmann::json::array()}});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("can never remove a rule, an exclusion, a screen or a referral"),
            std::string::npos)
      << out;
  // And the harshest settings it can set leave the safety of the plans as it was.
  std::tie(code, out) = SetProfile(
      "south-admin", {{"session_minutes", 5}, {"qualifications", nlohmann::json::array()}});
  ASSERT_EQ(code, 0) << out;
  for (const std::string data : {"cauda-equina.json", "desk-worker.json"}) {
    SCOPED_TRACE(data);
    v1::Plan south, north;
    ASSERT_TRUE(Suggest("south-notes", Patient(data), &south).ok());
    ASSERT_TRUE(Suggest("north-notes", Patient(data), &north).ok());
    EXPECT_EQ(south.status(), north.status());
    EXPECT_EQ(south.referral().urgency(), north.referral().urgency());
    EXPECT_EQ(south.referral().rule_ids_size(), north.referral().rule_ids_size());
    for (const auto& excluded : north.exclusions()) {
      bool kept = false;
      for (const auto& e : south.exclusions()) kept |= e.modality() == excluded.modality();
      EXPECT_TRUE(kept) << excluded.modality();
    }
  }
}

}  // namespace
}  // namespace modalis
