// Keeps gRPC health and the log in step with whether the store can write. From the write batch
// that meets a storage failure (disk full, I/O error, a read-only file system, the database file
// moved or deleted) until a write commits again, the overall health ("") and PlanService's are
// NOT_SERVING, so a load balancer stops sending plans that could not be stored; RulesAdmin keeps
// serving. While unwritable, a probe write every `probe_interval` finds out when writes succeed
// again, without waiting for a client. Each change is one log event naming the cause.
//
// Thread-safety: construct and Stop() from one thread; the store calls back on its writer thread.
#pragma once

#include <grpcpp/health_check_service_interface.h>
#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/store/store.h"

namespace modalis {

class StoreHealthMonitor {
 public:
  StoreHealthMonitor(Store& store, grpc::HealthCheckServiceInterface* health,
                     std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds probe_interval);
  ~StoreHealthMonitor();
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

  // Stops probing and leaves health alone from now on (shutdown sets it). Idempotent.
  void Stop();

 private:
  void OnChange(const WriteHealth& health);
  void ProbeLoop();

  Store& store_;
  grpc::HealthCheckServiceInterface* health_;
  std::shared_ptr<spdlog::logger> log_;
  const std::chrono::milliseconds probe_interval_;

  absl::Mutex mu_;
  absl::CondVar wake_;  // signalled when writable_ or stopped_ changes
  bool writable_ ABSL_GUARDED_BY(mu_) = true;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread prober_;
};

}  // namespace modalis
