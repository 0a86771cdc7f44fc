// Keeps a replica serving what the shared store says is live: other replicas activate rule sets
// and set clinic profiles, and the store signals it (PostgreSQL's NOTIFY). On each signal, and
// every `poll` in case one was missed, the publisher puts the differences live; each change is a
// log event. It also reports what it serves to the store (at start, on each change, and every
// 30 s), so any replica's RulesAdmin.GetStatus shows which replicas serve which rule set. Only for
// a store several servers share.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/publishing/rule_set_publisher.h"
#include "core/store/store.h"

namespace modalis {

class StoreFollower {
 public:
  StoreFollower(Engine& engine, Store& store, std::string replica_id,
                std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds poll);
  ~StoreFollower();
  StoreFollower(const StoreFollower&) = delete;
  StoreFollower& operator=(const StoreFollower&) = delete;

  // Stops following (within one poll). Idempotent.
  void Stop();

 private:
  void Loop();
  // Reports what serves now, when it changed since the last report or `heartbeat` is due.
  void Report(bool heartbeat);

  Engine& engine_;
  Store& store_;
  const std::string replica_id_;
  std::vector<ReplicaServing> reported_;  // used by the follower's thread only
  // Set by the store's writer when a report failed: the next one is sent even if nothing changed.
  std::shared_ptr<std::atomic<bool>> report_failed_ = std::make_shared<std::atomic<bool>>(false);
  RuleSetPublisher publisher_;
  std::shared_ptr<spdlog::logger> log_;
  const std::chrono::milliseconds poll_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace modalis
