// The request and response of each call of one RPC on a protobuf arena that is reused call after
// call. A SuggestPlan request's findings Struct and its Plan reply are hundreds of small objects:
// allocated and freed one by one on the heap they cost more than planning does.
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace modalis {

// ThreadSanitizer cannot see that gRPC (a library built without it) has finished with a call's
// messages before it releases them, so it takes the next call's first write into a reused arena
// for a race with the last call's serialisation. Its builds give every call a fresh arena, freed
// at release as gRPC's default allocator frees its messages.
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

template <class Request, class Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  // Each arena starts in a block of `block_bytes` that it keeps across calls (a larger call grows
  // it on the heap, and Reset gives that back); at most `keep_idle` arenas wait for a call.
  explicit ArenaMessageAllocator(size_t block_bytes = 32 * 1024, size_t keep_idle = 64)
      : block_bytes_(block_bytes), keep_idle_(keep_idle) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    std::unique_ptr<Holder> holder;
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        holder = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (holder == nullptr) holder = std::make_unique<Holder>(this, block_bytes_);
    holder->Start();
    return holder.release();
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder(ArenaMessageAllocator* owner, size_t block_bytes)
        : owner_(owner),
          block_(new char[block_bytes]),
          arena_(Options(block_.get(), block_bytes)) {}

    void Start() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    // gRPC is done with both messages: the arena frees them at once.
    void Release() override {
      arena_.Reset();
      owner_->GiveBack(this);
    }

   private:
    static google::protobuf::ArenaOptions Options(char* block, size_t bytes) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = bytes;
      return options;
    }

    ArenaMessageAllocator* owner_;
    std::unique_ptr<char[]> block_;  // outlives arena_, declared before it
    google::protobuf::Arena arena_;
  };

  void GiveBack(Holder* holder) {
    std::unique_ptr<Holder> owned(holder);
    if (!kReuseMessageArenas) return;
    absl::MutexLock lock(&mu_);
    if (idle_.size() < keep_idle_) idle_.push_back(std::move(owned));
  }

  const size_t block_bytes_;
  const size_t keep_idle_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Holder>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modalis
