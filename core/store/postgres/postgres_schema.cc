#include "core/store/postgres/postgres_schema.h"

#include <algorithm>
#include <iterator>
#include <pqxx/pqxx>
#include <string>

namespace modalis::store_postgres {
namespace {

// Texts that are sorted or compared (clinics, patients, conditions) use the "C" collation: byte
// order, as SQLite's, whatever locale the database was created with.
// Each migration names the oldest schema version whose releases still work with the database it
// leaves: a rolling upgrade keeps replicas of the previous release serving (and restarting) beside
// the new ones only while every migration in between keeps that number at or below theirs.
// Additions the older release ignores (a table, a nullable column, an index) keep it.
struct Migration {
  int oldest_reader;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
    CREATE TABLE clinics (
      clinic_id     text COLLATE "C" PRIMARY KEY,
      name          text NOT NULL,
      created_at_ms bigint NOT NULL
    );
    INSERT INTO clinics (clinic_id, name, created_at_ms)
      VALUES ('default', '', (extract(epoch FROM now()) * 1000)::bigint);

    CREATE TABLE rule_sets (
      sha256           text COLLATE "C" PRIMARY KEY,
      id               text NOT NULL,
      version          text NOT NULL,
      canonical_source text,
      first_seen_ms    bigint NOT NULL
    );

    -- seq orders a clinic's plans as they were stored (SQLite's rowid).
    CREATE TABLE plans (
      seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      plan_id            text COLLATE "C" NOT NULL UNIQUE,
      clinic_id          text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      patient_ref        text COLLATE "C" NOT NULL,
      client             text NOT NULL,
      request_id         text,
      request_hash       text NOT NULL,
      rule_set_sha256    text COLLATE "C" NOT NULL REFERENCES rule_sets (sha256),
      created_at_ms      bigint NOT NULL,
      plan_data          bytea NOT NULL,
      plan_format        text NOT NULL,
      pain_nprs          double precision,
      pain_days_per_week double precision,
      baseline_pain_nprs double precision
    );
    -- One plan per (clinic, client, request_id) whichever replica stores it; NULL ids are never
    -- the same request.
    CREATE UNIQUE INDEX plans_request ON plans (clinic_id, client, request_id);
    CREATE INDEX plans_patient ON plans (clinic_id, patient_ref, seq);
    CREATE INDEX plans_clinic_time ON plans (clinic_id, created_at_ms, seq);

    CREATE TABLE feedback (
      feedback_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      plan_id        text COLLATE "C" NOT NULL REFERENCES plans (plan_id) ON DELETE CASCADE,
      clinic_id      text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      step_index     integer NOT NULL CHECK (step_index >= 0),
      decision       text NOT NULL CHECK (decision IN ('accepted', 'modified', 'declined')),
      reason         text NOT NULL,
      client         text NOT NULL,
      recorded_at_ms bigint NOT NULL
    );
    CREATE INDEX feedback_plan ON feedback (plan_id, clinic_id);

    CREATE TABLE outcomes (
      outcome_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      clinic_id          text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      patient_ref        text COLLATE "C" NOT NULL,
      session_number     integer NOT NULL CHECK (session_number >= 1),
      pain_nprs          double precision NOT NULL CHECK (pain_nprs BETWEEN 0 AND 10),
      pain_days_per_week double precision NOT NULL CHECK (pain_days_per_week BETWEEN 0 AND 7),
      odi_percent        double precision CHECK (odi_percent BETWEEN 0 AND 100),
      rmdq               double precision CHECK (rmdq BETWEEN 0 AND 24),
      psfs_avg           double precision CHECK (psfs_avg BETWEEN 0 AND 10),
      client             text NOT NULL,
      recorded_at_ms     bigint NOT NULL,
      UNIQUE (clinic_id, patient_ref, session_number)
    );

    -- One hash chain per clinic: hash = sha256(prev_hash || content_hash), content_hash =
    -- sha256(record_json). An erasure may only blank record_json. Appends are serialised per
    -- clinic by an advisory lock; the unique (clinic, prev_hash) is the backstop that makes a
    -- fork impossible to commit.
    CREATE TABLE audit (
      seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      clinic_id    text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      at_ms        bigint NOT NULL,
      kind         text NOT NULL CHECK (kind IN ('plan', 'erasure')),
      plan_id      text COLLATE "C",
      record_json  text,
      content_hash text NOT NULL,
      prev_hash    text NOT NULL,
      hash         text NOT NULL,
      UNIQUE (clinic_id, prev_hash)
    );
    CREATE INDEX audit_plan ON audit (plan_id);
    CREATE INDEX audit_chain ON audit (clinic_id, seq);
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit records are append-only';
      END IF;
      IF NEW.record_json IS NOT NULL OR NEW.seq IS DISTINCT FROM OLD.seq
         OR NEW.at_ms IS DISTINCT FROM OLD.at_ms OR NEW.kind IS DISTINCT FROM OLD.kind
         OR NEW.plan_id IS DISTINCT FROM OLD.plan_id
         OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
         OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash OR NEW.hash IS DISTINCT FROM OLD.hash
         OR NEW.clinic_id IS DISTINCT FROM OLD.clinic_id THEN
        RAISE EXCEPTION 'audit records are append-only (an erasure may only redact)';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION audit_append_only();

    CREATE TABLE served_rule_sets (
      seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sha256       text COLLATE "C" NOT NULL REFERENCES rule_sets (sha256),
      served_at_ms bigint NOT NULL
    );

    CREATE TABLE published_rule_sets (
      seq             bigint GENERATED ALWAYS AS IDENTITY,
      sha256          text COLLATE "C" NOT NULL REFERENCES rule_sets (sha256),
      owner           text COLLATE "C" NOT NULL,  -- a clinic_id, or '' for the platform
      author          text NOT NULL,
      comment         text NOT NULL,
      published_at_ms bigint NOT NULL,
      PRIMARY KEY (sha256, owner)
    );

    CREATE TABLE activations (
      seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      clinic_id       text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      condition       text COLLATE "C" NOT NULL,
      sha256          text COLLATE "C" NOT NULL REFERENCES rule_sets (sha256),
      replaced_sha256 text NOT NULL,
      author          text NOT NULL,
      comment         text NOT NULL,
      activated_at_ms bigint NOT NULL
    );
    CREATE INDEX activations_live ON activations (clinic_id, condition, seq);

    CREATE TABLE clinic_profiles (
      clinic_id    text COLLATE "C" NOT NULL REFERENCES clinics (clinic_id),
      version      bigint NOT NULL CHECK (version >= 1),
      profile_json text NOT NULL,
      sha256       text NOT NULL,
      author       text NOT NULL,
      comment      text NOT NULL,
      set_at_ms    bigint NOT NULL,
      PRIMARY KEY (clinic_id, version)
    );
    )sql"},
    // Additive: releases of version 1 ignore it.
    {1, R"sql(
    -- What each replica serves per clinic and condition, as it last reported (its heartbeat too).
    CREATE TABLE replica_serving (
      replica_id     text COLLATE "C" NOT NULL,
      clinic_id      text COLLATE "C" NOT NULL,
      condition      text COLLATE "C" NOT NULL,
      sha256         text NOT NULL,
      error          text NOT NULL,
      reported_at_ms bigint NOT NULL,
      PRIMARY KEY (replica_id, clinic_id, condition)
    );
    )sql"},
    // Additive: releases of version 2 ignore the columns, and store their plans without them.
    {1, R"sql(
    -- What each plan was asked (StoredPlan::replay_input: bytes the store does not read, and the
    -- name of their encoding), so that it can be asked again of a draft rule set; NULL for plans
    -- stored before. The partial index holds only the plans that kept one, in the order
    -- RecentReplayInputs reads a clinic's newest.
    ALTER TABLE plans ADD COLUMN replay_input bytea, ADD COLUMN replay_format text;
    CREATE INDEX plans_replay ON plans (clinic_id, created_at_ms, seq)
      WHERE replay_input IS NOT NULL;
    )sql"},
};

constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// Any fixed number: the lock only keeps two replicas from migrating at once.
constexpr int64_t kMigrationLock = 0x4D444C53;

}  // namespace

int PostgresSchemaVersion() { return kSchemaVersion; }

absl::Status Migrate(pqxx::connection& connection) {
  pqxx::work transaction(connection);
  transaction.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  const bool fresh =
      !transaction.exec1("SELECT to_regclass('modalis_schema') IS NOT NULL")[0].as<bool>();
  int version = 0;
  int oldest_reader = 0;
  if (fresh) {
    // The table is absent; so must be every table it would create.
    if (transaction.exec1("SELECT to_regclass('plans') IS NOT NULL")[0].as<bool>()) {
      return absl::FailedPreconditionError(
          "the database holds a table 'plans' but no modalis_schema: it is not a Modalis store; "
          "refusing to use it");
    }
    transaction.exec0(
        "CREATE TABLE modalis_schema (version integer NOT NULL, oldest_reader integer NOT NULL, "
        "migrated_at timestamptz NOT NULL)");
    transaction.exec0("INSERT INTO modalis_schema VALUES (0, 0, now())");
  } else {
    const pqxx::row row = transaction.exec1("SELECT version, oldest_reader FROM modalis_schema");
    version = row[0].as<int>();
    oldest_reader = row[1].as<int>();
  }
  if (version > kSchemaVersion) {
    if (oldest_reader <= kSchemaVersion) return absl::OkStatus();  // a newer release's, compatible
    return absl::FailedPreconditionError(
        "the database has schema version " + std::to_string(version) +
        ", which only releases that know schema version " + std::to_string(oldest_reader) +
        " or later can use; this one knows up to " + std::to_string(kSchemaVersion) +
        ": upgrade it (or restore the database from before the upgrade)");
  }
  if (version == kSchemaVersion) return absl::OkStatus();
  for (int v = version; v < kSchemaVersion; ++v) {
    transaction.exec0(kMigrations[v].sql);
    oldest_reader = std::max(oldest_reader, kMigrations[v].oldest_reader);
  }
  transaction.exec_params0(
      "UPDATE modalis_schema SET version = $1, oldest_reader = $2, migrated_at = now()",
      kSchemaVersion, oldest_reader);
  transaction.commit();
  return absl::OkStatus();
}

}  // namespace modalis::store_postgres
