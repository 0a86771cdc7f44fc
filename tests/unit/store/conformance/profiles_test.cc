// Clinic profiles versioned per clinic (platform.md §2), on every backend: each change appends a
// version, the latest is live, a change made from a stale view of the live version is refused, a
// clinic never sees another's profile, and all of it survives a restart.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/sha256.h"
#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::Profile;
using testing::SamplePlan;
using testing::SessionsProfile;

class StoreProfilesTest : public testing::StoreConformance {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_TRUE(store_->CreateClinic({"north", "North Side Physio", 0}).ok());
    ASSERT_TRUE(store_->CreateClinic({"south", "", 0}).ok());
  }

  // The clinic's versions, newest first, as "version:profile_json".
  std::vector<std::string> Versions(const std::string& clinic) {
    auto versions = store_->ListClinicProfileVersions(clinic);
    EXPECT_TRUE(versions.ok()) << versions.status();
    std::vector<std::string> out;
    if (!versions.ok()) return out;
    for (const auto& p : *versions) out.push_back(std::to_string(p.version) + ":" + p.profile_json);
    return out;
  }

  int64_t Rows() { return QueryInt("SELECT count(*) FROM clinic_profiles"); }

  std::unique_ptr<Store> store_;
};

TEST_P(StoreProfilesTest, TheFirstProfileIsVersion1) {
  EXPECT_EQ(store_->GetClinicProfile("north").value(), std::nullopt);

  auto first =
      store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0, 1000, "ana", "pilot"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->clinic_id, "north");
  EXPECT_EQ(first->profile_json, SessionsProfile(8));
  EXPECT_EQ(first->sha256, Sha256Hex(SessionsProfile(8)));
  EXPECT_EQ(first->author, "ana");
  EXPECT_EQ(first->comment, "pilot");
  EXPECT_EQ(first->set_at_ms, 1000);
  EXPECT_EQ(first->expected_version, std::optional<int64_t>(0));  // as given

  auto live = store_->GetClinicProfile("north");
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_TRUE(live->has_value());
  const ClinicProfileRecord& p = **live;
  EXPECT_EQ(p.version, 1);
  EXPECT_EQ(p.clinic_id, "north");
  EXPECT_EQ(p.profile_json, SessionsProfile(8));
  EXPECT_EQ(p.sha256, Sha256Hex(SessionsProfile(8)));
  EXPECT_EQ(p.author, "ana");
  EXPECT_EQ(p.comment, "pilot");
  EXPECT_EQ(p.set_at_ms, 1000);
  EXPECT_FALSE(p.expected_version.has_value());  // a write's condition, never stored

  // Without a time, the store's clock.
  auto second = store_->SetClinicProfile(Profile("north", SessionsProfile(10), 1));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->set_at_ms, 1000);
}

TEST_P(StoreProfilesTest, AChangeFromAStaleViewIsAbortedAndAppendsNothing) {
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0)).ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(10), 1)).ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(12), 2)).ok());

  // Someone who read version 2.
  const auto stale = store_->SetClinicProfile(Profile("north", SessionsProfile(6), 2));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(std::string(stale.status().message()),
            "the profile of clinic 'north' is now at version 3, not 2: someone changed it since; "
            "read it again and try again");
  // Someone who still saw none, and someone ahead of the store.
  for (const int64_t expected : {0, 4}) {
    const auto other = store_->SetClinicProfile(Profile("north", SessionsProfile(6), expected));
    EXPECT_EQ(other.status().code(), absl::StatusCode::kAborted) << expected;
    EXPECT_NE(other.status().message().find("is now at version 3, not " + std::to_string(expected)),
              std::string::npos)
        << other.status();
  }
  EXPECT_EQ(Versions("north"),
            (std::vector<std::string>{"3:" + SessionsProfile(12), "2:" + SessionsProfile(10),
                                      "1:" + SessionsProfile(8)}));
  EXPECT_EQ(Rows(), 3);

  // Read again, then the change goes through.
  auto current = store_->SetClinicProfile(Profile("north", SessionsProfile(6), 3));
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->version, 4);
}

TEST_P(StoreProfilesTest, OfTwoChangesFromTheSameViewOneIsRefused) {
  // Queued together, so they are likely applied in one batch.
  std::promise<absl::StatusOr<ClinicProfileRecord>> a, b;
  store_->SetClinicProfileAsync(Profile("north", SessionsProfile(8), 0),
                                [&a](auto result) { a.set_value(std::move(result)); });
  store_->SetClinicProfileAsync(Profile("north", SessionsProfile(10), 0),
                                [&b](auto result) { b.set_value(std::move(result)); });
  const auto first = a.get_future().get();
  const auto second = b.get_future().get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Versions("north"), std::vector<std::string>{"1:" + SessionsProfile(8)});
}

TEST_P(StoreProfilesTest, WithoutAnExpectationTheChangeIsUnconditional) {
  auto first = store_->SetClinicProfile(Profile("north", SessionsProfile(8), std::nullopt));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 1);
  EXPECT_FALSE(first->expected_version.has_value());
  auto second = store_->SetClinicProfile(Profile("north", SessionsProfile(10), std::nullopt));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->version, 2);
  // The same content again is a version of its own.
  auto same = store_->SetClinicProfile(Profile("north", SessionsProfile(10), std::nullopt));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->version, 3);
  EXPECT_EQ(Versions("north"),
            (std::vector<std::string>{"3:" + SessionsProfile(10), "2:" + SessionsProfile(10),
                                      "1:" + SessionsProfile(8)}));
}

TEST_P(StoreProfilesTest, VersionsAreListedNewestFirstAndGoingBackIsANewVersion) {
  ASSERT_TRUE(
      store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0, 1000, "ana", "one")).ok());
  ASSERT_TRUE(
      store_->SetClinicProfile(Profile("north", SessionsProfile(10), 1, 2000, "ben", "two")).ok());
  // Going back to version 1: its content set again.
  auto back =
      store_->SetClinicProfile(Profile("north", SessionsProfile(8), 2, 3000, "ana", "back"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, 3);

  auto versions = store_->ListClinicProfileVersions("north");
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->size(), 3u);
  const auto& v = *versions;  // newest first
  EXPECT_EQ(v[0].version, 3);
  EXPECT_EQ(v[0].profile_json, SessionsProfile(8));
  EXPECT_EQ(v[0].author, "ana");
  EXPECT_EQ(v[0].comment, "back");
  EXPECT_EQ(v[0].set_at_ms, 3000);
  EXPECT_EQ(v[1].version, 2);
  EXPECT_EQ(v[1].profile_json, SessionsProfile(10));
  EXPECT_EQ(v[1].sha256, Sha256Hex(SessionsProfile(10)));
  EXPECT_EQ(v[1].author, "ben");
  EXPECT_EQ(v[1].comment, "two");
  EXPECT_EQ(v[1].set_at_ms, 2000);
  EXPECT_EQ(v[2].version, 1);
  EXPECT_EQ(v[2].comment, "one");
  for (const auto& p : v) {
    EXPECT_EQ(p.clinic_id, "north");
    EXPECT_FALSE(p.expected_version.has_value());
  }

  auto live = store_->GetClinicProfile("north");
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->version, 3);
  EXPECT_EQ((*live)->comment, "back");
}

TEST_P(StoreProfilesTest, EachClinicHasItsOwnVersionsAndSeesNoOthers) {
  ASSERT_TRUE(store_->CreateClinic({"east", "", 0}).ok());
  // South first and north last: the live profiles are by clinic, not by when they were set.
  ASSERT_TRUE(store_->SetClinicProfile(Profile("south", SessionsProfile(6), 0)).ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0)).ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(10), 1)).ok());
  // South's versions count on their own: north's two do not make south's live version 2.
  auto south2 = store_->SetClinicProfile(Profile("south", SessionsProfile(7), 1));
  ASSERT_TRUE(south2.ok()) << south2.status();
  EXPECT_EQ(south2->version, 2);
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(12), 2)).ok());

  auto live = store_->LiveClinicProfiles();
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_EQ(live->size(), 2u);
  const auto& l = *live;
  EXPECT_EQ(l[0].clinic_id, "north");
  EXPECT_EQ(l[0].version, 3);
  EXPECT_EQ(l[0].profile_json, SessionsProfile(12));
  EXPECT_EQ(l[1].clinic_id, "south");
  EXPECT_EQ(l[1].version, 2);
  EXPECT_EQ(l[1].profile_json, SessionsProfile(7));

  EXPECT_EQ(Versions("north"),
            (std::vector<std::string>{"3:" + SessionsProfile(12), "2:" + SessionsProfile(10),
                                      "1:" + SessionsProfile(8)}));
  EXPECT_EQ(Versions("south"),
            (std::vector<std::string>{"2:" + SessionsProfile(7), "1:" + SessionsProfile(6)}));
  auto south = store_->GetClinicProfile("south");
  ASSERT_TRUE(south.ok()) << south.status();
  ASSERT_TRUE(south->has_value());
  EXPECT_EQ((*south)->clinic_id, "south");
  EXPECT_EQ((*south)->profile_json, SessionsProfile(7));

  // A clinic without a profile sees none of the others'.
  auto east = store_->GetClinicProfile("east");
  ASSERT_TRUE(east.ok()) << east.status();
  EXPECT_EQ(*east, std::nullopt);
  EXPECT_TRUE(Versions("east").empty());
}

TEST_P(StoreProfilesTest, AClinicNobodyCreatedIsRefused) {
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0)).ok());
  for (const std::optional<int64_t> expected :
       {std::optional<int64_t>(0), std::optional<int64_t>()}) {
    const auto west = store_->SetClinicProfile(Profile("west", SessionsProfile(8), expected));
    EXPECT_EQ(west.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(west.status().message().find("there is no clinic 'west'"), std::string::npos)
        << west.status();
  }
  // Reading it is not an error: it has nothing.
  auto got = store_->GetClinicProfile("west");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, std::nullopt);
  EXPECT_TRUE(Versions("west").empty());
  auto live = store_->LiveClinicProfiles();
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].clinic_id, "north");
  EXPECT_EQ(Rows(), 1);
}

TEST_P(StoreProfilesTest, AProfileNeedsItsContentAndItsHash) {
  ClinicProfileRecord no_content = Profile("north", SessionsProfile(8), 0);
  no_content.profile_json.clear();
  ClinicProfileRecord no_hash = Profile("north", SessionsProfile(8), 0);
  no_hash.sha256.clear();
  for (const ClinicProfileRecord* p : {&no_content, &no_hash}) {
    const auto refused = store_->SetClinicProfile(*p);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  }
  EXPECT_TRUE(Versions("north").empty());
  EXPECT_EQ(Rows(), 0);
}

TEST_P(StoreProfilesTest, ProfilesSurviveCloseAndReopen) {
  ASSERT_TRUE(
      store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0, 1000, "ana", "pilot")).ok());
  auto second = store_->SetClinicProfile(
      Profile("north", SessionsProfile(10), 1, 2000, "ben", "more sessions"));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(store_->SetClinicProfile(Profile("south", SessionsProfile(6), 0, 3000)).ok());
  store_->Close();
  store_.reset();

  store_ = Open();
  EXPECT_EQ(Versions("north"),
            (std::vector<std::string>{"2:" + SessionsProfile(10), "1:" + SessionsProfile(8)}));
  auto live = store_->LiveClinicProfiles();
  ASSERT_TRUE(live.ok()) << live.status();
  ASSERT_EQ(live->size(), 2u);
  const ClinicProfileRecord& north = (*live)[0];
  EXPECT_EQ(north.clinic_id, "north");
  EXPECT_EQ(north.version, second->version);
  EXPECT_EQ(north.profile_json, second->profile_json);
  EXPECT_EQ(north.sha256, second->sha256);
  EXPECT_EQ(north.author, "ben");
  EXPECT_EQ(north.comment, "more sessions");
  EXPECT_EQ(north.set_at_ms, 2000);
  EXPECT_EQ((*live)[1].clinic_id, "south");

  // The live version is still known: a stale view is still refused, a current one accepted.
  EXPECT_EQ(store_->SetClinicProfile(Profile("north", SessionsProfile(12), 1)).status().code(),
            absl::StatusCode::kAborted);
  auto third = store_->SetClinicProfile(Profile("north", SessionsProfile(12), 2));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->version, 3);
}

TEST_P(StoreProfilesTest, ProfilesAreNotInTheAuditChain) {
  ASSERT_TRUE(store_->PutPlan(SamplePlan("pl_1")).ok());
  const auto before = store_->Verify();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("default", SessionsProfile(8), 0)).ok());
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0)).ok());
  const auto after = store_->Verify();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->ok()) << after->problems[0];
  EXPECT_EQ(after->chains, before->chains);
  EXPECT_EQ(after->audit_records, 1);
}

TEST_P(StoreProfilesTest, VerifyReportsAProfileOfAClinicThatDoesNotExist) {
  ASSERT_TRUE(store_->SetClinicProfile(Profile("north", SessionsProfile(8), 0)).ok());
  TamperSql("UPDATE clinic_profiles SET clinic_id = 'ghost'");
  auto report = store_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("of clinic_profiles references a missing clinics row"),
            std::string::npos)
      << report->problems[0];
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreProfilesTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
