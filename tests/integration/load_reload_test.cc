// Reloads every 100 ms while eight clients plan for ten seconds: no request fails, and every plan
// names a rule-set version that was live. Timing-dependent: not in the ASan run; the TSan run
// (label `concurrent`) checks the threads, and the load lasts until enough reloads were tried.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

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

}  // namespace
}  // namespace modalis
