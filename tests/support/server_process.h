// Runs the real modalisd binary on a free loopback port for integration tests.
#pragma once

#include <string>
#include <vector>

namespace modalis::testing {

class ServerProcess {
 public:
  // Starts `BinDir()/modalisd` with `args` (and --listen 127.0.0.1:0 unless they name one), and
  // waits (up to 30 s) for it to print the address it listens on. started() is false when it exited
  // or timed out instead.
  explicit ServerProcess(std::vector<std::string> args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return !address_.empty(); }
  const std::string& address() const { return address_; }  // host:port
  // host:port of the HTTP listener (--http-listen); "" without one.
  const std::string& http_address() const { return http_address_; }
  // Everything the server wrote to stdout and stderr so far (stderr goes to a file).
  std::string output() const;

  // Sends `signal` and waits for exit; returns the exit status (or 128 + signal if killed).
  int Stop(int signal);

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string address_;
  std::string http_address_;
  std::string stdout_text_;
  std::string stderr_path_;
};

}  // namespace modalis::testing
