#include "tests/support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

ServerProcess::ServerProcess(std::vector<std::string> args) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "modalisd-stderr-XXXXXX").string();
  const int err_fd = ::mkstemp(pattern.data());
  stderr_path_ = pattern;
  int out[2];
  if (::pipe(out) != 0) return;

  std::vector<std::string> argv_strings = {BinDir() + "/modalisd"};
  if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
    argv_strings.insert(argv_strings.end(), {"--listen", "127.0.0.1:0"});
  }
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::close(out[0]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err_fd);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::string marker = "listening on ";
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buffer[512];
      const ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) break;  // exited
      stdout_text_.append(buffer, static_cast<size_t>(n));
      // The whole line: it ends with the HTTP listener's address when there is one.
      const auto at = stdout_text_.find(marker);
      const auto eol = at == std::string::npos ? at : stdout_text_.find('\n', at);
      if (eol != std::string::npos) {
        const std::string line = stdout_text_.substr(at, eol - at);
        address_ = line.substr(marker.size(), line.find(' ', marker.size()) - marker.size());
        const std::string http_marker = "HTTP on ";
        if (const auto h = line.rfind(http_marker); h != std::string::npos) {
          http_address_ = line.substr(h + http_marker.size());
        }
        break;
      }
    }
  }
  // Held open until Stop so a late write to stdout cannot kill the server with SIGPIPE.
  stdout_fd_ = out[0];
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
  std::error_code ec;
  std::filesystem::remove(stderr_path_, ec);
}

std::string ServerProcess::output() const { return stdout_text_ + ReadText(stderr_path_); }

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  address_.clear();
  http_address_.clear();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace modalis::testing
