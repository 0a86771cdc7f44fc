// Which rule set serves a clinic and condition: its own, else the platform's, never the platform's
// in place of its own broken one, and compiled sets shared by hash.
#include "core/rules/live_rule_sets.h"

#include <gtest/gtest.h>

namespace modalis {
namespace {

std::shared_ptr<const CompiledRuleSet> Set(const std::string& id, const std::string& sha256) {
  auto rules = std::make_shared<CompiledRuleSet>();
  rules->id = id;
  rules->version = "1";
  rules->sha256 = sha256;
  return rules;
}

TEST(LiveRuleSetsTest, AClinicWithoutItsOwnIsServedThePlatformsAndItsOwnWins) {
  LiveRuleSets live("lower-back-pain");
  live.Put("default", Set("lower-back-pain", "p1"));
  EXPECT_EQ((*live.Resolve("north", ""))->sha256, "p1");
  EXPECT_EQ((*live.Resolve("north", "lower-back-pain"))->sha256, "p1");
  live.Put("north", Set("lower-back-pain", "n1"));
  EXPECT_EQ((*live.Resolve("north", ""))->sha256, "n1");
  EXPECT_EQ((*live.Resolve("south", ""))->sha256, "p1");
  EXPECT_EQ((*live.Resolve("default", ""))->sha256, "p1");
}

TEST(LiveRuleSetsTest, AnUnknownConditionNamesThoseTheClinicHas) {
  LiveRuleSets live("lower-back-pain");
  live.Put("default", Set("lower-back-pain", "p1"));
  live.Put("north", Set("neck-pain", "n1"));
  auto refused = live.Resolve("south", "neck-pain");
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "there is no rule set for the condition 'neck-pain' in this clinic; it has "
            "'lower-back-pain'");
  EXPECT_EQ((*live.Resolve("north", "neck-pain"))->sha256, "n1");
  auto shoulder = live.Resolve("north", "shoulder");
  EXPECT_NE(shoulder.status().message().find("it has 'lower-back-pain', 'neck-pain'"),
            std::string::npos)
      << shoulder.status();
}

TEST(LiveRuleSetsTest, AClinicsBrokenSetIsRefusedNotReplacedByThePlatforms) {
  LiveRuleSets live("lower-back-pain");
  live.Put("default", Set("lower-back-pain", "p1"));
  live.PutBroken("north", "lower-back-pain", "needs the plugin dry_needling");
  auto refused = live.Resolve("north", "");
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(), "needs the plugin dry_needling");
  live.Put("north", Set("lower-back-pain", "n2"));
  EXPECT_EQ((*live.Resolve("north", ""))->sha256, "n2");
}

TEST(LiveRuleSetsTest, CompiledSetsAreSharedByHashWhileSomethingServesThem) {
  LiveRuleSets live("lower-back-pain");
  auto platform = Set("lower-back-pain", "p1");
  live.Put("default", platform);
  for (int i = 0; i < 100; ++i) live.Put("clinic-" + std::to_string(i), live.FindCompiled("p1"));
  EXPECT_EQ(live.FindCompiled("p1").get(), platform.get());
  EXPECT_EQ(platform.use_count(), 1 + 2 * 101);  // ours, and the 101 entries (served and base)
  EXPECT_EQ(live.FindCompiled("nope"), nullptr);
  // Replaced everywhere and released by its last holder: no longer found.
  std::weak_ptr<const CompiledRuleSet> weak = platform;
  platform.reset();
  live.Put("default", Set("lower-back-pain", "p2"));
  for (int i = 0; i < 100; ++i) live.Put("clinic-" + std::to_string(i), live.FindCompiled("p2"));
  EXPECT_TRUE(weak.expired());
  EXPECT_EQ(live.FindCompiled("p1"), nullptr);
}

TEST(LiveRuleSetsTest, ListShowsOwnAndInheritedEntries) {
  LiveRuleSets live("lower-back-pain");
  live.Put("default", Set("lower-back-pain", "p1"));
  live.Put("default", Set("neck-pain", "p2"));
  live.Put("north", Set("neck-pain", "n1"));
  auto north = live.List("north");
  ASSERT_EQ(north.size(), 2u);
  EXPECT_EQ(north[0].condition, "neck-pain");
  EXPECT_FALSE(north[0].from_platform);
  EXPECT_EQ(north[1].condition, "lower-back-pain");
  EXPECT_TRUE(north[1].from_platform);
  EXPECT_EQ(live.List("").size(), 3u);
  EXPECT_EQ(live.List("default").size(), 2u);
}

}  // namespace
}  // namespace modalis
