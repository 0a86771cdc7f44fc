// Protobuf arenas for the messages of one call each, reused call after call. A SuggestPlan reply
// is hundreds of small objects: allocated and freed one by one on the heap they cost more than
// planning does.
#pragma once

#include <google/protobuf/arena.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace modalis {

// ThreadSanitizer cannot see the hand-over of a call from one gRPC thread to the next (it happens
// inside libgrpc, built without it), so it takes the next call's first write into a reused arena
// for a race with the last call's last read. Its builds give every call a fresh arena.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kReuseMessageArenas = false;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kReuseMessageArenas = false;
#else
inline constexpr bool kReuseMessageArenas = true;
#endif
#else
inline constexpr bool kReuseMessageArenas = true;
#endif

// Arenas for one call's messages each, reused call after call: each starts in a block of
// `block_bytes` that it keeps (a larger call grows it on the heap, and the reset gives that back);
// at most `keep_idle` arenas wait for a call.
class ArenaPool {
 public:
  class Slot {
   public:
    explicit Slot(size_t block_bytes)
        : block_(new char[block_bytes]), arena_(Options(block_bytes)) {}
    google::protobuf::Arena* arena() { return &arena_; }

   private:
    friend class ArenaPool;
    google::protobuf::ArenaOptions Options(size_t bytes) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block_.get();
      options.initial_block_size = bytes;
      return options;
    }
    std::unique_ptr<char[]> block_;  // outlives arena_, declared before it
    google::protobuf::Arena arena_;
  };

  explicit ArenaPool(size_t block_bytes = 32 * 1024, size_t keep_idle = 64)
      : block_bytes_(block_bytes), keep_idle_(keep_idle) {}

  // An empty arena for one call. Give it back once nothing made on it is used any more.
  Slot* Take() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        Slot* slot = idle_.back().release();
        idle_.pop_back();
        return slot;
      }
    }
    return new Slot(block_bytes_);
  }
  // Frees everything made on the slot's arena at once, and keeps the slot for the next call.
  void GiveBack(Slot* slot) {
    std::unique_ptr<Slot> owned(slot);
    if (!kReuseMessageArenas) return;
    owned->arena_.Reset();
    absl::MutexLock lock(&mu_);
    if (idle_.size() < keep_idle_) idle_.push_back(std::move(owned));
  }

 private:
  const size_t block_bytes_;
  const size_t keep_idle_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Slot>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modalis
