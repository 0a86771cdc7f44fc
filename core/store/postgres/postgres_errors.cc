#include "core/store/postgres/postgres_errors.h"

#include <pqxx/except>

#include "core/store/store_status.h"

namespace modalis::store_postgres {
namespace {

bool Class(const std::string& state, const char* prefix) { return state.rfind(prefix, 0) == 0; }

}  // namespace

absl::Status FromSqlState(const std::string& state, const std::string& message) {
  if (state == "23505") return absl::AlreadyExistsError(message);
  if (Class(state, "23")) return absl::InvalidArgumentError(message);
  // Another transaction won a race; the same request again may well succeed.
  if (state == "40001" || state == "40P01") {
    return absl::UnavailableError(message + " (a conflicting write; retry)");
  }
  if (state == "57014") return absl::UnavailableError(message + " (the statement took too long)");
  if (state == "53100") {
    return StorageFailure(
        absl::ResourceExhaustedError(message + " (the database server's disk is full)"));
  }
  if (state == "53300") {
    return absl::UnavailableError(message + " (the database has no connection to spare)");
  }
  if (Class(state, "53")) {
    return StorageFailure(
        absl::ResourceExhaustedError(message + " (the database is out of " + "resources)"));
  }
  if (Class(state, "08") || Class(state, "57P")) {
    return StorageFailure(
        absl::UnavailableError(message + " (the database is unreachable or restarting)"));
  }
  if (state == "25006") {
    return StorageFailure(absl::FailedPreconditionError(
        message + " (the database is read-only: a standby, or read-only by configuration)"));
  }
  if (state == "42501") {
    return StorageFailure(absl::FailedPreconditionError(
        message + " (the database user may not do this: check its privileges)"));
  }
  if (Class(state, "XX0")) {
    return StorageFailure(absl::DataLossError(message + " (the database reports corruption)"));
  }
  return absl::InternalError(message);
}

absl::Status FromPostgres(const std::exception& e, const std::string& what) {
  const std::string message = what + ": " + e.what();
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return StorageFailure(absl::UnavailableError(
        message +
        " (the connection was lost while committing: whether the write was stored "
        "is unknown; a retry with the same request_id finds out)"));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return StorageFailure(absl::UnavailableError(message + " (the database is unreachable)"));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    return FromSqlState(sql->sqlstate(), message);
  }
  return absl::InternalError(message);
}

}  // namespace modalis::store_postgres
