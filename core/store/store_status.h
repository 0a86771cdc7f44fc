// What the backends of Store tell about their failures, the same way for each: whether a failure
// is of the storage itself (the disk, the file, the database server) or of one write, and the
// context a failure is reported in.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace modalis {

// Marks a status as a failure of the storage itself, as opposed to a failure of one write (a
// duplicate, a bad reference): only the first kind makes the store unwritable (WriteHealth).
absl::Status StorageFailure(absl::Status s);
bool IsStorageFailure(const absl::Status& s);

// `s` with `what` before its message, keeping its payloads.
absl::Status WithContext(const absl::Status& s, const std::string& what);

}  // namespace modalis
