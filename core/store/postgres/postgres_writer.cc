// The writer thread: its queue, its batches, and reconnecting after the database went away.
#include "core/store/postgres/postgres_writer.h"

#include <algorithm>
#include <exception>
#include <pqxx/pqxx>
#include <utility>

#include "core/store/postgres/postgres_errors.h"
#include "core/store/postgres/postgres_writes.h"
#include "core/store/store_status.h"

namespace modalis::store_postgres {
namespace {

// libpq's own URI syntax takes its options as query parameters.
std::string WithParameter(const std::string& uri, const std::string& name,
                          const std::string& value) {
  if (uri.find(name + "=") != std::string::npos) return uri;  // the operator's choice stands
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + name + "=" + value;
}

}  // namespace

std::unique_ptr<pqxx::connection> Connect(const ConnectionSettings& settings) {
  std::string uri = WithParameter(settings.uri, "connect_timeout",
                                  std::to_string(std::max(settings.connect_timeout_seconds, 1)));
  uri = WithParameter(uri, "application_name", "modalisd");
  auto connection = std::make_unique<pqxx::connection>(uri);
  pqxx::nontransaction setup(*connection);
  // An acknowledged write is on the server's disk (and its synchronous standbys', if any).
  setup.exec0("SET synchronous_commit = on");
  setup.exec0("SET statement_timeout = " +
              std::to_string(std::max(settings.statement_timeout_ms, 1)));
  // Texts compare byte by byte, as in SQLite, whatever the database's locale.
  setup.exec0("SET client_encoding = 'UTF8'");
  // Prepared statements are parsed once, but planned per call: a generic plan chosen while the
  // tables were small (a sequential scan) would grow slower with every plan stored.
  setup.exec0("SET plan_cache_mode = force_custom_plan");
  setup.commit();
  DeclareWriteStatements(*connection);
  return connection;
}

PostgresWriter::PostgresWriter(ConnectionSettings settings,
                               std::unique_ptr<pqxx::connection> connection,
                               const WriterOptions& options,
                               std::function<void(const WriterReport&)> on_batch)
    : settings_(std::move(settings)),
      on_batch_(std::move(on_batch)),
      connection_(std::move(connection)),
      queue_(options.queue_capacity, options.max_batch,
             [this](std::vector<Item>& batch) { RunBatch(batch); }) {}

PostgresWriter::~PostgresWriter() { Close(); }

void PostgresWriter::Close() { queue_.Close(); }

void PostgresWriter::Enqueue(Item item) { queue_.Enqueue(std::move(item)); }

void PostgresWriter::RunBatch(std::vector<Item>& batch) {
  const size_t n = batch.size();
  std::vector<absl::Status> results(n);
  WriterReport report;
  auto fail_all = [&](const absl::Status& s) {
    if (report.storage_failure.ok() && IsStorageFailure(s)) report.storage_failure = s;
    for (size_t j = 0; j < n; ++j) {
      if (results[j].ok()) results[j] = WithContext(s, batch[j].what);
    }
  };
  try {
    if (connection_ == nullptr || !connection_->is_open()) {
      connection_.reset();
      connection_ = Connect(settings_);
    }
    pqxx::work transaction(*connection_);
    std::vector<std::string> clinics;
    for (const Item& item : batch) {
      if (!item.locks_clinic.empty()) clinics.push_back(item.locks_clinic);
    }
    std::sort(clinics.begin(), clinics.end());
    clinics.erase(std::unique(clinics.begin(), clinics.end()), clinics.end());
    for (const std::string& clinic : clinics) {
      transaction.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                              "modalis.clinic:" + clinic);
    }
    // Savepoints by hand: libpqxx 6.4's subtransaction sends no SAVEPOINT for exec_params, and a
    // failed statement would then abort the whole batch.
    for (size_t i = 0; i < n; ++i) {
      absl::Status s;
      transaction.exec0("SAVEPOINT item");
      try {
        s = batch[i].apply(transaction);
      } catch (const pqxx::broken_connection&) {
        throw;  // the whole transaction is gone
      } catch (const std::exception& e) {
        s = FromPostgres(e, batch[i].what);
      }
      // Throws, failing the batch, if the connection broke meanwhile.
      transaction.exec0(s.ok() ? "RELEASE SAVEPOINT item" : "ROLLBACK TO SAVEPOINT item");
      if (report.storage_failure.ok() && IsStorageFailure(s)) report.storage_failure = s;
      results[i] = s;
    }
    // PostgreSQL answers COMMIT of an aborted transaction by rolling it back without an error: a
    // statement now fails instead if anything left it aborted, so nothing is acknowledged that was
    // not committed.
    transaction.exec("SELECT 1");
    transaction.commit();
    report.committed = true;
  } catch (const std::exception& e) {
    const absl::Status s = FromPostgres(e, "committing the batch");
    fail_all(s);
    if (connection_ != nullptr && !connection_->is_open()) connection_.reset();
    if (IsStorageFailure(s)) connection_.reset();
  }
  if (on_batch_) on_batch_(report);
  for (size_t j = 0; j < n; ++j) batch[j].done(results[j]);
}

}  // namespace modalis::store_postgres
