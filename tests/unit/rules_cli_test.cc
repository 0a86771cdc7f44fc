// The therapist-facing commands, run as the real modalis binary: rules check, explain, bench.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include "tests/support/engine_fixture.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout only
};

CommandResult Modalis(const std::string& args) {
  // bench matches rules only and takes no plugins.
  const std::string plugins =
      args.rfind("bench", 0) == 0 ? "" : " --plugins '" + testing::PluginsDir() + "'";
  const std::string command = "cd '" + testing::SourceDir() + "' && '" + testing::BinDir() +
                              "/modalis' " + args + plugins + " 2>/dev/null";
  CommandResult run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(RulesCliTest, CheckPassesTheShippedRulesAndFailsABrokenFile) {
  EXPECT_EQ(Modalis("rules check").exit_code, 0);
  const CommandResult broken =
      Modalis("rules check --json tests/rules/broken/15-unknown-finding-nested.rules.json");
  EXPECT_EQ(broken.exit_code, 1);
  const auto j = nlohmann::json::parse(broken.out);
  ASSERT_EQ(j.size(), 1u) << broken.out;
  EXPECT_EQ(j[0]["id"], "unknown-finding");
  EXPECT_EQ(j[0]["line"], 10);
  EXPECT_EQ(j[0]["column"], 78);
  // Warnings alone do not fail the check.
  EXPECT_EQ(Modalis("rules check tests/rules/broken/59-repeated-rule.rules.json").exit_code, 0);
}

TEST(RulesCliTest, ExplainNamesTheRulesAndFindingsBehindThePlan) {
  const CommandResult run = Modalis("explain tests/data/desk-worker-request.json");
  ASSERT_EQ(run.exit_code, 0);
  for (const char* expected : {"rule suggest.dry-needling.trigger-points",
                               "because trigger_points = ", "rule advise.desk-work",
                               "sitting_hours_per_day = 9", "rule course.weekly"}) {
    EXPECT_NE(run.out.find(expected), std::string::npos) << expected << "\n" << run.out;
  }
  const CommandResult referred = Modalis("explain tests/data/cauda-equina.json");
  EXPECT_NE(referred.out.find("Referral EMERGENCY"), std::string::npos) << referred.out;
  EXPECT_NE(referred.out.find("because rf_saddle_anaesthesia = true"), std::string::npos);
}

TEST(RulesCliTest, ExplainListsWhatIsMissingForUndecidedRules) {
  testing::TempDir dir;
  testing::WriteText(dir.file("sparse.json"), R"({"age": 40, "pain_nprs": 5})");
  const CommandResult run = Modalis("explain " + dir.file("sparse.json"));
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("Undecided (ask before treating)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("needs rf_history_of_cancer"), std::string::npos) << run.out;
}

TEST(RulesCliTest, BenchPrintsFiredRulesPerDocument) {
  testing::TempDir dir;
  auto desk = nlohmann::json::parse(
      testing::ReadText(testing::DataFile("desk-worker-request.json")))["findings"];
  testing::WriteText(dir.file("docs.jsonl"), desk.dump() + "\n{}\n");
  const CommandResult run = Modalis("bench --rules rules/lower-back-pain.rules.json --findings " +
                                    dir.file("docs.jsonl") + " --seconds 0.05");
  ASSERT_EQ(run.exit_code, 0);
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["documents"], 2);
  EXPECT_GT(j["evaluations_per_second"].get<double>(), 0);
  ASSERT_EQ(j["fired"].size(), 2u);
  EXPECT_EQ(j["fired"][1], nlohmann::json::array({"advise.everyone"}));
  const auto& first = j["fired"][0];
  EXPECT_NE(std::find(first.begin(), first.end(), "advise.desk-work"), first.end());

  const CommandResult repeated =
      Modalis("bench --rules rules/lower-back-pain.rules.json --findings " +
              dir.file("docs.jsonl") + " --seconds 0.02 --repeat 3");
  ASSERT_EQ(repeated.exit_code, 0);
  const auto r = nlohmann::json::parse(repeated.out);
  ASSERT_EQ(r["runs_per_second"].size(), 3u);
  for (const auto& rate : r["runs_per_second"]) EXPECT_GT(rate.get<double>(), 0);
  EXPECT_EQ(r["fired"], j["fired"]);
}

}  // namespace
}  // namespace modalis
