// The store's schema: what marks a file as a Modalis store, the migrations that bring an older
// file up to date, and the settings every connection to it runs with.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/store/audit_record.h"
#include "core/store/plan_codec.h"

namespace modalis::store_sqlite {

// "MDLS": identifies a Modalis store file to tools and lets us refuse other SQLite files.
inline constexpr int64_t kApplicationId = 0x4D444C53;
using ::modalis::kGenesisHash;

// A connection with the settings every one of the store's connections needs. Throws
// SQLite::Exception.
std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path, int flags,
                                                 int busy_timeout_ms);

// Brings the database to the current schema version, keeping a copy of the old file first.
// FAILED_PRECONDITION for a database of a newer version, or one that needs migrating when opened
// `read_only`. Throws SQLite::Exception.
absl::Status Migrate(SQLite::Database& db, const std::string& path, bool read_only);

// Rewrites every plan stored as JSON in `codec`'s format, in one transaction; nothing when `codec`
// is the JSON one. Plans stored in a format other than JSON, and JSON that does not read back as a
// plan, are left as they are. Runs on the writable connection after Migrate. The audit chain is
// untouched: its records hash their own text, not the plan. Throws SQLite::Exception.
absl::Status ConvertStoredPlans(SQLite::Database& db, const PlanCodec& codec);

}  // namespace modalis::store_sqlite
