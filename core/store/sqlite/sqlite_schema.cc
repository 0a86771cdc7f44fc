// The schema's migrations, in order, and the step that applies those a database still lacks.
#include "core/store/sqlite/sqlite_schema.h"

#include <fcntl.h>
#include <unistd.h>

#include <iterator>
#include <vector>

#include "core/store/sqlite/sqlite_rows.h"

namespace modalis::store_sqlite {
namespace {

// Each entry migrates from version i to i+1; never edit one that has shipped.
constexpr const char* kMigrations[] = {
    // 1: plans (shipped with the walking skeleton).
    R"sql(
    CREATE TABLE plans (
      plan_id         TEXT PRIMARY KEY,
      patient_ref     TEXT NOT NULL,
      client          TEXT NOT NULL,
      request_id      TEXT,
      request_hash    TEXT NOT NULL,
      rule_set_sha256 TEXT NOT NULL,
      created_at_ms   INTEGER NOT NULL,
      plan_json       TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX plans_request ON plans(client, request_id) WHERE request_id IS NOT NULL;
    CREATE INDEX plans_patient ON plans(patient_ref, created_at_ms);
    )sql",
    // 2: rule sets by content, the plan's pain baseline, audit chain, feedback, outcomes.
    // plans is rebuilt (SQLite's documented table-rebuild procedure) to reference rule_sets; rule
    // sets of earlier plans were never kept, so they are recorded without content.
    R"sql(
    CREATE TABLE rule_sets (
      sha256           TEXT PRIMARY KEY,
      id               TEXT NOT NULL,
      version          TEXT NOT NULL,
      canonical_source TEXT,
      first_seen_ms    INTEGER NOT NULL
    ) STRICT;
    INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms)
      SELECT rule_set_sha256,
             coalesce(json_extract(min(plan_json), '$.rule_set.id'), ''),
             coalesce(json_extract(min(plan_json), '$.rule_set.version'), ''),
             NULL, min(created_at_ms)
      FROM plans GROUP BY rule_set_sha256;
    CREATE TABLE plans_v2 (
      plan_id            TEXT PRIMARY KEY,
      patient_ref        TEXT NOT NULL,
      client             TEXT NOT NULL,
      request_id         TEXT,
      request_hash       TEXT NOT NULL,
      rule_set_sha256    TEXT NOT NULL REFERENCES rule_sets(sha256),
      created_at_ms      INTEGER NOT NULL,
      plan_json          TEXT NOT NULL,
      pain_nprs          REAL,
      pain_days_per_week REAL,
      baseline_pain_nprs REAL
    ) STRICT;
    INSERT INTO plans_v2 (plan_id, patient_ref, client, request_id, request_hash,
                          rule_set_sha256, created_at_ms, plan_json)
      SELECT plan_id, patient_ref, client, request_id, request_hash, rule_set_sha256,
             created_at_ms, plan_json
      FROM plans ORDER BY created_at_ms, rowid;
    DROP TABLE plans;
    ALTER TABLE plans_v2 RENAME TO plans;
    CREATE UNIQUE INDEX plans_request ON plans(client, request_id) WHERE request_id IS NOT NULL;
    CREATE INDEX plans_patient ON plans(patient_ref);

    CREATE TABLE feedback (
      feedback_id    INTEGER PRIMARY KEY,
      plan_id        TEXT NOT NULL REFERENCES plans(plan_id) ON DELETE CASCADE,
      step_index     INTEGER NOT NULL CHECK (step_index >= 0),
      decision       TEXT NOT NULL CHECK (decision IN ('accepted', 'modified', 'declined')),
      reason         TEXT NOT NULL,
      client         TEXT NOT NULL,
      recorded_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX feedback_plan ON feedback(plan_id);

    CREATE TABLE outcomes (
      outcome_id         INTEGER PRIMARY KEY,
      patient_ref        TEXT NOT NULL,
      session_number     INTEGER NOT NULL CHECK (session_number >= 1),
      pain_nprs          REAL NOT NULL CHECK (pain_nprs BETWEEN 0 AND 10),
      pain_days_per_week REAL NOT NULL CHECK (pain_days_per_week BETWEEN 0 AND 7),
      odi_percent        REAL CHECK (odi_percent BETWEEN 0 AND 100),
      rmdq               REAL CHECK (rmdq BETWEEN 0 AND 24),
      psfs_avg           REAL CHECK (psfs_avg BETWEEN 0 AND 10),
      client             TEXT NOT NULL,
      recorded_at_ms     INTEGER NOT NULL,
      UNIQUE (patient_ref, session_number)
    ) STRICT;

    -- Append-only and hash-chained: hash = sha256(prev_hash || content_hash), content_hash =
    -- sha256(record_json). An erasure may only blank record_json; the hashes stay, so the chain
    -- still verifies after a patient's data is removed.
    CREATE TABLE audit (
      seq          INTEGER PRIMARY KEY,
      at_ms        INTEGER NOT NULL,
      kind         TEXT NOT NULL CHECK (kind IN ('plan', 'erasure')),
      plan_id      TEXT,
      record_json  TEXT,
      content_hash TEXT NOT NULL,
      prev_hash    TEXT NOT NULL,
      hash         TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_plan ON audit(plan_id);
    CREATE TRIGGER audit_append_only BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
    CREATE TRIGGER audit_redact_only BEFORE UPDATE ON audit
      WHEN NEW.record_json IS NOT NULL OR NEW.seq IS NOT OLD.seq OR NEW.at_ms IS NOT OLD.at_ms
        OR NEW.kind IS NOT OLD.kind OR NEW.plan_id IS NOT OLD.plan_id
        OR NEW.content_hash IS NOT OLD.content_hash OR NEW.prev_hash IS NOT OLD.prev_hash
        OR NEW.hash IS NOT OLD.hash
      BEGIN SELECT RAISE(ABORT, 'audit records are append-only (an erasure may only redact)'); END;
    )sql",
    // 3: the rule sets this store's server put live, in order: the last one is served when the
    // rule files on disk are broken at start.
    R"sql(
    CREATE TABLE served_rule_sets (
      seq          INTEGER PRIMARY KEY,
      sha256       TEXT NOT NULL REFERENCES rule_sets(sha256),
      served_at_ms INTEGER NOT NULL
    ) STRICT;
    )sql",
    // 4: a plan is kept as the bytes of the codec that wrote it (core/store/plan_codec.h):
    // plan_json becomes plan_data, a BLOB, and plan_format names the codec ('json' for every plan
    // stored before). A STRICT table's TEXT column cannot hold a BLOB, and rebuilding plans would
    // delete its feedback (ON DELETE CASCADE runs on DROP TABLE), so the new column is added and
    // filled and the old one dropped. The default of plan_data only satisfies ADD COLUMN: every
    // insert names it.
    R"sql(
    ALTER TABLE plans ADD COLUMN plan_data BLOB NOT NULL DEFAULT x'';
    UPDATE plans SET plan_data = CAST(plan_json AS BLOB);
    ALTER TABLE plans DROP COLUMN plan_json;
    ALTER TABLE plans ADD COLUMN plan_format TEXT NOT NULL DEFAULT 'json';
    )sql",
    // 5: clinics as tenants (platform.md §1). Every row gets its clinic; what was stored before
    // belongs to 'default', whose audit chain is the one chain there was, so it still verifies.
    // Idempotency keys and outcome sessions become unique per clinic. ADD COLUMN cannot carry a
    // REFERENCES clause with a default while foreign keys are on, so clinic ids are checked by
    // the writer and by Verify instead. outcomes is rebuilt for its per-clinic UNIQUE (nothing
    // references it); plans and feedback are not (a DROP would cascade to feedback).
    R"sql(
    CREATE TABLE clinics (
      clinic_id     TEXT PRIMARY KEY,
      name          TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO clinics (clinic_id, name, created_at_ms)
      VALUES ('default', '', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

    ALTER TABLE plans ADD COLUMN clinic_id TEXT NOT NULL DEFAULT 'default';
    DROP INDEX plans_request;
    CREATE UNIQUE INDEX plans_request ON plans(clinic_id, client, request_id)
      WHERE request_id IS NOT NULL;
    DROP INDEX plans_patient;
    CREATE INDEX plans_patient ON plans(clinic_id, patient_ref);

    ALTER TABLE feedback ADD COLUMN clinic_id TEXT NOT NULL DEFAULT 'default';

    CREATE TABLE outcomes_v5 (
      outcome_id         INTEGER PRIMARY KEY,
      clinic_id          TEXT NOT NULL,
      patient_ref        TEXT NOT NULL,
      session_number     INTEGER NOT NULL CHECK (session_number >= 1),
      pain_nprs          REAL NOT NULL CHECK (pain_nprs BETWEEN 0 AND 10),
      pain_days_per_week REAL NOT NULL CHECK (pain_days_per_week BETWEEN 0 AND 7),
      odi_percent        REAL CHECK (odi_percent BETWEEN 0 AND 100),
      rmdq               REAL CHECK (rmdq BETWEEN 0 AND 24),
      psfs_avg           REAL CHECK (psfs_avg BETWEEN 0 AND 10),
      client             TEXT NOT NULL,
      recorded_at_ms     INTEGER NOT NULL,
      UNIQUE (clinic_id, patient_ref, session_number)
    ) STRICT;
    INSERT INTO outcomes_v5 (outcome_id, clinic_id, patient_ref, session_number, pain_nprs,
                             pain_days_per_week, odi_percent, rmdq, psfs_avg, client,
                             recorded_at_ms)
      SELECT outcome_id, 'default', patient_ref, session_number, pain_nprs, pain_days_per_week,
             odi_percent, rmdq, psfs_avg, client, recorded_at_ms
      FROM outcomes;
    DROP TABLE outcomes;
    ALTER TABLE outcomes_v5 RENAME TO outcomes;

    -- One chain per clinic: a record follows the previous record of its own clinic.
    ALTER TABLE audit ADD COLUMN clinic_id TEXT NOT NULL DEFAULT 'default';
    CREATE INDEX audit_chain ON audit(clinic_id, seq);
    DROP TRIGGER audit_redact_only;
    CREATE TRIGGER audit_redact_only BEFORE UPDATE ON audit
      WHEN NEW.record_json IS NOT NULL OR NEW.seq IS NOT OLD.seq OR NEW.at_ms IS NOT OLD.at_ms
        OR NEW.kind IS NOT OLD.kind OR NEW.plan_id IS NOT OLD.plan_id
        OR NEW.content_hash IS NOT OLD.content_hash OR NEW.prev_hash IS NOT OLD.prev_hash
        OR NEW.hash IS NOT OLD.hash OR NEW.clinic_id IS NOT OLD.clinic_id
      BEGIN SELECT RAISE(ABORT, 'audit records are append-only (an erasure may only redact)'); END;
    )sql",
    // 6: rule sets published per owner and activated per clinic and condition, and each clinic's
    // profile (platform.md §2).
    // Their content stays in rule_sets, once per hash. A publication's owner is a clinic or ''
    // for the platform, so it cannot reference clinics: the writer and Verify check it. Every
    // activation is kept: the latest one of a (clinic, condition) is the one live, and a
    // rollback is a new activation of an earlier hash. Activations are not in the audit chain.
    // A clinic's profile is versioned the same way: every version is kept, the highest is live,
    // going back is setting an earlier version's content again; profiles are not in the audit
    // chain either.
    R"sql(
    CREATE TABLE published_rule_sets (
      sha256          TEXT NOT NULL REFERENCES rule_sets(sha256),
      owner           TEXT NOT NULL,  -- a clinic_id, or '' for the platform
      author          TEXT NOT NULL,
      comment         TEXT NOT NULL,
      published_at_ms INTEGER NOT NULL,
      PRIMARY KEY (sha256, owner)
    ) STRICT;

    CREATE TABLE activations (
      seq             INTEGER PRIMARY KEY,
      clinic_id       TEXT NOT NULL REFERENCES clinics(clinic_id),
      condition       TEXT NOT NULL,
      sha256          TEXT NOT NULL REFERENCES rule_sets(sha256),
      replaced_sha256 TEXT NOT NULL,
      author          TEXT NOT NULL,
      comment         TEXT NOT NULL,
      activated_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX activations_live ON activations(clinic_id, condition, seq);

    CREATE TABLE clinic_profiles (
      clinic_id    TEXT NOT NULL REFERENCES clinics(clinic_id),
      version      INTEGER NOT NULL CHECK (version >= 1),
      profile_json TEXT NOT NULL,
      sha256       TEXT NOT NULL,
      author       TEXT NOT NULL,
      comment      TEXT NOT NULL,
      set_at_ms    INTEGER NOT NULL,
      PRIMARY KEY (clinic_id, version)
    ) STRICT;
    )sql",
    // 7: a clinic's plans by time, for the evidence report over a date range
    // (core/store/evidence.h).
    R"sql(
    CREATE INDEX plans_clinic_time ON plans(clinic_id, created_at_ms);
    )sql",
    // 8: what each plan was asked (StoredPlan::replay_input: bytes the store does not read, and
    // the name of their encoding), so that it can be asked again of a draft rule set; NULL for the
    // plans stored before. The partial index holds only the plans that kept one, in the order
    // RecentReplayInputs reads a clinic's newest (its rowid breaks ties of created_at_ms), so that
    // read stops after the plans it returns however many older plans kept none.
    R"sql(
    ALTER TABLE plans ADD COLUMN replay_input BLOB;
    ALTER TABLE plans ADD COLUMN replay_format TEXT;
    CREATE INDEX plans_replay ON plans(clinic_id, created_at_ms) WHERE replay_input IS NOT NULL;
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

}  // namespace

std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path, int flags,
                                                 int busy_timeout_ms) {
  auto db = std::make_unique<SQLite::Database>(path, flags, busy_timeout_ms);
  // FULL: an acknowledged plan survives power loss, not only a process crash.
  db->exec("PRAGMA synchronous=FULL");
  db->exec("PRAGMA foreign_keys=ON");
  db->exec("PRAGMA trusted_schema=OFF");
  // Deleted rows are overwritten, not only unlinked: an erased patient's findings and plans must
  // not linger in free pages of the file (ErasePatient also empties the write-ahead log).
  db->exec("PRAGMA secure_delete=ON");
  return db;
}

absl::Status Migrate(SQLite::Database& db, const std::string& path, bool read_only) {
  auto too_new = [&](int version) {
    return absl::FailedPreconditionError("the database '" + path + "' has schema version " +
                                         std::to_string(version) +
                                         ", written by a newer Modalis (this one knows up to " +
                                         std::to_string(kSchemaVersion) + "); refusing to open it");
  };
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > kSchemaVersion) return too_new(version);
  if (version == kSchemaVersion) return absl::OkStatus();
  if (read_only) {
    return absl::FailedPreconditionError("the database '" + path + "' has schema version " +
                                         std::to_string(version) + " and needs migrating to " +
                                         std::to_string(kSchemaVersion) +
                                         "; open it read-write once (start modalisd)");
  }
  if (version > 0) {
    // A copy of the last state this version could read, in case a migration must be undone.
    const std::string copy = path + ".pre-v" + std::to_string(kSchemaVersion);
    const int fd = ::open(copy.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    db.backup(copy.c_str(), SQLite::Database::Save);
  }
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Another process may have migrated while we waited for the lock.
  version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > kSchemaVersion) return too_new(version);
  for (int v = version; v < kSchemaVersion; ++v) db.exec(kMigrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  tx.commit();
  return absl::OkStatus();
}

absl::Status ConvertStoredPlans(SQLite::Database& db, const PlanCodec& codec) {
  if (codec.format() == kJsonPlanFormat) return absl::OkStatus();
  // Most opens find nothing to do: ask before taking the write lock.
  if (db.execAndGet("SELECT EXISTS (SELECT 1 FROM plans WHERE plan_format = 'json')").getInt() ==
      0) {
    return absl::OkStatus();
  }
  const std::string format(codec.format());
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  std::vector<int64_t> rows;
  {
    SQLite::Statement q(db, "SELECT rowid FROM plans WHERE plan_format = 'json' ORDER BY rowid");
    while (q.executeStep()) rows.push_back(q.getColumn(0).getInt64());
  }
  SQLite::Statement read(db, "SELECT plan_data FROM plans WHERE rowid = ?");
  SQLite::Statement write(db, "UPDATE plans SET plan_data = ?, plan_format = ? WHERE rowid = ?");
  for (const int64_t row : rows) {
    read.bind(1, row);
    if (!read.executeStep()) {
      read.reset();
      continue;
    }
    auto plan = JsonPlanCodec()->Decode(BlobColumn(read.getColumn(0)));
    read.reset();
    // An unreadable plan stays as it was: reading it reports the problem, as before.
    if (!plan.ok()) continue;
    const std::string bytes = codec.Encode(*plan);
    write.bind(1, bytes.data(), static_cast<int>(bytes.size()));
    write.bind(2, format);
    write.bind(3, row);
    write.exec();
    write.reset();
  }
  tx.commit();
  return absl::OkStatus();
}

}  // namespace modalis::store_sqlite
