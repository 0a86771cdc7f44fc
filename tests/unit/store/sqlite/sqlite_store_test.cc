// What only the SQLite store has: its file's mode, the migrations of files older releases wrote,
// a file from a newer release, and its backup. What every backend does is checked on each in
// tests/unit/store/conformance.
#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using testing::PlanToJsonText;
using testing::SamplePlan;

std::unique_ptr<Store> Open(const std::string& path, SqliteStoreOptions options = {}) {
  auto store = OpenSqliteStore(path, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// The file holds patients' plans: nobody but its owner may read it.
TEST(SqliteStoreTest, TheDatabaseFileIsItsOwnersAlone) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = Open(path);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Takes a current database back to schema version 4 (before clinics, and before the rule sets
// published and activated per clinic, the clinics' profiles and the plans' questions), for tests
// that fake an older database from a current one. The v4 file kept in tests/data/store/ is the
// real thing.
void UndoClinicsMigration(SQLite::Database& db) {
  db.exec(R"sql(
    DROP INDEX plans_replay;
    ALTER TABLE plans DROP COLUMN replay_input;
    ALTER TABLE plans DROP COLUMN replay_format;
    DROP INDEX plans_clinic_time;
    DROP TABLE clinic_profiles;
    DROP TABLE activations;
    DROP TABLE published_rule_sets;
    DROP INDEX audit_chain;
    DROP TRIGGER audit_redact_only;
    ALTER TABLE audit DROP COLUMN clinic_id;
    CREATE TRIGGER audit_redact_only BEFORE UPDATE ON audit
      WHEN NEW.record_json IS NOT NULL OR NEW.seq IS NOT OLD.seq OR NEW.at_ms IS NOT OLD.at_ms
        OR NEW.kind IS NOT OLD.kind OR NEW.plan_id IS NOT OLD.plan_id
        OR NEW.content_hash IS NOT OLD.content_hash OR NEW.prev_hash IS NOT OLD.prev_hash
        OR NEW.hash IS NOT OLD.hash
      BEGIN SELECT RAISE(ABORT, 'audit records are append-only (an erasure may only redact)'); END;
    CREATE TABLE outcomes_v2 (
      outcome_id INTEGER PRIMARY KEY, patient_ref TEXT NOT NULL,
      session_number INTEGER NOT NULL CHECK (session_number >= 1),
      pain_nprs REAL NOT NULL CHECK (pain_nprs BETWEEN 0 AND 10),
      pain_days_per_week REAL NOT NULL CHECK (pain_days_per_week BETWEEN 0 AND 7),
      odi_percent REAL CHECK (odi_percent BETWEEN 0 AND 100),
      rmdq REAL CHECK (rmdq BETWEEN 0 AND 24), psfs_avg REAL CHECK (psfs_avg BETWEEN 0 AND 10),
      client TEXT NOT NULL, recorded_at_ms INTEGER NOT NULL,
      UNIQUE (patient_ref, session_number)) STRICT;
    INSERT INTO outcomes_v2 SELECT outcome_id, patient_ref, session_number, pain_nprs,
      pain_days_per_week, odi_percent, rmdq, psfs_avg, client, recorded_at_ms FROM outcomes;
    DROP TABLE outcomes;
    ALTER TABLE outcomes_v2 RENAME TO outcomes;
    ALTER TABLE feedback DROP COLUMN clinic_id;
    DROP INDEX plans_request;
    DROP INDEX plans_patient;
    ALTER TABLE plans DROP COLUMN clinic_id;
    CREATE UNIQUE INDEX plans_request ON plans(client, request_id) WHERE request_id IS NOT NULL;
    CREATE INDEX plans_patient ON plans(patient_ref);
    DROP TABLE clinics;
    PRAGMA user_version = 4;)sql");
}

TEST(SqliteStoreTest, MigratesASkeletonDatabaseKeepingItsPlans) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    // The schema as the walking skeleton shipped it (version 1), with one plan.
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"sql(
      CREATE TABLE plans (plan_id TEXT PRIMARY KEY, patient_ref TEXT NOT NULL,
        client TEXT NOT NULL, request_id TEXT, request_hash TEXT NOT NULL,
        rule_set_sha256 TEXT NOT NULL, created_at_ms INTEGER NOT NULL, plan_json TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX plans_request ON plans(client, request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX plans_patient ON plans(patient_ref, created_at_ms);
      PRAGMA user_version = 1;)sql");
    SQLite::Statement insert(
        db, "INSERT INTO plans VALUES ('pl_old', 'P-0009', 'local', 'r', 'h', ?, 1, ?)");
    const NewPlan sample = SamplePlan("pl_old");
    insert.bind(1, sample.plan.plan.rule_set.sha256);
    insert.bind(2, PlanToJsonText(sample.plan.plan));
    insert.exec();
  }
  auto store = Open(path);
  auto old = store->GetPlan("default", "pl_old");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->patient_ref, "P-0009");
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  // The retry key still works across the migration.
  NewPlan retry = SamplePlan("pl_new", "r");
  retry.plan.client = "local";
  auto got = store->PutPlan(retry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->plan_id, "pl_old");
  struct stat st {};
  EXPECT_EQ(::stat((path + ".pre-v8").c_str(), &st), 0) << "no copy taken before migrating";
}

TEST(SqliteStoreTest, MigratingToStoredPlanFormatsKeepsPlansFeedbackAndTheChain) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  IntegrityReport before;
  {
    auto store = Open(path);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1", "req-1")).ok());
    ASSERT_TRUE(store->RecordFeedback({"pl_1", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
    before = *store->Verify();
  }
  {
    // Back to schema version 3's plans table: the plan as JSON text in plan_json.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    UndoClinicsMigration(db);
    db.exec(R"sql(
      ALTER TABLE plans ADD COLUMN plan_json TEXT NOT NULL DEFAULT '';
      UPDATE plans SET plan_json = CAST(plan_data AS TEXT);
      ALTER TABLE plans DROP COLUMN plan_data;
      ALTER TABLE plans DROP COLUMN plan_format;
      PRAGMA user_version = 3;)sql");
  }
  auto store = Open(path);
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(PlanToJsonText(got->plan), PlanToJsonText(SamplePlan("pl_1").plan.plan));
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->feedback.size(), 1u);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->chains, before.chains);
  EXPECT_EQ(store->PutPlan(SamplePlan("pl_2", "req-1"))->plan_id, "pl_1");
  store.reset();
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT plan_format || ' ' || typeof(plan_data) FROM plans").getString(),
            "json blob");
  struct stat st {};
  EXPECT_EQ(::stat((path + ".pre-v8").c_str(), &st), 0) << "no copy taken before migrating";
}

TEST(SqliteStoreTest, RefusesDatabaseFromNewerVersion) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(store.status().message()).find("newer"), std::string::npos);
}

TEST(SqliteStoreTest, BackupIsAConsistentStore) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
  ASSERT_TRUE(store->Backup(dir.file("copy.db")).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("copy.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto copy = Open(dir.file("copy.db"));
  EXPECT_TRUE(copy->GetPlan("default", "pl_9").ok());
  auto report = copy->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, 10);
}

}  // namespace
}  // namespace modalis
