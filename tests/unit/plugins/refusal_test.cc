// The host against deliberately broken plugins (tests/plugins), loaded for real through Boost.DLL:
// each is refused with a reason naming the file, the good ones still load, and a plugin that fails
// while serving gives a plan in which that modality is excluded as a plugin error.
#include <gtest/gtest.h>
#include <modalis/plugin_abi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "core/plan/planner.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"
#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kGoodFiles = {
    "modalis_auricular_acupuncture.so", "modalis_dry_needling.so", "modalis_myofascial_release.so",
    "modalis_stretching_active_release.so"};

// A plugin directory holding the four real plugins, every test fixture plugin, and files that must
// never be opened: a text file, a group-writable copy, a symlink and a directory named like
// plugins.
class BrokenPluginsDir {
 public:
  BrokenPluginsDir() {
    ::chmod(dir_.path().c_str(), 0755);
    for (const std::string& name : kGoodFiles) Copy(testing::PluginsDir() + "/" + name, name);
    for (const auto& entry : fs::directory_iterator(testing::TestPluginsDir())) {
      if (entry.path().extension() == ".so") {
        Copy(entry.path().string(), entry.path().filename().string());
      }
    }
    testing::WriteText(dir_.file("z_text.so"), "this is not a library\n");
    ::chmod(dir_.file("z_text.so").c_str(), 0644);
    Copy(testing::PluginsDir() + "/modalis_stretching_active_release.so", "z_group_writable.so");
    ::chmod(dir_.file("z_group_writable.so").c_str(), 0775);
    Copy(testing::PluginsDir() + "/modalis_myofascial_release.so", "z_world_writable.so");
    ::chmod(dir_.file("z_world_writable.so").c_str(), 0757);
    fs::create_symlink(testing::PluginsDir() + "/modalis_dry_needling.so", dir_.file("z_link.so"));
    fs::create_directory(dir_.file("z_directory.so"));
    ::chmod(dir_.file("z_directory.so").c_str(), 0755);
    testing::WriteText(dir_.file("README.txt"), "not a plugin, not looked at\n");
  }

  const std::string& path() const { return dir_.path(); }
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  void Copy(const std::string& from, const std::string& name) {
    fs::copy_file(from, dir_.file(name));
    ::chmod(dir_.file(name).c_str(), 0755);
  }
  testing::TempDir dir_;
};

std::map<std::string, std::string> RefusalsByFile(const PluginRegistry& registry) {
  std::map<std::string, std::string> out;
  for (const PluginRefusal& r : registry.refused()) {
    out[fs::path(r.path).filename().string()] = r.reason;
  }
  return out;
}

TEST(PluginRefusalTest, EachBrokenPluginIsRefusedWithItsReasonAndTheGoodOnesLoad) {
  BrokenPluginsDir dir;
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();

  // The four real modalities, and the fixtures that load but misbehave only while serving.
  EXPECT_EQ((*registry)->ids(),
            (std::vector<std::string>{"auricular_acupuncture", "dry_needling", "myofascial_release",
                                      "stretching_active_release", "test_abi_1_0",
                                      "test_error_screen", "test_throws_build_step",
                                      "test_throws_screen", "test_undeclared_read"}));
  // The real dry needling plugin won over the duplicate because files load in name order.
  EXPECT_EQ((*registry)->Find("dry_needling")->info().path, dir.file("modalis_dry_needling.so"));

  const std::map<std::string, std::string> expected = {
      {"modalis_test_abi_major2.so",
       "was built for plugin ABI 2.1; this host speaks ABI 1.1 (rebuild it against an SDK 1.x)"},
      {"modalis_test_abi_minor_newer.so",
       "needs plugin ABI 1.2, newer than this host's 1.1 (upgrade Modalis)"},
      {"modalis_test_short_descriptor.so",
       "descriptor struct_size is 16 bytes; ABI 1.1 needs at least " +
           std::to_string(sizeof(modalis_plugin_v1))},
      {"modalis_test_null_descriptor.so", "entry point returned no descriptor"},
      {"modalis_test_required_not_read.so",
       "required-known finding 'needle_phobia' is not among the findings it reads"},
      {"modalis_test_throws_init.so", "init failed: licence file missing"},
      {"modalis_test_bad_param_schema.so", "param_schema_json is not valid JSON"},
      {"modalis_test_zz_duplicate_dry_needling.so",
       "duplicate modality id 'dry_needling' (already loaded from " +
           dir.file("modalis_dry_needling.so") + ")"},
      {"modalis_test_no_entry.so",
       "has no modalis_plugin_entry_v1 entry point (not built with MODALIS_PLUGIN?)"},
      {"z_text.so", "is not a shared library"},
      {"z_group_writable.so", "is group- or world-writable; fix with chmod go-w"},
      {"z_world_writable.so", "is group- or world-writable; fix with chmod go-w"},
      {"z_link.so", "is a symbolic link; plugins must be regular files"},
      {"z_directory.so", "is not a regular file"},
  };
  EXPECT_EQ(RefusalsByFile(**registry), expected);
  // Every refusal names the file by its absolute path, in a deterministic (name) order.
  std::vector<std::string> paths;
  for (const PluginRefusal& r : (*registry)->refused()) {
    EXPECT_TRUE(fs::path(r.path).is_absolute()) << r.path;
    EXPECT_EQ(r.message().rfind(r.path + ": ", 0), 0u) << r.message();
    paths.push_back(r.path);
  }
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
}

TEST(PluginRefusalTest, SameDirectoryGivesTheSameResultEveryTime) {
  BrokenPluginsDir dir;
  auto first = LoadPlugins(dir.path());
  auto second = LoadPlugins(dir.path());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)->ids(), (*second)->ids());
  std::vector<std::string> a, b;
  for (const auto& r : (*first)->refused()) a.push_back(r.message());
  for (const auto& r : (*second)->refused()) b.push_back(r.message());
  EXPECT_EQ(a, b);
}

TEST(PluginRefusalTest, FileOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  fs::copy_file(testing::PluginsDir() + "/modalis_dry_needling.so", dir.file("foreign.so"));
  ASSERT_EQ(::chown(dir.file("foreign.so").c_str(), 65534, 65534), 0);
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_TRUE((*registry)->ids().empty());
  ASSERT_EQ((*registry)->refused().size(), 1u);
  EXPECT_EQ((*registry)->refused()[0].reason,
            "is owned by uid 65534, neither root nor the user modalis runs as");
}

TEST(PluginRefusalTest, DirectoryMustBeAbsoluteExistingAndNotWritableByOthers) {
  auto relative = LoadPlugins("relative/plugins");
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kInvalidArgument);
  auto missing = LoadPlugins("/nonexistent/modalis/plugins");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0775);
  auto writable = LoadPlugins(dir.path());
  EXPECT_EQ(writable.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(std::string(writable.status().message()).find(dir.path()), std::string::npos);
}

// --- serving: a plugin that throws or returns an error never takes the plan down ---------------

std::shared_ptr<const CompiledRuleSet> CompileWith(const PluginRegistry& plugins,
                                                   const std::string& rules_text,
                                                   std::vector<Diagnostic>* warnings = nullptr) {
  RuleSource source;
  source.vocabulary = {testing::RulesDir() + "/vocabulary.json",
                       testing::ReadText(testing::RulesDir() + "/vocabulary.json")};
  source.rules = {"serving.rules.json", rules_text};
  std::vector<Diagnostic> diagnostics;
  auto compiled = CompileRuleSet(source, plugins, &diagnostics);
  EXPECT_NE(compiled, nullptr) << FormatDiagnostics(diagnostics);
  if (warnings != nullptr) *warnings = diagnostics;
  return compiled;
}

std::string SuggestAll(const std::vector<std::string>& modalities) {
  std::string then;
  for (const std::string& m : modalities) {
    then += std::string(then.empty() ? "" : ",") + R"({"suggest": {"modality": ")" + m + R"("}})";
  }
  return R"({"id": "serving", "version": "1",
    "rules": [{"id": "suggest.all", "description": "every modality under test", "source": "test",
               "when": "always", "then": [)" +
         then + "]}]}";
}

const Exclusion* ExclusionOf(const Plan& plan, const std::string& modality) {
  for (const Exclusion& e : plan.exclusions) {
    if (e.modality == modality) return &e;
  }
  return nullptr;
}

std::vector<std::string>* g_logged = nullptr;
void CaptureLog(std::string_view line) { g_logged->emplace_back(line); }

TEST(PluginRefusalTest, PluginFailingWhileServingIsExcludedAsPluginErrorAndThePlanStillAnswers) {
  std::vector<std::string> logged;
  g_logged = &logged;
  SetPluginErrorLogger(&CaptureLog);
  struct Restore {
    ~Restore() { SetPluginErrorLogger(nullptr); }
  } restore;
  BrokenPluginsDir dir;
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto rules = CompileWith(
      **registry, SuggestAll({"test_throws_screen", "test_throws_build_step", "test_error_screen",
                              "test_undeclared_read", "myofascial_release"}));
  ASSERT_NE(rules, nullptr);
  auto findings = DecodeFindings(json{{"pregnant", false},
                                      {"dvt_suspected", false},
                                      {"rf_fever_or_unwell", false},
                                      {"anticoagulant_therapy", false},
                                      {"bleeding_disorder", false},
                                      {"osteoporosis", false},
                                      {"trigger_points", {"gluteus_medius"}}},
                                 rules->vocabulary);
  ASSERT_TRUE(findings.ok()) << findings.status();

  // Twice: a failing plugin must leave nothing behind that breaks the next request.
  for (int request = 0; request < 2; ++request) {
    Plan plan = MakePlan(*rules, *findings, PlanRequest{});
    ASSERT_EQ(plan.steps.size(), 1u);
    EXPECT_EQ(plan.steps[0].modality, "myofascial_release");

    const std::map<std::string, std::string> expected = {
        {"test_throws_screen",
         "plugin error: plugin test_throws_screen failed its safety screen: screen table corrupt"},
        {"test_throws_build_step",
         "plugin error: plugin test_throws_build_step failed to build its step: step template "
         "index 7 out of range"},
        {"test_error_screen",
         "plugin error: plugin test_error_screen failed its safety screen: no reason given"},
        {"test_undeclared_read",
         "plugin error: plugin test_undeclared_read failed its safety screen: finding "
         "'needle_phobia' is not in the manifest's reads"},
    };
    for (const auto& [modality, reason] : expected) {
      const Exclusion* e = ExclusionOf(plan, modality);
      ASSERT_NE(e, nullptr) << modality;
      EXPECT_EQ(e->severity, Exclusion::Severity::kPluginError) << modality;
      EXPECT_EQ(e->reason, reason);
      EXPECT_EQ(e->source, "plugin:" + modality);
      // ...and the same failure is logged for whoever runs the server.
      EXPECT_NE(std::find(logged.begin(), logged.end(), reason.substr(strlen("plugin error: "))),
                logged.end())
          << reason;
    }
  }
  EXPECT_EQ(logged.size(), 8u);  // four failing plugins, two requests
}

// A plugin built against SDK 1.0 declares no floors as data: it keeps loading, and its screen is
// still applied as its floor.
TEST(PluginRefusalTest, PluginBuiltForAbi1_0KeepsLoadingAndItsScreenIsStillItsFloor) {
  BrokenPluginsDir dir;
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto old = (*registry)->Find("test_abi_1_0");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->info().abi_minor, 0);
  EXPECT_TRUE(old->info().safety_json.empty());
  auto rules = CompileWith(**registry, SuggestAll({"test_abi_1_0"}));
  ASSERT_NE(rules, nullptr);

  auto plan_for = [&](bool pregnant) {
    auto findings = DecodeFindings(json{{"pregnant", pregnant}, {"trigger_points", {"piriformis"}}},
                                   rules->vocabulary);
    EXPECT_TRUE(findings.ok()) << findings.status();
    return MakePlan(*rules, *findings, PlanRequest{});
  };
  Plan pregnant = plan_for(true);
  EXPECT_TRUE(pregnant.steps.empty());
  const Exclusion* e = ExclusionOf(pregnant, "test_abi_1_0");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->severity, Exclusion::Severity::kAbsolute);
  EXPECT_EQ(e->reason, "pregnant: not with this modality");

  Plan not_pregnant = plan_for(false);
  ASSERT_EQ(not_pregnant.steps.size(), 1u);
  EXPECT_EQ(not_pregnant.steps[0].modality, "test_abi_1_0");
}

TEST(PluginRefusalTest, RulesNamingARefusedPluginSeeItAsUnavailable) {
  BrokenPluginsDir dir;
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  // test_throws_init was refused: the rule set still compiles (with a warning) and plans say so.
  std::vector<Diagnostic> warnings;
  auto rules =
      CompileWith(**registry, SuggestAll({"test_throws_init", "myofascial_release"}), &warnings);
  ASSERT_NE(rules, nullptr);
  ASSERT_EQ(warnings.size(), 1u) << FormatDiagnostics(warnings);
  EXPECT_EQ(warnings[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(warnings[0].id, "unknown-modality");
  EXPECT_EQ(warnings[0].where.pointer, "/rules/0/then/0/suggest/modality");
  auto findings = DecodeFindings(json{{"dvt_suspected", false}, {"trigger_points", {"piriformis"}}},
                                 rules->vocabulary);
  ASSERT_TRUE(findings.ok()) << findings.status();
  Plan plan = MakePlan(*rules, *findings, PlanRequest{});
  const Exclusion* e = ExclusionOf(plan, "test_throws_init");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->severity, Exclusion::Severity::kUnavailable);
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].modality, "myofascial_release");
}

// The fixture is built with -fno-gnu-unique, so its library really unmaps once nothing holds it:
// if a modality stopped holding its library, this call would jump into unmapped code and crash.
TEST(PluginRefusalTest, ModalityKeepsItsLibraryAfterTheRegistryIsGone) {
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  fs::copy_file(testing::TestPluginsDir() + "/modalis_test_zz_duplicate_dry_needling.so",
                dir.file("modalis_kept.so"));
  std::shared_ptr<const Modality> kept;
  {
    auto registry = LoadPlugins(dir.path());
    ASSERT_TRUE(registry.ok()) << registry.status();
    kept = (*registry)->Find("dry_needling");
  }
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->ValidateParams("{}"), "");
  EXPECT_EQ(kept->info().display_name, "Faulty test modality");
}

}  // namespace
}  // namespace modalis
