#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/store/store.h"

namespace modalis {

// Opens (creating if needed) the SQLite plan store at `path`, migrating it to the current schema.
// Refuses a database written by a newer version of Modalis.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace modalis
