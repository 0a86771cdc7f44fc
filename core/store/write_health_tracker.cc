#include "core/store/write_health_tracker.h"

#include <utility>

namespace modalis {

void WriteHealthTracker::AfterBatch(const absl::Status& storage_failure, bool committed) {
  if (!storage_failure.ok()) {
    Set(WriteHealth{false, storage_failure});
  } else if (committed) {
    Set(WriteHealth{true, absl::OkStatus()});
  }
}

WriteHealth WriteHealthTracker::health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

void WriteHealthTracker::SetListener(std::function<void(const WriteHealth&)> listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void WriteHealthTracker::Set(WriteHealth health) {
  std::function<void(const WriteHealth&)> listener;
  {
    absl::MutexLock lock(&mu_);
    if (health_.writable == health.writable && health_.cause == health.cause) return;
    health_ = health;
    listener = listener_;
  }
  if (listener) listener(health);
}

}  // namespace modalis
