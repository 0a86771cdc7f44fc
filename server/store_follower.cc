#include "server/store_follower.h"

#include <string>
#include <utility>

#include "server/access_log.h"

namespace modalis {

StoreFollower::StoreFollower(Engine& engine, Store& store, std::shared_ptr<spdlog::logger> log,
                             std::chrono::milliseconds poll)
    : store_(store), publisher_(engine, store), log_(std::move(log)), poll_(poll) {
  thread_ = std::thread([this] { Loop(); });
}

StoreFollower::~StoreFollower() { Stop(); }

void StoreFollower::Stop() {
  stopped_ = true;
  if (thread_.joinable()) thread_.join();
}

void StoreFollower::Loop() {
  bool failing = false;
  while (!stopped_) {
    (void)store_.AwaitLiveChange(static_cast<int>(poll_.count()));
    if (stopped_) break;
    auto changes = publisher_.FollowStore();
    if (!changes.ok()) {
      // Said once per outage; what serves now keeps serving meanwhile.
      if (!failing) {
        LogEvent(*log_, true, "live_rule_sets_unread", std::string(changes.status().message()));
      }
      failing = true;
      continue;
    }
    failing = false;
    for (const std::string& change : *changes) LogEvent(*log_, false, "live_changed", change);
  }
}

}  // namespace modalis
