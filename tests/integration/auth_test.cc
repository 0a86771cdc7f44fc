// Tokens, roles, TLS and mTLS against the real modalisd, with a throwaway CA made by openssl; what
// the log may and may not contain.
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <regex>
#include <sstream>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "adapters/plan_proto.h"
#include "core/common/sha256.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/platform_admin.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "server/auth.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// Runs a shell command; returns its standard output, or "" with the test failed.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return out;
}

// `clinic` empty: no --clinic.
std::string Mint(const std::string& file, const std::string& name, const std::string& role,
                 const std::string& clinic = "") {
  std::string token =
      Shell(testing::BinDir() + "/modalis token add --file " + file + " --name " + name +
            " --role " + role + (clinic.empty() ? "" : " --clinic " + clinic) + " 2>/dev/null");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

grpc::StatusCode CallStatus(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& token) {
  auto stub = v1::RulesAdmin::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  v1::GetStatusResponse response;
  return stub->GetStatus(&ctx, {}, &response).error_code();
}

grpc::StatusCode Health(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&ctx, {}, &response).error_code();
}

class AuthTest : public ::testing::Test {
 protected:
  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--rules",   testing::RulesDir(),
                                     "--plugins", testing::PluginsDir(),
                                     "--db",      dir_.file("m.db")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // A CA, a server certificate for localhost / 127.0.0.1 and a client certificate.
  void MakeCertificates() {
    const std::string d = dir_.path();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    Shell("cd " + d + " && openssl req -x509" + ec +
          "-keyout ca.key -out ca.pem -days 1 -subj /CN=modalis-test-ca 2>/dev/null");
    testing::WriteText(dir_.file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    for (const std::string who : {"server", "client"}) {
      Shell("cd " + d + " && openssl req" + ec + "-keyout " + who + ".key -out " + who +
            ".csr -subj /CN=" + who + " 2>/dev/null && openssl x509 -req -in " + who +
            ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out " + who +
            ".pem 2>/dev/null");
    }
  }
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = testing::ReadText(dir_.file("ca.pem"));
    if (client_cert) {
      ssl.pem_private_key = testing::ReadText(dir_.file("client.key"));
      ssl.pem_cert_chain = testing::ReadText(dir_.file("client.pem"));
    }
    return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
  }
  testing::TempDir dir_;
};

// One row per RPC: how to call it with a request the allowed roles get OK for, and which roles
// may call it (design.md §3: booking — SuggestPlan, GetPlan, ListPlans; notes — every PlanService
// method; admin — everything; platform.md §1: operator — GetStatus, and no patient data).
struct Rpc {
  const char* name;
  std::set<std::string> roles;
  std::function<grpc::Status(grpc::ClientContext*)> call;
};

TEST_F(AuthTest, EveryRpcAnswersExactlyAsTheRoleTableSays) {
  const std::string tokens = dir_.file("tokens.json");
  std::map<std::string, std::string> token_of;
  for (const std::string role : {"booking", "notes", "admin", "operator"}) {
    token_of[role] = Mint(tokens, role + "-client", role);
    ASSERT_EQ(token_of[role].size(), 67u);
    EXPECT_EQ(testing::ReadText(tokens).find(token_of[role]), std::string::npos)
        << "tokens are stored hashed";
  }
  testing::ServerProcess server(Args({"--token-file", tokens, "--watch-quiet-ms", "0"}));
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto plans = v1::PlanService::NewStub(channel);
  auto admin = v1::RulesAdmin::NewStub(channel);

  v1::SuggestPlanRequest suggest;
  suggest.set_patient_ref("P-0001");
  *suggest.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  std::string plan_id;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_of["admin"]);
    v1::SuggestPlanResponse stored;
    ASSERT_TRUE(plans->SuggestPlan(&ctx, suggest, &stored).ok());
    plan_id = stored.plan().plan_id();
  }
  suggest.set_dry_run(true);
  v1::GetPlanRequest get;
  get.set_plan_id(plan_id);
  v1::ListPlansRequest list;
  list.set_patient_ref("P-0001");
  v1::RecordFeedbackRequest feedback;
  feedback.set_plan_id(plan_id);
  feedback.set_decision(v1::STEP_DECISION_ACCEPTED);
  uint32_t session = 0;
  v1::GetProgressRequest progress;
  progress.set_patient_ref("P-0001");
  v1::ValidateRuleSetRequest validate;
  validate.mutable_rules()->set_content(
      testing::ReadText(testing::RulesDir() + "/lower-back-pain.rules.json"));

  const std::set<std::string> everyone = {"booking", "notes", "admin"};
  const std::set<std::string> notes = {"notes", "admin"};
  const std::set<std::string> admins = {"admin"};
  const std::set<std::string> admins_and_operator = {"admin", "operator"};
  const std::set<std::string> everyone_and_operator = {"booking", "notes", "admin", "operator"};
  const std::vector<Rpc> table = {
      {"PlanService/SuggestPlan", everyone,
       [&](grpc::ClientContext* c) {
         v1::SuggestPlanResponse r;
         return plans->SuggestPlan(c, suggest, &r);
       }},
      {"PlanService/GetPlan", everyone,
       [&](grpc::ClientContext* c) {
         v1::GetPlanResponse r;
         return plans->GetPlan(c, get, &r);
       }},
      {"PlanService/ListPlans", everyone,
       [&](grpc::ClientContext* c) {
         v1::ListPlansResponse r;
         return plans->ListPlans(c, list, &r);
       }},
      {"PlanService/RecordFeedback", notes,
       [&](grpc::ClientContext* c) {
         v1::RecordFeedbackResponse r;
         return plans->RecordFeedback(c, feedback, &r);
       }},
      {"PlanService/RecordOutcome", notes,
       [&](grpc::ClientContext* c) {
         v1::RecordOutcomeRequest outcome;
         outcome.set_patient_ref("P-0001");
         outcome.set_session_number(++session);  // one outcome per session
         outcome.set_pain_nprs(5);
         outcome.set_pain_days_per_week(4);
         v1::RecordOutcomeResponse r;
         return plans->RecordOutcome(c, outcome, &r);
       }},
      {"PlanService/GetProgress", notes,
       [&](grpc::ClientContext* c) {
         v1::GetProgressResponse r;
         return plans->GetProgress(c, progress, &r);
       }},
      {"PlanService/GetEvidence", notes,
       [&](grpc::ClientContext* c) {
         v1::GetEvidenceResponse r;
         return plans->GetEvidence(c, {}, &r);
       }},
      {"PlanService/GetPatientHistory", everyone,
       [&](grpc::ClientContext* c) {
         v1::GetPatientHistoryRequest history;
         history.set_patient_ref("P-0001");
         v1::GetPatientHistoryResponse r;
         return plans->GetPatientHistory(c, history, &r);
       }},
      {"RulesAdmin/GetRuleSet", everyone_and_operator,
       [&](grpc::ClientContext* c) {
         v1::GetRuleSetResponse r;
         return admin->GetRuleSet(c, {}, &r);
       }},
      {"RulesAdmin/PreviewRuleSet", admins_and_operator,
       [&](grpc::ClientContext* c) {
         v1::PreviewRuleSetRequest preview;
         *preview.mutable_rules() = validate.rules();
         v1::PreviewRuleSetResponse r;
         return admin->PreviewRuleSet(c, preview, &r);
       }},
      {"RulesAdmin/GetStatus", admins_and_operator,
       [&](grpc::ClientContext* c) {
         v1::GetStatusResponse r;
         return admin->GetStatus(c, {}, &r);
       }},
      {"RulesAdmin/ValidateRuleSet", admins_and_operator,
       [&](grpc::ClientContext* c) {
         v1::ValidateRuleSetResponse r;
         return admin->ValidateRuleSet(c, validate, &r);
       }},
      {"RulesAdmin/ReloadRules", admins,
       [&](grpc::ClientContext* c) {
         v1::ReloadRulesResponse r;
         return admin->ReloadRules(c, {}, &r);
       }},
      {"RulesAdmin/ListModalities", admins_and_operator,
       [&](grpc::ClientContext* c) {
         v1::ListModalitiesResponse r;
         return admin->ListModalities(c, {}, &r);
       }},
      {"RulesAdmin/ListRuleSets", admins_and_operator,
       [&](grpc::ClientContext* c) {
         v1::ListRuleSetsResponse r;
         return admin->ListRuleSets(c, {}, &r);
       }},
  };
  // Each caller: the authorization header it sends ("" for none) and its role ("" for none).
  const std::vector<std::pair<std::string, std::string>> callers = {
      {"", ""},
      {"Bearer mt_0000000000000000000000000000000000000000000000000000000000000000", ""},
      {"Basic " + token_of["admin"], ""},  // the right token in the wrong scheme
      {"Bearer " + token_of["booking"], "booking"},
      {"Bearer " + token_of["notes"], "notes"},
      {"Bearer " + token_of["admin"], "admin"},
      {"Bearer " + token_of["operator"], "operator"}};
  for (const Rpc& rpc : table) {
    for (const auto& [header, role] : callers) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      if (!header.empty()) ctx.AddMetadata("authorization", header);
      const grpc::Status s = rpc.call(&ctx);
      const grpc::StatusCode expected = role.empty() ? grpc::StatusCode::UNAUTHENTICATED
                                        : rpc.roles.count(role) == 0
                                            ? grpc::StatusCode::PERMISSION_DENIED
                                            : grpc::StatusCode::OK;
      EXPECT_EQ(s.error_code(), expected)
          << rpc.name << " as " << (role.empty() ? header.substr(0, 8) : role) << ": "
          << s.error_message();
    }
  }

  // Health and reflection answer without a token.
  EXPECT_EQ(Health(channel), grpc::StatusCode::OK);
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  EXPECT_GE(listed.list_services_response().service_size(), 2);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  server.Stop(SIGTERM);
  const std::string log = server.output();
  for (const auto& [role, token] : token_of) {
    EXPECT_EQ(log.find(token), std::string::npos) << "tokens are never logged";
  }
  EXPECT_NE(log.find(R"("method":"/modalis.v1.RulesAdmin/GetStatus","code":"OK")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("code":"PERMISSION_DENIED","latency_ms")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"admin-client","clinic":"default")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"operator-client","clinic":"-")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"invalid-token","clinic":"-")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"anonymous","clinic":"-")"), std::string::npos) << log;
}

// The role table itself, for every method the services declare: the operator reaches no
// PlanService method (it reads no patient data), RulesAdmin but the default clinic's reload of its
// files, and the platform's own service, which no clinic's role reaches.
TEST(RoleTableTest, TheOperatorReadsNoPatientDataAndNoClinicRunsThePlatform) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  size_t checked = 0;
  // Named through the generated code, so each service's descriptors are linked in.
  for (const char* service :
       {v1::PlanService::service_full_name(), v1::RulesAdmin::service_full_name(),
        v1::PlatformAdmin::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* descriptor = pool->FindServiceByName(service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const std::string method = "/" + std::string(service) + "/" + descriptor->method(i)->name();
      const bool plans = std::string(service) == "modalis.v1.PlanService";
      const bool platform = std::string(service) == "modalis.v1.PlatformAdmin";
      EXPECT_EQ(Authorizer::RoleAllows(Role::kOperator, method),
                platform || (!plans && method != "/modalis.v1.RulesAdmin/ReloadRules"))
          << method;
      EXPECT_EQ(Authorizer::RoleAllows(Role::kAdmin, method), !platform) << method;
      // The vocabulary and rules a clinic is served hold no patient data: every role reads them.
      const bool rule_set = method == "/modalis.v1.RulesAdmin/GetRuleSet";
      EXPECT_EQ(Authorizer::RoleAllows(Role::kNotes, method), plans || rule_set) << method;
      EXPECT_EQ(Authorizer::RoleAllows(Role::kBooking, method),
                rule_set || method == "/modalis.v1.PlanService/SuggestPlan" ||
                    method == "/modalis.v1.PlanService/GetPlan" ||
                    method == "/modalis.v1.PlanService/ListPlans" ||
                    method == "/modalis.v1.PlanService/GetPatientHistory")
          << method;
      ++checked;
    }
  }
  EXPECT_GE(checked, 12u);
  for (const std::string method :
       {"/modalis.v1.PlatformAdmin/CreateClinic", "/modalis.v1.PlatformAdmin/PublishRuleSet"}) {
    EXPECT_TRUE(Authorizer::RoleAllows(Role::kOperator, method)) << method;
    for (Role role : {Role::kBooking, Role::kNotes, Role::kAdmin}) {
      EXPECT_FALSE(Authorizer::RoleAllows(role, method)) << RoleName(role) << " " << method;
    }
  }
  // Only the whole prefix: a lookalike service is nobody's.
  EXPECT_FALSE(Authorizer::RoleAllows(Role::kOperator, "/modalis.v1.PlatformAdminX/Create"));
  EXPECT_FALSE(Authorizer::RoleAllows(Role::kOperator, "/modalis.v1.RulesAdminX/GetStatus"));
  EXPECT_FALSE(Authorizer::RoleAllows(Role::kOperator, "/modalis.v1.PlanService/GetPlan"));
}

// Revocation as documented: token list shows who has tokens, token remove takes every token of one
// client out of the file, and a restarted modalisd refuses it while the others still work.
TEST_F(AuthTest, TokenListAndRemoveRevokeOneClient) {
  const std::string tokens = dir_.file("tokens.json");
  const std::string booking = Mint(tokens, "booking-app", "booking");
  const std::string notes = Mint(tokens, "notes-app", "notes");
  const std::string admin = Mint(tokens, "admin-console", "admin");
  Mint(tokens, "north-notes", "notes", "north-2");
  Mint(tokens, "fleet", "operator");
  const std::string modalis = testing::BinDir() + "/modalis token ";
  const std::string listed = Shell(modalis + "list --file " + tokens);
  for (const char* expected : {"booking-app\tbooking\tdefault\tsha256 ",
                               "notes-app\tnotes\tdefault\t", "admin-console\tadmin\tdefault\t",
                               "north-notes\tnotes\tnorth-2\t", "fleet\toperator\t-\t"}) {
    EXPECT_NE(listed.find(expected), std::string::npos) << listed;
  }
  EXPECT_EQ(listed.find(booking), std::string::npos) << "a listing never shows a token";

  Shell(modalis + "remove --file " + tokens + " booking-app 2>/dev/null");
  EXPECT_EQ(Shell(modalis + "list --file " + tokens).find("booking-app"), std::string::npos);
  EXPECT_NE(::system((modalis + "remove --file " + tokens + " nobody 2>/dev/null").c_str()), 0);

  testing::ServerProcess server(Args({"--token-file", tokens, "--watch-quiet-ms", "0"}));
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(CallStatus(channel, booking), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallStatus(channel, admin), grpc::StatusCode::OK);
  EXPECT_EQ(CallStatus(channel, notes), grpc::StatusCode::PERMISSION_DENIED);
}

// What `modalis token add` refuses, with a message saying why, and what it writes when no clinic is
// given.
TEST_F(AuthTest, TokenAddTakesAClinicForEveryRoleButTheOperator) {
  const std::string tokens = dir_.file("tokens.json");
  const std::string add = testing::BinDir() + "/modalis token add --file " + tokens + " --name x ";
  auto refused = [&](const std::string& flags, const std::string& expected) {
    const std::string err = dir_.file("err.txt");
    const int status = ::system((add + flags + " >/dev/null 2>" + err).c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << flags << ": " << status;
    EXPECT_NE(testing::ReadText(err).find(expected), std::string::npos)
        << flags << ": " << testing::ReadText(err);
  };
  refused("--role operator --clinic default",
          "modalis: an operator token belongs to no clinic; leave out --clinic");
  refused("--role notes --clinic North_2",
          "modalis: --clinic: clinic id 'North_2' must be 1 to 64 lower-case letters");
  refused("--role notes --clinic ''", "modalis: --clinic: clinic id '' must be");
  refused("--role root", "modalis: role must be booking, notes, admin or operator");
  EXPECT_NE(::access(tokens.c_str(), F_OK), 0) << "nothing refused was written";

  Mint(tokens, "booking-app", "booking");
  Mint(tokens, "fleet", "operator");
  const auto file = nlohmann::json::parse(testing::ReadText(tokens));
  EXPECT_EQ(file["tokens"][0]["clinic"], "default") << file;
  EXPECT_FALSE(file["tokens"][1].contains("clinic")) << file;
  EXPECT_EQ(file["tokens"][1]["role"], "operator") << file;
}

// A token file written before clinics (no "clinic") still lets its clients in, as the default
// clinic's; a file with a bad clinic stops the start, naming the file and the entry.
TEST_F(AuthTest, AnOldTokenFileIsTheDefaultClinicsAndABadClinicStopsTheStart) {
  const std::string old_file = dir_.file("old-tokens.json");
  const std::string token = "mt_" + std::string(64, '7');
  testing::WriteText(old_file, R"({"tokens": [{"name": "ops", "role": "admin", "sha256": ")" +
                                   Sha256Hex(token) + "\"}]}\n");
  ASSERT_EQ(::chmod(old_file.c_str(), 0600), 0);
  EXPECT_NE(Shell(testing::BinDir() + "/modalis token list --file " + old_file)
                .find("ops\tadmin\tdefault\t"),
            std::string::npos);
  {
    testing::ServerProcess server(Args({"--token-file", old_file, "--watch-quiet-ms", "0"}));
    ASSERT_TRUE(server.started()) << server.output();
    auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
    EXPECT_EQ(CallStatus(channel, token), grpc::StatusCode::OK);
    server.Stop(SIGTERM);
    EXPECT_NE(server.output().find(R"("client":"ops","clinic":"default")"), std::string::npos)
        << server.output();
  }

  const std::string bad = dir_.file("bad-tokens.json");
  testing::WriteText(bad,
                     R"({"tokens": [{"name": "ops", "role": "admin", "clinic": "North Clinic",)"
                     R"( "sha256": ")" +
                         Sha256Hex(token) + "\"}]}\n");
  ASSERT_EQ(::chmod(bad.c_str(), 0600), 0);
  testing::ServerProcess refused(Args({"--token-file", bad}));
  EXPECT_FALSE(refused.started());
  EXPECT_EQ(refused.Stop(SIGTERM), 2);
  EXPECT_NE(refused.output().find(bad + ": tokens[0] ('ops'): clinic id 'North Clinic' must be"),
            std::string::npos)
      << refused.output();
}

// Without a token file every caller is the local admin of the default clinic, and is logged so.
TEST_F(AuthTest, DevelopmentModeIsTheDefaultClinic) {
  testing::ServerProcess server(Args({}));
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(CallStatus(channel, ""), grpc::StatusCode::OK);
  server.Stop(SIGTERM);
  EXPECT_NE(server.output().find(R"("client":"local","clinic":"default")"), std::string::npos)
      << server.output();
}

// gRPC's own lines join the same JSON log from its first use on, so a log shipper reads one format
// and nothing in gRPC's own format reaches standard error.
// A token file with no tokens is a closed door, not an open one; and a token is compared whole,
// however short a wrong one is.
TEST_F(AuthTest, EmptyTokenFileLetsNobodyInAndShortTokensNeverMatch) {
  const std::string empty = dir_.file("empty-tokens.json");
  testing::WriteText(empty, "{\"tokens\": []}\n");
  ASSERT_EQ(::chmod(empty.c_str(), 0600), 0);
  {
    testing::ServerProcess server(Args({"--token-file", empty, "--watch-quiet-ms", "0"}));
    ASSERT_TRUE(server.started()) << server.output();
    auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
    EXPECT_EQ(CallStatus(channel, ""), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(CallStatus(channel, "mt_anything"), grpc::StatusCode::UNAUTHENTICATED);
  }
  const std::string tokens = dir_.file("tokens.json");
  const std::string admin = Mint(tokens, "ops", "admin");
  testing::ServerProcess server(Args({"--token-file", tokens, "--watch-quiet-ms", "0"}));
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(CallStatus(channel, admin), grpc::StatusCode::OK);
  for (const std::string& wrong : {std::string("m"), admin.substr(0, 1), admin.substr(0, 5),
                                   admin.substr(0, admin.size() - 1)}) {
    EXPECT_EQ(CallStatus(channel, wrong), grpc::StatusCode::UNAUTHENTICATED) << wrong;
  }
  // A short token whose hash starts like the stored one: only the whole hash may match.
  const std::string stored = Sha256Hex(admin);
  std::string lookalike;
  for (char a = '!'; a <= '~' && lookalike.empty(); ++a) {
    for (char b = '!'; b <= '~' && lookalike.empty(); ++b) {
      const std::string candidate{a, b};
      if (Sha256Hex(candidate).compare(0, 2, stored, 0, 2) == 0) lookalike = candidate;
    }
  }
  ASSERT_FALSE(lookalike.empty()) << "no two-character token shares the first two digits";
  EXPECT_EQ(CallStatus(channel, lookalike), grpc::StatusCode::UNAUTHENTICATED) << lookalike;
}

TEST_F(AuthTest, GrpcsOwnLinesAreJsonInTheSameLog) {
  ::setenv("GRPC_VERBOSITY", "DEBUG", 1);  // makes gRPC say something at every start
  testing::ServerProcess server(Args({"--log-file", dir_.file("modalisd.log")}));
  ::unsetenv("GRPC_VERBOSITY");
  ASSERT_TRUE(server.started()) << server.output();
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  std::istringstream log(testing::ReadText(dir_.file("modalisd.log")));
  size_t grpc_lines = 0;
  for (std::string line; std::getline(log, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON line: " << line;
    grpc_lines += j.value("event", "") == "grpc" ? 1 : 0;
  }
  EXPECT_GT(grpc_lines, 0u);
  EXPECT_FALSE(std::regex_search(server.output(), std::regex(R"((^|\n)[DIE]\d{4} \d\d:\d\d)")))
      << server.output();
}

TEST_F(AuthTest, NeitherTokensNorFindingsReachTheLog) {
  const std::string tokens = dir_.file("tokens.json");
  const std::string notes = Mint(tokens, "notes-app", "notes");
  testing::ServerProcess server(
      Args({"--token-file", tokens, "--log-file", dir_.file("modalisd.log")}));
  ASSERT_TRUE(server.started()) << server.output();
  auto plans = v1::PlanService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  // Values no log line has any other reason to contain.
  auto findings = nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  findings["medications"] = {"zolmitriptan-7741"};
  findings["sitting_hours_per_day"] = 7.0625;  // four decimals: no latency or time has them
  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-7741");
  *request.mutable_findings() = *JsonToStruct(findings);
  for (const std::string& token : {notes, std::string("mt_wrong7741")}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::SuggestPlanResponse response;
    const grpc::Status s = plans->SuggestPlan(&ctx, request, &response);
    EXPECT_EQ(s.error_code(),
              token == notes ? grpc::StatusCode::OK : grpc::StatusCode::UNAUTHENTICATED);
  }
  // A refused finding: the client is told the value, the log is not.
  findings["work_type"] = "lighthouse-keeper-7741";
  *request.mutable_findings() = *JsonToStruct(findings);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("authorization", "Bearer " + notes);
    v1::SuggestPlanResponse response;
    const grpc::Status s = plans->SuggestPlan(&ctx, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  const std::string log = testing::ReadText(dir_.file("modalisd.log")) + server.output();
  EXPECT_NE(log.find(R"("client":"notes-app")"), std::string::npos) << log;
  for (const std::string& secret :
       {notes, notes.substr(3), std::string("mt_wrong7741"), std::string("zolmitriptan"),
        std::string("7.0625"), std::string("lighthouse"), std::string("7741")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " is in the log:\n" << log;
  }
}

TEST_F(AuthTest, TlsAndMutualTls) {
  MakeCertificates();
  const std::string tokens = dir_.file("tokens.json");
  const std::string admin = Mint(tokens, "ops", "admin");
  {
    testing::ServerProcess server(
        Args({"--token-file", tokens, "--tls-cert", dir_.file("server.pem"), "--tls-key",
              dir_.file("server.key")}));
    ASSERT_TRUE(server.started()) << server.output();
    const std::string address =
        "localhost:" + server.address().substr(server.address().rfind(':') + 1);
    EXPECT_EQ(CallStatus(TlsChannel(address, false), admin), grpc::StatusCode::OK);
    // A plaintext client cannot talk to a TLS server.
    EXPECT_EQ(CallStatus(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), admin),
              grpc::StatusCode::UNAVAILABLE);
  }
  testing::ServerProcess server(
      Args({"--token-file", tokens, "--tls-cert", dir_.file("server.pem"), "--tls-key",
            dir_.file("server.key"), "--client-ca", dir_.file("ca.pem")}));
  ASSERT_TRUE(server.started()) << server.output();
  const std::string address =
      "localhost:" + server.address().substr(server.address().rfind(':') + 1);
  EXPECT_EQ(CallStatus(TlsChannel(address, true), admin), grpc::StatusCode::OK);
  EXPECT_EQ(CallStatus(TlsChannel(address, false), admin), grpc::StatusCode::UNAVAILABLE)
      << "mTLS refuses a client without a certificate";
  // A certificate the clinic's CA did not sign is no better than none.
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  Shell("cd " + dir_.path() + " && openssl req -x509" + ec +
        "-keyout other.key -out other.pem -days 1 -subj /CN=client 2>/dev/null");
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = testing::ReadText(dir_.file("ca.pem"));
  ssl.pem_private_key = testing::ReadText(dir_.file("other.key"));
  ssl.pem_cert_chain = testing::ReadText(dir_.file("other.pem"));
  EXPECT_EQ(CallStatus(grpc::CreateChannel(address, grpc::SslCredentials(ssl)), admin),
            grpc::StatusCode::UNAVAILABLE)
      << "mTLS refuses a client certificate from another CA";
}

// Every problem with the TLS and token files names the flag and the file, and never turns into a
// plaintext start or a "cannot listen" that reads like a busy port.
TEST_F(AuthTest, TlsAndTokenFileProblemsNameTheFlagAndTheFile) {
  MakeCertificates();
  const std::string tokens = dir_.file("tokens.json");
  Mint(tokens, "ops", "admin");
  const std::string cert = dir_.file("server.pem");
  const std::string key = dir_.file("server.key");
  auto refused_with = [&](const std::vector<std::string>& flags, const std::string& expected) {
    testing::ServerProcess refused(Args(flags));
    EXPECT_FALSE(refused.started()) << expected;
    EXPECT_EQ(refused.Stop(SIGTERM), 2) << expected;
    EXPECT_NE(refused.output().find(expected), std::string::npos) << refused.output();
  };
  refused_with({"--client-ca", dir_.file("ca.pem")}, "--client-ca needs --tls-cert and --tls-key");
  refused_with({"--tls-cert", cert}, "--tls-key is missing");
  refused_with({"--tls-cert", dir_.file("absent.pem"), "--tls-key", key},
               "--tls-cert: cannot read '" + dir_.file("absent.pem") + "'");
  refused_with({"--tls-cert", key, "--tls-key", key},
               "--tls-cert: '" + key + "' holds no PEM certificate");
  refused_with({"--tls-cert", cert, "--tls-key", dir_.file("client.key")},
               "--tls-key: '" + dir_.file("client.key") +
                   "' is not the private key of the certificate in --tls-cert");
  refused_with({"--tls-cert", cert, "--tls-key", key, "--client-ca", dir_.file("san.ext")},
               "--client-ca: '" + dir_.file("san.ext") + "' holds no PEM certificate");

  // Secrets every user may read are refused unless the operator says otherwise.
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  refused_with({"--tls-cert", cert, "--tls-key", key},
               "--tls-key: '" + key + "' is readable by every user (mode 0644)");
  {
    testing::ServerProcess allowed(
        Args({"--tls-cert", cert, "--tls-key", key, "--allow-insecure-permissions"}));
    EXPECT_TRUE(allowed.started()) << allowed.output();
    EXPECT_NE(allowed.output().find("warning: --tls-key"), std::string::npos) << allowed.output();
  }
  ASSERT_EQ(::chmod(key.c_str(), 0640), 0);
  {
    testing::ServerProcess warned(Args({"--tls-cert", cert, "--tls-key", key}));
    EXPECT_TRUE(warned.started()) << warned.output();
    EXPECT_NE(warned.output().find("is readable by its group"), std::string::npos)
        << warned.output();
  }
  ASSERT_EQ(::chmod(tokens.c_str(), 0644), 0);
  refused_with({"--token-file", tokens},
               "--token-file: '" + tokens + "' is readable by every user");
}

TEST_F(AuthTest, NonLoopbackNeedsTlsAndTokens) {
  MakeCertificates();
  const std::string tokens = dir_.file("tokens.json");
  Mint(tokens, "ops", "admin");
  const std::vector<std::vector<std::string>> insufficient = {
      {"--listen", "0.0.0.0:0"},
      {"--listen", "0.0.0.0:0", "--token-file", tokens},
      {"--listen", "0.0.0.0:0", "--tls-cert", dir_.file("server.pem"), "--tls-key",
       dir_.file("server.key")},
      {"--listen", "[::]:0", "--token-file", tokens},
      {"--listen", ":0"}};
  for (const auto& flags : insufficient) {
    testing::ServerProcess refused(Args(flags));
    EXPECT_FALSE(refused.started()) << flags[1] << " with " << flags.size() << " flags";
    EXPECT_EQ(refused.Stop(SIGTERM), 2);
    EXPECT_NE(refused.output().find("only listens on loopback"), std::string::npos)
        << refused.output();
  }
  testing::ServerProcess secured(
      Args({"--listen", "0.0.0.0:0", "--token-file", tokens, "--tls-cert", dir_.file("server.pem"),
            "--tls-key", dir_.file("server.key")}));
  EXPECT_TRUE(secured.started()) << secured.output();
}

TEST_F(AuthTest, ConfigFileSettingsAndFlagsThatOverrideThem) {
  testing::WriteText(dir_.file("modalisd.json"),
                     "{\"rules\": \"" + testing::RulesDir() + "\", \"listen\": \"10.0.0.1:1\"}");
  // The flag's loopback address wins over the file's; the rules come from the file.
  testing::ServerProcess server({"--config", dir_.file("modalisd.json"), "--listen", "127.0.0.1:0",
                                 "--plugins", testing::PluginsDir(), "--db", dir_.file("m.db")});
  EXPECT_TRUE(server.started()) << server.output();
  testing::WriteText(dir_.file("bad.json"), "{\"listne\": \"127.0.0.1:0\"}");
  testing::ServerProcess bad({"--config", dir_.file("bad.json")});
  EXPECT_FALSE(bad.started());
  EXPECT_NE(bad.output().find("unknown setting 'listne'"), std::string::npos) << bad.output();
}

}  // namespace
}  // namespace modalis
