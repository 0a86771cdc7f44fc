// The writer thread: its queue, its batches and the checks that keep it from acknowledging a
// write that is not durable where a restart will look for it.
#include "core/store/sqlite/batch_writer.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "core/store/sqlite/sqlite_errors.h"

namespace modalis::store_sqlite {

SQLite::Statement& WriterConnection::Prepare(const char* sql) {
  auto& slot = statements_[sql];
  if (slot == nullptr) slot = std::make_unique<SQLite::Statement>(*db_, sql);
  slot->tryReset();
  slot->clearBindings();
  return *slot;
}

BatchWriter::BatchWriter(std::string path, std::unique_ptr<SQLite::Database> db,
                         const BatchWriterOptions& options,
                         std::function<void(const BatchReport&)> on_batch)
    : path_(std::move(path)),
      on_batch_(std::move(on_batch)),
      writer_(std::move(db)),
      queue_(
          options.queue_capacity, options.max_batch,
          [this](std::vector<Item>& batch) { RunBatch(batch); }, [this] { AtExit(); }) {}

BatchWriter::~BatchWriter() { Close(); }

void BatchWriter::Enqueue(Item item) { queue_.Enqueue(std::move(item)); }

void BatchWriter::StopAccepting() { queue_.StopAccepting(); }

void BatchWriter::Close() { queue_.Close(); }

void BatchWriter::AtExit() {
  try {
    writer_.db().exec("PRAGMA optimize");
  } catch (const SQLite::Exception&) {
    // Only a planner hint; a read-only store cannot write it.
  }
}

absl::Status BatchWriter::Exec(const char* sql) {
  try {
    writer_.db().exec(sql);
    return absl::OkStatus();
  } catch (const SQLite::Exception& e) {
    return WriterError(e, sql);
  }
}

// SQLite often reports a file that became read-only under it (a file system remounted read-only,
// an immutable WAL) as a bare I/O error with no errno left; asking the file system tells that
// lasting state from a transient fault.
absl::Status BatchWriter::WriterError(const SQLite::Exception& e, const std::string& what) {
  absl::Status s = FromSqlite(e, what, writer_.db().getHandle());
  if (s.code() != absl::StatusCode::kUnavailable || !IsStorageFailure(s)) return s;
  for (const std::string& file : {path_, path_ + "-wal"}) {
    if (::access(file.c_str(), W_OK) == 0) continue;
    const int err = errno;
    if (err == ENOENT) continue;
    return StorageFailure(absl::FailedPreconditionError(
        std::string(s.message()) + "; '" + file + "' cannot be written (" + std::strerror(err) +
        "): the database or its file system is read-only"));
  }
  return s;
}

bool BatchWriter::InTransaction() { return sqlite3_get_autocommit(writer_.db().getHandle()) == 0; }

// The file this connection writes is still the one at the path: not deleted, renamed or replaced.
// Writing on to an unlinked file would acknowledge writes a restart cannot find.
absl::Status BatchWriter::CheckNotMoved() {
  int moved = 0;
  const int rc =
      sqlite3_file_control(writer_.db().getHandle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved);
  if (rc == SQLITE_OK && moved == 0) return absl::OkStatus();
  return StorageFailure(absl::FailedPreconditionError(
      "the database file '" + path_ +
      "' was deleted, moved or replaced while in use; writes are refused so that nothing is "
      "acknowledged that a restart would lose (put the file back, or restore a backup, and "
      "restart modalisd)"));
}

// One transaction (one fsync) for the batch; a savepoint per item so a bad item fails alone.
// Callbacks run only after the commit, so nothing is acknowledged before it is durable.
void BatchWriter::RunBatch(std::vector<Item>& batch) {
  const size_t n = batch.size();
  std::vector<absl::Status> results(n);
  BatchReport report;
  auto note = [&](const absl::Status& s) {
    if (report.storage_failure.ok() && IsStorageFailure(s)) report.storage_failure = s;
  };
  size_t i = 0;
  if (absl::Status moved = CheckNotMoved(); !moved.ok()) {
    for (size_t j = 0; j < n; ++j) results[j] = WithContext(moved, batch[j].what);
    note(moved);
    i = n;
  }
  while (i < n) {
    const size_t start = i;
    if (absl::Status begin = Exec("BEGIN IMMEDIATE"); !begin.ok()) {
      for (size_t j = i; j < n; ++j) results[j] = WithContext(begin, batch[j].what);
      note(begin);
      break;
    }
    bool aborted = false;
    for (; i < n; ++i) {
      absl::Status s = Exec("SAVEPOINT item");
      if (s.ok()) {
        try {
          s = batch[i].apply(writer_);
        } catch (const SQLite::Exception& e) {
          s = WriterError(e, batch[i].what);
        } catch (const std::exception& e) {
          s = absl::InternalError(std::string(batch[i].what) + ": " + e.what());
        }
      }
      note(s);
      if (!InTransaction()) {
        // SQLite rolled the whole transaction back (disk full, I/O error): every item of it so
        // far is gone. Fail them; the rest of the batch starts a new transaction.
        if (s.ok()) s = StorageFailure(absl::UnavailableError("the transaction was rolled back"));
        note(s);
        results[i] = WithContext(s, batch[i].what);
        for (size_t j = start; j < i; ++j) {
          if (results[j].ok()) {
            results[j] = absl::Status(
                s.code(), std::string(batch[j].what) +
                              ": rolled back with its batch: " + std::string(s.message()));
          }
        }
        ++i;
        aborted = true;
        break;
      }
      if (s.ok()) {
        s = Exec("RELEASE item");
      } else {
        (void)Exec("ROLLBACK TO item");
        (void)Exec("RELEASE item");
      }
      results[i] = s;
    }
    if (aborted) continue;
    absl::Status commit = Exec("COMMIT");
    // Committed to a file that is no longer at the path is committed nowhere a restart looks.
    if (commit.ok()) commit = CheckNotMoved();
    if (!commit.ok()) {
      note(commit);
      if (InTransaction()) (void)Exec("ROLLBACK");
      for (size_t j = start; j < i; ++j) {
        if (results[j].ok()) results[j] = WithContext(commit, batch[j].what);
      }
    } else {
      report.committed = true;
    }
  }
  if (report.committed && std::any_of(batch.begin(), batch.end(),
                                      [](const Item& item) { return item.checkpoint_after; })) {
    (void)Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  if (on_batch_) on_batch_(report);
  for (size_t j = 0; j < n; ++j) batch[j].done(results[j]);
}

}  // namespace modalis::store_sqlite
