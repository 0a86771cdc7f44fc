// Maps SQLite's result codes, and the operating system's reason behind an I/O error, to statuses.
#include "core/store/sqlite/sqlite_errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/cord.h"

namespace modalis::store_sqlite {
absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what) {
  return FromSqliteCode(e.getErrorCode(), e.getExtendedErrorCode(), what + ": " + e.what());
}

absl::Status FromSqlite(const SQLite::Exception& e, const std::string& what, sqlite3* db) {
  if (e.getErrorCode() == SQLITE_IOERR && db != nullptr) {
    const int err = sqlite3_system_errno(db);
    const std::string message = what + ": " + e.what() + " (" + std::strerror(err) + ")";
    if (err == EROFS || err == EPERM || err == EACCES) {
      return StorageFailure(absl::FailedPreconditionError(
          message + ": the database or its file system is read-only"));
    }
    if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
      return StorageFailure(
          absl::ResourceExhaustedError(message + ": the disk or the database is full"));
    }
    return StorageFailure(absl::UnavailableError(message + ": an I/O error"));
  }
  return FromSqlite(e, what);
}

absl::Status FromSqliteCode(int code, int extended, const std::string& message) {
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message + " (the database is locked by another process)");
    case SQLITE_IOERR:
      return StorageFailure(absl::UnavailableError(message + " (an I/O error)"));
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::InvalidArgumentError(message);
    case SQLITE_FULL:
      return StorageFailure(
          absl::ResourceExhaustedError(message + " (the disk or the database is full)"));
    case SQLITE_READONLY:
      return StorageFailure(absl::FailedPreconditionError(
          message + " (the database or its file system is read-only)"));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return StorageFailure(absl::FailedPreconditionError(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StorageFailure(absl::DataLossError(message + " (the database file is corrupted)"));
    default:
      return absl::InternalError(message);
  }
}

}  // namespace modalis::store_sqlite
