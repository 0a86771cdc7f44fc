#include "bench/load/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace modalis::load {
namespace {

// waitpid without blocking longer than `limit`; true when the child was reaped.
bool WaitFor(pid_t pid, std::chrono::milliseconds limit, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // already reaped elsewhere: nothing left to wait for
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

absl::StatusOr<ServerProcess> ServerProcess::Start(const std::vector<std::string>& argv_in,
                                                   const std::string& stderr_path,
                                                   std::chrono::seconds timeout) {
  if (argv_in.empty()) return absl::InvalidArgumentError("no program to start");
  const int err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err_fd < 0) {
    return absl::InternalError("cannot create " + stderr_path + ": " + std::strerror(errno));
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(err_fd);
    return absl::InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> strings = argv_in;
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  ServerProcess p;
  p.pid_ = ::fork();
  if (p.pid_ < 0) {
    ::close(err_fd);
    ::close(out[0]);
    ::close(out[1]);
    return absl::InternalError(std::string("fork: ") + std::strerror(errno));
  }
  if (p.pid_ == 0) {
    // dup2 clears close-on-exec on the copies.
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err_fd);
  p.stdout_fd_ = out[0];

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string marker = "listening on ";
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{p.stdout_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 100) <= 0) continue;
    char buffer[512];
    const ssize_t n = ::read(p.stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // the server exited before it listened
    text.append(buffer, static_cast<size_t>(n));
    const auto at = text.find(marker);
    if (at == std::string::npos) continue;
    const auto begin = at + marker.size();
    const auto eol = text.find('\n', begin);
    if (eol == std::string::npos) continue;  // the whole line: it may end with the HTTP address
    const std::string line = text.substr(begin, eol - begin);
    p.address_ = line.substr(0, line.find(' '));
    const std::string http_marker = "HTTP on ";
    if (const auto h = line.rfind(http_marker); h != std::string::npos) {
      p.http_address_ = line.substr(h + http_marker.size());
    }
    return p;
  }
  const std::string program = argv_in[0];
  (void)p.Stop(std::chrono::seconds(1));
  std::ifstream err(stderr_path);
  std::stringstream why;
  why << err.rdbuf();
  return absl::UnavailableError(program + " did not report a listening address; it wrote:\n" +
                                text + why.str());
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      address_(std::move(other.address_)),
      http_address_(std::move(other.http_address_)) {}

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
  if (this != &other) {
    (void)Stop();
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    address_ = std::move(other.address_);
    http_address_ = std::move(other.http_address_);
  }
  return *this;
}

ServerProcess::~ServerProcess() { (void)Stop(); }

absl::StatusOr<MemoryUse> ServerProcess::Memory() const {
  if (pid_ <= 0) return absl::FailedPreconditionError("the server is not running");
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  if (!status) return absl::NotFoundError("cannot read /proc/" + std::to_string(pid_) + "/status");
  MemoryUse use;
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> use.rss_kib;
    if (key == "VmHWM:") status >> use.hwm_kib;
    status.ignore(4096, '\n');
  }
  if (use.rss_kib == 0) return absl::NotFoundError("no VmRSS in /proc status");
  return use;
}

absl::Status ServerProcess::Stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return absl::OkStatus();
  const pid_t pid = std::exchange(pid_, -1);
  int status = 0;
  ::kill(pid, SIGTERM);
  bool clean = WaitFor(pid, grace, &status);
  if (!clean) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5), &status);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  if (!clean) return absl::DeadlineExceededError("the server ignored SIGTERM and was killed");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError("the server exited with status " + std::to_string(status));
}

}  // namespace modalis::load
