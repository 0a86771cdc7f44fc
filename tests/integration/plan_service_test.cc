// The real modalisd, a temp SQLite file and the generated C++ client.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/store_codec_checks.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using testing::ServerProcess;

std::vector<std::string> ServerArgs(const testing::TempDir& dir) {
  return {"--db",      dir.file("modalis.db"), "--rules", testing::RulesDir(),
          "--plugins", testing::PluginsDir()};
}

v1::SuggestPlanRequest RequestFrom(const std::string& data_file, const std::string& patient) {
  v1::SuggestPlanRequest request;
  request.set_patient_ref(patient);
  auto findings =
      JsonToStruct(nlohmann::json::parse(testing::ReadText(testing::DataFile(data_file))));
  EXPECT_TRUE(findings.ok());
  *request.mutable_findings() = *findings;
  return request;
}

class PlanServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<v1::PlanService::Stub> Connect(const ServerProcess& server) {
    return v1::PlanService::NewStub(
        grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  }
  static void Deadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  testing::TempDir dir_;
};

TEST_F(PlanServiceTest, DeskWorkerThenCaudaEquinaThenReadBackAfterRestart) {
  auto server = std::make_unique<ServerProcess>(ServerArgs(dir_));
  ASSERT_TRUE(server->started()) << server->output();
  auto stub = Connect(*server);

  v1::SuggestPlanResponse desk;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub->SuggestPlan(&ctx, RequestFrom("desk-worker.json", "P-0001"), &desk);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_GE(desk.plan().steps_size(), 2);
  EXPECT_EQ(desk.plan().steps(0).modality(), "dry_needling");
  EXPECT_EQ(desk.plan().steps(1).modality(), "myofascial_release");
  EXPECT_EQ(desk.plan().status(), v1::COMPLETE);
  EXPECT_EQ(desk.plan().course().frequency(), v1::WEEKLY);
  EXPECT_FALSE(desk.plan().plan_id().empty());
  EXPECT_EQ(desk.plan().rule_set().sha256().size(), 64u);

  v1::SuggestPlanResponse ces;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub->SuggestPlan(&ctx, RequestFrom("cauda-equina.json", "P-0002"), &ces);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(ces.plan().status(), v1::REFERRED);
  EXPECT_EQ(ces.plan().referral().urgency(), v1::EMERGENCY);
  EXPECT_EQ(ces.plan().steps_size(), 0);
  EXPECT_FALSE(ces.plan().has_course());

  auto get = [&](v1::PlanService::Stub& s, const std::string& id, v1::GetPlanResponse* out) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetPlanRequest request;
    request.set_plan_id(id);
    return s.GetPlan(&ctx, request, out);
  };
  v1::GetPlanResponse got;
  ASSERT_TRUE(get(*stub, desk.plan().plan_id(), &got).ok());
  EXPECT_EQ(got.patient_ref(), "P-0001");
  EXPECT_EQ(MessageToJson(got.plan()), MessageToJson(desk.plan()));

  EXPECT_EQ(server->Stop(SIGTERM), 0) << server->output();
  server = std::make_unique<ServerProcess>(ServerArgs(dir_));
  ASSERT_TRUE(server->started()) << server->output();
  auto stub2 = Connect(*server);
  v1::GetPlanResponse after_restart;
  ASSERT_TRUE(get(*stub2, ces.plan().plan_id(), &after_restart).ok());
  EXPECT_EQ(MessageToJson(after_restart.plan()), MessageToJson(ces.plan()));
  EXPECT_EQ(get(*stub2, "pl_missing", &after_restart).error_code(), grpc::StatusCode::NOT_FOUND);
  // The log says which calls were made, never what the findings were.
  const std::string log = server->output();
  EXPECT_NE(log.find(R"("method":"/modalis.v1.PlanService/GetPlan","code":"NOT_FOUND")"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("quadratus_lumborum"), std::string::npos) << log;
  EXPECT_EQ(log.find("P-0001"), std::string::npos) << log;
}

TEST_F(PlanServiceTest, BadFindingsAreInvalidArgumentNamingTheCode) {
  ServerProcess server(ServerArgs(dir_));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server);
  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-0003");
  auto findings = JsonToStruct({{"pain_nprs", 12}, {"pregnnant", true}});
  ASSERT_TRUE(findings.ok());
  *request.mutable_findings() = *findings;
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::SuggestPlanResponse response;
  grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("pain_nprs"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("did you mean 'pregnant'"), std::string::npos);
}

TEST_F(PlanServiceTest, FindingsLimitsComeFromTheConfigFile) {
  testing::WriteText(dir_.file("modalisd.json"), R"({"max_findings": 3, "max_list_items": 2})");
  std::vector<std::string> args = ServerArgs(dir_);
  args.insert(args.end(), {"--config", dir_.file("modalisd.json")});
  ServerProcess server(args);
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server);
  for (const auto& [findings, expected] :
       {std::pair{nlohmann::json{
                      {"age", 40}, {"pregnant", false}, {"pain_nprs", 3}, {"hypermobility", false}},
                  "too many findings"},
        std::pair{nlohmann::json{{"aggravating", {"sitting", "bending", "lifting"}}},
                  "limit is 2"}}) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref("P-0005");
    request.set_dry_run(true);
    *request.mutable_findings() = *JsonToStruct(findings);
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::SuggestPlanResponse response;
    grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find(expected), std::string::npos) << s.error_message();
  }
}

TEST_F(PlanServiceTest, PatientNamesAreRefused) {
  ServerProcess server(ServerArgs(dir_));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server);
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::SuggestPlanResponse response;
  grpc::Status s =
      stub->SuggestPlan(&ctx, RequestFrom("desk-worker.json", "Jane Smith"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PlanServiceTest, HealthIsServing) {
  ServerProcess server(ServerArgs(dir_));
  ASSERT_TRUE(server.started()) << server.output();
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  for (const std::string service : {"", "modalis.v1.PlanService"}) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&ctx, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

TEST_F(PlanServiceTest, PlansAreStoredAsTheReplysMessageAndJsonOnesConvertedAtStart) {
  {
    // A database as an earlier modalisd left it: plans as JSON.
    auto store = testing::OpenWith(dir_.file("modalis.db"), nullptr);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutPlan(testing::RichPlan("pl_earlier")).ok());
  }
  ServerProcess server(ServerArgs(dir_));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server);
  v1::SuggestPlanResponse desk;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub->SuggestPlan(&ctx, RequestFrom("desk-worker.json", "P-0001"), &desk);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const auto rows = testing::StoredPlanRows(dir_.file("modalis.db"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].plan_id, "pl_earlier");
  EXPECT_EQ(rows[1].plan_id, desk.plan().plan_id());
  for (const auto& row : rows) EXPECT_EQ(row.format, "modalis.v1.Plan") << row.plan_id;
  EXPECT_EQ(rows[1].bytes, EncodePlanMessage(desk.plan()));

  v1::Plan earlier;
  PlanToProto(testing::RichPlan("pl_earlier").plan.plan, &earlier);
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::GetPlanRequest request;
  request.set_plan_id("pl_earlier");
  v1::GetPlanResponse got;
  ASSERT_TRUE(stub->GetPlan(&ctx, request, &got).ok());
  EXPECT_EQ(MessageToJson(got.plan()), MessageToJson(earlier));
}

TEST(ModalisdTest, RefusesNonLoopbackWithoutAuth) {
  ServerProcess server({"--listen", "0.0.0.0:0"});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.output().find("only listens on loopback"), std::string::npos) << server.output();
}

TEST(ModalisdTest, BrokenRulesStopStartupWithLocatedErrors) {
  testing::TempDir dir;
  std::filesystem::copy(testing::RulesDir(), dir.path(), std::filesystem::copy_options::recursive);
  std::string rules = testing::ReadText(dir.file("lower-back-pain.rules.json"));
  rules.replace(rules.find("\"rf_saddle_anaesthesia\""), 23, "\"rf_sadle_anaesthesia\"");
  testing::WriteText(dir.file("lower-back-pain.rules.json"), rules);
  ServerProcess server(
      {"--rules", dir.path(), "--plugins", testing::PluginsDir(), "--db", dir.file("m.db")});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.output().find("lower-back-pain.rules.json:"), std::string::npos)
      << server.output();
  EXPECT_NE(server.output().find("did you mean 'rf_saddle_anaesthesia'"), std::string::npos);
}

}  // namespace
}  // namespace modalis
