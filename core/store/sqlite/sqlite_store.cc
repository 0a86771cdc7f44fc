#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <mutex>

#include "core/plan/plan_json.h"

namespace modalis {
namespace {

// Each entry migrates from version i to i+1; never edit one that has shipped.
constexpr const char* kMigrations[] = {
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
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what) {
  const int code = e.getErrorCode();
  std::string message = what + ": " + e.what();
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  if (code == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(message);
  if (code == SQLITE_FULL || code == SQLITE_READONLY || code == SQLITE_CANTOPEN) {
    return absl::FailedPreconditionError(message);
  }
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return absl::DataLossError(message);
  return absl::InternalError(message);
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  absl::Status PutPlan(const StoredPlan& p) override {
    const std::string json = PlanToJson(p.plan).dump();
    std::lock_guard lock(mu_);
    try {
      SQLite::Statement insert(*db_,
                               "INSERT INTO plans (plan_id, patient_ref, client, request_id, "
                               "request_hash, rule_set_sha256, created_at_ms, plan_json) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      insert.bind(1, p.plan_id);
      insert.bind(2, p.patient_ref);
      insert.bind(3, p.client);
      if (p.request_id.empty()) {
        insert.bind(4);
      } else {
        insert.bind(4, p.request_id);
      }
      insert.bind(5, p.request_hash);
      insert.bind(6, p.plan.rule_set.sha256);
      insert.bind(7, static_cast<int64_t>(p.created_at_ms));
      insert.bind(8, json);
      insert.exec();
      return absl::OkStatus();
    } catch (const SQLite::Exception& e) {
      return FromSqlite(e, "storing plan " + p.plan_id);
    }
  }

  absl::StatusOr<StoredPlan> GetPlan(const std::string& plan_id) override {
    std::lock_guard lock(mu_);
    try {
      SQLite::Statement query(*db_,
                              "SELECT patient_ref, client, request_id, request_hash, "
                              "created_at_ms, plan_json FROM plans WHERE plan_id = ?");
      query.bind(1, plan_id);
      if (!query.executeStep()) return absl::NotFoundError("no plan with id '" + plan_id + "'");
      StoredPlan out;
      out.plan_id = plan_id;
      out.patient_ref = query.getColumn(0).getString();
      out.client = query.getColumn(1).getString();
      out.request_id = query.getColumn(2).isNull() ? "" : query.getColumn(2).getString();
      out.request_hash = query.getColumn(3).getString();
      out.created_at_ms = query.getColumn(4).getInt64();
      auto json = nlohmann::json::parse(query.getColumn(5).getString(), nullptr, false);
      if (json.is_discarded()) return absl::DataLossError("plan " + plan_id + " is unreadable");
      auto plan = PlanFromJson(json);
      if (!plan.ok()) return plan.status();
      out.plan = *std::move(plan);
      return out;
    } catch (const SQLite::Exception& e) {
      return FromSqlite(e, "reading plan " + plan_id);
    }
  }

 private:
  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

absl::Status Migrate(SQLite::Database& db) {
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError("the database has schema version " +
                                         std::to_string(version) +
                                         ", written by a newer Modalis (this one knows up to " +
                                         std::to_string(kSchemaVersion) + "); refusing to open it");
  }
  if (version == kSchemaVersion) return absl::OkStatus();
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  for (int v = version; v < kSchemaVersion; ++v) db.exec(kMigrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  tx.commit();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  // Create the file with owner-only permissions before SQLite does: plans are health data.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError("cannot open or create the database '" + path +
                                         "': " + std::strerror(errno));
  }
  ::close(fd);
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, 5000);
    const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") {
      return absl::FailedPreconditionError("cannot switch '" + path + "' to WAL mode (got " + mode +
                                           ")");
    }
    // FULL: an acknowledged plan survives power loss, not only a process crash.
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    if (auto status = Migrate(*db); !status.ok()) return status;
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "opening the database '" + path + "'");
  }
}

}  // namespace modalis
