// A database written by the release before clinics (schema version 4, tests/data/store/
// schema-v4.db) opens in place: its plans, feedback, outcomes and audit chain become clinic
// default's, the chain still verifies with the head it had, a retry of a request stored before
// the upgrade still gets its first plan, and plans stored after it keep what they were asked.
//
// How the fixture was made, with modalisd and modalis of schema version 4 in development mode:
// SuggestPlan of tests/data/desk-worker-request.json for P-0001, P-0002 and P-0003 (request ids
// desk-worker-1, -2, -3), RecordFeedback (step 0 declined) on P-0001's plan, RecordOutcome for
// P-0001's sessions 1 and 2, then `modalis db erase --patient P-0003`.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using testing::RunCommand;
using testing::ServerProcess;

constexpr char kP1Plan[] = "pl_774ff46d6a4f4d4664afdc95d7644215";
constexpr char kP2Plan[] = "pl_4f3d36bc697d2c3d39092f7a0afbeed2";
// `modalis db verify` of the fixture, as the release that wrote it printed it.
constexpr char kHeadBefore[] = "2e8a2511c80e372af2b564c91c1e10564b694b8c1c71d22271e76018b5dbe315";

class StoreMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(testing::DataFile("store/schema-v4.db"), db_);
    ::chmod(db_.c_str(), 0600);
  }

  std::pair<int, std::string> Cli(const std::string& args) {
    return RunCommand(testing::BinDir() + "/modalis " + args);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("modalis.db");
};

TEST_F(StoreMigrationTest, EverythingBecomesClinicDefaultsAndTheChainStillVerifies) {
  // Opening read-write migrates (the CLI's read-only commands refuse an old schema).
  const auto [added, add_out] = Cli("clinic add north --db " + db_);
  ASSERT_EQ(added, 0) << add_out;
  struct stat st {};
  EXPECT_EQ(::stat((db_ + ".pre-v8").c_str(), &st), 0) << "no copy taken before migrating";

  const auto [verified, verify_out] = Cli("db verify --db " + db_);
  ASSERT_EQ(verified, 0) << verify_out;
  EXPECT_NE(verify_out.find("1 audit chain(s) of 4 records intact (1 redacted by erasure)"),
            std::string::npos)
      << verify_out;
  EXPECT_NE(verify_out.find("clinic default: 4 records, head " + std::string(kHeadBefore)),
            std::string::npos)
      << verify_out;

  const auto [exported, export_out] = Cli("db export --db " + db_ + " --patient P-0001");
  ASSERT_EQ(exported, 0) << export_out;
  const auto record = nlohmann::json::parse(export_out);
  EXPECT_EQ(record["clinic_id"], "default");
  ASSERT_EQ(record["plans"].size(), 1u);
  EXPECT_EQ(record["plans"][0]["plan"]["plan_id"], kP1Plan);
  EXPECT_FALSE(record["plans"][0].contains("asked")) << "stored before plans kept their question";
  EXPECT_EQ(record["feedback"].size(), 1u);
  EXPECT_EQ(record["outcomes"].size(), 2u);
  EXPECT_EQ(record["audit"].size(), 1u);

  // The clinic added after the migration sees none of it.
  const auto [other, other_out] = Cli("db export --db " + db_ + " --clinic north --patient P-0001");
  EXPECT_EQ(other, 1) << other_out;
  EXPECT_NE(other_out.find("nothing is stored for patient 'P-0001'"), std::string::npos)
      << other_out;
}

TEST_F(StoreMigrationTest, ARetryOfARequestStoredBeforeTheUpgradeGetsItsFirstPlan) {
  ServerProcess server(
      {"--db", db_, "--rules", testing::RulesDir(), "--plugins", testing::PluginsDir()});
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = v1::PlanService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));

  v1::SuggestPlanRequest request;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadText(testing::DataFile("desk-worker-request.json")), &request)
                  .ok());
  request.set_patient_ref("P-0001");
  request.set_request_id("desk-worker-1");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::SuggestPlanResponse response;
  grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.plan().plan_id(), kP1Plan);

  grpc::ClientContext get_ctx;
  get_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetPlanRequest get;
  get.set_plan_id(kP2Plan);
  v1::GetPlanResponse got;
  s = stub->GetPlan(&get_ctx, get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.patient_ref(), "P-0002");

  // A plan stored after the upgrade keeps its question; the retry stored nothing.
  grpc::ClientContext new_ctx;
  new_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  request.set_patient_ref("P-0004");
  request.set_request_id("desk-worker-4");
  s = stub->SuggestPlan(&new_ctx, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string new_plan = response.plan().plan_id();
  server.Stop(SIGTERM);

  SQLite::Database db(db_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM plans WHERE clinic_id = 'default'").getInt(), 3);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(plan_id) FROM plans WHERE replay_input IS NOT NULL "
                          "AND replay_format = 'modalis.v1.SuggestPlanRequest'")
                .getString(),
            new_plan);
}

}  // namespace
}  // namespace modalis
