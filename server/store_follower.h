// Keeps a replica serving what the shared store says is live: other replicas activate rule sets
// and set clinic profiles, and the store signals it (PostgreSQL's NOTIFY). On each signal, and
// every `poll` in case one was missed, the publisher puts the differences live; each change is a
// log event. Only for a store several servers share.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "core/publishing/rule_set_publisher.h"
#include "core/store/store.h"

namespace modalis {

class StoreFollower {
 public:
  StoreFollower(Engine& engine, Store& store, std::shared_ptr<spdlog::logger> log,
                std::chrono::milliseconds poll);
  ~StoreFollower();
  StoreFollower(const StoreFollower&) = delete;
  StoreFollower& operator=(const StoreFollower&) = delete;

  // Stops following (within one poll). Idempotent.
  void Stop();

 private:
  void Loop();

  Store& store_;
  RuleSetPublisher publisher_;
  std::shared_ptr<spdlog::logger> log_;
  const std::chrono::milliseconds poll_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace modalis
