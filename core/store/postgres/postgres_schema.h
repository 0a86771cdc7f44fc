// The store's schema on PostgreSQL and the numbered migrations that bring a database up to date.
// They mirror SQLite's in what they keep (the same tables and columns, so records and plans read
// back the same), not in their history: PostgreSQL's first version is SQLite's seventh.
#pragma once

#include <pqxx/connection>

#include "absl/status/status.h"

namespace modalis::store_postgres {

// The schema version this release migrates to.
int PostgresSchemaVersion();

// Creates or migrates the schema in one transaction, under an advisory lock, so replicas that start
// together migrate it once. A database a newer release migrated is used as it is when that release
// recorded this one as still compatible (modalis_schema.oldest_reader: a rolling upgrade, see
// docs/deploy.md), and refused otherwise with FAILED_PRECONDITION naming the versions; so is one
// that holds tables of Modalis's names without being a Modalis store. Throws what libpqxx throws.
absl::Status Migrate(pqxx::connection& connection);

}  // namespace modalis::store_postgres
