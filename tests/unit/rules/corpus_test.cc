// The broken-rule corpus: every file under tests/rules/broken/ must give the diagnostic that
// expect.json names, at exactly the line and column it names.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;

std::string CorpusDir() { return testing::SourceDir() + "/tests/rules/broken"; }

std::vector<Diagnostic> Check(const std::string& name, const std::string& text,
                              std::shared_ptr<const CompiledRuleSet>* compiled) {
  RuleSource source;
  const std::string vocabulary = testing::RulesDir() + "/vocabulary.json";
  source.vocabulary = {vocabulary, testing::ReadText(vocabulary)};
  source.rules = {name, text};
  std::vector<Diagnostic> diagnostics;
  *compiled = CompileRuleSet(source, *testing::RealPlugins(), &diagnostics);
  return diagnostics;
}

TEST(RulesCorpusTest, EveryBrokenFileGivesItsExpectedDiagnostic) {
  const auto expect = nlohmann::json::parse(testing::ReadText(CorpusDir() + "/expect.json"));
  ASSERT_GE(expect.size(), 40u);
  // Named variables rather than a structured binding: clang 14 cannot capture bindings in lambdas.
  for (const auto& item : expect.items()) {
    const std::string& name = item.key();
    const nlohmann::json& e = item.value();
    SCOPED_TRACE(name);
    std::shared_ptr<const CompiledRuleSet> compiled;
    const auto diagnostics = Check(name, testing::ReadText(CorpusDir() + "/" + name), &compiled);
    const bool is_error = e["severity"] == "error";
    const auto found = std::find_if(diagnostics.begin(), diagnostics.end(), [&](const auto& d) {
      return d.id == e["id"] && d.where.line == e["line"] && d.where.column == e["column"] &&
             (d.severity == Diagnostic::Severity::kError) == is_error;
    });
    EXPECT_NE(found, diagnostics.end()) << "expected " << e.dump() << ", got:\n"
                                        << FormatDiagnostics(diagnostics);
    if (found != diagnostics.end()) {
      const std::string prefix = name + ":" + e["line"].dump() + ":" + e["column"].dump() + ": " +
                                 (is_error ? "error: " : "warning: ");
      EXPECT_EQ(found->ToString().rfind(prefix, 0), 0u) << found->ToString();
      EXPECT_NE(found->ToString().find("[" + found->id + "]"), std::string::npos);
    }
    // An error refuses the rule set; warnings alone never do.
    EXPECT_EQ(compiled == nullptr, is_error) << FormatDiagnostics(diagnostics);
  }
}

TEST(RulesCorpusTest, EveryCorpusFileHasAnExpectation) {
  const auto expect = nlohmann::json::parse(testing::ReadText(CorpusDir() + "/expect.json"));
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(CorpusDir())) {
    const std::string name = entry.path().filename().string();
    if (name == "expect.json") continue;
    ++files;
    EXPECT_TRUE(expect.contains(name)) << name << " has no entry in expect.json";
  }
  EXPECT_EQ(files, expect.size());
}

TEST(RulesCorpusTest, MisspellingsGetASuggestion) {
  for (const auto& [file, suggestion] : std::vector<std::pair<std::string, std::string>>{
           {"14-unknown-finding.rules.json", "pregnant"},
           {"22-set-value-misspelt.rules.json", "sitting"},
           {"30-operator-misspelt.rules.json", "equals"},
           {"47-modality-misspelt.rules.json", "dry_needling"},
           {"45-advice-code-unknown.rules.json", "stay_active"}}) {
    SCOPED_TRACE(file);
    std::shared_ptr<const CompiledRuleSet> compiled;
    const auto diagnostics = Check(file, testing::ReadText(CorpusDir() + "/" + file), &compiled);
    const std::string text = FormatDiagnostics(diagnostics);
    EXPECT_NE(text.find("did you mean '" + suggestion + "'"), std::string::npos) << text;
  }
}

TEST(RulesCorpusTest, FileOverTheSizeLimitIsRefusedBeforeParsing) {
  std::shared_ptr<const CompiledRuleSet> compiled;
  RuleSource source;
  const std::string vocabulary = testing::RulesDir() + "/vocabulary.json";
  source.vocabulary = {vocabulary, testing::ReadText(vocabulary)};
  source.rules = {"big.rules.json", std::string(2000, ' ') + "{}"};
  std::vector<Diagnostic> diagnostics;
  RuleLimits limits;
  limits.max_file_bytes = 1500;
  limits.max_json_depth = 64;
  // The vocabulary is larger than 1500 bytes too: both are reported, each naming its file.
  compiled = CompileRuleSet(source, *testing::RealPlugins(), &diagnostics, limits);
  EXPECT_EQ(compiled, nullptr);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics.back().id, "file-too-large");
  EXPECT_EQ(diagnostics.back().where.file, "big.rules.json");
}

TEST(RulesCorpusTest, AllErrorsOfAFileComeInOnePass) {
  // Three independent mistakes in three rules: all three reported, in file order.
  std::shared_ptr<const CompiledRuleSet> compiled;
  const auto diagnostics = Check("three.rules.json", R"({"id": "t", "version": "1",
  "advice": {"stay_active": "x"},
  "rules": [
    {"id": "a", "description": "d", "source": "s",
     "when": {"finding": "pregnnant", "equals": true}, "then": [{"advise": "stay_active"}]},
    {"id": "b", "description": "d", "source": "s",
     "when": {"finding": "pain_nprs", "at_least": 12}, "then": [{"advise": "stay_active"}]},
    {"id": "c", "description": "d", "source": "s",
     "when": {"any": []}, "then": [{"advise": "stay_activ"}]}
  ]})",
                                 &compiled);
  std::vector<std::string> got;
  for (const auto& d : diagnostics) got.push_back(d.id + "@" + std::to_string(d.where.line));
  EXPECT_EQ(got, (std::vector<std::string>{"unknown-finding@5", "out-of-range@7", "empty-group@9",
                                           "unknown-advice@9"}));
}

TEST(RulesCorpusTest, DiagnosticsAsJsonForTools) {
  std::shared_ptr<const CompiledRuleSet> compiled;
  const auto diagnostics =
      Check("14-unknown-finding.rules.json",
            testing::ReadText(CorpusDir() + "/14-unknown-finding.rules.json"), &compiled);
  const nlohmann::json j = DiagnosticsToJson(diagnostics);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["severity"], "error");
  EXPECT_EQ(j[0]["id"], "unknown-finding");
  EXPECT_EQ(j[0]["line"], 10);
  EXPECT_EQ(j[0]["pointer"], "/rules/0/when/finding");
}

}  // namespace
}  // namespace modalis
