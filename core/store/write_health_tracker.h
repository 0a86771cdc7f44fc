// Store::write_health as every backend keeps it: a write batch that failed on the storage itself
// makes the store unwritable, one that committed makes it writable again, and the listener hears
// each change before the batch's callers are answered (Store::SetWriteHealthListener).
#pragma once

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "core/store/store.h"

namespace modalis {

class WriteHealthTracker {
 public:
  // After each batch, on the writer thread: `storage_failure` is the batch's first failure of the
  // storage itself (OK for none); `committed`, whether any of its transactions committed.
  void AfterBatch(const absl::Status& storage_failure, bool committed);
  WriteHealth health() const;
  void SetListener(std::function<void(const WriteHealth&)> listener);

 private:
  void Set(WriteHealth health);

  mutable absl::Mutex mu_;
  WriteHealth health_ ABSL_GUARDED_BY(mu_);
  std::function<void(const WriteHealth&)> listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modalis
