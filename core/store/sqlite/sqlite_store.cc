#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/common/sha256.h"
#include "core/plan/plan_json.h"
#include "core/store/sqlite/batch_writer.h"
#include "core/store/sqlite/sqlite_errors.h"

namespace modalis {
namespace {

using nlohmann::json;
using store_sqlite::BatchReport;
using store_sqlite::BatchWriter;
using store_sqlite::BatchWriterOptions;
using store_sqlite::FromSqlite;
using store_sqlite::WithContext;
using store_sqlite::WriterConnection;

// "MDLS": identifies a Modalis store file to tools and lets us refuse other SQLite files.
constexpr int64_t kApplicationId = 0x4D444C53;
constexpr char kGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

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
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

constexpr char kPlanColumns[] =
    "plan_id, patient_ref, client, request_id, request_hash, created_at_ms, plan_json, pain_nprs, "
    "pain_days_per_week, baseline_pain_nprs";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kDatabaseMissing = "modalis.store/database-missing";

void BindText(SQLite::Statement& s, int index, const std::string& text) {
  if (text.empty()) {
    s.bind(index);  // NULL: "not given", so an empty request_id never collides
  } else {
    s.bind(index, text);
  }
}

void BindOptional(SQLite::Statement& s, int index, const std::optional<double>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind(index);
  }
}

std::optional<double> OptionalColumn(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

std::string TextColumn(const SQLite::Column& c) { return c.isNull() ? "" : c.getString(); }

// Reads one row selected with kPlanColumns.
absl::StatusOr<StoredPlan> PlanFromRow(SQLite::Statement& q) {
  StoredPlan out;
  out.plan_id = q.getColumn(0).getString();
  out.patient_ref = q.getColumn(1).getString();
  out.client = q.getColumn(2).getString();
  out.request_id = TextColumn(q.getColumn(3));
  out.request_hash = q.getColumn(4).getString();
  out.created_at_ms = q.getColumn(5).getInt64();
  auto j = json::parse(q.getColumn(6).getString(), nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("plan " + out.plan_id + " is unreadable");
  auto plan = PlanFromJson(j);
  if (!plan.ok()) return WithContext(plan.status(), "plan " + out.plan_id + " is unreadable");
  out.plan = *std::move(plan);
  out.baseline.pain_nprs = OptionalColumn(q.getColumn(7));
  out.baseline.pain_days_per_week = OptionalColumn(q.getColumn(8));
  out.baseline.baseline_pain_nprs = OptionalColumn(q.getColumn(9));
  return out;
}

// Appends one record to the audit chain. Runs inside the writer's transaction, which holds the
// write lock, so reading the head and appending cannot interleave with another writer.
void AppendAudit(WriterConnection& w, int64_t at_ms, const char* kind, const std::string& plan_id,
                 const std::string& record_json) {
  SQLite::Statement& head = w.Prepare("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
  const std::string prev = head.executeStep() ? head.getColumn(0).getString() : kGenesisHash;
  head.tryReset();
  const std::string content_hash = Sha256Hex(record_json);
  const std::string hash = Sha256Hex(prev + content_hash);
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO audit (at_ms, kind, plan_id, record_json, content_hash, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, at_ms);
  insert.bind(2, kind);
  BindText(insert, 3, plan_id);
  insert.bind(4, record_json);
  insert.bind(5, content_hash);
  insert.bind(6, prev);
  insert.bind(7, hash);
  insert.exec();
}

// A plan with its row and audit texts already written out: serialising them costs more than
// the SQL, and doing it on the caller's thread keeps the single writer thread for the database.
struct PreparedPlan {
  NewPlan in;
  std::string plan_json;
  std::string audit_record;
};

PreparedPlan PreparePlan(NewPlan in) {
  PreparedPlan out;
  const StoredPlan& p = in.plan;
  out.plan_json = PlanToJson(p.plan).dump();
  // What a clinic needs to answer "why was this suggested?" years later, and nothing more.
  json record = {{"kind", "plan"},
                 {"plan_id", p.plan_id},
                 {"patient_ref", p.patient_ref},
                 {"client", p.client},
                 {"request_id", p.request_id},
                 {"request_hash", p.request_hash},
                 {"rule_set",
                  {{"sha256", p.plan.rule_set.sha256},
                   {"id", p.plan.rule_set.id},
                   {"version", p.plan.rule_set.version}}},
                 {"status", PlanStatusName(p.plan.status)},
                 {"urgency", UrgencyName(p.plan.referral.urgency)},
                 {"fired_rules", in.audit.fired_rule_ids},
                 {"at_ms", p.created_at_ms}};
  json plugins = json::array();
  for (const auto& plugin : in.audit.plugins) {
    plugins.push_back({{"id", plugin.id}, {"version", plugin.version}});
  }
  record["plugins"] = std::move(plugins);
  out.audit_record = record.dump();
  out.in = std::move(in);
  return out;
}

bool KnownRuleSet(WriterConnection& w, const std::string& sha256) {
  SQLite::Statement& known = w.Prepare("SELECT 1 FROM rule_sets WHERE sha256 = ?");
  known.bind(1, sha256);
  const bool have = known.executeStep();
  known.tryReset();
  return have;
}

// Stores a rule set's content once, by hash.
absl::Status EnsureRuleSet(WriterConnection& w, const RuleSetRecord& rule_set, int64_t at_ms,
                           const std::string& what) {
  if (KnownRuleSet(w, rule_set.sha256)) return absl::OkStatus();
  if (rule_set.canonical_source == nullptr) {
    return absl::InvalidArgumentError(what + " names rule set " + rule_set.sha256 +
                                      " but its canonical content was not given");
  }
  SQLite::Statement& add = w.Prepare(
      "INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms) "
      "VALUES (?, ?, ?, ?, ?)");
  add.bind(1, rule_set.sha256);
  add.bind(2, rule_set.id);
  add.bind(3, rule_set.version);
  // Bound without a copy: the string outlives the statement's use.
  add.bindNoCopy(4, *rule_set.canonical_source);
  add.bind(5, at_ms);
  add.exec();
  return absl::OkStatus();
}

absl::Status ApplyServedRuleSet(WriterConnection& w, const RuleSetRecord& rule_set, int64_t at_ms) {
  if (absl::Status s = EnsureRuleSet(w, rule_set, at_ms, "the served rule set"); !s.ok()) return s;
  // A restart with the same rules is not a new activation.
  SQLite::Statement& last =
      w.Prepare("SELECT sha256 FROM served_rule_sets ORDER BY seq DESC LIMIT 1");
  const bool same = last.executeStep() && last.getColumn(0).getString() == rule_set.sha256;
  last.tryReset();
  if (same) return absl::OkStatus();
  SQLite::Statement& add =
      w.Prepare("INSERT INTO served_rule_sets (sha256, served_at_ms) VALUES (?, ?)");
  add.bind(1, rule_set.sha256);
  add.bind(2, at_ms);
  add.exec();
  return absl::OkStatus();
}

absl::Status ApplyPutPlan(WriterConnection& w, PreparedPlan& prepared, StoredPlan* result) {
  NewPlan& in = prepared.in;
  StoredPlan& p = in.plan;
  if (!p.request_id.empty()) {
    SQLite::Statement& q = w.Prepare(
        "SELECT plan_id, patient_ref, client, request_id, request_hash, created_at_ms, "
        "plan_json, pain_nprs, pain_days_per_week, baseline_pain_nprs "
        "FROM plans WHERE client = ? AND request_id = ?");
    q.bind(1, p.client);
    q.bind(2, p.request_id);
    if (q.executeStep()) {
      if (q.getColumn(4).getString() != p.request_hash) {
        return absl::AlreadyExistsError("request_id '" + p.request_id +
                                        "' was already used by this client for a different "
                                        "request; use a new request_id");
      }
      // A retry: answer with the plan stored the first time, not a new one.
      auto existing = PlanFromRow(q);
      q.tryReset();
      if (!existing.ok()) return existing.status();
      *result = *std::move(existing);
      return absl::OkStatus();
    }
  }

  if (!KnownRuleSet(w, p.plan.rule_set.sha256)) {
    if (in.rule_set.sha256 != p.plan.rule_set.sha256) {
      return absl::InvalidArgumentError("plan " + p.plan_id + " names rule set " +
                                        p.plan.rule_set.sha256 +
                                        " but its canonical content was not given");
    }
    if (absl::Status s = EnsureRuleSet(w, in.rule_set, p.created_at_ms, "plan " + p.plan_id);
        !s.ok()) {
      return s;
    }
  }

  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO plans (plan_id, patient_ref, client, request_id, request_hash, "
      "rule_set_sha256, created_at_ms, plan_json, pain_nprs, pain_days_per_week, "
      "baseline_pain_nprs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, p.plan_id);
  insert.bind(2, p.patient_ref);
  insert.bind(3, p.client);
  BindText(insert, 4, p.request_id);
  insert.bind(5, p.request_hash);
  insert.bind(6, p.plan.rule_set.sha256);
  insert.bind(7, p.created_at_ms);
  insert.bindNoCopy(8, prepared.plan_json);
  BindOptional(insert, 9, p.baseline.pain_nprs);
  BindOptional(insert, 10, p.baseline.pain_days_per_week);
  BindOptional(insert, 11, p.baseline.baseline_pain_nprs);
  insert.exec();

  AppendAudit(w, p.created_at_ms, "plan", p.plan_id, prepared.audit_record);
  *result = std::move(p);
  return absl::OkStatus();
}

absl::Status ApplyFeedback(WriterConnection& w, const StepFeedback& f) {
  SQLite::Statement& plan = w.Prepare("SELECT plan_json FROM plans WHERE plan_id = ?");
  plan.bind(1, f.plan_id);
  if (!plan.executeStep()) return absl::NotFoundError("no plan with id '" + f.plan_id + "'");
  auto j = json::parse(plan.getColumn(0).getString(), nullptr, false);
  plan.tryReset();
  const size_t steps = j.is_object() && j.contains("steps") ? j["steps"].size() : 0;
  if (f.step_index >= steps) {
    return absl::InvalidArgumentError("plan " + f.plan_id + " has " + std::to_string(steps) +
                                      " steps; step_index " + std::to_string(f.step_index) +
                                      " does not exist");
  }
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO feedback (plan_id, step_index, decision, reason, client, recorded_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, f.plan_id);
  insert.bind(2, static_cast<int64_t>(f.step_index));
  insert.bind(3, std::string(StepDecisionName(f.decision)));
  insert.bind(4, f.reason);
  insert.bind(5, f.client);
  insert.bind(6, f.recorded_at_ms);
  insert.exec();
  return absl::OkStatus();
}

absl::Status ApplyOutcome(WriterConnection& w, const SessionOutcome& o) {
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO outcomes (patient_ref, session_number, pain_nprs, pain_days_per_week, "
      "odi_percent, rmdq, psfs_avg, client, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, o.patient_ref);
  insert.bind(2, static_cast<int64_t>(o.session_number));
  insert.bind(3, o.pain_nprs);
  insert.bind(4, o.pain_days_per_week);
  BindOptional(insert, 5, o.odi_percent);
  BindOptional(insert, 6, o.rmdq);
  BindOptional(insert, 7, o.psfs_avg);
  insert.bind(8, o.client);
  insert.bind(9, o.recorded_at_ms);
  try {
    insert.exec();
  } catch (const SQLite::Exception& e) {
    if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
      return absl::AlreadyExistsError("an outcome for session " + std::to_string(o.session_number) +
                                      " is already recorded for this patient");
    }
    throw;
  }
  return absl::OkStatus();
}

absl::Status ApplyErase(WriterConnection& w, const std::string& ref, ErasureReport* report) {
  std::vector<std::string> plan_ids;
  {
    SQLite::Statement& q =
        w.Prepare("SELECT plan_id FROM plans WHERE patient_ref = ? ORDER BY rowid");
    q.bind(1, ref);
    while (q.executeStep()) plan_ids.push_back(q.getColumn(0).getString());
    q.tryReset();
  }
  SQLite::Statement& feedback = w.Prepare(
      "DELETE FROM feedback WHERE plan_id IN (SELECT plan_id FROM plans WHERE patient_ref = ?)");
  feedback.bind(1, ref);
  report->feedback = feedback.exec();
  SQLite::Statement& outcomes = w.Prepare("DELETE FROM outcomes WHERE patient_ref = ?");
  outcomes.bind(1, ref);
  report->outcomes = outcomes.exec();
  SQLite::Statement& plans = w.Prepare("DELETE FROM plans WHERE patient_ref = ?");
  plans.bind(1, ref);
  report->plans = plans.exec();
  for (const auto& id : plan_ids) {
    SQLite::Statement& redact = w.Prepare(
        "UPDATE audit SET record_json = NULL WHERE plan_id = ? AND record_json IS NOT NULL");
    redact.bind(1, id);
    report->audit_redacted += redact.exec();
  }
  if (report->plans + report->outcomes == 0) {
    return absl::NotFoundError("nothing is stored for patient '" + ref + "'");
  }
  // The tombstone names no patient: only the random plan ids that were removed.
  const int64_t now = NowMs();
  json record = {{"kind", "erasure"},
                 {"plan_ids", plan_ids},
                 {"plans", report->plans},
                 {"feedback", report->feedback},
                 {"outcomes", report->outcomes},
                 {"audit_redacted", report->audit_redacted},
                 {"at_ms", now}};
  AppendAudit(w, now, "erasure", "", record.dump());
  return absl::OkStatus();
}

std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path, int flags,
                                                 int busy_timeout_ms) {
  auto db = std::make_unique<SQLite::Database>(path, flags, busy_timeout_ms);
  // FULL: an acknowledged plan survives power loss, not only a process crash.
  db->exec("PRAGMA synchronous=FULL");
  db->exec("PRAGMA foreign_keys=ON");
  db->exec("PRAGMA trusted_schema=OFF");
  return db;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const SqliteStoreOptions& options,
              std::unique_ptr<SQLite::Database> writer,
              std::vector<std::unique_ptr<SQLite::Database>> readers)
      : writer_(std::move(path), std::move(writer),
                BatchWriterOptions{options.queue_capacity, options.max_batch},
                [this](const BatchReport& report) { OnBatch(report); }),
        readers_(std::move(readers)) {
    absl::MutexLock lock(&readers_mu_);
    for (auto& r : readers_) idle_readers_.push_back(r.get());
  }

  ~SqliteStore() override { Close(); }

  void Close() override { writer_.Close(); }

  void PutPlanAsync(NewPlan plan, PlanDone done) override {
    auto shared = std::make_shared<PreparedPlan>(PreparePlan(std::move(plan)));
    auto result = std::make_shared<StoredPlan>();
    writer_.Enqueue(BatchWriter::Item{
        [shared, result](WriterConnection& w) { return ApplyPutPlan(w, *shared, result.get()); },
        [result, done = std::move(done)](absl::Status s) {
          if (s.ok()) {
            done(std::move(*result));
          } else {
            done(s);
          }
        },
        "storing a plan"});
  }

  void RecordFeedbackAsync(StepFeedback feedback, WriteDone done) override {
    if (absl::Status s = ValidateFeedback(feedback); !s.ok()) return done(s);
    if (feedback.recorded_at_ms == 0) feedback.recorded_at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{
        [f = std::move(feedback)](WriterConnection& w) { return ApplyFeedback(w, f); },
        std::move(done), "recording feedback"});
  }

  void RecordOutcomeAsync(SessionOutcome outcome, WriteDone done) override {
    if (absl::Status s = ValidateOutcome(outcome); !s.ok()) return done(s);
    if (outcome.recorded_at_ms == 0) outcome.recorded_at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{
        [o = std::move(outcome)](WriterConnection& w) { return ApplyOutcome(w, o); },
        std::move(done), "recording an outcome"});
  }

  void ErasePatientAsync(std::string ref,
                         std::function<void(absl::StatusOr<ErasureReport>)> done) override {
    if (ref.empty()) return done(absl::InvalidArgumentError("patient_ref is required"));
    auto report = std::make_shared<ErasureReport>();
    writer_.Enqueue(BatchWriter::Item{[ref = std::move(ref), report](WriterConnection& w) {
                                        return ApplyErase(w, ref, report.get());
                                      },
                                      [report, done = std::move(done)](absl::Status s) {
                                        if (s.ok()) {
                                          done(*report);
                                        } else {
                                          done(s);
                                        }
                                      },
                                      "erasing a patient"});
  }

  void RecordServedRuleSetAsync(RuleSetRecord rule_set, WriteDone done) override {
    const int64_t at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{[r = std::move(rule_set), at_ms](WriterConnection& w) {
                                        return ApplyServedRuleSet(w, r, at_ms);
                                      },
                                      std::move(done), "recording the rule set served"});
  }

  absl::StatusOr<std::optional<RuleSetRecord>> LastServedRuleSet() override {
    return Read(
        "reading the last rule set served",
        [&](SQLite::Database& db) -> absl::StatusOr<std::optional<RuleSetRecord>> {
          SQLite::Statement q(db,
                              "SELECT r.sha256, r.id, r.version, r.canonical_source "
                              "FROM served_rule_sets s JOIN rule_sets r ON r.sha256 = s.sha256 "
                              "WHERE r.canonical_source IS NOT NULL ORDER BY s.seq DESC LIMIT 1");
          if (!q.executeStep()) return std::optional<RuleSetRecord>();
          return std::optional<RuleSetRecord>(RuleSetRecord{
              q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
              std::make_shared<const std::string>(q.getColumn(3).getString())});
        });
  }

  absl::StatusOr<StoredPlan> GetPlan(const std::string& plan_id) override {
    return Read("reading plan " + plan_id, [&](SQLite::Database& db) -> absl::StatusOr<StoredPlan> {
      SQLite::Statement q(db,
                          std::string("SELECT ") + kPlanColumns + " FROM plans WHERE plan_id = ?");
      q.bind(1, plan_id);
      if (!q.executeStep()) {
        return absl::NotFoundError("no plan with id '" + plan_id + "'");
      }
      return PlanFromRow(q);
    });
  }

  absl::StatusOr<PlanPage> ListPlans(const std::string& ref, size_t page_size,
                                     const std::string& page_token) override {
    int64_t after = 0;
    if (!page_token.empty()) {
      char* end = nullptr;
      after = std::strtoll(page_token.c_str(), &end, 10);
      if (end == nullptr || *end != '\0' || after < 0) {
        return absl::InvalidArgumentError("page_token is not one this store returned");
      }
    }
    const size_t size = page_size == 0 ? 50 : std::min<size_t>(page_size, 500);
    return Read("listing plans", [&](SQLite::Database& db) -> absl::StatusOr<PlanPage> {
      SQLite::Statement q(db, std::string("SELECT ") + kPlanColumns +
                                  ", rowid FROM plans WHERE patient_ref = ? AND rowid > ? "
                                  "ORDER BY rowid LIMIT ?");
      q.bind(1, ref);
      q.bind(2, after);
      q.bind(3, static_cast<int64_t>(size + 1));
      PlanPage page;
      int64_t last = 0;
      while (q.executeStep()) {
        if (page.plans.size() == size) {
          page.next_page_token = std::to_string(last);
          break;
        }
        auto plan = PlanFromRow(q);
        if (!plan.ok()) return plan.status();
        page.plans.push_back(*std::move(plan));
        last = q.getColumn(10).getInt64();
      }
      return page;
    });
  }

  absl::StatusOr<Progress> GetProgress(const std::string& ref,
                                       const ProgressPolicy& policy) override {
    return Read("computing progress", [&](SQLite::Database& db) -> absl::StatusOr<Progress> {
      SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
      ProgressInputs in;
      auto outcomes = Outcomes(db, ref);
      if (!outcomes.ok()) return outcomes.status();
      in.outcomes = *std::move(outcomes);
      SQLite::Statement first(db,
                              "SELECT pain_nprs, pain_days_per_week, baseline_pain_nprs FROM plans "
                              "WHERE patient_ref = ? ORDER BY rowid LIMIT 1");
      first.bind(1, ref);
      if (first.executeStep()) {
        in.first_plan =
            FindingsBaseline{OptionalColumn(first.getColumn(0)), OptionalColumn(first.getColumn(1)),
                             OptionalColumn(first.getColumn(2))};
      }
      // Newest first: the latest plan's referral, and the course of the latest plan that has one.
      SQLite::Statement latest(
          db, "SELECT plan_json FROM plans WHERE patient_ref = ? ORDER BY rowid DESC");
      latest.bind(1, ref);
      for (bool newest = true; latest.executeStep() && !in.latest_course; newest = false) {
        auto plan = PlanFromJson(json::parse(latest.getColumn(0).getString(), nullptr, false));
        if (!plan.ok()) return WithContext(plan.status(), "a stored plan is unreadable");
        if (newest) in.latest_referral = plan->referral.urgency;
        in.latest_course = plan->course;
      }
      if (!in.first_plan && in.outcomes.empty()) {
        return absl::NotFoundError("nothing is stored for patient '" + ref + "'");
      }
      return ComputeProgress(ref, in, policy);
    });
  }

  absl::StatusOr<PatientRecord> ExportPatient(const std::string& ref) override {
    return Read("exporting a patient", [&](SQLite::Database& db) -> absl::StatusOr<PatientRecord> {
      SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
      PatientRecord out;
      out.patient_ref = ref;
      SQLite::Statement plans(db, std::string("SELECT ") + kPlanColumns +
                                      " FROM plans WHERE patient_ref = ? ORDER BY rowid");
      plans.bind(1, ref);
      while (plans.executeStep()) {
        auto plan = PlanFromRow(plans);
        if (!plan.ok()) return plan.status();
        out.plans.push_back(*std::move(plan));
      }
      SQLite::Statement feedback(
          db,
          "SELECT f.plan_id, f.step_index, f.decision, f.reason, f.client, f.recorded_at_ms "
          "FROM feedback f JOIN plans p ON p.plan_id = f.plan_id WHERE p.patient_ref = ? "
          "ORDER BY f.feedback_id");
      feedback.bind(1, ref);
      while (feedback.executeStep()) {
        StepFeedback f;
        f.plan_id = feedback.getColumn(0).getString();
        f.step_index = static_cast<uint32_t>(feedback.getColumn(1).getInt64());
        const std::string decision = feedback.getColumn(2).getString();
        f.decision = decision == "modified"   ? StepDecision::kModified
                     : decision == "declined" ? StepDecision::kDeclined
                                              : StepDecision::kAccepted;
        f.reason = feedback.getColumn(3).getString();
        f.client = feedback.getColumn(4).getString();
        f.recorded_at_ms = feedback.getColumn(5).getInt64();
        out.feedback.push_back(std::move(f));
      }
      auto outcomes = Outcomes(db, ref);
      if (!outcomes.ok()) return outcomes.status();
      out.outcomes = *std::move(outcomes);
      SQLite::Statement audit(
          db,
          "SELECT a.seq, a.at_ms, a.kind, a.plan_id, a.record_json FROM audit a "
          "JOIN plans p ON p.plan_id = a.plan_id WHERE p.patient_ref = ? ORDER BY a.seq");
      audit.bind(1, ref);
      while (audit.executeStep()) {
        out.audit.push_back(AuditEntry{audit.getColumn(0).getInt64(), audit.getColumn(1).getInt64(),
                                       audit.getColumn(2).getString(),
                                       TextColumn(audit.getColumn(3)),
                                       TextColumn(audit.getColumn(4))});
      }
      if (out.plans.empty() && out.outcomes.empty()) {
        return absl::NotFoundError("nothing is stored for patient '" + ref + "'");
      }
      return out;
    });
  }

  absl::StatusOr<IntegrityReport> Verify() override {
    return Read(
        "verifying the store", [&](SQLite::Database& db) -> absl::StatusOr<IntegrityReport> {
          IntegrityReport report;
          {
            SQLite::Statement check(db, "PRAGMA integrity_check");
            while (check.executeStep()) {
              const std::string line = check.getColumn(0).getString();
              if (line != "ok") report.problems.push_back("integrity_check: " + line);
            }
          }
          {
            SQLite::Statement fk(db, "PRAGMA foreign_key_check");
            while (fk.executeStep()) {
              report.problems.push_back("foreign key: row " + fk.getColumn(1).getString() + " of " +
                                        fk.getColumn(0).getString() + " references a missing " +
                                        fk.getColumn(2).getString() + " row");
            }
          }
          SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
          SQLite::Statement walk(
              db, "SELECT seq, record_json, content_hash, prev_hash, hash FROM audit ORDER BY seq");
          std::string prev = kGenesisHash;
          while (walk.executeStep()) {
            ++report.audit_records;
            const std::string seq = walk.getColumn(0).getString();
            const std::string content_hash = walk.getColumn(2).getString();
            const std::string prev_hash = walk.getColumn(3).getString();
            const std::string hash = walk.getColumn(4).getString();
            if (walk.getColumn(1).isNull()) {
              ++report.audit_redacted;
            } else if (Sha256Hex(walk.getColumn(1).getString()) != content_hash) {
              report.problems.push_back("audit record " + seq + " was altered (content hash)");
            }
            if (prev_hash != prev) {
              report.problems.push_back("audit record " + seq +
                                        " does not follow the previous record (chain broken)");
            }
            if (Sha256Hex(prev_hash + content_hash) != hash) {
              report.problems.push_back("audit record " + seq + " has a wrong hash");
            }
            prev = hash;
          }
          report.audit_head = prev;
          return report;
        });
  }

  WriteHealth write_health() const override {
    absl::MutexLock lock(&health_mu_);
    return health_;
  }

  void SetWriteHealthListener(std::function<void(const WriteHealth&)> listener) override {
    absl::MutexLock lock(&health_mu_);
    health_listener_ = std::move(listener);
  }

  void ProbeWriteAsync(WriteDone done) override {
    // Rewrites a header field with its own value: a real transaction, WAL append and fsync, that
    // no reader can tell happened.
    writer_.Enqueue(BatchWriter::Item{
        [](WriterConnection& w) {
          w.db().exec("PRAGMA application_id = " + std::to_string(kApplicationId));
          return absl::OkStatus();
        },
        std::move(done), "probing whether the database can be written"});
  }

  absl::Status Backup(const std::string& path) override {
    const std::string tmp = path + ".partial";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError("cannot create the backup '" + tmp +
                                           "': " + std::strerror(errno));
    }
    ::close(fd);
    auto copied = Read("backing up to " + path, [&](SQLite::Database& db) -> absl::StatusOr<bool> {
      // The online backup API copies a consistent snapshot while the writer keeps committing.
      db.backup(tmp.c_str(), SQLite::Database::Save);
      return true;
    });
    if (!copied.ok()) {
      ::unlink(tmp.c_str());
      return copied.status();
    }
    // Only a complete copy gets the requested name.
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string error = std::strerror(errno);
      ::unlink(tmp.c_str());
      return absl::FailedPreconditionError("cannot move the backup to '" + path + "': " + error);
    }
    return absl::OkStatus();
  }

 private:
  // A batch that failed on the storage makes the store unwritable; one that committed makes it
  // writable again.
  void OnBatch(const BatchReport& report) {
    if (!report.storage_failure.ok()) {
      SetHealth(WriteHealth{false, report.storage_failure});
    } else if (report.committed) {
      SetHealth(WriteHealth{true, absl::OkStatus()});
    }
  }

  void SetHealth(WriteHealth health) {
    std::function<void(const WriteHealth&)> listener;
    {
      absl::MutexLock lock(&health_mu_);
      if (health_.writable == health.writable && health_.cause == health.cause) return;
      health_ = health;
      listener = health_listener_;
    }
    if (listener) listener(health);
  }

  // Runs `body` on a read-only connection from the pool; SQLite errors become statuses.
  template <typename Body>
  auto Read(const std::string& what, Body body)
      -> decltype(body(std::declval<SQLite::Database&>())) {
    SQLite::Database* db = nullptr;
    {
      absl::MutexLock lock(&readers_mu_);
      while (idle_readers_.empty()) readers_cv_.Wait(&readers_mu_);
      db = idle_readers_.back();
      idle_readers_.pop_back();
    }
    struct Return {
      SqliteStore* self;
      SQLite::Database* db;
      ~Return() {
        {
          absl::MutexLock lock(&self->readers_mu_);
          self->idle_readers_.push_back(db);
        }
        self->readers_cv_.Signal();
      }
    } give_back{this, db};
    try {
      return body(*db);
    } catch (const SQLite::Exception& e) {
      return FromSqlite(e, what);
    } catch (const std::exception& e) {
      return absl::InternalError(what + ": " + e.what());
    }
  }

  absl::StatusOr<std::vector<SessionOutcome>> Outcomes(SQLite::Database& db,
                                                       const std::string& ref) {
    SQLite::Statement q(db,
                        "SELECT session_number, pain_nprs, pain_days_per_week, odi_percent, rmdq, "
                        "psfs_avg, client, recorded_at_ms FROM outcomes WHERE patient_ref = ? "
                        "ORDER BY session_number");
    q.bind(1, ref);
    std::vector<SessionOutcome> out;
    while (q.executeStep()) {
      SessionOutcome o;
      o.patient_ref = ref;
      o.session_number = static_cast<uint32_t>(q.getColumn(0).getInt64());
      o.pain_nprs = q.getColumn(1).getDouble();
      o.pain_days_per_week = q.getColumn(2).getDouble();
      o.odi_percent = OptionalColumn(q.getColumn(3));
      o.rmdq = OptionalColumn(q.getColumn(4));
      o.psfs_avg = OptionalColumn(q.getColumn(5));
      o.client = q.getColumn(6).getString();
      o.recorded_at_ms = q.getColumn(7).getInt64();
      out.push_back(std::move(o));
    }
    return out;
  }

  // First, so destroyed last: its read-write connection closes after every reader, and the last
  // connection to close is the one that checkpoints the WAL into the database file and removes
  // it. Its thread reports to the members below only after a write, and ~SqliteStore joins it.
  BatchWriter writer_;

  mutable absl::Mutex health_mu_;
  WriteHealth health_ ABSL_GUARDED_BY(health_mu_);
  std::function<void(const WriteHealth&)> health_listener_ ABSL_GUARDED_BY(health_mu_);

  std::vector<std::unique_ptr<SQLite::Database>> readers_;
  absl::Mutex readers_mu_;
  absl::CondVar readers_cv_;  // signalled when a connection returns to idle_readers_
  std::vector<SQLite::Database*> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

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

// Best effort: without the marker a lost database is not told apart from a first start, which is
// how every store behaved before markers existed.
void WriteCreatedMarker(const std::string& marker, const std::string& path) {
  struct stat st {};
  if (::stat(marker.c_str(), &st) == 0) return;
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  const std::string text = "A Modalis store has lived here since " + std::string(when) + ": " +
                           path +
                           ".\nIf that file is missing, it was lost: restore it from a backup. "
                           "Modalis will not silently start a new, empty one while this file "
                           "exists.\n";
  const ssize_t written = ::write(fd, text.data(), text.size());
  (void)written;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

bool IsMissingDatabase(const absl::Status& status) {
  return status.GetPayload(kDatabaseMissing).has_value();
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                       const SqliteStoreOptions& options) {
  if (options.read_only) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return absl::FailedPreconditionError("no database at '" + path +
                                           "': " + std::strerror(errno));
    }
  } else {
    const std::string marker = path + ".created";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && !options.create_even_if_expected) {
      for (const std::string& sign : {marker, path + "-wal"}) {
        if (::stat(sign.c_str(), &st) == 0) {
          absl::Status missing = absl::FailedPreconditionError(
              "the database '" + path + "' is missing, but '" + sign +
              "' shows one was there: its plans are not where they should be. Put the file "
              "back or restore a backup; a new, empty database is created only on request");
          missing.SetPayload(kDatabaseMissing, absl::Cord("1"));
          return missing;
        }
      }
    }
    // Create the file with owner-only permissions before SQLite does: plans are health data.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError("cannot open or create the database '" + path +
                                           "': " + std::strerror(errno));
    }
    ::close(fd);
    WriteCreatedMarker(marker, path);
  }
  try {
    const int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    auto db = OpenConnection(path, flags, options.busy_timeout_ms);
    // The first read of the file: a corrupted header or another kind of file fails here.
    const int64_t app_id = db->execAndGet("PRAGMA application_id").getInt64();
    if (app_id != 0 && app_id != kApplicationId) {
      return absl::FailedPreconditionError("'" + path +
                                           "' is an SQLite database of another application, not "
                                           "a Modalis store; refusing to open it");
    }
    const std::string mode =
        db->execAndGet(options.read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL")
            .getString();
    if (mode != "wal" && !options.read_only) {
      return absl::FailedPreconditionError("cannot switch '" + path + "' to WAL mode (got " + mode +
                                           ")");
    }
    // Keep the WAL from growing without bound after a burst.
    if (!options.read_only) db->exec("PRAGMA journal_size_limit=67108864");
    if (absl::Status s = Migrate(*db, path, options.read_only); !s.ok()) return s;
    if (options.max_pages > 0) {
      db->exec("PRAGMA max_page_count=" + std::to_string(options.max_pages));
    }
    std::vector<std::unique_ptr<SQLite::Database>> readers;
    for (size_t i = 0; i < std::max<size_t>(options.readers, 1); ++i) {
      readers.push_back(OpenConnection(path, SQLite::OPEN_READONLY, options.busy_timeout_ms));
    }
    SqliteStoreOptions effective = options;
    effective.max_batch = std::max<size_t>(options.max_batch, 1);
    return std::unique_ptr<Store>(
        std::make_unique<SqliteStore>(path, effective, std::move(db), std::move(readers)));
  } catch (const SQLite::Exception& e) {
    absl::Status s = FromSqlite(e, "opening the database '" + path + "'");
    if (s.code() == absl::StatusCode::kDataLoss) {
      // Nothing can be served from it: an operator restores a backup.
      return absl::FailedPreconditionError(std::string(s.message()) +
                                           "; restore it from a backup (modalis db backup)");
    }
    return s;
  }
}

}  // namespace modalis
