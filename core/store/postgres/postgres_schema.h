// The store's schema on PostgreSQL and the numbered migrations that bring a database up to date.
// They mirror SQLite's in what they keep (the same tables and columns, so records and plans read
// back the same), not in their history: PostgreSQL's first version is SQLite's seventh.
#pragma once

#include <pqxx/connection>

#include "absl/status/status.h"

namespace modalis::store_postgres {

// Creates or migrates the schema in one transaction, under an advisory lock, so replicas that start
// together migrate it once. FAILED_PRECONDITION for a database migrated by a newer Modalis (its
// version is named), or one that holds tables of Modalis's names without being a Modalis store.
// Throws what libpqxx throws.
absl::Status Migrate(pqxx::connection& connection);

}  // namespace modalis::store_postgres
