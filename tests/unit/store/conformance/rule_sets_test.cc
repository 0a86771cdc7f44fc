// Rule sets on every backend: the one a server last put live (its fallback when its rule files
// are broken), and rule sets published per owner and activated per clinic and condition
// (platform.md §2): a clinic uses its own rule sets and the platform's, never another clinic's; an
// activation made from a stale view of what is live is refused; the history is complete, so a
// rollback is an activation of an earlier hash; and all of it survives a restart.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::Activation;
using testing::Published;
using testing::RuleSetContent;
using testing::SamplePlan;

constexpr char kBackPain[] = "lower-back-pain";
constexpr char kNeckPain[] = "neck-pain";

class StoreRuleSetsTest : public testing::StoreConformance {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_TRUE(store_->CreateClinic({"north", "North Side Physio", 0}).ok());
    ASSERT_TRUE(store_->CreateClinic({"south", "", 0}).ok());
  }

  std::vector<std::string> History(const std::string& clinic) {
    auto history = store_->ListActivations(clinic);
    EXPECT_TRUE(history.ok()) << history.status();
    std::vector<std::string> out;
    if (!history.ok()) return out;
    for (const auto& a : *history) out.push_back(a.sha256);
    return out;
  }

  std::unique_ptr<Store> store_;
  const RuleSetRecord v1_ = RuleSetContent(kBackPain, "1.0.0");
  const RuleSetRecord v2_ = RuleSetContent(kBackPain, "1.1.0");
};

RuleSetRecord ServedRuleSet(char sha, const std::string& version, const std::string& content) {
  return RuleSetRecord{std::string(64, sha), "lower-back-pain", version,
                       std::make_shared<const std::string>(content)};
}

// What a server falls back to when its rule files are broken at start: the last set that went
// live, kept across restarts, content and all.
TEST_P(StoreRuleSetsTest, LastServedRuleSetIsTheLatestRecordedAndSurvivesReopen) {
  auto none = store_->LastServedRuleSet();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->RecordServedRuleSet(ServedRuleSet('a', "1", "first")).ok());
  ASSERT_TRUE(store_->RecordServedRuleSet(ServedRuleSet('b', "2", "second")).ok());
  // A restart with the same rules records nothing new.
  ASSERT_TRUE(store_->RecordServedRuleSet(ServedRuleSet('b', "2", "second")).ok());
  // A rule set stored earlier with a plan is not stored twice.
  ASSERT_TRUE(store_->PutPlan(SamplePlan("pl_1")).ok());
  store_->Close();
  store_.reset();

  store_ = Open();
  auto last = store_->LastServedRuleSet();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->sha256, std::string(64, 'b'));
  EXPECT_EQ((*last)->version, "2");
  EXPECT_EQ(*(*last)->canonical_source, "second");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM served_rule_sets"), 2);
  // Content is required the first time a rule set is seen.
  RuleSetRecord unknown = ServedRuleSet('c', "3", "");
  unknown.canonical_source = nullptr;
  EXPECT_EQ(store_->RecordServedRuleSet(unknown).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreRuleSetsTest, PublishingAgainIsANoOpThatKeepsTheFirstRecord) {
  auto first = store_->PublishRuleSet(Published(v1_, "north", 1000, "ana", "first audit"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first);
  auto again = store_->PublishRuleSet(Published(v1_, "north", 2000, "ben", "again"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);

  auto listed = store_->ListPublishedRuleSets("north");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  const PublishedRuleSet& p = (*listed)[0];
  EXPECT_EQ(p.rule_set.sha256, v1_.sha256);
  EXPECT_EQ(p.rule_set.id, kBackPain);
  EXPECT_EQ(p.rule_set.version, "1.0.0");
  EXPECT_EQ(p.rule_set.canonical_source, nullptr);  // listings leave the content out
  EXPECT_EQ(p.owner, "north");
  EXPECT_EQ(p.author, "ana");
  EXPECT_EQ(p.comment, "first audit");
  EXPECT_EQ(p.published_at_ms, 1000);

  auto content = store_->GetPublishedRuleSet("north", v1_.sha256);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(content->id, kBackPain);
  EXPECT_EQ(content->version, "1.0.0");
  ASSERT_NE(content->canonical_source, nullptr);
  EXPECT_EQ(*content->canonical_source, *v1_.canonical_source);

  // Another owner publishing the same content has a record of its own; the content is kept once.
  auto platform = store_->PublishRuleSet(Published(v1_, std::string(kPlatformOwner), 3000));
  ASSERT_TRUE(platform.ok()) << platform.status();
  EXPECT_TRUE(*platform);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM rule_sets"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM published_rule_sets"), 2);
}

TEST_P(StoreRuleSetsTest, PublishingTakesAClinicThatExistsAndTheContent) {
  const auto west = store_->PublishRuleSet(Published(v1_, "west"));
  EXPECT_EQ(west.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(west.status().message().find("there is no clinic 'west'"), std::string::npos)
      << west.status();

  RuleSetRecord no_content = v1_;
  no_content.canonical_source = nullptr;
  EXPECT_EQ(store_->PublishRuleSet(Published(no_content, "north")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  no_content.canonical_source = std::make_shared<const std::string>();
  EXPECT_EQ(store_->PublishRuleSet(Published(no_content, "north")).status().code(),
            absl::StatusCode::kFailedPrecondition);

  RuleSetRecord no_id = v1_;
  no_id.id.clear();
  EXPECT_EQ(store_->PublishRuleSet(Published(no_id, "north")).status().code(),
            absl::StatusCode::kInvalidArgument);

  for (const char* clinic : {"north", "west"}) {
    auto listed = store_->ListPublishedRuleSets(clinic);
    ASSERT_TRUE(listed.ok()) << listed.status();
    EXPECT_TRUE(listed->empty()) << clinic;
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM rule_sets"), 0);
}

TEST_P(StoreRuleSetsTest, ThePlatformsRuleSetsAreEveryClinicsAndAClinicsOwnAreNobodyElses) {
  const RuleSetRecord platform = v1_;
  const RuleSetRecord north_own = v2_;
  const RuleSetRecord unknown = RuleSetContent(kBackPain, "9.9.9");
  ASSERT_TRUE(store_->PublishRuleSet(Published(platform, std::string(kPlatformOwner), 1000)).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(north_own, "north", 2000)).ok());

  auto north = store_->ListPublishedRuleSets("north");
  ASSERT_TRUE(north.ok()) << north.status();
  ASSERT_EQ(north->size(), 2u);
  EXPECT_EQ((*north)[0].rule_set.sha256, north_own.sha256);  // newest first
  EXPECT_EQ((*north)[0].owner, "north");
  EXPECT_EQ((*north)[1].rule_set.sha256, platform.sha256);
  EXPECT_EQ((*north)[1].owner, kPlatformOwner);

  auto south = store_->ListPublishedRuleSets("south");
  ASSERT_TRUE(south.ok()) << south.status();
  ASSERT_EQ(south->size(), 1u);
  EXPECT_EQ((*south)[0].rule_set.sha256, platform.sha256);

  EXPECT_TRUE(store_->GetPublishedRuleSet("south", platform.sha256).ok());
  EXPECT_TRUE(store_->GetPublishedRuleSet("north", north_own.sha256).ok());

  // North's rule set is to south exactly what a hash nobody published is.
  const auto NotFound = [](const RuleSetRecord& r) {
    return "there is no published rule set " + r.sha256 + " for clinic 'south'";
  };
  for (const RuleSetRecord* r : {&north_own, &unknown}) {
    const auto got = store_->GetPublishedRuleSet("south", r->sha256);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(std::string(got.status().message()), NotFound(*r));
    const auto activated = store_->ActivateRuleSet(Activation("south", kBackPain, *r, ""));
    EXPECT_EQ(activated.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(std::string(activated.status().message()), NotFound(*r));
  }
  EXPECT_TRUE(History("south").empty());

  // Each may activate what it may use.
  EXPECT_TRUE(store_->ActivateRuleSet(Activation("south", kBackPain, platform, "")).ok());
  EXPECT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, north_own, "")).ok());
}

TEST_P(StoreRuleSetsTest, AnActivationFromAStaleViewIsAbortedAndAppendsNothing) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, "north")).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v2_, "north")).ok());

  auto first = store_->ActivateRuleSet(Activation("north", kBackPain, v1_, ""));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(first->seq, 0);
  EXPECT_EQ(first->clinic_id, "north");
  EXPECT_EQ(first->condition, kBackPain);
  EXPECT_EQ(first->sha256, v1_.sha256);
  EXPECT_EQ(first->replaced_sha256, "");
  EXPECT_EQ(first->author, "admin");
  EXPECT_GT(first->activated_at_ms, 0);

  // Someone who still sees nothing live.
  const auto stale = store_->ActivateRuleSet(Activation("north", kBackPain, v2_, ""));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(std::string(stale.status().message()),
            "the rule set live for clinic 'north', condition 'lower-back-pain' is now " +
                v1_.sha256 +
                ", not none: someone activated another since; reload the history and try again");
  // Someone who saw another hash live.
  const auto other = store_->ActivateRuleSet(Activation("north", kBackPain, v1_, v2_.sha256));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(other.status().message().find("is now " + v1_.sha256 + ", not " + v2_.sha256),
            std::string::npos)
      << other.status();
  EXPECT_EQ(History("north"), std::vector<std::string>{v1_.sha256});

  auto second = store_->ActivateRuleSet(Activation("north", kBackPain, v2_, v1_.sha256));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->seq, first->seq);
  EXPECT_EQ(second->replaced_sha256, v1_.sha256);
}

TEST_P(StoreRuleSetsTest, OfTwoActivationsFromTheSameViewOneIsRefused) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, "north")).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v2_, "north")).ok());
  // Queued together, so they are likely applied in one batch.
  std::promise<absl::StatusOr<RuleSetActivation>> a, b;
  store_->ActivateRuleSetAsync(Activation("north", kBackPain, v1_, ""),
                               [&a](auto result) { a.set_value(std::move(result)); });
  store_->ActivateRuleSetAsync(Activation("north", kBackPain, v2_, ""),
                               [&b](auto result) { b.set_value(std::move(result)); });
  const auto first = a.get_future().get();
  const auto second = b.get_future().get();
  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(History("north"), std::vector<std::string>{v1_.sha256});
}

TEST_P(StoreRuleSetsTest, WithoutAnExpectationTheActivationIsUnconditional) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, std::string(kPlatformOwner))).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v2_, std::string(kPlatformOwner))).ok());
  auto first = store_->ActivateRuleSet(Activation("north", kBackPain, v1_, std::nullopt));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->replaced_sha256, "");
  auto second = store_->ActivateRuleSet(Activation("north", kBackPain, v2_, std::nullopt));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->replaced_sha256, v1_.sha256);
  // The hash already live again (a restart with the same files): one more row, harmless.
  auto same = store_->ActivateRuleSet(Activation("north", kBackPain, v2_, std::nullopt));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->replaced_sha256, v2_.sha256);
  EXPECT_EQ(History("north"), (std::vector<std::string>{v2_.sha256, v2_.sha256, v1_.sha256}));
}

TEST_P(StoreRuleSetsTest, ARollbackIsAnActivationOfTheEarlierHash) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, "north")).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v2_, "north")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, v1_, "")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, v2_, v1_.sha256)).ok());
  auto rollback = store_->ActivateRuleSet(Activation("north", kBackPain, v1_, v2_.sha256));
  ASSERT_TRUE(rollback.ok()) << rollback.status();

  auto history = store_->ListActivations("north");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 3u);
  const auto& h = *history;  // newest first
  EXPECT_EQ(h[0].seq, rollback->seq);
  EXPECT_EQ(h[0].sha256, v1_.sha256);
  EXPECT_EQ(h[0].replaced_sha256, v2_.sha256);
  EXPECT_EQ(h[1].sha256, v2_.sha256);
  EXPECT_EQ(h[1].replaced_sha256, v1_.sha256);
  EXPECT_EQ(h[2].sha256, v1_.sha256);
  EXPECT_EQ(h[2].replaced_sha256, "");
  EXPECT_GT(h[0].seq, h[1].seq);
  EXPECT_GT(h[1].seq, h[2].seq);
  for (const auto& a : h) {
    EXPECT_EQ(a.clinic_id, "north");
    EXPECT_EQ(a.condition, kBackPain);
    EXPECT_FALSE(a.expected_live.has_value());
  }
  EXPECT_TRUE(History("south").empty());

  auto live = store_->LiveActivations();
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].sha256, v1_.sha256);
  EXPECT_EQ((*live)[0].seq, rollback->seq);
}

TEST_P(StoreRuleSetsTest, TheLiveActivationsAreTheLatestOfEachClinicAndCondition) {
  const RuleSetRecord neck = RuleSetContent(kNeckPain, "0.1.0");
  for (const RuleSetRecord* r : {&v1_, &v2_, &neck}) {
    ASSERT_TRUE(store_->PublishRuleSet(Published(*r, std::string(kPlatformOwner))).ok());
  }
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("south", kBackPain, v1_, "")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kNeckPain, neck, "")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, v1_, "")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, v2_, v1_.sha256)).ok());

  auto live = store_->LiveActivations();
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_EQ(live->size(), 3u);
  const auto& l = *live;  // by clinic, then condition
  EXPECT_EQ(l[0].clinic_id, "north");
  EXPECT_EQ(l[0].condition, kBackPain);
  EXPECT_EQ(l[0].sha256, v2_.sha256);
  EXPECT_EQ(l[0].replaced_sha256, v1_.sha256);
  EXPECT_EQ(l[1].clinic_id, "north");
  EXPECT_EQ(l[1].condition, kNeckPain);
  EXPECT_EQ(l[1].sha256, neck.sha256);
  EXPECT_EQ(l[2].clinic_id, "south");
  EXPECT_EQ(l[2].condition, kBackPain);
  EXPECT_EQ(l[2].sha256, v1_.sha256);

  // Conditions are live independently: north's neck-pain activation does not count for
  // lower-back-pain.
  EXPECT_EQ(History("north"), (std::vector<std::string>{v2_.sha256, v1_.sha256, neck.sha256}));
}

TEST_P(StoreRuleSetsTest, TheConditionIsTheRuleSetsId) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, "north")).ok());
  const auto wrong = store_->ActivateRuleSet(Activation("north", kNeckPain, v1_, ""));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("'lower-back-pain'"), std::string::npos)
      << wrong.status();
  EXPECT_NE(wrong.status().message().find("'neck-pain'"), std::string::npos) << wrong.status();
  EXPECT_TRUE(History("north").empty());
}

TEST_P(StoreRuleSetsTest, ActivatingForAClinicNobodyCreatedIsRefused) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, std::string(kPlatformOwner))).ok());
  const auto west = store_->ActivateRuleSet(Activation("west", kBackPain, v1_, ""));
  EXPECT_EQ(west.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(west.status().message().find("there is no clinic 'west'"), std::string::npos)
      << west.status();
  auto live = store_->LiveActivations();
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->empty());
}

TEST_P(StoreRuleSetsTest, PublicationsAndActivationsSurviveCloseAndReopen) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, std::string(kPlatformOwner), 1000)).ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v2_, "north", 2000, "ana", "stricter")).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("north", kBackPain, v1_, "")).ok());
  auto second = store_->ActivateRuleSet(Activation("north", kBackPain, v2_, v1_.sha256));
  ASSERT_TRUE(second.ok());
  store_->Close();
  store_.reset();

  store_ = Open();
  auto listed = store_->ListPublishedRuleSets("north");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].rule_set.sha256, v2_.sha256);
  EXPECT_EQ((*listed)[0].author, "ana");
  EXPECT_EQ((*listed)[0].comment, "stricter");
  EXPECT_EQ((*listed)[1].rule_set.sha256, v1_.sha256);
  auto content = store_->GetPublishedRuleSet("north", v2_.sha256);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content->canonical_source, *v2_.canonical_source);
  EXPECT_EQ(History("north"), (std::vector<std::string>{v2_.sha256, v1_.sha256}));
  auto live = store_->LiveActivations();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].seq, second->seq);
  EXPECT_EQ((*live)[0].comment, second->comment);
  EXPECT_EQ((*live)[0].activated_at_ms, second->activated_at_ms);

  // What is live is still known: a stale view is still refused, a current one accepted.
  EXPECT_EQ(
      store_->ActivateRuleSet(Activation("north", kBackPain, v1_, v1_.sha256)).status().code(),
      absl::StatusCode::kAborted);
  auto rollback = store_->ActivateRuleSet(Activation("north", kBackPain, v1_, v2_.sha256));
  ASSERT_TRUE(rollback.ok()) << rollback.status();
  EXPECT_GT(rollback->seq, second->seq);
}

TEST_P(StoreRuleSetsTest, ActivationsAreNotInTheAuditChain) {
  ASSERT_TRUE(store_->PutPlan(SamplePlan("pl_1")).ok());
  const auto before = store_->Verify();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, std::string(kPlatformOwner))).ok());
  ASSERT_TRUE(store_->ActivateRuleSet(Activation("default", kBackPain, v1_, "")).ok());
  const auto after = store_->Verify();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->ok()) << after->problems[0];
  EXPECT_EQ(after->chains, before->chains);
  EXPECT_EQ(after->audit_records, 1);
}

TEST_P(StoreRuleSetsTest, VerifyReportsAPublicationOfAClinicThatDoesNotExist) {
  ASSERT_TRUE(store_->PublishRuleSet(Published(v1_, "north")).ok());
  TamperSql("UPDATE published_rule_sets SET owner = 'ghost'");
  auto report = store_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("1 row(s) of published_rule_sets name the clinic 'ghost'"),
            std::string::npos)
      << report->problems[0];
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRuleSetsTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
