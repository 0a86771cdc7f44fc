#include "core/store/store_status.h"

#include "absl/strings/cord.h"

namespace modalis {
namespace {

constexpr const char* kStorageFailure = "modalis.store/storage-failure";

}  // namespace

absl::Status StorageFailure(absl::Status s) {
  s.SetPayload(kStorageFailure, absl::Cord("1"));
  return s;
}

bool IsStorageFailure(const absl::Status& s) { return s.GetPayload(kStorageFailure).has_value(); }

absl::Status WithContext(const absl::Status& s, const std::string& what) {
  if (s.ok()) return s;
  absl::Status out(s.code(), what + ": " + std::string(s.message()));
  s.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace modalis
