// The store's writer on PostgreSQL: one thread owning one connection, a bounded queue, group
// commit (one transaction, so one WAL flush, per batch) with a savepoint per item so a bad item
// fails alone, and every caller answered only once its item is committed or has failed. Items that
// append to a clinic's history (its audit chain, its activations, its profile versions) name the
// clinic: the batch takes each such clinic's advisory lock, in one order, before its first item,
// so writers on several replicas never interleave within one clinic and never deadlock on the
// locks.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/store/write_queue.h"

namespace modalis::store_postgres {

struct ConnectionSettings {
  std::string uri;
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 10000;
};

// Connects and sets the session up (every commit flushed, statements time-limited). Throws what
// libpqxx throws.
std::unique_ptr<pqxx::connection> Connect(const ConnectionSettings& settings);

struct WriterOptions {
  size_t queue_capacity = 4096;
  size_t max_batch = 64;
};

// What one batch did to the database; reported before any of the batch's callers is answered.
struct WriterReport {
  // The first failure of the database itself (IsStorageFailure) in the batch.
  absl::Status storage_failure = absl::OkStatus();
  bool committed = false;
};

class PostgresWriter {
 public:
  struct Item {
    // Runs on the writer thread inside the batch's transaction, in a savepoint of its own: an
    // error status or an exception undoes this item's changes alone.
    std::function<absl::Status(pqxx::transaction_base&)> apply = {};
    // Called exactly once with the item's result: on the writer thread after its transaction
    // ended, or on the caller's thread when the item is refused.
    std::function<void(absl::Status)> done = {};
    const char* what = "";
    // The clinic whose history the item appends to, locked for the batch; empty for none.
    std::string locks_clinic = {};
  };

  // Starts the writer thread on `connection` (reconnecting with `settings` after losing it).
  PostgresWriter(ConnectionSettings settings, std::unique_ptr<pqxx::connection> connection,
                 const WriterOptions& options, std::function<void(const WriterReport&)> on_batch);
  ~PostgresWriter();

  PostgresWriter(const PostgresWriter&) = delete;
  PostgresWriter& operator=(const PostgresWriter&) = delete;

  // Queues `item`, or answers it at once: UNAVAILABLE once stopping, RESOURCE_EXHAUSTED when the
  // queue is full.
  void Enqueue(Item item);
  // Refuses every later item, completes every queued one, and joins the thread. Idempotent.
  void Close();

 private:
  void RunBatch(std::vector<Item>& batch);

  const ConnectionSettings settings_;
  const std::function<void(const WriterReport&)> on_batch_;
  std::unique_ptr<pqxx::connection> connection_;  // used only by the queue's thread; null once lost
  // Last: its thread runs the batches on the members above, and is joined first.
  WriteQueue<Item> queue_;
};

}  // namespace modalis::store_postgres
