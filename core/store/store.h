// Where plans are kept. Backend-neutral: SQLite specifics live in core/store/sqlite/.
//
// Thread-safe: every method may be called from any thread. A call that returns OK has made its
// write durable (it survives a crash of the process or the machine).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/plan/plan.h"

namespace modalis {

struct StoredPlan {
  std::string plan_id;
  std::string patient_ref;  // pseudonymous; never a name
  std::string client;       // the calling application
  std::string request_id;   // idempotency key, unique per client; may be empty
  std::string request_hash;
  int64_t created_at_ms = 0;
  Plan plan;
};

class Store {
 public:
  virtual ~Store() = default;
  // ALREADY_EXISTS when `plan_id`, or (`client`, `request_id`), is taken.
  virtual absl::Status PutPlan(const StoredPlan& plan) = 0;
  // NOT_FOUND when there is no such plan.
  virtual absl::StatusOr<StoredPlan> GetPlan(const std::string& plan_id) = 0;
};

}  // namespace modalis
