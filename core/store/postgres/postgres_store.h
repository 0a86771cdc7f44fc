// The PostgreSQL backend of Store, for a store shared by several modalisd replicas: each replica
// has one writer thread owning one connection (bounded queue, group commit with a savepoint per
// write, as the SQLite backend) and a small pool of connections for reads. What SQLite gets from
// having one writer, PostgreSQL gets from the database: the unique key (clinic, client,
// request_id) makes a request stored once whichever replica wins, and each clinic's audit chain is
// appended under a transaction-scoped advisory lock on the clinic, so it never forks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis {

struct PostgresStoreOptions {
  // Writes waiting for the writer; one more is refused with RESOURCE_EXHAUSTED (back-pressure).
  size_t queue_capacity = 4096;
  // Most writes committed together (one commit, one WAL flush). 1 commits each write on its own.
  size_t max_batch = 64;
  size_t readers = 2;
  // How long connecting (or reconnecting after the database restarted) may take.
  int connect_timeout_seconds = 5;
  // How long one statement may run before the database cancels it (UNAVAILABLE).
  int statement_timeout_ms = 10000;
  // How plans are written (null: JsonPlanCodec()). Plans read back by the format stored with each.
  std::shared_ptr<const PlanCodec> plan_codec = nullptr;
};

// True for a location that names a PostgreSQL database (postgresql:// or postgres://) rather than
// an SQLite file.
bool IsPostgresLocation(std::string_view location);

// `location` as logs and messages may show it: a PostgreSQL URI's password replaced by "***".
std::string LocationForLogs(std::string_view location);

// Connects to the database `uri` (a libpq connection URI: postgresql://USER@HOST:PORT/DB), creating
// or migrating the schema under an advisory lock so replicas starting together migrate it once.
// FAILED_PRECONDITION for a database written by a newer Modalis or one holding other tables of the
// same names; UNAVAILABLE when the database cannot be reached.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                         const PostgresStoreOptions& options = {});

}  // namespace modalis
