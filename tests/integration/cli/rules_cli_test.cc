// The therapist-facing commands, run as the real modalis binary: rules check, explain, bench.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/engine_fixture.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout only
};

// Runs a shell command; its exit code and what it printed.
CommandResult Run(const std::string& command) {
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

// The CLI run from the checkout, stdout only.
CommandResult Modalis(const std::string& args) {
  // bench matches rules only and takes no plugins.
  const std::string plugins =
      args.rfind("bench", 0) == 0 ? "" : " --plugins '" + testing::PluginsDir() + "'";
  return Run("cd '" + testing::SourceDir() + "' && '" + testing::BinDir() + "/modalis' " + args +
             plugins + " 2>/dev/null");
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

// Bad benchmark arguments are errors like any other, not a run that prints null figures.
TEST(RulesCliTest, BenchRefusesSecondsThatAreNotAPositiveDuration) {
  testing::TempDir dir;
  testing::WriteText(dir.file("docs.jsonl"), "{}\n");
  for (const char* seconds : {"0", "-1", "nan", "inf", "abc"}) {
    const CommandResult run = Modalis("bench --rules rules/lower-back-pain.rules.json --findings " +
                                      dir.file("docs.jsonl") + " --seconds " + seconds);
    EXPECT_NE(run.exit_code, 0) << seconds << ": " << run.out;
    EXPECT_EQ(run.out.find("null"), std::string::npos) << seconds << ": " << run.out;
  }
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

// The CLI run in `directory`, stdout and stderr together.
CommandResult ModalisIn(const std::string& directory, const std::string& args) {
  return Run("cd '" + directory + "' && '" + testing::BinDir() + "/modalis' " + args +
             " --plugins '" + testing::PluginsDir() + "' 2>&1");
}

// A copy of the shipped rules directory to edit.
class RulesCopy {
 public:
  RulesCopy() {
    for (const auto& entry : std::filesystem::directory_iterator(testing::RulesDir())) {
      if (entry.is_regular_file()) {
        std::filesystem::copy_file(entry.path(), dir_.file(entry.path().filename().string()));
      }
    }
  }
  const std::string& path() const { return dir_.path(); }
  std::string file(const std::string& name) const { return dir_.file(name); }
  // The rule file with `from` replaced by `to`, once.
  std::string Edited(const std::string& from, const std::string& to) const {
    return EditedText(testing::ReadText(file("lower-back-pain.rules.json")), from, to);
  }
  static std::string EditedText(std::string text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

 private:
  testing::TempDir dir_;
};

// The documented way to edit live rules checks the edited copy, golden cases included, before
// it is moved into place; a copy that breaks a case is refused and names it.
TEST(RulesCliTest, CheckOfAnEditedCopyRunsTheGoldenCasesAgainstTheCopy) {
  RulesCopy rules;
  testing::WriteText(rules.file(".edit.tmp"), rules.Edited("\"below\": 16", "\"below\": 61"));
  const CommandResult broken = ModalisIn(rules.path(), "rules check .edit.tmp");
  EXPECT_EQ(broken.exit_code, 1) << broken.out;
  EXPECT_NE(broken.out.find("FAIL age-16-dry-needling-under-16"), std::string::npos) << broken.out;
  const CommandResult test = ModalisIn(rules.path(), "rules test .edit.tmp");
  EXPECT_EQ(test.exit_code, 1) << test.out;
  // The live files, checked from inside the rules directory with no --rules, still pass.
  const CommandResult live = ModalisIn(rules.path(), "rules check");
  EXPECT_EQ(live.exit_code, 0) << live.out;
  EXPECT_NE(live.out.find("golden cases pass"), std::string::npos) << live.out;
  EXPECT_EQ(ModalisIn(rules.path(), "rules test").exit_code, 0);
}

TEST(RulesCliTest, CheckWarnsWhenTheContentChangedButTheVersionDidNot) {
  RulesCopy rules;
  const std::string edit = rules.Edited("Keep moving: carry on", "Keep moving, and carry on");
  testing::WriteText(rules.file(".edit.tmp"), edit);
  CommandResult run = ModalisIn(rules.path(), "rules check .edit.tmp");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("[unchanged-version]"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("may replace"), std::string::npos) << run.out;
  testing::WriteText(rules.file(".edit.tmp"), RulesCopy::EditedText(edit, "\"version\": \"0.3.0\"",
                                                                    "\"version\": \"0.3.1\""));
  run = ModalisIn(rules.path(), "rules check .edit.tmp");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out.find("[unchanged-version]"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

// A plugin author sees what the rules do before the cases are fixed: suggest still answers, and
// says loudly that these rules would not go live.
TEST(RulesCliTest, SuggestWorksWithAWarningWhenGoldenCasesFail) {
  RulesCopy rules;
  testing::WriteText(rules.file("lower-back-pain.rules.json"),
                     rules.Edited("\"below\": 16", "\"below\": 61"));
  const CommandResult run =
      ModalisIn(rules.path(), "suggest --json '" + testing::DataFile("desk-worker.json") + "'");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("warning: the rule set fails its golden cases"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\"steps\""), std::string::npos) << run.out;
  EXPECT_EQ(ModalisIn(rules.path(), "rules check").exit_code, 1);
}

// steps_in_order says which steps a case is about and their order, and lets other steps be.
TEST(RulesCliTest, StepsInOrderChecksOrderNotCompleteness) {
  RulesCopy rules;
  auto cases_file = [&](const std::string& steps) {
    const std::string findings = testing::ReadText(testing::DataFile("desk-worker.json"));
    return R"({"cases": [{"id": "order", "findings": )" + findings +
           R"(, "expect": {"steps_in_order": )" + steps + "}}]}";
  };
  testing::WriteText(rules.file("order.cases.json"),
                     cases_file(R"(["dry_needling", "auricular_acupuncture"])"));
  EXPECT_EQ(ModalisIn(rules.path(), "rules test order.cases.json").exit_code, 0);
  testing::WriteText(rules.file("order.cases.json"),
                     cases_file(R"(["auricular_acupuncture", "dry_needling"])"));
  const CommandResult wrong = ModalisIn(rules.path(), "rules test order.cases.json");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("steps in order: expected [auricular_acupuncture, dry_needling], got "
                           "[dry_needling, auricular_acupuncture]"),
            std::string::npos)
      << wrong.out;
}

}  // namespace
}  // namespace modalis

namespace modalis {
namespace {

// A rule file and its golden cases change together in one step: both are written under new names,
// and a new manifest naming them is checked, then renamed over modalis.json.
TEST(RulesCliTest, ANewManifestIsCheckedWithTheFilesItNames) {
  RulesCopy rules;
  const std::string edited =
      RulesCopy::EditedText(rules.Edited("\"version\": \"0.3.0\"", "\"version\": \"0.4.0\""),
                            "\"below\": 16", "\"below\": 18");
  testing::WriteText(rules.file("lbp-3.rules.json"), edited);
  std::string cases = testing::ReadText(rules.file("lower-back-pain.safety-cells.cases.json"));
  testing::WriteText(rules.file("lbp-3.safety-cells.cases.json"), cases);
  auto manifest = [&](const std::string& safety_cases) {
    return R"({"vocabulary": "vocabulary.json", "rules": "lbp-3.rules.json",
               "cases": ["lower-back-pain.cases.json", ")" +
           safety_cases + R"("]})";
  };
  // The rules changed (no needling under 18) but the cases did not: refused, naming the case.
  testing::WriteText(rules.file(".modalis.json.tmp"), manifest("lbp-3.safety-cells.cases.json"));
  CommandResult run = ModalisIn(rules.path(), "rules check .modalis.json.tmp");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("FAIL age-16-dry-needling-under-16"), std::string::npos) << run.out;
  // The cases edited with them: the pair passes, and may replace the live manifest.
  for (const char* age : {"16", "17"}) {
    const std::string id = std::string("\"id\": \"age-") + age + "-dry-needling-under-16\"";
    const size_t at = cases.find(id);
    ASSERT_NE(at, std::string::npos);
    const size_t expect = cases.find("\"expect\"", at);
    const size_t end = cases.find("\n  }", expect);
    cases.replace(expect, end - expect,
                  R"("expect": {"steps_exclude": ["dry_needling"], "excluded": ["dry_needling"]})");
  }
  testing::WriteText(rules.file("lbp-3.safety-cells.cases.json"), cases);
  run = ModalisIn(rules.path(), "rules check .modalis.json.tmp");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("may replace ./modalis.json"), std::string::npos) << run.out;
}

// What modalisd refuses to put live, `rules check` and `rules test` do not call ok: a modality
// named by the rules whose plugin is not installed is an error there too, with the same message,
// and the same flag relaxes both.
TEST(RulesCliTest, CheckRefusesAModalityWithoutItsPluginAsTheServerDoes) {
  RulesCopy rules;
  testing::TempDir plugins;
  ::chmod(plugins.path().c_str(), 0755);
  for (const auto& entry : std::filesystem::directory_iterator(testing::PluginsDir())) {
    if (entry.path().extension() != ".so" || entry.path().filename() == "modalis_dry_needling.so") {
      continue;
    }
    std::filesystem::copy_file(entry.path(), plugins.file(entry.path().filename().string()));
  }
  const std::string base = "cd '" + rules.path() + "' && '" + testing::BinDir() +
                           "/modalis' rules %s --rules . --plugins '" + plugins.path() + "' 2>&1";
  auto run = [&](const std::string& what) {
    char command[4096];
    std::snprintf(command, sizeof command, base.c_str(), what.c_str());
    return modalis::Run(command);
  };
  for (const std::string sub : {"check", "test"}) {
    const CommandResult refused = run(sub);
    EXPECT_EQ(refused.exit_code, 1) << sub << ": " << refused.out;
    EXPECT_NE(refused.out.find("error: "), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("no loaded plugin provides the modality 'dry_needling'"),
              std::string::npos)
        << refused.out;
    EXPECT_NE(refused.out.find("install the plugin in '" + plugins.path() + "'"), std::string::npos)
        << refused.out;
    EXPECT_EQ(refused.out.find("ok: "), std::string::npos) << refused.out;
  }
  const CommandResult allowed = run("check --allow-missing-plugins");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
  EXPECT_NE(allowed.out.find("warning: "), std::string::npos) << allowed.out;
}

}  // namespace
}  // namespace modalis
