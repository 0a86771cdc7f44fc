// nginx in front of several modalisd replicas, for the tests of a shared store: the shipped
// deploy/nginx/modalis.conf with its upstream addresses and its listening port replaced, run in
// the foreground as a child of the test, with every path it writes in a temp directory.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/file_util.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

inline bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

class NginxProcess {
 public:
  // `grpc_upstreams`: the replicas' gRPC host:port. `dir` is the test's temp directory.
  NginxProcess(const std::vector<std::string>& grpc_upstreams, const std::string& dir)
      : port_(FreeLoopbackPort()) {
    const std::string site = dir + "/modalis.conf";
    WriteText(site, Rewrite(ReadText(SourceDir() + "/deploy/nginx/modalis.conf"), grpc_upstreams));
    const std::string conf = dir + "/nginx.conf";
    WriteText(conf, "worker_processes 1;\npid " + dir + "/nginx.pid;\nerror_log " + dir +
                        "/error.log warn;\nevents { worker_connections 1024; }\nhttp {\n"
                        "  access_log off;\n  client_body_temp_path " +
                        dir +
                        "/body;\n"
                        "  proxy_temp_path " +
                        dir + "/proxy;\n  fastcgi_temp_path " + dir +
                        "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n  scgi_temp_path " + dir +
                        "/scgi;\n  include " + site + ";\n}\n");
    error_log_ = dir + "/error.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("nginx", "nginx", "-p", dir.c_str(), "-c", conf.c_str(), "-g", "daemon off;",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!Accepts(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nginx exited at start: " + ReadText(error_log_));
      }
      if (std::chrono::steady_clock::now() > until) {
        throw std::runtime_error("nginx did not listen within 10 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~NginxProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGQUIT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  // The gRPC server block listens on our port and passes to our upstreams; the HTTP blocks, which
  // these tests do not use, are dropped. Works on top-level blocks, by their braces.
  std::string Rewrite(const std::string& text, const std::vector<std::string>& upstreams) const {
    std::istringstream in(text);
    std::ostringstream out;
    std::string line;
    std::string block;
    int depth = 0;
    while (std::getline(in, line)) {
      if (depth == 0 && line.find('{') == std::string::npos) {
        out << line << "\n";
        continue;
      }
      for (char c : line) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      const bool upstream_server =
          block.rfind("upstream modalis_grpc", 0) == 0 && line.find("    server ") == 0;
      if (!upstream_server) block += line + "\n";
      if (block == line + "\n" && line.rfind("upstream modalis_grpc", 0) == 0) {
        for (const auto& u : upstreams) {
          block += "    server " + u + " max_fails=1 fail_timeout=2s;\n";
        }
      }
      if (depth != 0) continue;
      if (block.find("modalis_http") == std::string::npos) {
        const std::string listen = "listen 127.0.0.1:50051 http2;";
        if (const auto at = block.find(listen); at != std::string::npos) {
          block.replace(at, listen.size(), "listen 127.0.0.1:" + std::to_string(port_) + " http2;");
        }
        out << block;
      }
      block.clear();
    }
    return out.str();
  }

  int port_;
  int pid_ = -1;
  std::string error_log_;
};

}  // namespace modalis::testing
