// A server child process for the load generator: started with its stdout on a pipe, ready once it
// prints "listening on HOST:PORT", stopped with SIGTERM (so modalisd drains its store) and, failing
// that, SIGKILL.
//
// Not thread-safe; one owner. The destructor stops the process if it still runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace modalis::load {

struct MemoryUse {
  int64_t rss_kib = 0;  // VmRSS: resident now
  int64_t hwm_kib = 0;  // VmHWM: the peak resident size so far
};

class ServerProcess {
 public:
  // Starts `argv` (argv[0] is the binary's path) with stderr to `stderr_path` and waits up to
  // `timeout` for its "listening on" line.
  static absl::StatusOr<ServerProcess> Start(const std::vector<std::string>& argv,
                                             const std::string& stderr_path,
                                             std::chrono::seconds timeout);

  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&& other) noexcept;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  const std::string& address() const { return address_; }  // host:port
  // modalisd's HTTP listener (--http-listen), host:port; "" without one.
  const std::string& http_address() const { return http_address_; }
  pid_t pid() const { return pid_; }

  // VmRSS and VmHWM from /proc/PID/status.
  absl::StatusOr<MemoryUse> Memory() const;

  // SIGTERM, then SIGKILL after `grace`; OK when the process exited with status 0.
  absl::Status Stop(std::chrono::seconds grace = std::chrono::seconds(10));

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  int stdout_fd_ = -1;  // kept open so a late write cannot kill the server with SIGPIPE
  std::string address_;
  std::string http_address_;
};

}  // namespace modalis::load
