// Plans and status reads on several threads while another thread reloads the rules: in process,
// so ThreadSanitizer sees both sides (the integration tests drive modalisd from outside).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/engine.h"
#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

TEST(EngineConcurrencyTest, PlansDuringReloadsEachUseOneWholeRuleSet) {
  testing::TempDir rules;
  std::filesystem::copy(testing::RulesDir(), rules.path(),
                        std::filesystem::copy_options::recursive);
  const std::string file = rules.file("lower-back-pain.rules.json");
  const std::string original = testing::ReadText(file);
  ASSERT_NE(original.find("\"version\": \"0.3.0\""), std::string::npos);

  EngineConfig config;
  config.rules_dir = rules.path();
  config.plugins_dir = testing::PluginsDir();
  std::vector<Diagnostic> diagnostics;
  auto engine = Engine::Create(config, &diagnostics);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const auto findings =
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));

  std::atomic<bool> stop{false};
  std::atomic<int> plans{0}, failures{0}, mixed{0};
  std::vector<std::thread> planners;
  for (int t = 0; t < 3; ++t) {
    planners.emplace_back([&] {
      while (!stop) {
        std::shared_ptr<const CompiledRuleSet> used;
        auto plan = (*engine)->Suggest(findings, PlanRequest{}, &used);
        const EngineStatus status = (*engine)->status();
        if (!plan.ok() || status.rules == nullptr || !status.last_reload_error.empty()) {
          ++failures;
          continue;
        }
        // The plan names the very snapshot it was made under, whatever went live meanwhile.
        if (plan->rule_set.version != used->version || plan->rule_set.sha256 != used->sha256) {
          ++mixed;
        }
        ++plans;
      }
    });
  }

  int reloads = 0;
  std::set<std::string> activated;
  for (int i = 1; i <= 12; ++i) {
    const std::string version = "0.3." + std::to_string(i % 2);
    std::string text = original;
    text.replace(text.find("\"version\": \"0.3.0\""), 18, "\"version\": \"" + version + "\"");
    testing::WriteText(file + ".tmp", text);
    std::filesystem::rename(file + ".tmp", file);
    auto reloaded = (*engine)->Reload();
    EXPECT_TRUE(reloaded.ok()) << reloaded.status();
    if (reloaded.ok()) {
      ++reloads;
      activated.insert((*reloaded)->version);
    }
  }
  // Every planner gets a turn under the last rule set before they stop.
  const int before_stop = plans.load();
  while (plans.load() < before_stop + 3 && failures.load() == 0) std::this_thread::yield();
  stop = true;
  for (auto& t : planners) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_GT(plans.load(), 0);
  EXPECT_EQ(reloads, 12);
  EXPECT_EQ(activated, (std::set<std::string>{"0.3.0", "0.3.1"}));
  EXPECT_EQ((*engine)->rules()->version, "0.3.0");
}

}  // namespace
}  // namespace modalis
