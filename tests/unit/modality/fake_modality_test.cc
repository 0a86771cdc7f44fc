// The compiler and planner need only the Modality interface: a fake modality, with no shared
// library anywhere, is named by rules, bound to the vocabulary, screened and asked for its step.
#include <gtest/gtest.h>

#include <memory>

#include "core/modality/modality.h"
#include "core/plan/planner.h"
#include "core/rules/compiler.h"
#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// Must know one finding; excludes itself when the pain score is 9 or more (a floor no rule of the
// fixture has); otherwise treats each target asked for and says who built the step.
class FakeModality : public Modality {
 public:
  FakeModality() {
    info_.id = "myofascial_release";
    info_.display_name = "Fake hands-on work";
    info_.version = "0.0.1";
    info_.phase = 20;
    info_.default_minutes = 7;
    info_.reads = {"dvt_suspected", "neck_pain_vas", "no_such_finding"};
    info_.required_known = {"dvt_suspected"};
    info_.targets_allowed = {"upper_back"};
    info_.path = "(in memory)";
  }
  const ModalityInfo& info() const override { return info_; }
  ReadSlots Bind(const Vocabulary& vocabulary,
                 std::vector<std::string>* unresolved) const override {
    return BindCodes(info_.reads, vocabulary, unresolved);
  }
  std::string ValidateParams(std::string_view params_json) const override {
    return params_json == "{}" ? "" : "the fake takes no params";
  }
  absl::StatusOr<ScreenOutcome> Screen(const Findings& findings,
                                       const ReadSlots& slots) const override {
    ++screens;
    ScreenOutcome out;
    if (findings.known(slots[1]) && findings.value(slots[1]).number >= 9) {
      out.contraindications.push_back({"the fake's floor: too painful today", {"neck_pain_vas"}});
    }
    return out;
  }
  absl::StatusOr<StepOutcome> BuildStep(const StepInput& input, const Findings&,
                                        const ReadSlots&) const override {
    StepOutcome out;
    out.targets = input.targets;
    out.minutes = input.minutes != 0 ? input.minutes : info_.default_minutes;
    out.instructions.push_back("built by the fake");
    return out;
  }

  mutable int screens = 0;

 private:
  ModalityInfo info_;
};

class FakeModalityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = testing::SourceDir() + "/tests/rules/neck-pain";
    auto source = ReadRuleSource(dir);
    ASSERT_TRUE(source.ok()) << source.status();
    rules_ = CompileRuleSet(*source, ModalitySet({fake_}), &diagnostics_);
    ASSERT_NE(rules_, nullptr) << FormatDiagnostics(diagnostics_);
  }

  Plan PlanFor(nlohmann::json findings) {
    auto plan = PlanForFindings(*rules_, findings, PlanRequest{});
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : Plan{};
  }

  std::shared_ptr<FakeModality> fake_ = std::make_shared<FakeModality>();
  std::vector<Diagnostic> diagnostics_;
  std::shared_ptr<const CompiledRuleSet> rules_;
};

nlohmann::json Screened() {
  return {{"rf_myelopathy_signs", false},
          {"rf_fever_or_unwell", false},
          {"dvt_suspected", false},
          {"upper_back_tender_points", true}};
}

TEST_F(FakeModalityTest, CompilesAgainstTheInterfaceAndWarnsOfWhatItCannotRead) {
  bool warned = false;
  for (const Diagnostic& d : diagnostics_) {
    warned = warned || (d.id == "plugin-reads-unknown-finding" &&
                        d.message.find("no_such_finding") != std::string::npos);
  }
  EXPECT_TRUE(warned) << FormatDiagnostics(diagnostics_);
  ASSERT_EQ(rules_->modalities.count("myofascial_release"), 1u);
}

TEST_F(FakeModalityTest, PlansWithTheFakesStep) {
  const Plan plan = PlanFor(Screened());
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].modality, "myofascial_release");
  EXPECT_EQ(plan.steps[0].targets, std::vector<std::string>{"upper_back"});
  EXPECT_EQ(plan.steps[0].minutes, 7u);
  EXPECT_EQ(plan.steps[0].instructions, std::vector<std::string>{"built by the fake"});
}

TEST_F(FakeModalityTest, TheFakesFloorExcludesIt) {
  nlohmann::json f = Screened();
  f["neck_pain_vas"] = 9;
  const Plan plan = PlanFor(f);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_GT(fake_->screens, 0);
  bool excluded = false;
  for (const Exclusion& e : plan.exclusions) {
    excluded = excluded || (e.modality == "myofascial_release" &&
                            e.severity == Exclusion::Severity::kAbsolute &&
                            e.reason.find("too painful today") != std::string::npos);
  }
  EXPECT_TRUE(excluded);
}

TEST_F(FakeModalityTest, AnUnknownRequiredFindingHoldsItBack) {
  nlohmann::json f = Screened();
  f.erase("dvt_suspected");
  const Plan plan = PlanFor(f);
  EXPECT_TRUE(plan.steps.empty());
  bool held = false;
  for (const Exclusion& e : plan.exclusions) {
    held = held || (e.modality == "myofascial_release" &&
                    e.severity == Exclusion::Severity::kNeedsFindings);
  }
  EXPECT_TRUE(held);
}

}  // namespace
}  // namespace modalis
