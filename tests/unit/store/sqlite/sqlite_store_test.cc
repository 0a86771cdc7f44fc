#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>
#include <vector>

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

TEST(SqliteStoreTest, PlanSurvivesReopenUnchanged) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = Open(path);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto store = Open(path);
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->patient_ref, "P-0001");
  EXPECT_EQ(got->plan.status, PlanStatus::kProvisional);
  ASSERT_EQ(got->plan.steps.size(), 1u);
  EXPECT_EQ(got->plan.steps[0].targets[0], "piriformis");
  ASSERT_TRUE(got->plan.course.has_value());
  EXPECT_EQ(got->plan.course->sessions_max, 6u);
  EXPECT_EQ(got->plan.missing_findings[0].code, "pregnant");
  EXPECT_EQ(got->baseline.pain_nprs, 6.0);
  EXPECT_EQ(got->baseline.pain_days_per_week, 5.0);
  EXPECT_FALSE(got->baseline.baseline_pain_nprs.has_value());
}

TEST(SqliteStoreTest, MissingPlanIsNotFound) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  EXPECT_EQ(store->GetPlan("default", "pl_nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStoreTest, RetrySameRequestReturnsTheFirstPlan) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  auto first = store->PutPlan(SamplePlan("pl_1", "req-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  // The retry was planned again (new plan id) but must get the stored plan back.
  auto retry = store->PutPlan(SamplePlan("pl_2", "req-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->plan_id, "pl_1");
  EXPECT_EQ(retry->plan.plan_id, "pl_1");
  EXPECT_EQ(store->GetPlan("default", "pl_2").status().code(), absl::StatusCode::kNotFound);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->audit_records, 1);  // one decision, one record
}

TEST(SqliteStoreTest, SameRequestIdWithAnotherRequestIsAlreadyExistsNeverTheOtherPlan) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1", "req-1")).ok());
  NewPlan other = SamplePlan("pl_2", "req-1");
  other.plan.patient_ref = "P-0002";
  other.plan.request_hash = "another-request";
  auto got = store->PutPlan(other);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->GetPlan("default", "pl_2").status().code(), absl::StatusCode::kNotFound);

  // Another client may use the same id.
  NewPlan booking = SamplePlan("pl_3", "req-1");
  booking.plan.client = "booking";
  EXPECT_TRUE(store->PutPlan(booking).ok());
}

// A plan stored before request hashes took their "<form>:" prefix is matched by the retry's hash
// in the older form, computed only then; without that form, or when it differs, the request is
// another one.
TEST(SqliteStoreTest, RetrySpanningAnUpgradeOfTheRequestHashFindsTheFirstPlan) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  NewPlan before = SamplePlan("pl_1", "req-1");
  before.plan.request_hash = std::string(64, 'c');  // as an earlier release stored it
  ASSERT_TRUE(store->PutPlan(before).ok());

  int computed = 0;
  NewPlan retry = SamplePlan("pl_2", "req-1");
  retry.plan.request_hash = "pb1:" + std::string(64, 'd');
  retry.legacy_request_hash = [&computed] {
    ++computed;
    return std::string(64, 'c');
  };
  auto got = store->PutPlan(retry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->plan_id, "pl_1");
  EXPECT_EQ(computed, 1);

  NewPlan other = SamplePlan("pl_3", "req-1");
  other.plan.request_hash = "pb1:" + std::string(64, 'd');
  other.legacy_request_hash = [] { return std::string(64, 'e'); };
  EXPECT_EQ(store->PutPlan(other).status().code(), absl::StatusCode::kAlreadyExists);

  NewPlan without = SamplePlan("pl_4", "req-1");
  without.plan.request_hash = "pb1:" + std::string(64, 'd');
  EXPECT_EQ(store->PutPlan(without).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->GetPlan("default", "pl_3").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetPlan("default", "pl_4").status().code(), absl::StatusCode::kNotFound);

  // Two hashes of the current form are compared as they are: the older form is never consulted.
  NewPlan current = SamplePlan("pl_5", "req-2");
  current.plan.request_hash = "pb1:" + std::string(64, 'f');
  ASSERT_TRUE(store->PutPlan(current).ok());
  NewPlan changed = SamplePlan("pl_6", "req-2");
  changed.plan.request_hash = "pb1:" + std::string(64, '0');
  changed.legacy_request_hash = [&computed] {
    ++computed;
    return std::string("pb1:") + std::string(64, 'f');
  };
  EXPECT_EQ(store->PutPlan(changed).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(computed, 1);
}

TEST(SqliteStoreTest, RuleSetIsStoredOnceByContent) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = Open(path);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
    NewPlan second = SamplePlan("pl_2");
    second.rule_set.canonical_source = nullptr;  // already known: content not needed again
    ASSERT_TRUE(store->PutPlan(second).ok());
    NewPlan unknown = SamplePlan("pl_3");
    unknown.plan.plan.rule_set.sha256 = std::string(64, 'b');
    unknown.rule_set.sha256 = std::string(64, 'b');
    unknown.rule_set.canonical_source = nullptr;
    EXPECT_EQ(store->PutPlan(unknown).status().code(), absl::StatusCode::kInvalidArgument);
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM rule_sets").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT canonical_source FROM rule_sets").getString(), "{\"rules\":[]}");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM plans").getInt(), 2);
}

RuleSetRecord ServedRuleSet(char sha, const std::string& version, const std::string& content) {
  return RuleSetRecord{std::string(64, sha), "lower-back-pain", version,
                       std::make_shared<const std::string>(content)};
}

// What a server falls back to when its rule files are broken at start: the last set that went
// live, kept across restarts, content and all.
TEST(SqliteStoreTest, LastServedRuleSetIsTheLatestRecordedAndSurvivesReopen) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = Open(path);
    auto none = store->LastServedRuleSet();
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(store->RecordServedRuleSet(ServedRuleSet('a', "1", "first")).ok());
    ASSERT_TRUE(store->RecordServedRuleSet(ServedRuleSet('b', "2", "second")).ok());
    // A restart with the same rules records nothing new.
    ASSERT_TRUE(store->RecordServedRuleSet(ServedRuleSet('b', "2", "second")).ok());
    // A rule set stored earlier with a plan is not stored twice.
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  }
  auto store = Open(path);
  auto last = store->LastServedRuleSet();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->sha256, std::string(64, 'b'));
  EXPECT_EQ((*last)->version, "2");
  EXPECT_EQ(*(*last)->canonical_source, "second");
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM served_rule_sets").getInt(), 2);
  // Content is required the first time a rule set is seen.
  RuleSetRecord unknown = ServedRuleSet('c', "3", "");
  unknown.canonical_source = nullptr;
  EXPECT_EQ(store->RecordServedRuleSet(unknown).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreTest, AuditRecordNamesRuleSetPluginsAndFiredRules) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = Open(path);
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  const std::string record =
      db.execAndGet("SELECT record_json FROM audit WHERE plan_id = 'pl_1'").getString();
  auto j = nlohmann::json::parse(record);
  EXPECT_EQ(j["client"], "notes");
  EXPECT_EQ(j["rule_set"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["plugins"][0]["id"], "dry_needling");
  EXPECT_EQ(j["plugins"][0]["version"], "1.2.0");
  EXPECT_EQ(j["fired_rules"][0], "r1");
  EXPECT_GT(j["at_ms"].get<int64_t>(), 0);
  // The second record chains onto the first.
  EXPECT_EQ(db.execAndGet("SELECT prev_hash FROM audit WHERE seq = 2").getString(),
            db.execAndGet("SELECT hash FROM audit WHERE seq = 1").getString());
}

TEST(SqliteStoreTest, AuditIsAppendOnlyAndTamperingIsDetected) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = Open(path);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
  auto clean = store->Verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok()) << clean->problems[0];
  EXPECT_EQ(clean->audit_records, 3);

  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("DELETE FROM audit WHERE seq = 2"), SQLite::Exception);
  EXPECT_THROW(db.exec("UPDATE audit SET record_json = '{}' WHERE seq = 2"), SQLite::Exception);
  // Someone who drops the triggers can edit a record, but the chain gives them away.
  db.exec("DROP TRIGGER audit_redact_only");
  db.exec("UPDATE audit SET record_json = replace(record_json, 'r1', 'r9') WHERE seq = 2");
  auto tampered = store->Verify();
  ASSERT_TRUE(tampered.ok());
  ASSERT_FALSE(tampered->ok());
  EXPECT_NE(tampered->problems[0].find("audit record 2"), std::string::npos);
}

TEST(SqliteStoreTest, BadWriteFailsAloneInItsBatch) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.max_batch = 64;
  auto store = Open(dir.file("m.db"), options);
  // Queue many writes at once so they share batches; every third reuses a plan id.
  std::atomic<int> ok{0}, exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string id = "pl_" + std::to_string(t) + "_" + std::to_string(i % 20);
        auto s = store->PutPlan(SamplePlan(id));
        if (s.ok()) ++ok;
        if (s.status().code() == absl::StatusCode::kAlreadyExists) ++exists;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(exists.load(), 40);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, 80);  // a failed write leaves no audit record behind
}

TEST(SqliteStoreTest, FullQueueIsResourceExhaustedNotAHang) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.queue_capacity = 2;
  options.max_batch = 1;
  auto store = Open(dir.file("m.db"), options);
  std::atomic<int> done{0}, exhausted{0};
  constexpr int kWrites = 200;
  for (int i = 0; i < kWrites; ++i) {
    store->PutPlanAsync(SamplePlan("pl_" + std::to_string(i)), [&](absl::StatusOr<StoredPlan> s) {
      if (s.status().code() == absl::StatusCode::kResourceExhausted) {
        ++exhausted;
      }
      ++done;
    });
  }
  store->Close();
  EXPECT_EQ(done.load(), kWrites);
  EXPECT_GT(exhausted.load(), 0);
  // After Close every write is answered; later ones are refused, not lost silently.
  auto late = store->PutPlan(SamplePlan("pl_late"));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnavailable);
}

// The writer thread commits batches while readers use the pool and callers ask for the write
// health: every acknowledged plan is readable at once, and every plan is stored once.
TEST(SqliteStoreTest, ReadersAndWritersAtOnceSeeEveryAcknowledgedPlan) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.max_batch = 8;
  auto store = Open(dir.file("m.db"), options);
  constexpr int kWriters = 3, kPlansEach = 40, kReaders = 3;
  std::atomic<int> written{0}, writers_left{kWriters}, read_failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPlansEach; ++i) {
        const std::string id = "pl_" + std::to_string(w) + "_" + std::to_string(i);
        if (!store->PutPlan(SamplePlan(id)).ok() || !store->GetPlan("default", id).ok())
          ++read_failures;
        ++written;
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      while (writers_left > 0) {
        auto page = store->ListPlans("default", "P-0001", 20, "");
        if (!page.ok() || !store->write_health().writable) ++read_failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(written.load(), kWriters * kPlansEach);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, kWriters * kPlansEach);
}

TEST(SqliteStoreTest, FeedbackPerStepIsValidated) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  StepFeedback f{"pl_1", 0, StepDecision::kDeclined, "patient prefers no needles", "notes", 0};
  EXPECT_TRUE(store->RecordFeedback(f).ok());
  f.reason.clear();
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kInvalidArgument);
  f = {"pl_1", 1, StepDecision::kAccepted, "", "notes", 0};
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kInvalidArgument);  // one step
  f = {"pl_nope", 0, StepDecision::kAccepted, "", "notes", 0};
  EXPECT_EQ(store->RecordFeedback(f).code(), absl::StatusCode::kNotFound);
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->feedback.size(), 1u);
  EXPECT_EQ(record->feedback[0].decision, StepDecision::kDeclined);
  EXPECT_EQ(record->feedback[0].reason, "patient prefers no needles");
}

TEST(SqliteStoreTest, OutcomesAreRangeCheckedAndOnePerSession) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = 1;
  o.pain_nprs = 6;
  o.pain_days_per_week = 5;
  o.odi_percent = 40;
  o.client = "notes";
  EXPECT_TRUE(store->RecordOutcome(o).ok());
  EXPECT_EQ(store->RecordOutcome(o).code(), absl::StatusCode::kAlreadyExists);
  SessionOutcome bad = o;
  bad.session_number = 2;
  bad.pain_nprs = 11;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = o;
  bad.session_number = 2;
  bad.rmdq = 25;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = o;
  bad.session_number = 2;
  bad.pain_days_per_week = 8;
  EXPECT_EQ(store->RecordOutcome(bad).code(), absl::StatusCode::kInvalidArgument);
  auto record = store->ExportPatient("default", "P-0001");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->outcomes.size(), 1u);
  EXPECT_EQ(record->outcomes[0].odi_percent, 40.0);
  EXPECT_FALSE(record->outcomes[0].rmdq.has_value());
}

TEST(SqliteStoreTest, ListPlansPagesOldestFirst) {
  testing::TempDir dir;
  auto store = Open(dir.file("m.db"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
  NewPlan other = SamplePlan("pl_x");
  other.plan.patient_ref = "P-0002";
  ASSERT_TRUE(store->PutPlan(other).ok());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store->ListPlans("default", "P-0001", 2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& p : page->plans) seen.push_back(p.plan_id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"pl_0", "pl_1", "pl_2", "pl_3", "pl_4"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(store->ListPlans("default", "P-0001", 2, "x1").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreTest, EraseRemovesThePatientAndTheChainStillVerifies) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = Open(path);
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_1")).ok());
  ASSERT_TRUE(store->PutPlan(SamplePlan("pl_2")).ok());
  NewPlan other = SamplePlan("pl_3");
  other.plan.patient_ref = "P-0002";
  ASSERT_TRUE(store->PutPlan(other).ok());
  ASSERT_TRUE(store->RecordFeedback({"pl_1", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = 1;
  o.pain_nprs = 5;
  o.pain_days_per_week = 4;
  ASSERT_TRUE(store->RecordOutcome(o).ok());

  auto erased = store->ErasePatient("default", "P-0001");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->plans, 2);
  EXPECT_EQ(erased->feedback, 1);
  EXPECT_EQ(erased->outcomes, 1);
  EXPECT_EQ(erased->audit_redacted, 2);
  EXPECT_EQ(store->GetPlan("default", "pl_1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ExportPatient("default", "P-0001").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store->GetPlan("default", "pl_3").ok());
  EXPECT_EQ(store->ErasePatient("default", "P-0001").status().code(), absl::StatusCode::kNotFound);

  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->audit_records, 4);  // three plans and the tombstone
  EXPECT_EQ(report->audit_redacted, 2);

  // The patient's reference is nowhere in the file any more.
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM audit WHERE record_json LIKE '%P-0001%'").getInt(),
            0);
  EXPECT_EQ(db.execAndGet("SELECT kind FROM audit ORDER BY seq DESC LIMIT 1").getString(),
            "erasure");
}

// Takes a current database back to schema version 4 (before clinics, and before the rule sets
// published and activated per clinic and the clinics' profiles), for tests that fake an older
// database from a current one. The v4 file kept in tests/data/store/ is the real thing.
void UndoClinicsMigration(SQLite::Database& db) {
  db.exec(R"sql(
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
  EXPECT_EQ(::stat((path + ".pre-v7").c_str(), &st), 0) << "no copy taken before migrating";
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
  EXPECT_EQ(::stat((path + ".pre-v7").c_str(), &st), 0) << "no copy taken before migrating";
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
