// Differences between two plans for the same findings, as the console shows them before a rule
// edit is published: real plans from the default rule set, and edits of them.
#include "core/plan/plan_diff.h"

#include <gtest/gtest.h>

#include "core/plan/planner.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;

Plan DeskWorkerPlan(json changes = json::object()) {
  auto rules = testing::DefaultRules();
  json findings = json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  findings.update(changes);
  auto plan = PlanForFindings(*rules, findings, {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

std::vector<std::string> Texts(const std::vector<PlanChange>& changes) {
  std::vector<std::string> out;
  for (const PlanChange& c : changes) out.push_back(c.text);
  return out;
}

TEST(PlanDiffTest, TheSamePlanHasNoChanges) {
  EXPECT_TRUE(DiffPlans(DeskWorkerPlan(), DeskWorkerPlan()).empty());
}

TEST(PlanDiffTest, AReferralThatDisappearsIsASafetyChangeAndComesFirst) {
  const Plan referred = DeskWorkerPlan({{"rf_saddle_anaesthesia", true}});
  const Plan treated = DeskWorkerPlan();
  const auto changes = DiffPlans(referred, treated);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].what, "referral");
  EXPECT_TRUE(changes[0].safety);
  EXPECT_EQ(changes[0].text, "referral EMERGENCY → NONE");
  // Treatment newly allowed is a safety change too; the steps that appear are listed after.
  bool status_safety = false, steps_added = false;
  for (const PlanChange& c : changes) {
    status_safety |= c.what == "status" && c.safety;
    steps_added |= c.text.starts_with("step added: dry_needling");
  }
  EXPECT_TRUE(status_safety);
  EXPECT_TRUE(steps_added);
  // The other way round is more cautious: nothing in it is a safety change.
  for (const PlanChange& c : DiffPlans(treated, referred)) EXPECT_FALSE(c.safety) << c.text;
}

TEST(PlanDiffTest, AnExclusionThatDisappearsIsASafetyChange) {
  const Plan excluded = DeskWorkerPlan({{"anticoagulant_therapy", true}});
  const Plan needled = DeskWorkerPlan();
  const auto changes = DiffPlans(excluded, needled);
  ASSERT_GE(changes.size(), 2u) << ::testing::PrintToString(Texts(changes));
  EXPECT_TRUE(changes[0].safety);
  EXPECT_TRUE(changes[0].text.starts_with("no longer excluded: dry_needling")) << changes[0].text;
  bool step = false;
  for (const PlanChange& c : changes) {
    if (c.text.starts_with("step added: dry_needling")) {
      step = true;
      EXPECT_TRUE(c.safety);
      EXPECT_NE(c.text.find("which was excluded"), std::string::npos);
    }
  }
  EXPECT_TRUE(step) << ::testing::PrintToString(Texts(changes));
  const auto back = DiffPlans(needled, excluded);
  EXPECT_FALSE(back.empty());
  for (const PlanChange& c : back) EXPECT_FALSE(c.safety) << c.text;
}

TEST(PlanDiffTest, StepDetailsCourseAndAdviceAreListed) {
  const Plan before = DeskWorkerPlan();
  Plan after = before;
  after.steps[0].minutes += 5;
  after.steps[1].targets.pop_back();
  std::swap(after.steps[2], after.steps[3]);
  after.course->sessions_max = 8;
  after.advice.pop_back();
  const auto texts = Texts(DiffPlans(before, after));
  auto has = [&](const std::string& prefix) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.starts_with(prefix); });
  };
  EXPECT_TRUE(has("step dry_needling: minutes 15 → 20")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(has("step myofascial_release: targets ")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(has("order ")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(has("course WEEKLY 4-6 sessions, review after 4 → WEEKLY 4-8"))
      << ::testing::PrintToString(texts);
  EXPECT_TRUE(has("advice removed: ")) << ::testing::PrintToString(texts);
  for (const PlanChange& c : DiffPlans(before, after)) EXPECT_FALSE(c.safety) << c.text;
}

TEST(PlanDiffTest, AModalityExcludedForSeveralReasonsIsComparedByAllOfThem) {
  Plan before = DeskWorkerPlan({{"anticoagulant_therapy", true}, {"bleeding_disorder", true}});
  ASSERT_GE(std::count_if(before.exclusions.begin(), before.exclusions.end(),
                          [](const Exclusion& e) { return e.modality == "dry_needling"; }),
            2);
  EXPECT_TRUE(DiffPlans(before, before).empty());
  Plan reordered = before;
  std::reverse(reordered.exclusions.begin(), reordered.exclusions.end());
  EXPECT_TRUE(DiffPlans(before, reordered).empty());
  // One reason of two gone: still excluded, so not a safety change.
  Plan one_left = before;
  for (auto it = one_left.exclusions.begin(); it != one_left.exclusions.end(); ++it) {
    if (it->modality == "dry_needling") {
      one_left.exclusions.erase(it);
      break;
    }
  }
  const auto changes = DiffPlans(before, one_left);
  ASSERT_EQ(changes.size(), 1u) << ::testing::PrintToString(Texts(changes));
  EXPECT_FALSE(changes[0].safety);
  EXPECT_TRUE(changes[0].text.starts_with("excluded differently: dry_needling")) << changes[0].text;
}

}  // namespace
}  // namespace modalis
