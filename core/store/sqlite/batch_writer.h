// The store's single writer: one thread owning the only read-write connection, a bounded queue,
// group commit (one transaction, so one fsync, per batch) with a savepoint per item so a bad item
// fails alone, and every caller answered only once its item is durable or has failed. It knows
// nothing of what is written: each item brings the function that applies it.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "core/store/write_queue.h"

namespace modalis::store_sqlite {

// The read-write connection, used only by the writer thread. Statements are prepared once.
class WriterConnection {
 public:
  explicit WriterConnection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  SQLite::Database& db() { return *db_; }

  // A prepared statement, reset and unbound, ready to bind. tryReset: after a failed step,
  // reset() would throw the same error again.
  SQLite::Statement& Prepare(const char* sql);

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

struct BatchWriterOptions {
  // Items waiting for the writer; one more is refused with RESOURCE_EXHAUSTED (back-pressure).
  size_t queue_capacity = 4096;
  // Most items committed together. 1 commits each item on its own.
  size_t max_batch = 64;
};

// What one batch did to the storage; reported before any of the batch's callers is answered, so
// that a caller who sees a failure also sees the store's health that explains it.
struct BatchReport {
  // The first failure of the storage itself (IsStorageFailure) in the batch.
  absl::Status storage_failure = absl::OkStatus();
  // At least one of the batch's transactions committed.
  bool committed = false;
};

class BatchWriter {
 public:
  struct Item {
    // Runs on the writer thread inside the batch's transaction and a savepoint of its own: an
    // error status or an exception undoes this item's changes alone.
    std::function<absl::Status(WriterConnection&)> apply = {};
    // Called exactly once with the item's result: on the writer thread after its transaction
    // ended, or on the caller's thread when the item is refused.
    std::function<void(absl::Status)> done = {};
    // What the item does, as its errors begin: "storing a plan".
    const char* what = "";
    // After the batch commits, copy the write-ahead log into the database and empty it, so what
    // the item deleted (zeroed in place: secure_delete) is no longer in the log either. For
    // erasure; best effort, since a reader's open snapshot can keep the log.
    bool checkpoint_after = false;
  };

  // Starts the writer thread on `db`, the read-write connection of the database at `path`.
  // `on_batch` (may be empty) runs on the writer thread after each batch.
  BatchWriter(std::string path, std::unique_ptr<SQLite::Database> db,
              const BatchWriterOptions& options, std::function<void(const BatchReport&)> on_batch);
  ~BatchWriter();

  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Queues `item`, or answers it at once: UNAVAILABLE once stopping, RESOURCE_EXHAUSTED when the
  // queue is full.
  void Enqueue(Item item);

  // Refuses every later item; the writer still applies each queued one, then stops. Does not wait.
  void StopAccepting();

  // StopAccepting, then waits until every queued item is answered and the thread has exited. Safe
  // to call from several threads, and again.
  void Close();

 private:
  void RunBatch(std::vector<Item>& batch);
  void AtExit();
  absl::Status Exec(const char* sql);
  absl::Status WriterError(const SQLite::Exception& e, const std::string& what);
  bool InTransaction();
  absl::Status CheckNotMoved();

  const std::string path_;
  const std::function<void(const BatchReport&)> on_batch_;
  WriterConnection writer_;  // used only by the queue's thread
  // Last: its thread runs the batches on the members above, and is joined first.
  WriteQueue<Item> queue_;
};

}  // namespace modalis::store_sqlite
