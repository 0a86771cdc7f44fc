// The API as Connect JSON over modalisd's HTTP listener (--http-listen), against the real binary:
// every RPC has a route, a call over HTTP is the same call as over gRPC (same store, same plan,
// same errors with their field violations, same tokens and clinics), and what is not a Connect
// call is refused with a Connect error naming what is wrong.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/rpc/error_details.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <sys/stat.h>

#include <set>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/platform_admin.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/http_client.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;

std::string DeskWorkerJson(const std::string& request_id) {
  json request = json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")));
  request["request_id"] = request_id;
  return request.dump();
}

class HttpConnectTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--rules",
                                     testing::RulesDir(),
                                     "--plugins",
                                     testing::PluginsDir(),
                                     "--db",
                                     dir_.path() + "/modalis.db",
                                     "--http-listen",
                                     "127.0.0.1:0",
                                     "--watch-quiet-ms",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<testing::ServerProcess>(args);
    ASSERT_TRUE(server_->started()) << server_->output();
    ASSERT_FALSE(server_->http_address().empty()) << server_->output();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  }

  HttpClient Client() { return HttpClient(server_->http_address()); }

  testing::TempDir dir_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(HttpConnectTest, SuggestPlanOverHttpIsStoredAndReadBackOverGrpc) {
  StartServer();
  HttpClient http = Client();
  const HttpResult r =
      http.PostJson("/modalis.v1.PlanService/SuggestPlan", DeskWorkerJson("http-desk-1"));
  ASSERT_EQ(r.status, 200u) << r.body << r.error;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  const json reply = json::parse(r.body);
  const std::string plan_id = reply["plan"]["planId"];
  ASSERT_FALSE(plan_id.empty());
  ASSERT_FALSE(reply["plan"]["steps"].empty());

  // The plan the HTTP call stored is the one gRPC reads back, field for field.
  auto plans = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  v1::GetPlanRequest get;
  get.set_plan_id(plan_id);
  v1::GetPlanResponse stored;
  ASSERT_TRUE(plans->GetPlan(&context, get, &stored).ok());
  std::string stored_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(stored.plan(), &stored_json).ok());
  EXPECT_EQ(json::parse(stored_json), reply["plan"]);

  // The same request_id over gRPC is the same request: the same plan, not a second one.
  v1::SuggestPlanRequest again;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(DeskWorkerJson("http-desk-1"), &again).ok());
  grpc::ClientContext context2;
  v1::SuggestPlanResponse replayed;
  ASSERT_TRUE(plans->SuggestPlan(&context2, again, &replayed).ok());
  EXPECT_EQ(replayed.plan().plan_id(), plan_id);
}

TEST_F(HttpConnectTest, EveryRpcOfEveryServiceHasARoute) {
  StartServer();
  HttpClient http = Client();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  int methods = 0;
  for (const char* name :
       {"modalis.v1.PlanService", "modalis.v1.RulesAdmin", "modalis.v1.PlatformAdmin"}) {
    const auto* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path = "/" + service->full_name() + "/" + service->method(i)->name();
      // An empty request: whatever the method makes of it, the answer comes from the method
      // (a reply, or its own error), never "no such route".
      const HttpResult r = http.PostJson(path, "{}");
      ASSERT_NE(r.status, 0u) << path << ": " << r.error;
      EXPECT_NE(r.status, 404u) << path << ": " << r.body;
      EXPECT_NE(r.status, 405u) << path;
      EXPECT_NE(r.status, 415u) << path;
      const json body = json::parse(r.body, nullptr, false);
      EXPECT_TRUE(body.is_object()) << path << ": " << r.body;
      if (r.status != 200) {
        EXPECT_TRUE(body.contains("code") && body.contains("message")) << path << ": " << r.body;
      }
      ++methods;
    }
  }
  EXPECT_GE(methods, 18);  // the three services were found
  // And the standard health service, for load balancers that speak only HTTP.
  const HttpResult health = http.PostJson("/grpc.health.v1.Health/Check", "{}");
  ASSERT_EQ(health.status, 200u) << health.body;
  EXPECT_EQ(json::parse(health.body)["status"], "SERVING");
}

TEST_F(HttpConnectTest, AnUnknownFindingIsA400WithItsFieldViolation) {
  StartServer();
  HttpClient http = Client();
  json request = json::parse(DeskWorkerJson("bad-1"));
  request["findings"]["nprs_now"] = 7;
  const HttpResult r = http.PostJson("/modalis.v1.PlanService/SuggestPlan", request.dump());
  ASSERT_EQ(r.status, 400u) << r.body;
  const json error = json::parse(r.body);
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_NE(error["message"].get<std::string>().find("nprs_now"), std::string::npos);
  ASSERT_EQ(error["details"].size(), 1u) << r.body;
  const json& detail = error["details"][0];
  EXPECT_EQ(detail["type"], "google.rpc.BadRequest");
  EXPECT_EQ(detail["debug"]["fieldViolations"][0]["field"], "findings.nprs_now");
  // `value` is the detail itself, base64 without padding, as Connect clients decode it.
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(detail["value"].get<std::string>(), &bytes));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(bytes));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "findings.nprs_now");
}

// Whatever a client gets wrong in a request, INVALID_ARGUMENT names the field in a BadRequest
// detail (not only for findings), and numbers read as people write them.
TEST_F(HttpConnectTest, EveryInvalidArgumentNamesItsField) {
  StartServer();
  HttpClient http = Client();
  struct Case {
    std::string method;
    std::string body;
    std::string field;
  };
  const std::string long_id(70, 'x');
  const std::vector<Case> cases = {
      {"PlanService/SuggestPlan", R"({"patientRef": "Jane Doe"})", "patient_ref"},
      {"PlanService/SuggestPlan", R"({"patientRef": "P-1", "requestId": ")" + long_id + R"("})",
       "request_id"},
      {"PlanService/SuggestPlan", R"({"patientRef": "P-1", "sessionMinutes": 900})",
       "session_minutes"},
      {"PlanService/SuggestPlan", R"({"patientRef": "P-1", "findings": {"pain_nprs": 11}})",
       "findings.pain_nprs"},
      {"PlanService/GetPlan", "{}", "plan_id"},
      {"PlanService/ListPlans", R"({"patientRef": "Jane Doe"})", "patient_ref"},
      {"PlanService/ListPlans", R"({"patientRef": "P-1", "pageSize": 1000})", "page_size"},
      {"PlanService/RecordFeedback", R"({"planId": "pl_1", "decision": "STEP_DECISION_DECLINED"})",
       "reason"},
      {"PlanService/RecordFeedback", R"({"planId": "pl_1"})", "decision"},
      {"PlanService/RecordOutcome", R"({"patientRef": "P-1", "sessionNumber": 0})",
       "session_number"},
      {"PlanService/RecordOutcome", R"({"patientRef": "P-1", "sessionNumber": 1, "painNprs": 12})",
       "pain_nprs"},
      {"PlanService/GetProgress", R"({"patientRef": "Jane Doe"})", "patient_ref"},
      {"RulesAdmin/ActivateRuleSet", R"({"sha256": "abc"})", "sha256"},
      {"PlatformAdmin/CreateClinic", R"({"clinicId": "Bad Clinic!"})", "clinic_id"},
  };
  for (const Case& c : cases) {
    const HttpResult r = http.PostJson("/modalis.v1." + c.method, c.body);
    ASSERT_EQ(r.status, 400u) << c.method << " " << c.body << ": " << r.body;
    const json error = json::parse(r.body);
    EXPECT_EQ(error["code"], "invalid_argument") << r.body;
    ASSERT_TRUE(error.contains("details")) << c.method << " " << c.body << ": " << r.body;
    EXPECT_EQ(error["details"][0]["type"], "google.rpc.BadRequest");
    EXPECT_EQ(error["details"][0]["debug"]["fieldViolations"][0]["field"], c.field)
        << c.method << " " << c.body << ": " << r.body;
    EXPECT_EQ(r.body.find(".000000"), std::string::npos) << r.body;
  }
  const HttpResult outcome = http.PostJson("/modalis.v1.PlanService/RecordOutcome",
                                           R"({"patientRef": "P-1", "sessionNumber": 1,
                                               "painNprs": 12})");
  EXPECT_NE(outcome.body.find("pain_nprs must be between 0 and 10, got 12\""), std::string::npos)
      << outcome.body;
}

TEST_F(HttpConnectTest, WhatIsNotAConnectCallIsRefusedSayingWhy) {
  StartServer();
  HttpClient http = Client();
  const std::string suggest = "/modalis.v1.PlanService/SuggestPlan";

  HttpResult r = http.PostJson(suggest, "{\"findings\": {");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(json::parse(r.body)["code"], "invalid_argument");
  EXPECT_NE(r.body.find("modalis.v1.SuggestPlanRequest"), std::string::npos) << r.body;

  r = http.PostJson(suggest, "{\"patientRef\": \"P-1\", \"findingz\": {}}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("findingz"), std::string::npos) << r.body;

  r = http.PostJson(suggest, "{\"patientRef\": 12}");
  EXPECT_EQ(r.status, 400u) << r.body;

  r = http.Send("POST", suggest, "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(json::parse(r.body)["code"], "unimplemented");
  EXPECT_NE(r.body.find("application/json"), std::string::npos) << r.body;

  r = http.Send("GET", suggest, "");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.headers["allow"], "POST");

  r = http.PostJson("/modalis.v1.PlanService/SugestPlan", "{}");
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("did you mean '/modalis.v1.PlanService/SuggestPlan'"), std::string::npos)
      << r.body;

  r = http.PostJson(suggest, "{}", {{"Connect-Timeout-Ms", "soon"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("Connect-Timeout-Ms"), std::string::npos) << r.body;

  r = http.PostJson(suggest, "{}", {{"Connect-Protocol-Version", "2"}});
  EXPECT_EQ(r.status, 400u);

  // Each of those answered on the same kept-alive connection, which still serves.
  ASSERT_TRUE(http.connected());
  r = http.PostJson(suggest, DeskWorkerJson("after-errors"));
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(HttpConnectTest, ABodyOverTheMessageLimitIs413AndTheServerCarriesOn) {
  StartServer({"--max-message-bytes", "65536"});
  HttpClient http = Client();
  const std::string huge = "{\"patientRef\": \"" + std::string(200 * 1024, 'x') + "\"}";
  const HttpResult r = http.PostJson("/modalis.v1.PlanService/SuggestPlan", huge);
  EXPECT_EQ(r.status, 413u) << r.body << r.error;
  HttpClient fresh = Client();
  EXPECT_EQ(
      fresh.PostJson("/modalis.v1.PlanService/SuggestPlan", DeskWorkerJson("after-413")).status,
      200u);
}

TEST_F(HttpConnectTest, ProtobufBodiesWorkAsWellAsJson) {
  StartServer();
  v1::SuggestPlanRequest request;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(DeskWorkerJson("binary-1"), &request).ok());
  HttpClient http = Client();
  const HttpResult r =
      http.Send("POST", "/modalis.v1.PlanService/SuggestPlan", request.SerializeAsString(),
                {{"Content-Type", "application/proto"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/proto");
  v1::SuggestPlanResponse response;
  ASSERT_TRUE(response.ParseFromString(r.body));
  EXPECT_GT(response.plan().steps_size(), 0);
}

TEST_F(HttpConnectTest, TokensAndClinicsAreThoseOfGrpc) {
  const std::string db = dir_.path() + "/modalis.db";
  const std::string tokens = dir_.path() + "/tokens";
  for (const std::string clinic : {"north", "south"}) {
    ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db, clinic));
  }
  const std::string north_notes =
      testing::MintToken(tokens, "--clinic north --role notes --name north-notes");
  const std::string north_booking =
      testing::MintToken(tokens, "--clinic north --role booking --name north-booking");
  const std::string south_notes =
      testing::MintToken(tokens, "--clinic south --role notes --name south-notes");
  StartServer({"--token-file", tokens});
  HttpClient http = Client();
  const std::string suggest = "/modalis.v1.PlanService/SuggestPlan";

  HttpResult r = http.PostJson(suggest, DeskWorkerJson("t-1"));
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], "unauthenticated");

  r = http.PostJson(suggest, DeskWorkerJson("t-1"), {{"Authorization", "Bearer not-a-token"}});
  EXPECT_EQ(r.status, 401u) << r.body;

  r = http.PostJson("/modalis.v1.RulesAdmin/ReloadRules", "{}",
                    {{"Authorization", "Bearer " + north_booking}});
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], "permission_denied");

  r = http.PostJson(suggest, DeskWorkerJson("t-1"), {{"Authorization", "Bearer " + north_notes}});
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string plan_id = json::parse(r.body)["plan"]["planId"];

  const std::string get = "{\"planId\": \"" + plan_id + "\"}";
  r = http.PostJson("/modalis.v1.PlanService/GetPlan", get,
                    {{"Authorization", "Bearer " + north_booking}});
  EXPECT_EQ(r.status, 200u) << r.body;
  // Another clinic's caller does not see it, over HTTP as over gRPC.
  r = http.PostJson("/modalis.v1.PlanService/GetPlan", get,
                    {{"Authorization", "Bearer " + south_notes}});
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], "not_found");
  auto plans = v1::PlanService::NewStub(channel_);
  v1::GetPlanRequest request;
  request.set_plan_id(plan_id);
  v1::GetPlanResponse response;
  EXPECT_EQ(plans->GetPlan(testing::Bearer(south_notes).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(plans->GetPlan(testing::Bearer(north_notes).get(), request, &response).ok());
}

TEST_F(HttpConnectTest, CallsOverHttpAreInTheAccessLogAndSigtermStopsCleanly) {
  const std::string log = dir_.path() + "/modalisd.log";
  StartServer({"--log-file", log});
  HttpClient http = Client();
  ASSERT_EQ(http.PostJson("/modalis.v1.PlanService/SuggestPlan", DeskWorkerJson("log-1")).status,
            200u);
  ASSERT_EQ(http.PostJson("/modalis.v1.PlanService/Nope", "{}").status, 404u);
  ASSERT_TRUE(http.connected());
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  const std::string lines = testing::ReadText(log);
  EXPECT_NE(lines.find("\"method\":\"/modalis.v1.PlanService/SuggestPlan\",\"code\":\"OK\""),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("\"event\":\"http_refused\""), std::string::npos) << lines;
  // The log names no patient: the request's patient_ref is not in it.
  EXPECT_EQ(lines.find("P-0001"), std::string::npos) << lines;
}

// Several clients at once, each on its own kept-alive connection, while the listener hands
// calls to gRPC's threads and their replies back: every call is answered, with its own plan.
TEST_F(HttpConnectTest, ManyClientsAtOnceAreEachAnswered) {
  StartServer();
  constexpr size_t kClients = 8;
  constexpr size_t kCalls = 15;
  std::vector<std::vector<std::string>> plan_ids(kClients);
  std::vector<std::thread> clients;
  for (size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient http = Client();
      for (size_t i = 0; i < kCalls; ++i) {
        const HttpResult r =
            http.PostJson("/modalis.v1.PlanService/SuggestPlan",
                          DeskWorkerJson("many-" + std::to_string(c) + "-" + std::to_string(i)));
        if (r.status != 200) {
          plan_ids[c].push_back("status " + std::to_string(r.status) + " " + r.error);
          continue;
        }
        plan_ids[c].push_back(json::parse(r.body)["plan"]["planId"]);
      }
    });
  }
  for (std::thread& t : clients) t.join();
  std::set<std::string> distinct;
  for (const auto& ids : plan_ids) {
    ASSERT_EQ(ids.size(), kCalls);
    for (const std::string& id : ids) {
      EXPECT_EQ(id.rfind("pl_", 0), 0u) << id;
      distinct.insert(id);
    }
  }
  EXPECT_EQ(distinct.size(), kClients * kCalls);
}

// With --tls-cert and --tls-key the HTTP listener speaks TLS with gRPC's certificate, and with
// --client-ca it wants a client certificate too, as gRPC does; curl is the client.
TEST(HttpTlsTest, TheListenerUsesGrpcsCertificateAndClientCa) {
  testing::TempDir dir;
  const std::string d = dir.path();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  auto shell = [](const std::string& command) {
    const auto [code, out] = testing::RunCommand(command);
    EXPECT_EQ(code, 0) << command << "\n" << out;
    return out;
  };
  shell("cd " + d + " && openssl req -x509" + ec +
        "-keyout ca.key -out ca.pem -days 1 -subj /CN=modalis-test-ca 2>&1");
  testing::WriteText(d + "/san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  for (const std::string who : {"server", "client"}) {
    shell("cd " + d + " && openssl req" + ec + "-keyout " + who + ".key -out " + who +
          ".csr -subj /CN=" + who + " 2>&1 && openssl x509 -req -in " + who +
          ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out " + who +
          ".pem 2>&1");
  }
  ::chmod((d + "/server.key").c_str(), 0600);
  testing::ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", d + "/m.db", "--tls-cert", d + "/server.pem", "--tls-key",
                                 d + "/server.key", "--client-ca", d + "/ca.pem", "--http-listen",
                                 "127.0.0.1:0"});
  ASSERT_TRUE(server.started()) << server.output();
  const std::string port = server.http_address().substr(server.http_address().rfind(':') + 1);
  const std::string url = "https://localhost:" + port + "/grpc.health.v1.Health/Check";
  const std::string post = "curl -sS --max-time 10 -H 'Content-Type: application/json' -d '{}' ";
  // With the CA and a client certificate: served.
  auto [code, out] = testing::RunCommand(post + "--cacert " + d + "/ca.pem --cert " + d +
                                         "/client.pem --key " + d + "/client.key " + url);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("SERVING"), std::string::npos) << out;
  // Without a client certificate: the handshake fails.
  std::tie(code, out) = testing::RunCommand(post + "--cacert " + d + "/ca.pem " + url + " 2>&1");
  EXPECT_NE(code, 0) << out;
  // Plaintext to the TLS port: no reply.
  std::tie(code, out) =
      testing::RunCommand(post + "http://127.0.0.1:" + port + "/grpc.health.v1.Health/Check 2>&1");
  EXPECT_EQ(out.find("SERVING"), std::string::npos) << out;
}

TEST(HttpListenOptionTest, OffLoopbackIsRefusedBeforeListening) {
  testing::TempDir dir;
  testing::ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", dir.path() + "/m.db", "--http-listen", "0.0.0.0:0"});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.output().find("refusing to listen for HTTP on 0.0.0.0:0"), std::string::npos)
      << server.output();
}

}  // namespace
}  // namespace modalis
