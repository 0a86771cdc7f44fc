// The engine facade: creation compiles and tests the rules with the real plugins, Suggest plans
// under the active set, a broken edit never replaces it, and a missing plugin is refused unless
// allowed.
#include "core/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(testing::RulesDir(), dir_.path(), fs::copy_options::recursive);
    config_.rules_dir = dir_.path();
    config_.plugins_dir = testing::PluginsDir();
  }
  std::string RulesFile() const { return dir_.path() + "/lower-back-pain.rules.json"; }

  testing::TempDir dir_;
  EngineConfig config_;
};

TEST_F(EngineTest, PlansUnderTheActiveRuleSet) {
  std::vector<Diagnostic> diagnostics;
  auto engine = Engine::Create(config_, &diagnostics);
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::shared_ptr<const CompiledRuleSet> used;
  auto plan = (*engine)->Suggest({{"rf_saddle_anaesthesia", true}}, PlanRequest{}, &used);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->referral.urgency, Urgency::kEmergency);
  EXPECT_EQ(used, (*engine)->rules());
  EXPECT_EQ(plan->rule_set.sha256, used->sha256);

  auto bad = (*engine)->Suggest({{"pain_nprs", 11}}, PlanRequest{});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, ABrokenEditKeepsTheActiveSet) {
  std::vector<Diagnostic> diagnostics;
  auto engine = Engine::Create(config_, &diagnostics);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const auto before = (*engine)->rules();
  testing::WriteText(RulesFile(), "{\"id\": ");
  auto reloaded = (*engine)->Reload();
  EXPECT_FALSE(reloaded.ok());
  EXPECT_EQ((*engine)->rules(), before);
  EXPECT_NE((*engine)->status().last_reload_error.find("lower-back-pain.rules.json"),
            std::string::npos)
      << (*engine)->status().last_reload_error;
}

TEST_F(EngineTest, AMissingPluginIsRefusedUnlessAllowed) {
  std::string text = testing::ReadText(RulesFile());
  const std::string from = "\"modality\": \"dry_needling\"";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "\"modality\": \"cupping\"");
  testing::WriteText(RulesFile(), text);

  std::vector<Diagnostic> diagnostics;
  auto refused = Engine::Create(config_, &diagnostics);
  ASSERT_FALSE(refused.ok());
  bool named = false;
  for (const Diagnostic& d : diagnostics) {
    named = named ||
            (d.is(diagnostic_id::kUnknownModality) && d.severity == Diagnostic::Severity::kError &&
             d.text().find("does not go live") != std::string::npos &&
             d.text().find("Plans will show") == std::string::npos);
  }
  EXPECT_TRUE(named) << FormatDiagnostics(diagnostics);

  config_.allow_missing_modalities = true;
  diagnostics.clear();
  auto allowed = Engine::Create(config_, &diagnostics);
  // The golden cases expect dry needling, so they fail; what matters is the warning's words.
  bool warned = false;
  for (const Diagnostic& d : diagnostics) {
    warned = warned || (d.is(diagnostic_id::kUnknownModality) &&
                        d.severity == Diagnostic::Severity::kWarning &&
                        d.text().find("Plans will show it as unavailable") != std::string::npos);
  }
  EXPECT_TRUE(warned) << FormatDiagnostics(diagnostics);
}

}  // namespace
}  // namespace modalis
