// SQLite's errors as statuses, shared by the store's writer, its reads and its opening: which
// failures are of the storage itself (the disk, the file, the file system) and which of one write.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <string>

#include "absl/status/status.h"
#include "core/store/store_status.h"

namespace modalis::store_sqlite {

using ::modalis::IsStorageFailure;
using ::modalis::StorageFailure;
using ::modalis::WithContext;

absl::Status FromSqliteCode(int code, int extended, const std::string& message);
absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what);

// On the writer, where the operating system's reason for an I/O error tells a read-only or full
// file system (not transient: FAILED_PRECONDITION, RESOURCE_EXHAUSTED) from a transient fault.
absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what, sqlite3* db);

}  // namespace modalis::store_sqlite
