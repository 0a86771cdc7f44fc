// Bounded waiting in integration tests: a deadline for each call, and polling for a condition.
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <thread>

namespace modalis::testing {

inline void Deadline(grpc::ClientContext* ctx, int seconds = 10) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// Polls `done` every 50 ms until it holds or `limit` passes; returns whether it held.
template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace modalis::testing
