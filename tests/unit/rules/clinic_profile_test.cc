// A clinic profile changes settings and nothing else: the parser and the shipped schema
// (rules/schema/clinic-profile.schema.json) accept and refuse the same documents, a profile that
// tries to carry a rule, an exclusion or a referral is refused, and applying one changes exactly
// the settings it names, in the set a clinic is served.
#include "core/rules/clinic_profile.h"

#include <gtest/gtest.h>

#include "core/rules/live_rule_sets.h"
#include "tests/support/schema_check.h"

namespace modalis {
namespace {

using json = nlohmann::json;

const char* kGood = R"({
  "$schema": "schema/clinic-profile.schema.json",
  "session_minutes": 45,
  "qualifications": ["dry_needling"],
  "modality_minutes": {"myofascial_release": 25},
  "advice_texts": {"desk_setup": "Raise the screen to eye level."},
  "minimal_important_change": {"points": 3, "percent": 25}
})";

std::string Problems(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  auto profile = ParseClinicProfile(text, "north.profile.json", &diagnostics);
  std::string out;
  for (const auto& d : diagnostics) out += d.ToString() + "\n";
  if (!profile && out.empty()) out = "refused without a reason";
  return out;
}

TEST(ClinicProfileTest, AGoodProfileIsReadAndKeptCanonically) {
  std::vector<Diagnostic> diagnostics;
  auto profile = ParseClinicProfile(kGood, "p.json", &diagnostics);
  ASSERT_TRUE(profile) << diagnostics[0].ToString();
  EXPECT_EQ(profile->session_minutes, 45u);
  EXPECT_EQ(*profile->qualifications, std::vector<std::string>{"dry_needling"});
  EXPECT_EQ(profile->modality_minutes.at("myofascial_release"), 25u);
  EXPECT_EQ(*profile->mic_points, 3);
  EXPECT_EQ(profile->canonical.find("$schema"), std::string::npos);
  EXPECT_EQ(profile->canonical.find(' '), profile->canonical.find("Raise") + 5);  // no padding
  EXPECT_EQ(testing::SchemaProblems(json::parse(kGood), "schema/clinic-profile.schema.json"), "");
}

// Each row breaks the good profile one way; the parser and the schema must both refuse it.
TEST(ClinicProfileTest, TheParserAndTheSchemaRefuseTheSameMistakes) {
  const std::vector<std::pair<std::string, json>> rows = {
      {"/session_minutes", 4},
      {"/session_minutes", 45.5},
      {"/qualifications", "dry_needling"},
      {"/qualifications/0", ""},
      {"/modality_minutes/myofascial_release", 0},
      {"/advice_texts/desk_setup", ""},
      {"/minimal_important_change/points", 0},
      {"/minimal_important_change/percent", 101},
      {"/minimal_important_change/days", 3},
      {"/sessionminutes", 45},
      {"/rules", json::array()},
      {"/exclusions", json::array({{{"modality", "dry_needling"}}})},
      {"/referral", json::object()},
      {"/required_screen", json::array()},
  };
  for (const auto& [pointer, value] : rows) {
    SCOPED_TRACE(pointer + " = " + value.dump());
    json doc = json::parse(kGood);
    doc[json::json_pointer(pointer)] = value;
    EXPECT_NE(Problems(doc.dump()), "");
    EXPECT_NE(testing::SchemaProblems(doc, "schema/clinic-profile.schema.json"), "");
  }
}

TEST(ClinicProfileTest, AProfileCannotCarryARuleAnExclusionOrAReferral) {
  const std::string out = Problems(R"({"session_minutes": 45,
                   "rules": [{"id": "no-referral", "when": {"finding": "rf_saddle_anaesthesia",
                             "is": true}, "then": {"suggest": "dry_needling"}}]})");
  EXPECT_NE(out.find("north.profile.json:2:"), std::string::npos) << out;
  EXPECT_NE(out.find("'rules' belongs to the rule set, not to a clinic profile"), std::string::npos)
      << out;
  EXPECT_NE(out.find("can never remove a rule, an exclusion, a screen or a referral"),
            std::string::npos)
      << out;
  EXPECT_NE(Problems(R"({"session_minuts": 45})").find("did you mean 'session_minutes'"),
            std::string::npos);
  EXPECT_NE(Problems("{\"session_minutes\": 45").find("north.profile.json:1:"), std::string::npos);
}

std::shared_ptr<const CompiledRuleSet> Set(const std::string& sha256) {
  auto rules = std::make_shared<CompiledRuleSet>();
  rules->id = "lower-back-pain";
  rules->version = "0.3.0";
  rules->sha256 = sha256;
  rules->clinic.session_minutes = 60;
  rules->clinic.qualifications = {"dry_needling", "acupuncture"};
  rules->clinic.modality_minutes = {{"myofascial_release", 20}};
  rules->modalities["myofascial_release"] = BoundModality{};
  rules->advice_texts = {{"desk_setup", "Set up your desk."}, {"stay_active", "Keep moving."}};
  return rules;
}

ClinicProfile Parsed(const std::string& text, int64_t version) {
  std::vector<Diagnostic> diagnostics;
  auto profile = ParseClinicProfile(text, "p.json", &diagnostics);
  EXPECT_TRUE(profile);
  profile->version = version;
  return *profile;
}

TEST(ClinicProfileTest, ApplyingChangesTheNamedSettingsOnlyAndNamesTheVersion) {
  auto base = Set("p1");
  auto applied = ApplyProfile(*base, Parsed(kGood, 3));
  EXPECT_EQ(applied->version, "0.3.0+profile.3");
  EXPECT_EQ(applied->sha256, "p1");
  EXPECT_EQ(applied->clinic.session_minutes, 45u);
  EXPECT_EQ(applied->clinic.qualifications, std::vector<std::string>{"dry_needling"});
  EXPECT_EQ(applied->clinic.modality_minutes.at("myofascial_release"), 25u);
  EXPECT_EQ(applied->advice_texts.at("desk_setup"), "Raise the screen to eye level.");
  EXPECT_EQ(applied->advice_texts.at("stay_active"), "Keep moving.");
  EXPECT_EQ(applied->progress.mic_points, 3);
  EXPECT_EQ(applied->progress.mic_percent, 25);
  EXPECT_EQ(base->clinic.session_minutes, 60u);  // the shared set is untouched
  // A code the set does not have changes nothing in it (another condition's set may have it),
  // and is an error only when no set serving the clinic has it.
  ClinicProfile other = Parsed(R"({"advice_texts": {"neck_posture": "Chin in."}})", 4);
  EXPECT_EQ(ApplyProfile(*base, other)->advice_texts.count("neck_posture"), 0u);
  auto problems = CheckProfileAgainst(other, "p.json", {base});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.pointer, "/advice_texts/neck_posture");
  EXPECT_TRUE(CheckProfileAgainst(Parsed(kGood, 1), "p.json", {base}).empty());
}

TEST(ClinicProfileTest, AClinicsProfileAppliesToItsOwnAndToThePlatformsSetOnlyForIt) {
  LiveRuleSets live("lower-back-pain");
  live.Put("default", Set("p1"));
  live.SetProfile("north", std::make_shared<const ClinicProfile>(Parsed(kGood, 1)));
  EXPECT_EQ((*live.Resolve("north", ""))->clinic.session_minutes, 45u);
  EXPECT_EQ((*live.Resolve("south", ""))->clinic.session_minutes, 60u);
  EXPECT_EQ((*live.Resolve("default", ""))->clinic.session_minutes, 60u);
  // The platform changes its set: north keeps its settings on the new one.
  live.Put("default", Set("p2"));
  EXPECT_EQ((*live.Resolve("north", ""))->sha256, "p2");
  EXPECT_EQ((*live.Resolve("north", ""))->version, "0.3.0+profile.1");
  // North's own set gets the profile too; removing the profile restores the set's settings.
  live.Put("north", Set("n1"));
  EXPECT_EQ((*live.Resolve("north", ""))->clinic.session_minutes, 45u);
  live.SetProfile("north", nullptr);
  EXPECT_EQ((*live.Resolve("north", ""))->clinic.session_minutes, 60u);
  EXPECT_EQ((*live.Resolve("north", ""))->version, "0.3.0");
  // A clinic whose stored profile cannot be applied is refused, not planned without it.
  live.RefuseClinic("south", "the profile of clinic 'south' cannot be read");
  EXPECT_EQ(live.Resolve("south", "").status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace modalis
