// One Store conformance suite for every backend (tests/unit/store/conformance): each suite's
// fixture derives from StoreConformance and is instantiated with kEveryStoreBackend, so each test
// runs once per backend (its name ends in /Sqlite or /Postgres). Tests see the store through the
// Store interface only, except for the raw statements below, which play someone with direct
// access to the database.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/store/plan_codec.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace modalis::testing {

enum class StoreBackend { kSqlite, kPostgres };

inline const auto kEveryStoreBackend =
    ::testing::Values(StoreBackend::kSqlite, StoreBackend::kPostgres);

inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

// How gtest prints the parameter of a failed test ("where GetParam() = Postgres").
inline void PrintTo(StoreBackend backend, std::ostream* out) {
  *out << (backend == StoreBackend::kSqlite ? "Sqlite" : "Postgres");
}

// The options every backend has, mapped to SqliteStoreOptions or PostgresStoreOptions.
struct CommonStoreOptions {
  size_t queue_capacity = 4096;
  size_t max_batch = 64;
  std::shared_ptr<const PlanCodec> plan_codec = nullptr;
};

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  // Runs after the derived fixture's members (its store) are gone. A passing test's PostgreSQL
  // database is dropped, so that a run's databases do not pile up under /tmp; a failing test's is
  // kept to look at while the cluster lives.
  ~StoreConformance() override {
    if (location_.empty() || IsSqlite()) return;
    if (HasFailure()) {
      std::cerr << "the failed test's database is kept: " << location_ << "\n";
      return;
    }
    DropTestDatabase(location_);
  }

  bool IsSqlite() const { return GetParam() == StoreBackend::kSqlite; }

  // The test's database, the same for every Open of the test: an SQLite file in a directory of its
  // own, or a new PostgreSQL database.
  const std::string& location() {
    if (location_.empty()) location_ = IsSqlite() ? dir_.file("m.db") : NewTestDatabase();
    return location_;
  }

  // Opens the store at the test's location, or opens it again after the test closed it. Throws
  // when it cannot (gtest reports it as the test's failure, and the next test runs).
  std::unique_ptr<Store> Open(const CommonStoreOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store;
    if (IsSqlite()) {
      SqliteStoreOptions sqlite;
      sqlite.queue_capacity = options.queue_capacity;
      sqlite.max_batch = options.max_batch;
      sqlite.plan_codec = options.plan_codec;
      store = OpenSqliteStore(location(), sqlite);
    } else {
      PostgresStoreOptions postgres;
      postgres.queue_capacity = options.queue_capacity;
      postgres.max_batch = options.max_batch;
      postgres.plan_codec = options.plan_codec;
      store = OpenPostgresStore(location(), postgres);
    }
    if (!store.ok()) {
      throw std::runtime_error("opening the store at " + location() + ": " +
                               store.status().ToString());
    }
    return *std::move(store);
  }

  // Runs `sql` (one statement or several) on the test's database with a connection of its own;
  // throws what the database refused.
  void ExecuteSql(const std::string& sql) {
    if (IsSqlite()) {
      SQLite::Database db(location(), SQLite::OPEN_READWRITE);
      db.setBusyTimeout(5000);
      db.exec(sql);
      return;
    }
    pqxx::connection connection(location());
    pqxx::nontransaction tx(connection);
    tx.exec(sql);
  }

  // The first column of the first row that `sql` reads, as text ("" for NULL).
  std::string QueryText(const std::string& sql) {
    if (IsSqlite()) {
      SQLite::Database db(location(), SQLite::OPEN_READONLY);
      db.setBusyTimeout(5000);
      return db.execAndGet(sql).getString();
    }
    pqxx::connection connection(location());
    pqxx::nontransaction tx(connection);
    const pqxx::row row = tx.exec1(sql);
    return row[0].is_null() ? "" : row[0].c_str();
  }
  int64_t QueryInt(const std::string& sql) { return std::stoll(QueryText(sql)); }

  // Runs `sql` past the database's own guards (the audit table's append-only triggers, foreign
  // keys), as someone with direct access who means to hide a change could; they are back after.
  void TamperSql(const std::string& sql) {
    if (IsSqlite()) {
      SQLite::Database db(location(), SQLite::OPEN_READWRITE);
      db.setBusyTimeout(5000);
      db.exec("PRAGMA foreign_keys = OFF");
      std::vector<std::pair<std::string, std::string>> triggers;  // name, its CREATE statement
      SQLite::Statement list(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'");
      while (list.executeStep()) {
        triggers.emplace_back(list.getColumn(0).getString(), list.getColumn(1).getString());
      }
      SQLite::Transaction transaction(db);
      for (const auto& [name, create] : triggers) db.exec("DROP TRIGGER " + name);
      db.exec(sql);
      for (const auto& [name, create] : triggers) db.exec(create);
      transaction.commit();
      return;
    }
    pqxx::connection connection(location());
    pqxx::work tx(connection);
    // A replica applies what its primary already checked: neither ordinary triggers nor those of
    // foreign keys fire.
    tx.exec("SET LOCAL session_replication_role = replica");
    tx.exec(sql);
    tx.commit();
  }

 private:
  TempDir dir_;
  std::string location_;
};

}  // namespace modalis::testing
