// The four modality plugins against the clinical brief's cases (§3, §3a, §6), called through the
// real .so files as the host loads them, with findings decoded against the shipped vocabulary.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "core/common/json_document.h"
#include "core/plan/plan_json.h"
#include "core/plan/planner.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

std::shared_ptr<const Vocabulary> ShippedVocabulary() {
  static std::shared_ptr<const Vocabulary> vocabulary = [] {
    const std::string path = testing::RulesDir() + "/vocabulary.json";
    std::vector<Diagnostic> diagnostics;
    JsonDocument doc = JsonDocument::Parse(testing::ReadText(path), path, &diagnostics);
    auto v = Vocabulary::FromDocument(doc, testing::RealPlugins()->ids(), &diagnostics);
    EXPECT_NE(v, nullptr) << FormatDiagnostics(diagnostics);
    return v;
  }();
  return vocabulary;
}

// One real plugin, bound to the shipped vocabulary the way a compiled rule set binds it.
class RealModality {
 public:
  explicit RealModality(const std::string& id) : modality_(testing::RealPlugins()->Find(id)) {
    EXPECT_NE(modality_, nullptr) << id;
    std::vector<std::string> unresolved;
    slots_ = modality_->Bind(*ShippedVocabulary(), &unresolved);
    EXPECT_TRUE(unresolved.empty()) << id << " reads codes missing from the vocabulary";
  }

  const ModalityInfo& info() const { return modality_->info(); }

  // The plugin's floor and cautions as it declares them (safety_json), compiled with the shipped
  // rule set and evaluated for `findings`: what holds, with the findings behind it. Its screen in
  // code must add nothing.
  ScreenOutcome Screen(const json& findings) const {
    auto rules = testing::DefaultRules();
    auto f = DecodeFindings(findings, rules->vocabulary);
    EXPECT_TRUE(f.ok()) << f.status();
    ScreenOutcome out;
    if (!f.ok()) return out;
    for (const Rule& rule : rules->rules) {
      if (rule.plugin != info().id || rules->Evaluate(rule.root, *f) != Tri::kTrue) continue;
      ScreenItem item{rule.actions[0].reason, {}};
      for (SlotId slot : rules->EvidenceFor(rule.root, *f)) {
        item.findings.push_back(rules->vocabulary->at(slot).code);
      }
      (rule.actions[0].kind == Action::Kind::kExclude ? out.contraindications : out.cautions)
          .push_back(std::move(item));
    }
    auto coded = modality_->Screen(Decode(findings), slots_);
    EXPECT_TRUE(coded.ok()) << coded.status();
    if (coded.ok()) {
      EXPECT_TRUE(coded->contraindications.empty() && coded->cautions.empty())
          << info().id << " decides safety in code as well as in its declaration";
    }
    return out;
  }

  // The declared floor with this id (plugin:<modality>:<id>).
  const Rule* Floor(const std::string& id) const {
    for (const Rule& rule : testing::DefaultRules()->rules) {
      if (rule.id == "plugin:" + info().id + ":" + id) return &rule;
    }
    return nullptr;
  }

  StepOutcome Build(const json& findings, Strings targets = {}, std::string params = "{}",
                    uint32_t minutes = 0) const {
    auto f = Decode(findings);
    StepInput input;
    input.targets = std::move(targets);
    input.params_json = std::move(params);
    input.minutes = minutes;
    auto out = modality_->BuildStep(input, f, slots_);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : StepOutcome{};
  }

  std::string Validate(const std::string& params) const {
    return modality_->ValidateParams(params);
  }

 private:
  static Findings Decode(const json& findings) {
    auto f = DecodeFindings(findings, ShippedVocabulary());
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *std::move(f) : Findings(ShippedVocabulary());
  }

  std::shared_ptr<const Modality> modality_;
  ReadSlots slots_;
};

Strings Texts(const std::vector<ScreenItem>& items) {
  Strings out;
  for (const auto& i : items) out.push_back(i.text);
  return out;
}

bool AnyContains(const Strings& texts, const std::string& needle) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

// Screen findings known and clear for every modality.
json Clear() {
  return json{{"needle_phobia", false},
              {"needling_consent", true},
              {"anticoagulant_therapy", false},
              {"antiplatelet_therapy", false},
              {"bleeding_disorder", false},
              {"pregnant", false},
              {"lymphoedema_region", "none"},
              {"skin_lesion_at_site", false},
              {"metal_allergy", false},
              {"epilepsy", "none"},
              {"rf_fever_or_unwell", false},
              {"immunosuppressed", false},
              {"diabetes", "none"},
              {"age", 40},
              {"dvt_suspected", false},
              {"osteoporosis", false},
              {"recent_surgery_site", "none"},
              {"acute_soft_tissue_injury", false},
              {"hypermobility", false},
              {"ear_infection", false}};
}

json With(json base, const json& changes) {
  base.update(changes);
  return base;
}

// --- declarations (clinical brief §3a: required known, targets allowed) ------------------------

TEST(ModalityPluginsTest, DeclarationsMatchTheSafetyTable) {
  EXPECT_EQ(RealModality("dry_needling").info().required_known,
            (Strings{"needle_phobia", "needling_consent", "anticoagulant_therapy",
                     "bleeding_disorder", "pregnant"}));
  EXPECT_EQ(RealModality("auricular_acupuncture").info().required_known,
            (Strings{"needle_phobia", "needling_consent", "ear_infection"}));
  EXPECT_EQ(RealModality("myofascial_release").info().required_known, Strings{"dvt_suspected"});
  EXPECT_EQ(RealModality("stretching_active_release").info().required_known,
            Strings{"acute_soft_tissue_injury"});

  EXPECT_EQ(RealModality("dry_needling").info().targets_allowed,
            (Strings{"quadratus_lumborum", "gluteus_medius", "gluteus_minimus", "piriformis",
                     "erector_spinae"}));
  EXPECT_EQ(RealModality("stretching_active_release").info().targets_allowed,
            (Strings{"hip_flexors", "hamstrings", "erector_spinae", "gluteus_medius",
                     "gluteus_minimus"}));
  EXPECT_EQ(RealModality("auricular_acupuncture").info().targets_allowed,
            (Strings{"ear_nada", "ear_shen_men", "ear_point_zero", "ear_sleep_points"}));
  EXPECT_EQ(RealModality("myofascial_release").info().targets_allowed,
            ShippedVocabulary()->List("targets"));

  // Session order: needling, hands-on, stretching, ear.
  EXPECT_LT(RealModality("dry_needling").info().phase,
            RealModality("myofascial_release").info().phase);
  EXPECT_LT(RealModality("myofascial_release").info().phase,
            RealModality("stretching_active_release").info().phase);
  EXPECT_LT(RealModality("stretching_active_release").info().phase,
            RealModality("auricular_acupuncture").info().phase);
  EXPECT_EQ(RealModality("dry_needling").info().qualification, "dry_needling");
  EXPECT_TRUE(RealModality("dry_needling").info().needs_written_consent);
  EXPECT_TRUE(RealModality("auricular_acupuncture").info().needs_written_consent);
  EXPECT_FALSE(RealModality("myofascial_release").info().needs_written_consent);
}

// --- dry_needling --------------------------------------------------------------------------------

TEST(DryNeedlingTest, ClearScreenHasNoFloorAndNoCaution) {
  ScreenOutcome s = RealModality("dry_needling").Screen(Clear());
  EXPECT_TRUE(s.contraindications.empty()) << ::testing::PrintToString(Texts(s.contraindications));
  EXPECT_TRUE(s.cautions.empty()) << ::testing::PrintToString(Texts(s.cautions));
}

TEST(DryNeedlingTest, EachPluginFloorExcludesWithTheFindingBehindIt) {
  RealModality dn("dry_needling");
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"needle_phobia", true}}, "needle_phobia"},
      {{{"needling_consent", false}}, "needling_consent"},
      {{{"lymphoedema_region", "trunk"}}, "lymphoedema_region"},
      {{{"lymphoedema_region", "arm"}}, "lymphoedema_region"},
      {{{"skin_lesion_at_site", true}}, "skin_lesion_at_site"},
      {{{"metal_allergy", true}}, "metal_allergy"},
      {{{"epilepsy", "uncontrolled"}}, "epilepsy"},
      {{{"rf_fever_or_unwell", true}}, "rf_fever_or_unwell"},
  };
  for (const auto& [changes, code] : cases) {
    ScreenOutcome s = dn.Screen(With(Clear(), changes));
    ASSERT_EQ(s.contraindications.size(), 1u) << changes.dump();
    EXPECT_EQ(s.contraindications[0].findings, Strings{code});
  }
  EXPECT_TRUE(dn.Screen(With(Clear(), {{"epilepsy", "controlled"}})).contraindications.empty());
  EXPECT_TRUE(dn.Screen(With(Clear(), {{"lymphoedema_region", "none"}})).contraindications.empty());
  // Lymphoedema acts on its region only (clinical brief §3a "that region").
  const Rule* lymphoedema = dn.Floor("lymphoedema");
  ASSERT_NE(lymphoedema, nullptr);
  EXPECT_EQ(lymphoedema->actions[0].regions_from,
            ShippedVocabulary()->Find("lymphoedema_region")->slot);
}

// Phobia recorded with consent: the floor holds on the phobia; the planner flags the conflict
// (PlannerTest.ConflictingPhobiaAndConsentTakeTheMostRestrictiveReading).
TEST(DryNeedlingTest, PhobiaExcludesEvenWithConsentRecorded) {
  ScreenOutcome s = RealModality("dry_needling").Screen(With(Clear(), {{"needle_phobia", true}}));
  ASSERT_EQ(s.contraindications.size(), 1u);
  EXPECT_EQ(s.contraindications[0].findings, Strings{"needle_phobia"});
}

TEST(DryNeedlingTest, RuleExclusionsAreLeftToTheRuleSet) {
  // Anticoagulants, bleeding disorder, pregnancy, age under 16 and recent surgery are the clinic's
  // editable rules (§3a), not the plugin floor.
  ScreenOutcome s = RealModality("dry_needling")
                        .Screen(With(Clear(), {{"anticoagulant_therapy", true},
                                               {"bleeding_disorder", true},
                                               {"pregnant", true},
                                               {"age", 12},
                                               {"recent_surgery_site", "lumbar"}}));
  EXPECT_TRUE(s.contraindications.empty()) << ::testing::PrintToString(Texts(s.contraindications));
}

TEST(DryNeedlingTest, CautionsTravelWithTheStep) {
  RealModality dn("dry_needling");
  ScreenOutcome s = dn.Screen(With(Clear(), {{"antiplatelet_therapy", true},
                                             {"immunosuppressed", true},
                                             {"diabetes", "controlled"},
                                             {"age", 75}}));
  EXPECT_TRUE(s.contraindications.empty());
  Strings codes;
  for (const auto& c : s.cautions) codes.insert(codes.end(), c.findings.begin(), c.findings.end());
  EXPECT_EQ(codes, (Strings{"antiplatelet_therapy", "immunosuppressed", "diabetes", "age"}));
  EXPECT_TRUE(dn.Screen(With(Clear(), {{"age", 74}})).cautions.empty());
}

TEST(DryNeedlingTest, NeverNeedlesTheUpperBackAndSaysWhyOthersWereNotNeedled) {
  StepOutcome step = RealModality("dry_needling")
                         .Build(Clear(), {"quadratus_lumborum", "upper_back", "hamstrings",
                                          "thoracolumbar_fascia", "gluteus_medius"});
  EXPECT_EQ(step.targets, (Strings{"quadratus_lumborum", "gluteus_medius"}));
  ASSERT_EQ(step.skipped.size(), 3u);
  EXPECT_EQ(step.skipped[0].target, "upper_back");
  EXPECT_NE(step.skipped[0].reason.find("pneumothorax"), std::string::npos);
  EXPECT_EQ(step.skipped[1].target, "hamstrings");
  EXPECT_NE(step.skipped[1].reason.find("stretched"), std::string::npos);
  EXPECT_EQ(step.skipped[2].target, "thoracolumbar_fascia");
  EXPECT_EQ(step.minutes, 15u);
  EXPECT_TRUE(AnyContains(step.cautions, "confirm before treating"));
}

TEST(DryNeedlingTest, WithoutRequestedTargetsNeedlesTheNeedleableTriggerPoints) {
  StepOutcome step =
      RealModality("dry_needling")
          .Build(With(Clear(), {{"trigger_points", {"upper_back", "piriformis"}}}), {}, "{}", 12);
  EXPECT_EQ(step.targets, Strings{"piriformis"});
  ASSERT_EQ(step.skipped.size(), 1u);
  EXPECT_EQ(step.skipped[0].target, "upper_back");
  EXPECT_EQ(step.minutes, 12u);
}

TEST(DryNeedlingTest, RejectsParams) {
  RealModality dn("dry_needling");
  EXPECT_EQ(dn.Validate("{}"), "");
  EXPECT_EQ(dn.Validate(R"({"depth": 3})"), "dry_needling takes no params (found 'depth')");
}

// --- myofascial_release --------------------------------------------------------------------------

// A skin lesion and an operated site are the clinic's rule exclusions (the second by region), not
// the plugin floor: PlannerTest.OperatedSiteKeepsMyofascialReleaseOffThatRegionOnly.
TEST(MyofascialReleaseTest, ClotOrFeverExcludeTheWholeSessionSiteProblemsAreForTheRules) {
  RealModality mfr("myofascial_release");
  ScreenOutcome clot = mfr.Screen(With(Clear(), {{"dvt_suspected", true}}));
  ASSERT_EQ(clot.contraindications.size(), 1u);
  EXPECT_EQ(clot.contraindications[0].findings, Strings{"dvt_suspected"});
  ScreenOutcome fever = mfr.Screen(With(Clear(), {{"rf_fever_or_unwell", true}}));
  ASSERT_EQ(fever.contraindications.size(), 1u);
  EXPECT_EQ(fever.contraindications[0].findings, Strings{"rf_fever_or_unwell"});
  ScreenOutcome site =
      mfr.Screen(With(Clear(), {{"skin_lesion_at_site", true}, {"recent_surgery_site", "hip"}}));
  EXPECT_TRUE(site.contraindications.empty());
  EXPECT_TRUE(site.cautions.empty());
  EXPECT_TRUE(mfr.Screen(Clear()).cautions.empty());
}

TEST(MyofascialReleaseTest, PressureIsCappedAtLightForBleedingRiskOrFragileBone) {
  RealModality mfr("myofascial_release");
  const std::string deep = R"({"pressure": "deep"})";
  EXPECT_EQ(mfr.Build(Clear(), {"piriformis"}, deep).pressure, "deep");
  EXPECT_EQ(mfr.Build(Clear(), {"piriformis"}).pressure, "moderate");
  for (const char* code : {"anticoagulant_therapy", "bleeding_disorder", "osteoporosis"}) {
    StepOutcome step = mfr.Build(With(Clear(), {{code, true}}), {"piriformis"}, deep);
    EXPECT_EQ(step.pressure, "light") << code;
    EXPECT_TRUE(AnyContains(step.cautions, std::string("pressure capped at light: ") + code))
        << code;
  }
  // Unrecorded counts as present until confirmed: light pressure harms no one.
  json unknown = Clear();
  unknown.erase("osteoporosis");
  StepOutcome step = mfr.Build(unknown, {"piriformis"}, deep);
  EXPECT_EQ(step.pressure, "light");
  EXPECT_TRUE(AnyContains(step.cautions, "until confirmed absent: osteoporosis"));
  StepOutcome asked_light = mfr.Build(unknown, {"piriformis"}, R"({"pressure": "light"})");
  EXPECT_FALSE(AnyContains(asked_light.cautions, "capped"));
}

TEST(MyofascialReleaseTest, RegionsComeFromTriggerPointsAndFascialRestriction) {
  StepOutcome step =
      RealModality("myofascial_release")
          .Build(With(Clear(), {{"trigger_points", {"upper_back", "piriformis"}},
                                {"fascial_restriction", {"thoracolumbar_fascia", "piriformis"}}}));
  EXPECT_EQ(step.targets, (Strings{"piriformis", "upper_back", "thoracolumbar_fascia"}));
  EXPECT_EQ(step.minutes, 20u);
}

TEST(MyofascialReleaseTest, ValidatesPressureParam) {
  RealModality mfr("myofascial_release");
  EXPECT_EQ(mfr.Validate(R"({"pressure": "light"})"), "");
  EXPECT_EQ(mfr.Validate(R"({"pressure": "firm"})"),
            "pressure must be one of light, moderate, deep");
  EXPECT_EQ(mfr.Validate(R"({"strokes": 3})"), "unknown param 'strokes' (known: pressure)");
}

// --- stretching_active_release -------------------------------------------------------------------

TEST(StretchingTest, ExcludedOnAcuteInjuryAndRecentLumbarOrHipSurgery) {
  RealModality s("stretching_active_release");
  EXPECT_EQ(
      s.Screen(With(Clear(), {{"acute_soft_tissue_injury", true}})).contraindications[0].findings,
      Strings{"acute_soft_tissue_injury"});
  EXPECT_EQ(s.Screen(With(Clear(), {{"recent_surgery_site", "lumbar"}})).contraindications.size(),
            1u);
  EXPECT_EQ(s.Screen(With(Clear(), {{"recent_surgery_site", "hip"}})).contraindications.size(), 1u);
  EXPECT_TRUE(
      s.Screen(With(Clear(), {{"recent_surgery_site", "abdomen"}})).contraindications.empty());
  EXPECT_TRUE(s.Screen(Clear()).contraindications.empty());
}

TEST(StretchingTest, CautionsForOsteoporosisHypermobilityAnticoagulantsAndAge) {
  ScreenOutcome s = RealModality("stretching_active_release")
                        .Screen(With(Clear(), {{"osteoporosis", true},
                                               {"hypermobility", true},
                                               {"anticoagulant_therapy", true},
                                               {"age", 80}}));
  EXPECT_TRUE(s.contraindications.empty());
  Strings codes;
  for (const auto& c : s.cautions) codes.insert(codes.end(), c.findings.begin(), c.findings.end());
  EXPECT_EQ(codes, (Strings{"osteoporosis", "hypermobility", "anticoagulant_therapy", "age"}));
}

TEST(StretchingTest, TargetsAreHipFlexorsHamstringsLumbarAndGluteals) {
  RealModality s("stretching_active_release");
  StepOutcome step = s.Build(Clear(), {"hip_flexors", "quadratus_lumborum", "gluteus_medius"});
  EXPECT_EQ(step.targets, (Strings{"hip_flexors", "gluteus_medius"}));
  ASSERT_EQ(step.skipped.size(), 1u);
  EXPECT_EQ(step.skipped[0].target, "quadratus_lumborum");
  StepOutcome found = s.Build(With(
      Clear(),
      {{"thomas_test", "positive_left"}, {"hamstring_tight", true}, {"lumbar_rom", "reduced"}}));
  EXPECT_EQ(found.targets, (Strings{"hip_flexors", "hamstrings", "erector_spinae"}));
  EXPECT_EQ(found.minutes, 10u);
}

// --- auricular_acupuncture -----------------------------------------------------------------------

TEST(AuricularTest, FloorIsEarInfectionPhobiaAndDeclinedConsent) {
  RealModality ear("auricular_acupuncture");
  EXPECT_EQ(ear.Screen(With(Clear(), {{"ear_infection", true}})).contraindications[0].findings,
            Strings{"ear_infection"});
  EXPECT_EQ(ear.Screen(With(Clear(), {{"needle_phobia", true}})).contraindications[0].findings,
            Strings{"needle_phobia"});
  EXPECT_EQ(ear.Screen(With(Clear(), {{"needling_consent", false}})).contraindications[0].findings,
            Strings{"needling_consent"});
  // Bleeding, anticoagulants and metal allergy are rule exclusions, not the plugin floor.
  EXPECT_TRUE(ear.Screen(With(Clear(), {{"bleeding_disorder", true},
                                        {"anticoagulant_therapy", true},
                                        {"metal_allergy", true}}))
                  .contraindications.empty());
}

TEST(AuricularTest, PregnancyIsAPrecautionSeedsNotNeedles) {
  RealModality ear("auricular_acupuncture");
  json pregnant = With(Clear(), {{"pregnant", true}, {"stress_level", "high"}});
  ScreenOutcome s = ear.Screen(pregnant);
  EXPECT_TRUE(s.contraindications.empty());
  ASSERT_EQ(s.cautions.size(), 1u);
  EXPECT_EQ(s.cautions[0].findings, Strings{"pregnant"});
  StepOutcome step = ear.Build(pregnant);
  ASSERT_EQ(step.instructions.size(), 1u);
  EXPECT_EQ(step.instructions[0].find("ear seeds"), 0u) << step.instructions[0];
  StepOutcome not_pregnant = ear.Build(With(Clear(), {{"stress_level", "high"}}));
  EXPECT_EQ(not_pregnant.instructions[0].find("needles"), 0u) << not_pregnant.instructions[0];
}

TEST(AuricularTest, PointsForStressAndSleep) {
  RealModality ear("auricular_acupuncture");
  StepOutcome stress = ear.Build(With(Clear(), {{"stress_level", "high"}}));
  EXPECT_EQ(stress.targets, (Strings{"ear_nada", "ear_point_zero"}));
  EXPECT_NE(stress.params.at("points").find("Sympathetic, Shen Men, Kidney, Liver, Lung"),
            std::string::npos);
  StepOutcome sleep = ear.Build(With(Clear(), {{"sleep_quality", "poor"}}));
  EXPECT_EQ(sleep.targets, (Strings{"ear_shen_men", "ear_sleep_points"}));
  EXPECT_EQ(sleep.params.at("points"),
            "Shen Men, Heart, Spleen, Kidney, Brain, Occipital, Endocrine, Sympathetic");
  // Both: each point once.
  StepOutcome both =
      ear.Build(With(Clear(), {{"stress_level", "high"}, {"sleep_quality", "poor"}}));
  EXPECT_EQ(both.targets,
            (Strings{"ear_nada", "ear_point_zero", "ear_shen_men", "ear_sleep_points"}));
  EXPECT_EQ(both.params.at("points"),
            "Sympathetic, Shen Men, Kidney, Liver, Lung, Point Zero, Heart, Spleen, Brain, "
            "Occipital, Endocrine");
  StepOutcome neither = ear.Build(Clear());
  EXPECT_EQ(neither.targets, (Strings{"ear_shen_men", "ear_point_zero"}));
  StepOutcome named = ear.Build(Clear(), {"ear_point_zero", "upper_back"});
  EXPECT_EQ(named.targets, Strings{"ear_point_zero"});
  ASSERT_EQ(named.skipped.size(), 1u);
  EXPECT_EQ(named.skipped[0].target, "upper_back");
}

TEST(AuricularTest, AsksToConfirmWhatTheRulesExcludeOnlyWhenUnrecorded) {
  RealModality ear("auricular_acupuncture");
  EXPECT_FALSE(AnyContains(ear.Build(Clear()).cautions, "confirm before treating"));
  json unknown = Clear();
  unknown.erase("metal_allergy");
  EXPECT_TRUE(AnyContains(ear.Build(unknown).cautions, "confirm before treating: metal_allergy"));
}

// --- through the planner: the floor holds whatever the rules say ---------------------------------

TEST(ModalityPluginsTest, NoRuleSetCanSwitchOffAPluginFloor) {
  // A rule set that suggests dry needling and excludes nothing.
  std::vector<Diagnostic> diagnostics;
  auto rules = testing::CompileText(R"({"id": "permissive", "version": "1",
    "clinic": {"qualifications": ["dry_needling"]},
    "rules": [{"id": "needle", "description": "needle everyone", "source": "test",
               "when": "always",
               "then": [{"suggest": {"modality": "dry_needling", "targets": ["piriformis"]}}]}]})",
                                    &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  auto f = DecodeFindings(With(Clear(), {{"metal_allergy", true}}), rules->vocabulary);
  ASSERT_TRUE(f.ok()) << f.status();
  Plan plan = MakePlan(*rules, *f, PlanRequest{});
  EXPECT_TRUE(plan.steps.empty());
  ASSERT_EQ(plan.exclusions.size(), 1u);
  EXPECT_EQ(plan.exclusions[0].severity, Exclusion::Severity::kAbsolute);
  EXPECT_EQ(plan.exclusions[0].source, "plugin:dry_needling");
  EXPECT_EQ(plan.exclusions[0].findings, Strings{"metal_allergy"});
}

std::vector<Diagnostic> CompileSuggestion(const std::string& suggest) {
  std::vector<Diagnostic> diagnostics;
  testing::CompileText(R"({"id": "t", "version": "1",
    "rules": [{"id": "r", "description": "d", "source": "s", "when": "always",
               "then": [{"suggest": )" +
                           suggest + "}]}]}",
                       &diagnostics);
  return diagnostics;
}

TEST(ModalityPluginsTest, RuleCompilerAsksThePluginAboutParamsAndTargets) {
  // A bad param is a rule-file error at the params, in the plugin's words.
  auto bad =
      CompileSuggestion(R"({"modality": "myofascial_release", "params": {"pressure": "firm"}})");
  ASSERT_EQ(bad.size(), 1u) << FormatDiagnostics(bad);
  EXPECT_EQ(bad[0].id, "bad-params");
  EXPECT_EQ(bad[0].where.pointer, "/rules/0/then/0/suggest/params");
  EXPECT_EQ(bad[0].message,
            "rule `r` (1st): myofascial_release: pressure must be one of light, moderate, deep");
  EXPECT_TRUE(
      CompileSuggestion(R"({"modality": "myofascial_release", "params": {"pressure": "light"}})")
          .empty());
  // Ear points are targets only because the auricular plugin declares them.
  EXPECT_TRUE(CompileSuggestion(R"({"modality": "auricular_acupuncture", "targets": ["ear_nada"]})")
                  .empty());
  auto wrong = CompileSuggestion(R"({"modality": "myofascial_release", "targets": ["ear_nada"]})");
  ASSERT_EQ(wrong.size(), 1u) << FormatDiagnostics(wrong);
  EXPECT_EQ(wrong[0].id, "unknown-target");
}

TEST(ModalityPluginsTest, UpperBackTriggerPointGoesToMyofascialReleaseAndTheNeedlingStepSaysWhy) {
  json f = json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  f["trigger_points"] = {"quadratus_lumborum", "upper_back"};
  auto rules = testing::DefaultRules();
  auto findings = DecodeFindings(f, rules->vocabulary);
  ASSERT_TRUE(findings.ok()) << findings.status();
  Plan plan = MakePlan(*rules, *findings, PlanRequest{});
  const PlanStep* dn = nullptr;
  const PlanStep* mfr = nullptr;
  for (const PlanStep& s : plan.steps) {
    if (s.modality == "dry_needling") dn = &s;
    if (s.modality == "myofascial_release") mfr = &s;
  }
  ASSERT_NE(dn, nullptr);
  ASSERT_NE(mfr, nullptr);
  EXPECT_EQ(dn->targets, Strings{"quadratus_lumborum"});
  EXPECT_TRUE(AnyContains(dn->cautions, "upper_back not treated: not needled: pneumothorax"));
  EXPECT_NE(std::find(mfr->targets.begin(), mfr->targets.end(), "upper_back"), mfr->targets.end());
}

// The ABI lets the host call screen and build_step concurrently on one instance; the plugins keep
// no mutable state and the host's callbacks are per call, so parallel plans equal a serial one.
TEST(ModalityPluginsTest, ConcurrentPlansThroughTheSamePluginsAgree) {
  json f = json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  f["trigger_points"] = {"quadratus_lumborum", "upper_back", "piriformis"};
  f["pregnant"] = true;  // a caution on the ear step, an exclusion for needling
  auto rules = testing::DefaultRules();
  auto findings = DecodeFindings(f, rules->vocabulary);
  ASSERT_TRUE(findings.ok()) << findings.status();
  const std::string expected = PlanToJson(MakePlan(*rules, *findings, PlanRequest{})).dump();
  std::vector<std::string> mismatches[4];
  std::vector<std::thread> threads;
  for (auto& out : mismatches) {
    threads.emplace_back([&, out = &out] {
      for (int i = 0; i < 200; ++i) {
        std::string got = PlanToJson(MakePlan(*rules, *findings, PlanRequest{})).dump();
        if (got != expected) out->push_back(std::move(got));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& out : mismatches) EXPECT_TRUE(out.empty()) << out.front();
}

}  // namespace
}  // namespace modalis
