#include "bench/load/driver.h"

#include <cmath>

namespace modalis::load {

CellResult RunCell(CallTarget& target, size_t streams, std::chrono::milliseconds warmup,
                   std::chrono::milliseconds measure) {
  using Clock = std::chrono::steady_clock;
  CellResult result;
  target.Resize(streams);
  grpc::CompletionQueue cq;
  std::vector<Clock::time_point> started(streams);
  // The tag is the stream's index, so a completion needs no lookup.
  auto tag = [](size_t stream) { return reinterpret_cast<void*>(stream); };

  const Clock::time_point begin = Clock::now();
  const Clock::time_point from = begin + warmup;
  const Clock::time_point until = from + measure;
  for (size_t s = 0; s < streams; ++s) {
    started[s] = Clock::now();
    target.Start(s, &cq, tag(s));
  }
  size_t in_flight = streams;
  while (in_flight > 0) {
    void* got = nullptr;
    bool ok = false;
    if (!cq.Next(&got, &ok)) break;
    const Clock::time_point now = Clock::now();
    const size_t s = reinterpret_cast<size_t>(got);
    const grpc::Status& status = target.Finished(s);
    if (!status.ok()) {
      if (result.errors++ == 0) {
        result.first_error = std::to_string(status.error_code()) + ": " + status.error_message();
      }
    } else if (now >= from && now < until) {
      result.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - started[s]).count());
    }
    if (now < until) {
      started[s] = now;
      target.Start(s, &cq, tag(s));
    } else {
      --in_flight;
    }
  }
  cq.Shutdown();
  void* got = nullptr;
  bool ok = false;
  while (cq.Next(&got, &ok)) {
  }
  result.seconds = std::chrono::duration<double>(measure).count();
  return result;
}

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace modalis::load
