// Rule sets in SQLite files: a hash kept without its content by an older release gets it when
// published, and files of schema versions 4 and 5 migrate and take published and activated rule
// sets. How rule sets behave is checked on every backend in
// tests/unit/store/conformance/rule_sets_test.cc.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using testing::Activation;
using testing::Published;
using testing::RuleSetContent;
using testing::SamplePlan;

constexpr char kBackPain[] = "lower-back-pain";

std::unique_ptr<Store> Open(const std::string& path) {
  auto store = OpenSqliteStore(path, {});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

int SchemaVersion(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

// Only an SQLite file can hold a rule set's hash without its content: migration 2 recorded so the
// rule sets of plans stored before contents were kept.
TEST(SqliteRuleSetsTest, PublishingFillsInTheContentOfAHashKeptWithoutIt) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateClinic({"north", "North Side Physio", 0}).ok());
  const RuleSetRecord v1 = RuleSetContent(kBackPain, "1.0.0");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    SQLite::Statement add(
        db,
        "INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms) "
        "VALUES (?, '', '', NULL, 1)");
    add.bind(1, v1.sha256);
    add.exec();
  }
  EXPECT_EQ(store->GetPublishedRuleSet("north", v1.sha256).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store->PublishRuleSet(Published(v1, "north")).ok());
  auto content = store->GetPublishedRuleSet("north", v1.sha256);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(content->id, kBackPain);
  EXPECT_EQ(content->version, "1.0.0");
  ASSERT_NE(content->canonical_source, nullptr);
  EXPECT_EQ(*content->canonical_source, *v1.canonical_source);
  EXPECT_TRUE(store->ActivateRuleSet(Activation("north", kBackPain, v1, "")).ok());
}

// A store of schema version 5 (clinics, no published rule sets) opens in place: its plans and
// chain are kept, a copy of it is taken first, and rule sets can be published and activated.
TEST(SqliteRuleSetsMigrationTest, AStoreOfSchemaVersion5GetsTheRuleSetTables) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  IntegrityReport before;
  {
    auto store = Open(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1", "req-1")).ok());
    before = *store->Verify();
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(R"sql(
      DROP INDEX plans_replay;
      ALTER TABLE plans DROP COLUMN replay_input;
      ALTER TABLE plans DROP COLUMN replay_format;
      DROP INDEX plans_clinic_time;
      DROP TABLE clinic_profiles;
      DROP TABLE activations;
      DROP TABLE published_rule_sets;
      PRAGMA user_version = 5;)sql");
  }
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  struct stat st {};
  EXPECT_EQ(::stat((path + ".pre-v8").c_str(), &st), 0) << "no copy taken before migrating";
  EXPECT_EQ(SchemaVersion(path), 8);
  EXPECT_EQ(SchemaVersion(path + ".pre-v8"), 5);
  EXPECT_TRUE(store->GetPlan("default", "pl_1").ok());
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->chains, before.chains);

  // The plan's rule set was kept with its content: publishing it stores nothing twice.
  const NewPlan sample = SamplePlan("pl_x");
  ASSERT_TRUE(store->PublishRuleSet(Published(sample.rule_set, "default")).ok());
  auto listed = store->ListPublishedRuleSets("default");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].rule_set.id, "lbp");
  auto activated = store->ActivateRuleSet(Activation("default", "lbp", sample.rule_set, ""));
  EXPECT_TRUE(activated.ok()) << activated.status();
}

// The store written by the release before clinics (tests/data/store/schema-v4.db; see
// tests/integration/store_migration_test.cc) migrates through every version to the current one.
TEST(SqliteRuleSetsMigrationTest, TheSchemaVersion4StoreMigratesToTheCurrentSchema) {
  testing::TempDir dir;
  const std::string path = dir.file("modalis.db");
  std::filesystem::copy_file(testing::DataFile("store/schema-v4.db"), path);
  ::chmod(path.c_str(), 0600);
  constexpr char kHead[] = "2e8a2511c80e372af2b564c91c1e10564b694b8c1c71d22271e76018b5dbe315";
  constexpr char kRuleSet[] = "3f7bdf4984e38d6399d9256a8232036e78adab40aa0818dee8fd089939db9362";

  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(SchemaVersion(path), 8);
  EXPECT_EQ(SchemaVersion(path + ".pre-v8"), 4);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
  ASSERT_EQ(report->chains.size(), 1u);
  EXPECT_EQ(report->chains[0], (AuditChain{"default", 4, kHead}));

  // Its rule set was kept by content but never published.
  EXPECT_EQ(store->GetPublishedRuleSet("default", kRuleSet).status().code(),
            absl::StatusCode::kNotFound);
  auto live = store->LiveActivations();
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_TRUE(live->empty());

  const RuleSetRecord next = RuleSetContent(kBackPain, "0.4.0");
  ASSERT_TRUE(store->PublishRuleSet(Published(next, std::string(kPlatformOwner))).ok());
  auto activated = store->ActivateRuleSet(Activation("default", kBackPain, next, ""));
  ASSERT_TRUE(activated.ok()) << activated.status();
  report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->chains[0].head, kHead);
}

}  // namespace
}  // namespace modalis
