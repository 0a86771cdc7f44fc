#include "core/demo/synthetic_clinic.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/evidence_text.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// The real engine: the shipped rules and plugins, created once (its golden cases take a while).
const Engine& RealEngine() {
  static std::unique_ptr<Engine> engine = [] {
    EngineConfig config;
    config.rules_dir = testing::RulesDir();
    config.plugins_dir = testing::PluginsDir();
    std::vector<Diagnostic> diagnostics;
    auto created = Engine::Create(config, &diagnostics);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *std::move(created) : nullptr;
  }();
  return *engine;
}

constexpr int64_t kYear2026Ms = 1767225600000;  // 2026-01-01T00:00:00Z

SyntheticClinicOptions SmallClinic(uint64_t seed) {
  SyntheticClinicOptions options;
  options.clinic_id = "a";
  options.seed = seed;
  options.start_ms = kYear2026Ms;
  options.patients = 120;  // about 300 plans
  return options;
}

// A store in its own directory, with clinics "a" and "b".
struct DemoStore {
  DemoStore() {
    auto opened = OpenSqliteStore(dir.file("demo.db"));
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = *std::move(opened);
    for (const char* clinic : {"a", "b"}) {
      EXPECT_TRUE(store->CreateClinic(ClinicRecord{clinic, "", kYear2026Ms}).ok());
    }
  }
  testing::TempDir dir;
  std::unique_ptr<Store> store;
};

struct Generated {
  SyntheticClinicSummary summary;
  EvidenceInputs inputs;
  std::string inputs_text;
  std::string report_text;
};

Generated Generate(DemoStore& demo, const SyntheticClinicOptions& options) {
  Generated g;
  auto summary = GenerateSyntheticClinic(RealEngine(), *demo.store, options);
  EXPECT_TRUE(summary.ok()) << summary.status();
  if (summary.ok()) g.summary = *summary;
  auto inputs = demo.store->ReadEvidence(options.clinic_id, EvidenceQuery{});
  EXPECT_TRUE(inputs.ok()) << inputs.status();
  if (inputs.ok()) g.inputs = *std::move(inputs);
  g.inputs_text = testing::EvidenceInputsText(g.inputs);
  g.report_text = testing::EvidenceReportText(ComputeEvidence({}, g.inputs, EvidencePolicy{}));
  return g;
}

TEST(SyntheticClinicTest, TheSameSeedGivesTheSameRowsAndReportAnotherSeedOthers) {
  DemoStore first, second, third;
  const Generated one = Generate(first, SmallClinic(7));
  const Generated again = Generate(second, SmallClinic(7));
  const Generated other = Generate(third, SmallClinic(8));
  ASSERT_FALSE(one.inputs.plans.empty());
  EXPECT_EQ(one.inputs_text, again.inputs_text);
  EXPECT_EQ(one.report_text, again.report_text);
  EXPECT_NE(one.inputs_text, other.inputs_text);
  EXPECT_NE(one.report_text, other.report_text);
}

TEST(SyntheticClinicTest, CountsMatchTheSummaryTheStoreVerifiesAndOtherClinicsSeeNothing) {
  DemoStore demo;
  const SyntheticClinicOptions options = SmallClinic(1);
  const Generated g = Generate(demo, options);
  const SyntheticClinicSummary& s = g.summary;
  EXPECT_GE(s.plans, 200);
  EXPECT_LE(s.plans, 500);
  EXPECT_EQ(s.patients, 120);
  EXPECT_EQ(static_cast<int64_t>(g.inputs.plans.size()), s.plans);
  EXPECT_EQ(static_cast<int64_t>(g.inputs.feedback.size()), s.feedback);
  EXPECT_EQ(static_cast<int64_t>(g.inputs.outcomes.size()), s.outcomes);
  std::set<std::string> patients;
  for (const EvidencePlan& p : g.inputs.plans) {
    patients.insert(p.patient_ref);
    EXPECT_GE(p.created_at_ms, options.start_ms);
    EXPECT_LT(p.created_at_ms, options.start_ms + int64_t{365} * 24 * 3600 * 1000);
  }
  EXPECT_EQ(static_cast<int64_t>(patients.size()), s.patients);
  EXPECT_EQ(*patients.begin(), "demo-000001");

  auto report = demo.store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems.front();
  ASSERT_EQ(report->chains.size(), 1u);
  EXPECT_EQ(report->chains[0].clinic_id, "a");
  EXPECT_EQ(report->chains[0].records, s.plans);

  auto b = demo.store->ReadEvidence("b", EvidenceQuery{});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->plans.empty());
  EXPECT_TRUE(b->feedback.empty());
  EXPECT_TRUE(b->outcomes.empty());
}

TEST(SyntheticClinicTest, TwoClinicsFromOneSeedShareAStoreWithoutSharingAPlan) {
  DemoStore demo;
  SyntheticClinicOptions a = SmallClinic(5), b = SmallClinic(5);
  a.patients = b.patients = 20;
  b.clinic_id = "b";
  const Generated in_a = Generate(demo, a);
  const Generated in_b = Generate(demo, b);
  ASSERT_FALSE(in_a.inputs.plans.empty());
  EXPECT_EQ(in_a.summary.plans, in_b.summary.plans);
  std::set<std::string> ids;
  for (const Generated* g : {&in_a, &in_b}) {
    for (const EvidencePlan& p : g->inputs.plans) {
      // As modalisd names plans: pl_ and 32 hex digits.
      EXPECT_EQ(p.plan_id.size(), 35u) << p.plan_id;
      EXPECT_EQ(p.plan_id.rfind("pl_", 0), 0u) << p.plan_id;
      EXPECT_EQ(p.plan_id.find_first_not_of("0123456789abcdef", 3), std::string::npos) << p.plan_id;
      EXPECT_TRUE(ids.insert(p.plan_id).second) << p.plan_id;
    }
  }
  auto report = demo.store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->chains.size(), 2u);
}

TEST(SyntheticClinicTest, LooksLikeABusyLowerBackPainClinic) {
  DemoStore demo;
  const Generated g = Generate(demo, SmallClinic(3));
  // Most plans treat with several steps; a few refer and treat nothing.
  int without_steps = 0, several = 0;
  std::map<std::string, int> steps;
  for (const EvidencePlan& p : g.inputs.plans) {
    if (p.steps.empty()) ++without_steps;
    if (p.steps.size() >= 2) ++several;
    for (const EvidenceStep& s : p.steps) {
      ++steps[s.modality];
      for (const std::string& rule : s.rule_ids) EXPECT_EQ(rule.rfind("suggest.", 0), 0u) << rule;
    }
  }
  const int plans = static_cast<int>(g.inputs.plans.size());
  EXPECT_GT(several, plans / 2);
  EXPECT_LT(without_steps, plans / 5);
  for (const char* modality : {"dry_needling", "myofascial_release", "stretching_active_release",
                               "auricular_acupuncture"}) {
    EXPECT_GT(steps[modality], 10) << modality;
  }
  // Mostly accepted; dry needling declined more often than myofascial release, and for the
  // reason patients give most.
  std::map<std::string, std::map<StepDecision, int>> decisions;
  std::map<std::string, const EvidencePlan*> by_id;
  for (const EvidencePlan& p : g.inputs.plans) by_id[p.plan_id] = &p;
  int no_needles = 0;
  for (const EvidenceFeedback& f : g.inputs.feedback) {
    const EvidencePlan* plan = by_id.at(f.plan_id);
    ASSERT_LT(f.step_index, plan->steps.size());
    ++decisions[plan->steps[f.step_index].modality][f.decision];
    EXPECT_EQ(f.decision == StepDecision::kAccepted, f.reason.empty());
    if (f.reason == "Patient prefers no needles") ++no_needles;
  }
  auto declined_share = [&](const std::string& m) {
    const auto& d = decisions[m];
    int total = 0;
    for (const auto& [decision, n] : d) total += n;
    return d.count(StepDecision::kDeclined) ? double(d.at(StepDecision::kDeclined)) / total : 0.0;
  };
  EXPECT_GT(declined_share("dry_needling"), declined_share("myofascial_release"));
  EXPECT_GT(no_needles, 5);
  // Outcomes in range, falling on the whole.
  double first = 0, later = 0;
  int firsts = 0, laters = 0;
  for (const SessionOutcome& o : g.inputs.outcomes) {
    EXPECT_GE(o.pain_nprs, 0);
    EXPECT_LE(o.pain_nprs, 10);
    EXPECT_GE(o.pain_days_per_week, 0);
    EXPECT_LE(o.pain_days_per_week, 7);
    if (o.session_number == 1) {
      first += o.pain_nprs;
      ++firsts;
    } else if (o.session_number >= 4) {
      later += o.pain_nprs;
      ++laters;
    }
  }
  ASSERT_GT(firsts, 0);
  ASSERT_GT(laters, 0);
  EXPECT_LT(later / laters, first / firsts - 1);
  const EvidenceReport report = ComputeEvidence({}, g.inputs, EvidencePolicy{});
  EXPECT_FALSE(report.all_patients.suppressed);
  EXPECT_GT(report.all_patients.reaches_mic.value, 0.3);
  EXPECT_LT(report.all_patients.reaches_mic.value, 0.95);
}

TEST(SyntheticClinicTest, RefusesOptionsOutOfRangeAndAClinicTheStoreDoesNotHave) {
  DemoStore demo;
  SyntheticClinicOptions options = SmallClinic(1);
  options.feedback_share = 1.5;
  EXPECT_EQ(GenerateSyntheticClinic(RealEngine(), *demo.store, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = SmallClinic(1);
  options.patients = 0;
  EXPECT_EQ(GenerateSyntheticClinic(RealEngine(), *demo.store, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = SmallClinic(1);
  options.clinic_id = "nowhere";
  options.patients = 3;
  EXPECT_EQ(GenerateSyntheticClinic(RealEngine(), *demo.store, options).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace modalis
