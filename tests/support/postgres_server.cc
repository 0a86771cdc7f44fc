#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include "tests/support/file_util.h"
#include "tests/support/run_command.h"

namespace modalis::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kSystemUser[] = "postgres";

std::string ShellQuoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool AsRoot() { return ::geteuid() == 0; }

// Runs one of PostgreSQL's programs, as the user postgres when we are root. From `dir`, because
// they look up the current directory and fail where that user may not enter (root's home).
std::pair<int, std::string> RunPostgresProgram(const std::string& dir, const std::string& program,
                                               const std::string& args) {
  std::string command = "cd " + ShellQuoted(dir) + " && ";
  if (AsRoot()) command += std::string("runuser -u ") + kSystemUser + " -- ";
  return RunCommand(command + ShellQuoted(std::string(kBinDir) + "/" + program) + " " + args);
}

void RequirePostgres() {
  for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
    const std::string path = std::string(kBinDir) + "/" + program;
    if (::access(path.c_str(), X_OK) != 0) {
      throw std::runtime_error(path +
                               " is missing: the PostgreSQL store's tests need PostgreSQL 15; "
                               "scripts/deps installs it (postgresql-15)");
    }
  }
  if (AsRoot() && ::getpwnam(kSystemUser) == nullptr) {
    throw std::runtime_error(
        "running as root, the tests run PostgreSQL as the user 'postgres', and there is none; "
        "scripts/deps creates it (by installing postgresql-15)");
  }
}

std::string NewClusterDir() {
  std::string pattern = "/tmp/modalis-postgres-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("creating a directory under /tmp: " + std::string(strerror(errno)));
  }
  if (AsRoot()) {
    const passwd* user = ::getpwnam(kSystemUser);
    if (::chown(pattern.c_str(), user->pw_uid, user->pw_gid) != 0) {
      const int error = errno;
      std::error_code ec;
      std::filesystem::remove_all(pattern, ec);
      throw std::runtime_error("giving " + pattern + " to the user postgres: " + strerror(error));
    }
  }
  return pattern;
}

// Initialises the cluster in `dir` and starts it; returns its admin URI and the options it started
// with.
std::pair<std::string, std::string> InitAndStart(const std::string& dir, bool durable) {
  // --no-sync: the cluster is thrown away after the tests, nothing in it must survive a crash.
  const auto [init_status, init_output] = RunPostgresProgram(
      dir, "initdb",
      "-D " + ShellQuoted(dir + "/data") +
          " --auth=trust --username=postgres -E UTF8 --locale=C --no-sync --no-instructions");
  if (init_status != 0) {
    throw std::runtime_error("initdb failed (exit " + std::to_string(init_status) + ") in " + dir +
                             ":\n" + init_output);
  }
  const std::string log = dir + "/log";
  std::string failures;
  constexpr int kAttempts = 4;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    const int port = FreeLoopbackPort();
    // fsync off unless `durable` (see PostgresCluster). The socket lives beside the data: no
    // other server's lock file is in the way.
    const std::string options = "-p " + std::to_string(port) + " -k " + dir +
                                " -c listen_addresses=127.0.0.1 -c max_connections=200" +
                                (durable ? "" : " -c fsync=off");
    const auto [status, output] =
        RunPostgresProgram(dir, "pg_ctl",
                           "-w -D " + ShellQuoted(dir + "/data") + " -l " + ShellQuoted(log) +
                               " start -o " + ShellQuoted(options));
    if (status == 0) {
      return {"postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres", options};
    }
    failures += "attempt " + std::to_string(attempt) + " on port " + std::to_string(port) +
                ": pg_ctl exit " + std::to_string(status) + ": " + output + "\n";
    // It may have started after pg_ctl gave up waiting: never leave one behind.
    RunPostgresProgram(dir, "pg_ctl", "-D " + ShellQuoted(dir + "/data") + " -m immediate -w stop");
  }
  throw std::runtime_error("PostgreSQL would not start in " + dir + ":\n" + failures +
                           "its log:\n" + ReadText(log));
}

// The cluster this process started, stopped at exit by its destructor; or why it could not start,
// so that every later test reports the same failure at once instead of trying again.
struct SharedCluster {
  std::unique_ptr<PostgresCluster> cluster;
  std::string failure;
};

std::string FixtureUri() {
  const char* dir = std::getenv(kPostgresDirVariable);
  if (dir == nullptr || *dir == '\0') return "";
  std::ifstream in(std::string(dir) + "/uri");
  std::string uri;
  std::getline(in, uri);
  return uri;
}

}  // namespace

PostgresCluster::PostgresCluster(bool durable) : owner_pid_(::getpid()) {
  RequirePostgres();
  dir_ = NewClusterDir();
  try {
    std::tie(admin_uri_, start_options_) = InitAndStart(dir_, durable);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

PostgresCluster::~PostgresCluster() {
  if (released_ || ::getpid() != owner_pid_) return;
  StopPostgresCluster(dir_);
}

void PostgresCluster::StopServer() {
  const auto [status, output] =
      RunPostgresProgram(dir_, "pg_ctl", "-D " + ShellQuoted(dir_ + "/data") + " -m fast -w stop");
  if (status != 0) throw std::runtime_error("pg_ctl stop failed: " + output);
}

void PostgresCluster::StartServer() {
  const auto [status, output] = RunPostgresProgram(dir_, "pg_ctl",
                                                   "-w -D " + ShellQuoted(dir_ + "/data") + " -l " +
                                                       ShellQuoted(dir_ + "/log") + " start -o " +
                                                       ShellQuoted(start_options_));
  if (status != 0) throw std::runtime_error("pg_ctl start failed: " + output);
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (port == 0) throw std::runtime_error("no free loopback port: " + std::string(strerror(error)));
  return port;
}

void StopPostgresCluster(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir + "/data/postmaster.pid", ec)) {
    RunPostgresProgram(dir, "pg_ctl", "-D " + ShellQuoted(dir + "/data") + " -m fast -w stop");
  }
  std::filesystem::remove_all(dir, ec);
}

std::string PostgresAdminUri() {
  if (std::string uri = FixtureUri(); !uri.empty()) return uri;
  static SharedCluster shared = [] {
    SharedCluster s;
    try {
      s.cluster = std::make_unique<PostgresCluster>();
    } catch (const std::exception& e) {
      s.failure = e.what();
    }
    return s;
  }();
  if (!shared.failure.empty()) throw std::runtime_error(shared.failure);
  return shared.cluster->admin_uri();
}

std::string NewTestDatabase() {
  static std::atomic<int> counter{0};
  const std::string admin = PostgresAdminUri();
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  const std::string name =
      "modalis_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + suffix;
  // CREATE DATABASE copies template1 and is refused while anyone else is connected to it:
  // nobody should be, but a moment's wait costs less than a spurious failure.
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::connection connection(admin);
      pqxx::nontransaction tx(connection);
      tx.exec0("CREATE DATABASE " + tx.quote_name(name));
      break;
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "55006" || attempt == 20) {
        throw std::runtime_error("creating the test database " + name + " at " + admin + ": " +
                                 e.what());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } catch (const std::exception& e) {
      throw std::runtime_error("creating the test database " + name + " at " + admin + ": " +
                               e.what());
    }
  }
  return admin.substr(0, admin.rfind('/') + 1) + name;
}

void DropTestDatabase(const std::string& uri) {
  try {
    pqxx::connection connection(PostgresAdminUri());
    pqxx::nontransaction tx(connection);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(uri.substr(uri.rfind('/') + 1)) +
             " WITH (FORCE)");
  } catch (const std::exception&) {
  }
}

}  // namespace modalis::testing
