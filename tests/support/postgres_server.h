// A real PostgreSQL 15 for the tests of the PostgreSQL store. Each test takes a database of its own
// (NewTestDatabase) in one cluster: the cluster of the CTest fixture modalis_postgres
// (tests/CMakeLists.txt, started by modalis_test_postgres) when MODALIS_TEST_POSTGRES_DIR names
// its directory, so that each test process does not pay for an initdb; otherwise one this process
// starts at first use. Failures throw std::runtime_error with initdb's or the server's own words:
// a test that needs PostgreSQL fails, it is never skipped.
#pragma once

#include <string>

namespace modalis::testing {

// Where the fixture's directory is named: a directory holding the file `uri`, the admin URI.
inline constexpr char kPostgresDirVariable[] = "MODALIS_TEST_POSTGRES_DIR";

// A throwaway cluster on a free loopback port, with its data, log and socket in a new directory
// under /tmp. initdb and postgres refuse to run as root, so as root they run as the user
// `postgres` (created by Debian's postgresql-15 package) in a directory given to that user; /tmp
// rather than the build tree because that user may not be able to reach the build tree, and a
// socket's path must stay short.
class PostgresCluster {
 public:
  // Initialises and starts the cluster; throws when either fails. Not `durable`, it runs with
  // fsync off, as tests need the database's behaviour, not its durability; benchmarks want it on.
  explicit PostgresCluster(bool durable = false);
  // Stops the server and removes the directory, unless Release()d; only in the process that
  // started it, so a child that forked from a test and exits leaves its parent's server alone.
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // postgresql://postgres@127.0.0.1:PORT/postgres
  const std::string& admin_uri() const { return admin_uri_; }
  const std::string& dir() const { return dir_; }
  // Stops the server (fast: open sessions are cut) and starts it again on the same port, with its
  // data: the database restarting under the replicas. Throws when pg_ctl fails.
  void StopServer();
  void StartServer();

  // Leaves the server running and its directory in place (StopPostgresCluster stops it later).
  void Release() { released_ = true; }

 private:
  std::string dir_;
  std::string admin_uri_;
  int owner_pid_ = 0;
  std::string start_options_;  // what pg_ctl start was given, to start it again the same way
  bool released_ = false;
};

// A loopback port nobody listens on now. Another process may take it before it is bound: callers
// that can, retry with another.
int FreeLoopbackPort();

// Stops the server of the cluster in `dir` if one is running (fast: open sessions are cut) and
// removes `dir`. Quiet when there is nothing to stop.
void StopPostgresCluster(const std::string& dir);

// The admin URI of the cluster this process's tests use (see the top of this file). The cluster
// this process starts is stopped and removed at exit.
std::string PostgresAdminUri();

// A new empty database in that cluster, named uniquely across processes (pid, counter, random
// suffix), and its URI: postgresql://postgres@127.0.0.1:PORT/NAME.
std::string NewTestDatabase();

// Drops a database NewTestDatabase made, cutting any session still in it. Quiet on failure: the
// cluster's removal takes it anyway; this only keeps a long run's databases from piling up.
void DropTestDatabase(const std::string& uri);

}  // namespace modalis::testing
