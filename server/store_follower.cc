#include "server/store_follower.h"

#include <string>
#include <utility>

#include "server/access_log.h"

namespace modalis {

StoreFollower::StoreFollower(Engine& engine, Store& store, std::string replica_id,
                             std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds poll)
    : engine_(engine),
      store_(store),
      replica_id_(std::move(replica_id)),
      publisher_(engine, store),
      log_(std::move(log)),
      poll_(poll) {
  thread_ = std::thread([this] { Loop(); });
}

StoreFollower::~StoreFollower() { Stop(); }

void StoreFollower::Stop() {
  stopped_ = true;
  if (thread_.joinable()) thread_.join();
}

void StoreFollower::Report(bool heartbeat) {
  std::vector<ReplicaServing> rows;
  for (const LiveEntry& entry : engine_.live().List("")) {
    if (entry.from_platform) continue;
    rows.push_back(ReplicaServing{replica_id_, entry.clinic_id, entry.condition,
                                  entry.rules ? entry.rules->sha256 : "", entry.error, 0});
  }
  if (report_failed_->exchange(false)) heartbeat = true;
  if (rows == reported_ && !heartbeat) return;
  reported_ = rows;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (ReplicaServing& row : rows) row.reported_at_ms = now;
  // Not waited for: the next change or heartbeat reports again if this one is lost.
  store_.ReportReplicaServingAsync(replica_id_, std::move(rows),
                                   [failed = report_failed_](absl::Status s) {
                                     if (!s.ok()) *failed = true;
                                   });
}

void StoreFollower::Loop() {
  bool failing = false;
  auto last_heartbeat = std::chrono::steady_clock::now();
  Report(/*heartbeat=*/true);
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
    const bool heartbeat =
        std::chrono::steady_clock::now() - last_heartbeat > std::chrono::seconds(30);
    if (heartbeat) last_heartbeat = std::chrono::steady_clock::now();
    Report(heartbeat);
  }
}

}  // namespace modalis
