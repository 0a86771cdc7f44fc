// modalis_test_postgres: the PostgreSQL cluster of a CTest run, shared by every test process of it
// (the fixture modalis_postgres, tests/CMakeLists.txt), so that each does not start its own.
//
//   modalis_test_postgres start DIR   starts a cluster (first stopping one a run that was cut short
//                                     left in DIR), writes its admin URI to DIR/uri and exits,
//                                     leaving it running
//   modalis_test_postgres stop DIR    stops it and removes DIR
//
// The cluster's own directory is under /tmp (see PostgresCluster); DIR/cluster links to it.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "tests/support/file_util.h"
#include "tests/support/postgres_server.h"

namespace {

namespace fs = std::filesystem;

void Stop(const fs::path& dir) {
  std::error_code ec;
  const fs::path cluster = fs::read_symlink(dir / "cluster", ec);
  if (!ec) modalis::testing::StopPostgresCluster(cluster.string());
  fs::remove_all(dir, ec);
}

void Start(const fs::path& dir) {
  Stop(dir);
  fs::create_directories(dir);
  const auto began = std::chrono::steady_clock::now();
  modalis::testing::PostgresCluster cluster;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  fs::create_directory_symlink(cluster.dir(), dir / "cluster");
  // Whole or not at all: a test process never reads half a URI.
  modalis::testing::WriteText((dir / "uri.new").string(), cluster.admin_uri() + "\n");
  fs::rename(dir / "uri.new", dir / "uri");
  cluster.Release();
  std::cout << "PostgreSQL at " << cluster.admin_uri() << " (" << cluster.dir() << "), started in "
            << took.count() << " ms\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::cerr << "usage: modalis_test_postgres start|stop DIR\n";
    return 2;
  }
  try {
    if (command == "start") {
      Start(argv[2]);
    } else {
      Stop(argv[2]);
    }
  } catch (const std::exception& e) {
    std::cerr << "modalis_test_postgres " << command << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
