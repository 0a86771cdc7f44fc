// Reloads every 100 ms while eight clients plan for ten seconds: no request fails, and every plan
// names a rule-set version that was live. Likewise with two clinics, one of which changes its
// rule set every 100 ms: neither sees a failure, and the other's plans never change.
// Timing-dependent: not in the ASan run; the TSan run (label `concurrent`) checks the threads, and
// the load lasts until enough reloads were tried.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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

TEST(LoadTest, ReloadsUnderLoadNeverFailARequest) {
  testing::TempDir rules, db;
  std::filesystem::copy(testing::RulesDir(), rules.path(),
                        std::filesystem::copy_options::recursive);
  const std::string file = rules.file("lower-back-pain.rules.json");
  const std::string original = testing::ReadText(file);
  testing::ServerProcess server({"--rules", rules.path(), "--plugins", testing::PluginsDir(),
                                 "--db", db.file("m.db"), "--watch-quiet-ms", "0"});
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());

  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-LOAD");
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::set<std::string> seen, live = {"0.3.0"};
  std::string first_failure;

  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      auto stub = v1::PlanService::NewStub(channel);
      while (!stop) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::SuggestPlanResponse response;
        grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
        std::lock_guard lock(mu);
        if (s.ok()) {
          ++ok;
          seen.insert(response.plan().rule_set().version());
        } else {
          if (failed++ == 0) first_failure = s.error_message();
        }
      }
    });
  }

  auto admin = v1::RulesAdmin::NewStub(channel);
  // Ten seconds, and longer when reloads are slow (the ThreadSanitizer build) until 21 were tried.
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(10), limit = start + std::chrono::seconds(60);
  int reloads = 0, reload_failures = 0;
  for (int i = 1; std::chrono::steady_clock::now() < limit &&
                  (std::chrono::steady_clock::now() < end || reloads + reload_failures <= 20);
       ++i) {
    const std::string version = "0.3." + std::to_string(i % 2);
    std::string text = original;
    text.replace(text.find("\"version\": \"0.3.0\""), 18, "\"version\": \"" + version + "\"");
    testing::WriteText(file + ".tmp", text);
    std::filesystem::rename(file + ".tmp", file);
    {
      std::lock_guard lock(mu);
      live.insert(version);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ReloadRulesResponse reloaded;
    if (admin->ReloadRules(&ctx, {}, &reloaded).ok()) {
      ++reloads;
    } else {
      ++reload_failures;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (auto& t : clients) t.join();

  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_GT(ok.load(), 50);
  EXPECT_GT(reloads, 20);
  EXPECT_EQ(reload_failures, 0);
  for (const std::string& v : seen) EXPECT_TRUE(live.count(v)) << v;
  EXPECT_EQ(seen.size(), 2u) << "plans were made under both versions";
}

// The rule files of `dir` as PublishRuleSet takes them.
v1::PublishRuleSetRequest PublishRequest(const std::string& dir) {
  v1::PublishRuleSetRequest request;
  auto manifest = nlohmann::json::parse(testing::ReadText(dir + "/modalis.json"));
  auto read = [&](const std::string& name, v1::RuleFile* file) {
    file->set_name(name);
    file->set_content(testing::ReadText(dir + "/" + name));
  };
  read(manifest["rules"].get<std::string>(), request.mutable_rules());
  read(manifest["vocabulary"].get<std::string>(), request.mutable_vocabulary());
  for (const auto& c : manifest["cases"]) read(c.get<std::string>(), request.add_cases());
  return request;
}

TEST(LoadTest, OneClinicsActivationsUnderLoadNeverDisturbAnothersRequests) {
  testing::TempDir dir;
  const std::string db = dir.file("m.db"), tokens = dir.file("tokens.json");
  const std::string cli = testing::BinDir() + "/modalis ";
  for (const std::string clinic : {"north", "south"}) {
    ASSERT_EQ(testing::RunCommand(cli + "clinic add " + clinic + " --db " + db).first, 0);
  }
  auto mint = [&](const std::string& args) { return testing::MintToken(tokens, args); };
  const std::string north_admin = mint("--clinic north --role admin --name north-owner");
  const std::string north_notes = mint("--clinic north --role notes --name north-notes");
  const std::string south_notes = mint("--clinic south --role notes --name south-notes");
  // North's second rule set: the shipped one under another version.
  const std::string variant = dir.file("variant");
  std::filesystem::copy(testing::RulesDir(), variant, std::filesystem::copy_options::recursive);
  const std::string file = variant + "/lower-back-pain.rules.json";
  std::string text = testing::ReadText(file);
  text.replace(text.find("\"version\": \"0.3.0\""), 18, "\"version\": \"0.3.1\"");
  testing::WriteText(file, text);

  testing::ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", db, "--token-file", tokens, "--watch-quiet-ms", "0"});
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto admin = v1::RulesAdmin::NewStub(channel);
  auto as = [](grpc::ClientContext* ctx, const std::string& token) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ctx->AddMetadata("authorization", "Bearer " + token);
  };
  std::string hashes[2];
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    as(&ctx, north_admin);
    v1::PublishRuleSetResponse published;
    grpc::Status s = admin->PublishRuleSet(
        &ctx, PublishRequest(i == 0 ? testing::RulesDir() : variant), &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
    hashes[i] = published.rule_set().sha256();
  }
  const std::string platform = hashes[0];  // the rules directory's, which south is served

  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-LOAD");
  request.set_dry_run(true);
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, int> failed;
  std::map<std::string, std::set<std::string>> seen;
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    const std::string who = c % 2 == 0 ? "north" : "south";
    clients.emplace_back([&, who] {
      auto stub = v1::PlanService::NewStub(channel);
      while (!stop) {
        grpc::ClientContext ctx;
        as(&ctx, who == "north" ? north_notes : south_notes);
        v1::SuggestPlanResponse response;
        grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
        std::lock_guard lock(mu);
        if (s.ok()) {
          seen[who].insert(response.plan().rule_set().sha256());
        } else if (failed[who]++ == 0) {
          first_failure = who + ": " + s.error_message();
        }
      }
    });
  }

  // Ten seconds, and longer when activations are slow (the ThreadSanitizer build) until 21 were
  // tried.
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(10), limit = start + std::chrono::seconds(60);
  int activations = 0, activation_failures = 0;
  std::string live, first_activation_failure;
  for (int i = 1;
       std::chrono::steady_clock::now() < limit &&
       (std::chrono::steady_clock::now() < end || activations + activation_failures <= 20);
       ++i) {
    grpc::ClientContext ctx;
    as(&ctx, north_admin);
    v1::ActivateRuleSetRequest activate;
    activate.set_sha256(hashes[i % 2]);
    activate.set_expected_live_sha256(live);
    v1::ActivateRuleSetResponse activated;
    grpc::Status s = admin->ActivateRuleSet(&ctx, activate, &activated);
    if (s.ok()) {
      ++activations;
      live = hashes[i % 2];
    } else if (activation_failures++ == 0) {
      first_activation_failure = s.error_message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (auto& t : clients) t.join();

  EXPECT_EQ(failed["north"], 0) << first_failure;
  EXPECT_EQ(failed["south"], 0) << first_failure;
  EXPECT_EQ(activation_failures, 0) << first_activation_failure;
  EXPECT_GT(activations, 20);
  EXPECT_EQ(seen["south"], std::set<std::string>{platform});
  // North's plans were made under both of its rule sets, and under nothing else.
  EXPECT_EQ(seen["north"], (std::set<std::string>{hashes[0], hashes[1]}));
}

}  // namespace
}  // namespace modalis
