// Plans' questions in SQLite files: a store of schema version 7 (before plans kept them) opens in
// place, its plans without one and new plans with theirs; the clinic's newest are read through
// their index without sorting; a backup keeps them. What every backend does with them is checked
// in tests/unit/store/conformance/replay_inputs_test.cc.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "core/store/sqlite/sqlite_reads.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using testing::AskedPlan;
using testing::SamplePlan;

std::unique_ptr<Store> Open(const std::string& path) {
  auto store = OpenSqliteStore(path, {});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

int SchemaVersion(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

TEST(SqliteReplayInputsMigrationTest, AStoreOfSchemaVersion7KeepsItsPlansAndTakesQuestions) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  IntegrityReport before;
  {
    auto store = Open(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_old", "req-old")).ok());
    ASSERT_TRUE(store->RecordFeedback({"pl_old", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
    before = *store->Verify();
  }
  {
    // Back to schema version 7's plans table.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(R"sql(
      DROP INDEX plans_replay;
      ALTER TABLE plans DROP COLUMN replay_input;
      ALTER TABLE plans DROP COLUMN replay_format;
      PRAGMA user_version = 7;)sql");
  }
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  struct stat st {};
  EXPECT_EQ(::stat((path + ".pre-v8").c_str(), &st), 0) << "no copy taken before migrating";
  EXPECT_EQ(SchemaVersion(path), 8);
  EXPECT_EQ(SchemaVersion(path + ".pre-v8"), 7);

  auto old = store->GetPlan("default", "pl_old");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->replay_input, "");
  EXPECT_EQ(old->replay_format, "");
  auto none = store->RecentReplayInputs("default", 500);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(store->PutPlan(AskedPlan("pl_new", "the new plan's question")).ok());
  auto recent = store->RecentReplayInputs("default", 500);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].plan_id, "pl_new");
  EXPECT_EQ((*recent)[0].replay_input, "the new plan's question");
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->plans.size(), 2u);
  EXPECT_EQ(record->plans[0].replay_input, "");
  EXPECT_EQ(record->plans[1].replay_input, "the new plan's question");
  EXPECT_EQ(record->feedback.size(), 1u);

  // A retry of a request stored before the upgrade still gets its plan, as it was.
  auto retry = store->PutPlan(AskedPlan("pl_retry", "asked again", "req-old"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->plan_id, "pl_old");
  EXPECT_EQ(retry->replay_input, "");

  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
  ASSERT_EQ(report->chains.size(), 1u);
  EXPECT_EQ(report->chains[0].records, before.chains[0].records + 1);
}

// However many of the clinic's plans there are, the read goes straight to its newest that kept a
// question, in order: no scan of the table, no sort.
TEST(SqliteReplayInputsTest, TheNewestAreReadThroughTheirIndexWithoutSorting) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutPlan(AskedPlan("pl_1", "question")).ok());
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  auto plan = store_sqlite::ExplainRecentReplayInputs(db, "default", 500);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(*plan, std::vector<std::string>{"SEARCH plans USING INDEX plans_replay (clinic_id=?)"});
}

TEST(SqliteReplayInputsTest, ABackupKeepsThePlansQuestions) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  ASSERT_NE(store, nullptr);
  const std::string bytes("\x1a\x02\x08\x00", 4);
  ASSERT_TRUE(store->PutPlan(AskedPlan("pl_1", bytes)).ok());
  ASSERT_TRUE(store->Backup(dir.file("copy.db")).ok());
  auto copy = Open(dir.file("copy.db"));
  ASSERT_NE(copy, nullptr);
  auto recent = copy->RecentReplayInputs("default", 500);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].replay_input, bytes);
  EXPECT_EQ((*recent)[0].replay_format, "test.question");
}

}  // namespace
}  // namespace modalis
