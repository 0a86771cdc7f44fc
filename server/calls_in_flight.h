// The calls a door has started and not finished, and the drain at shutdown that waits for them
// and refuses any started after it. Shared by the HTTP doors' two ways of making a call.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace modalis {

class CallsInFlight {
 public:
  // Counts a call in; false (and nothing counted) once Drain has begun.
  bool Enter() {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return false;
    ++count_;
    return true;
  }
  // Counts a call out: after its last use of anything the drain protects.
  void Leave() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ == 0) idle_.notify_all();
  }
  // Refuses new calls and waits until every counted one has left.
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    draining_ = true;
    idle_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  size_t count_ = 0;       // guarded by mu_
  bool draining_ = false;  // guarded by mu_
};

}  // namespace modalis
