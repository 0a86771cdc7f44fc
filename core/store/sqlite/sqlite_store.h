// The SQLite backend of Store: one writer thread owning the only read-write connection (bounded
// queue, group commit with a savepoint per write), a small pool of read-only connections for reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis {

struct SqliteStoreOptions {
  // Writes waiting for the writer; one more is refused with RESOURCE_EXHAUSTED (back-pressure).
  size_t queue_capacity = 4096;
  // Most writes committed together (one fsync). 1 commits each write on its own.
  size_t max_batch = 64;
  size_t readers = 2;
  // How long a connection waits for a lock held elsewhere (a backup, another process) before
  // reporting UNAVAILABLE.
  int busy_timeout_ms = 5000;
  // Open without write access: reads work, every write fails with FAILED_PRECONDITION. The schema
  // must already be current.
  bool read_only = false;
  // Caps the database at this many pages (0: no cap). Writes past it fail with
  // RESOURCE_EXHAUSTED, as on a full disk.
  int64_t max_pages = 0;
  // Create the database even though one is expected at the path (its `.created` marker or its
  // WAL is there): to begin again on purpose after losing it.
  bool create_even_if_expected = false;
  // How plans are written (null: JsonPlanCodec()). Plans read back by the format stored with
  // each: JSON always, this codec's own format, any other is FAILED_PRECONDITION. Opened
  // writable with a codec other than JSON, the store first converts every plan stored in
  // another format it can read to this codec's, in one transaction.
  std::shared_ptr<const PlanCodec> plan_codec = nullptr;
};

// Opens the store at `path`, migrating it to the current schema. A missing file is created only
// where no store has lived: beside each database is a marker `<path>.created`, and a missing
// database whose marker (or WAL) is still there was lost, so opening it fails unless
// `create_even_if_expected`; a new empty database would silently hide that every plan is gone.
// FAILED_PRECONDITION for that, for a database written by a newer Modalis, a file that is not a
// Modalis database or is corrupted, or one that cannot be opened; UNAVAILABLE when another process
// holds it locked past the busy timeout. FAILED_PRECONDITION for a database written by a newer
// Modalis, a file that is not a Modalis database or is corrupted, or one that cannot be opened;
// UNAVAILABLE when another process holds it locked past the busy timeout.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                       const SqliteStoreOptions& options = {});

// True for OpenSqliteStore's error when the database is missing where one is expected, so a
// front end can name its own way of creating a new one on purpose.
bool IsMissingDatabase(const absl::Status& status);

}  // namespace modalis
