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
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

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

  std::mutex mu_;
  std::condition_variable wake_;
  bool writable_ = true;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  std::thread prober_;
};

}  // namespace modalis
