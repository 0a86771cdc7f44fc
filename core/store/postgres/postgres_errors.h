// PostgreSQL's errors (libpqxx exceptions and SQLSTATE codes) as statuses, shared by the store's
// writer, its reads and its opening: which failures are of the database itself (unreachable,
// restarting, full, read-only) and which of one write.
#pragma once

#include <exception>
#include <string>

#include "absl/status/status.h"

namespace modalis::store_postgres {

// `what` begins the message ("storing a plan"). Lost connections, a server shutting down or
// restarting, a full disk and a read-only database are storage failures (IsStorageFailure); a
// commit whose outcome is unknown is UNAVAILABLE and says so.
absl::Status FromPostgres(const std::exception& e, const std::string& what);

// The status for SQLSTATE `state` with `message`.
absl::Status FromSqlState(const std::string& state, const std::string& message);

}  // namespace modalis::store_postgres
