// SQLite's errors as statuses, shared by the store's writer, its reads and its opening: which
// failures are of the storage itself (the disk, the file, the file system) and which of one write.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <string>

#include "absl/status/status.h"

namespace modalis::store_sqlite {

// Marks a status as a failure of the storage itself, as opposed to a failure of one write (a
// duplicate, a bad reference): only the first kind makes the store unwritable (WriteHealth).
absl::Status StorageFailure(absl::Status s);
bool IsStorageFailure(const absl::Status& s);

absl::Status FromSqliteCode(int code, int extended, const std::string& message);
absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what);

// On the writer, where the operating system's reason for an I/O error tells a read-only or full
// file system (not transient: FAILED_PRECONDITION, RESOURCE_EXHAUSTED) from a transient fault.
absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what, sqlite3* db);

// `s` with `what` before its message, keeping its payloads.
absl::Status WithContext(const absl::Status& s, const std::string& what);

}  // namespace modalis::store_sqlite
