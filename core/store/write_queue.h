// The queue in front of a store's single writer thread, for every backend: bounded (one item more
// is refused with RESOURCE_EXHAUSTED, back-pressure instead of every caller waiting behind the
// disk), batched (whatever queued while the previous batch was committing goes into the next, up
// to max_batch), and drained before the thread exits, so every queued item is answered. What a
// batch does is the backend's: `run_batch` answers each item's `done`.
//
// Item is a struct with `std::function<void(absl::Status)> done` and `const char* what` ("storing
// a plan", which begins the refusals' messages).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace modalis {

template <typename Item>
class WriteQueue {
 public:
  // Starts the writer thread: it calls `run_batch` for each batch, and `at_exit` (may be empty)
  // once the queue is closed and drained.
  WriteQueue(size_t capacity, size_t max_batch, std::function<void(std::vector<Item>&)> run_batch,
             std::function<void()> at_exit = {})
      : capacity_(capacity),
        max_batch_(std::max<size_t>(max_batch, 1)),
        run_batch_(std::move(run_batch)),
        at_exit_(std::move(at_exit)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~WriteQueue() { Close(); }
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Queues `item`, or answers it at once on the caller's thread: UNAVAILABLE once stopping,
  // RESOURCE_EXHAUSTED when the queue is full.
  void Enqueue(Item item) {
    absl::Status refused;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) {
        refused = absl::UnavailableError(std::string(item.what) + ": the store is shutting down");
      } else if (queue_.size() >= capacity_) {
        refused = absl::ResourceExhaustedError(
            std::string(item.what) + ": the store's write queue is full (" +
            std::to_string(capacity_) + " waiting); retry later");
      } else {
        queue_.push_back(std::move(item));
      }
    }
    if (!refused.ok()) {
      item.done(refused);
      return;
    }
    cv_.Signal();
  }

  // Refuses every later item; the writer still runs each queued one, then stops. Does not wait.
  void StopAccepting() {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
    }
    cv_.SignalAll();
  }

  // StopAccepting, then waits until every queued item is answered and the thread has exited.
  // Safe to call from several threads, and again.
  void Close() {
    StopAccepting();
    absl::MutexLock join_lock(&join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::vector<Item> batch;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        while (queue_.empty() && !closing_) cv_.Wait(&mu_);
        if (queue_.empty()) break;  // closing and drained
        // A lone item does not wait for company; under load the batch grows with the queue.
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      run_batch_(batch);
      batch.clear();
    }
    if (at_exit_) at_exit_();
  }

  const size_t capacity_;
  const size_t max_batch_;
  const std::function<void(std::vector<Item>&)> run_batch_;
  const std::function<void()> at_exit_;

  absl::Mutex mu_;
  absl::CondVar cv_;  // signalled when queue_ grows or closing_ is set
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  // Close() may be called from several threads (and again by the destructor); one joins.
  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace modalis
