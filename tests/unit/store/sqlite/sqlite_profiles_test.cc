// Clinic profiles in an SQLite file that an older release wrote: it migrates and takes a profile.
// How profiles behave is checked on every backend in tests/unit/store/conformance/profiles_test.cc.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using testing::Profile;
using testing::SessionsProfile;

std::unique_ptr<Store> Open(const std::string& path) {
  auto store = OpenSqliteStore(path, {});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

int SchemaVersion(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

// The store written by the release before clinics (tests/data/store/schema-v4.db; see
// tests/integration/store_migration_test.cc) migrates to the current schema and takes profiles.
TEST(SqliteProfilesMigrationTest, TheSchemaVersion4StoreMigratesAndTakesAProfile) {
  testing::TempDir dir;
  const std::string path = dir.file("modalis.db");
  std::filesystem::copy_file(testing::DataFile("store/schema-v4.db"), path);
  ::chmod(path.c_str(), 0600);
  constexpr char kHead[] = "2e8a2511c80e372af2b564c91c1e10564b694b8c1c71d22271e76018b5dbe315";

  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(SchemaVersion(path), 8);
  auto none = store->GetClinicProfile("default");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, std::nullopt);
  auto live = store->LiveClinicProfiles();
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_TRUE(live->empty());

  auto set = store->SetClinicProfile(Profile("default", SessionsProfile(8), 0));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->version, 1);
  auto got = store->GetClinicProfile("default");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->profile_json, SessionsProfile(8));
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
  ASSERT_EQ(report->chains.size(), 1u);
  EXPECT_EQ(report->chains[0], (AuditChain{"default", 4, kHead}));
}

}  // namespace
}  // namespace modalis
