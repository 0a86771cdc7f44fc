#include "server/store_health.h"

#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "server/access_log.h"

namespace modalis {

StoreHealthMonitor::StoreHealthMonitor(Store& store, grpc::HealthCheckServiceInterface* health,
                                       std::shared_ptr<spdlog::logger> log,
                                       std::chrono::milliseconds probe_interval)
    : store_(store), health_(health), log_(std::move(log)), probe_interval_(probe_interval) {
  store_.SetWriteHealthListener([this](const WriteHealth& h) { OnChange(h); });
  // A failure met before the listener was set (while starting) counts too.
  if (const WriteHealth now = store_.write_health(); !now.writable) OnChange(now);
  prober_ = std::thread([this] { ProbeLoop(); });
}

StoreHealthMonitor::~StoreHealthMonitor() { Stop(); }

void StoreHealthMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake_.SignalAll();
  if (prober_.joinable()) prober_.join();
}

void StoreHealthMonitor::OnChange(const WriteHealth& health) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || writable_ == health.writable) return;
    writable_ = health.writable;
    health_->SetServingStatus(health.writable);
    health_->SetServingStatus(v1::PlanService::service_full_name(), health.writable);
    // RulesAdmin stays SERVING: an operator can still look at the status and the rules.
    health_->SetServingStatus(v1::RulesAdmin::service_full_name(), true);
  }
  if (health.writable) {
    LogEvent(*log_, false, "store_writable", "writes succeed again; health is SERVING");
  } else {
    LogEvent(
        *log_, true, "store_unwritable",
        "health is NOT_SERVING until a write succeeds: " + std::string(health.cause.message()));
  }
  wake_.SignalAll();
}

void StoreHealthMonitor::ProbeLoop() {
  mu_.Lock();
  while (!stopped_) {
    if (writable_) {
      wake_.Wait(&mu_);
      continue;
    }
    // A deadline, not a timeout per wait: wake-ups that change nothing do not postpone the probe.
    const absl::Time probe_at = absl::Now() + absl::FromChrono(probe_interval_);
    while (!stopped_ && !writable_ && !wake_.WaitWithDeadline(&mu_, probe_at)) {
    }
    if (stopped_ || writable_) continue;
    // Not under mu_: the store calls OnChange, which takes it, from its writer thread.
    mu_.Unlock();
    // Its outcome reaches OnChange through the store's listener; nothing to do with it here.
    store_.ProbeWriteAsync([](absl::Status) {});
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace modalis
