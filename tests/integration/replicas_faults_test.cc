// Faults of a shared store's deployment, with the real parts: modalisd replicas on a real
// PostgreSQL, nginx in front of them with deploy/nginx/modalis.conf. A replica killed with SIGKILL
// under load, and PostgreSQL restarted under load: clients that retry with the same request_id
// get every plan stored exactly once, and nothing acknowledged is lost. Every loop is bounded.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/nginx_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/waiting.h"

namespace modalis {
namespace {

using testing::ServerProcess;
using Clock = std::chrono::steady_clock;

v1::SuggestPlanRequest DeskWorker(const std::string& patient, const std::string& request_id) {
  v1::SuggestPlanRequest request;
  request.set_patient_ref(patient);
  request.set_request_id(request_id);
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  return request;
}

// What the clients saw: the plan each request_id got, the errors met on the way, and the longest a
// single call took.
struct Outcome {
  std::mutex mu;
  std::map<std::string, std::string> plan_by_request;
  std::map<grpc::StatusCode, int> errors;
  std::vector<std::string> gave_up;
  Clock::duration longest_call{};
};

// `clients` threads, each sending `per_client` requests through `address`, each request retried
// with the same request_id on any error until it succeeds or 60 s pass.
void RunClients(const std::string& address, const std::string& prefix, int clients, int per_client,
                Outcome* out, std::atomic<int>* acknowledged) {
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::PlanService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      for (int i = 0; i < per_client; ++i) {
        const std::string id = prefix + "c" + std::to_string(c) + "-" + std::to_string(i);
        const auto request = DeskWorker("P-" + id, id);
        const auto give_up = Clock::now() + std::chrono::seconds(60);
        while (true) {
          grpc::ClientContext ctx;
          testing::Deadline(&ctx, 15);
          v1::SuggestPlanResponse response;
          const auto start = Clock::now();
          const grpc::Status s = stub->SuggestPlan(&ctx, request, &response);
          const auto took = Clock::now() - start;
          std::lock_guard<std::mutex> lock(out->mu);
          out->longest_call = std::max(out->longest_call, took);
          if (s.ok()) {
            out->plan_by_request[id] = response.plan().plan_id();
            ++*acknowledged;
            break;
          }
          ++out->errors[s.error_code()];
          if (Clock::now() > give_up) {
            out->gave_up.push_back(id + ": " + s.error_message());
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Every acknowledged plan is stored, once, under its request_id, and the chain is whole.
void ExpectEveryAcknowledgedPlanStoredOnce(const std::string& db, const Outcome& outcome,
                                           size_t expected) {
  EXPECT_TRUE(outcome.gave_up.empty()) << outcome.gave_up.front();
  ASSERT_EQ(outcome.plan_by_request.size(), expected);
  pqxx::connection connection(db);
  pqxx::nontransaction tx(connection);
  std::map<std::string, std::string> stored;
  for (const auto& row : tx.exec("SELECT request_id, plan_id FROM plans")) {
    const auto [it, added] = stored.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    EXPECT_TRUE(added) << "request " << it->first << " stored twice";
  }
  EXPECT_EQ(stored.size(), expected);
  for (const auto& [request, plan] : outcome.plan_by_request) {
    const auto it = stored.find(request);
    ASSERT_NE(it, stored.end()) << "acknowledged " << request << " (" << plan << ") is lost";
    EXPECT_EQ(it->second, plan) << request << " was answered with another plan than stored";
  }
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM audit WHERE kind = 'plan'")[0].as<size_t>(), expected);
  const auto [code, text] =
      testing::RunCommand(testing::BinDir() + "/modalis db verify --db '" + db + "'");
  EXPECT_EQ(code, 0) << text;
}

std::unique_ptr<ServerProcess> StartReplica(const std::string& db, const std::string& log) {
  auto replica = std::make_unique<ServerProcess>(std::vector<std::string>{
      "--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(), "--db", db, "--log-file",
      log, "--watch-quiet-ms", "0", "--db-probe-ms", "100"});
  return replica;
}

TEST(ReplicasFaultsTest, AReplicaKilledUnderLoadBehindNginxLosesNoAcknowledgedPlan) {
  testing::TempDir dir;
  const std::string db = testing::NewTestDatabase();
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::vector<std::string> upstreams;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(StartReplica(db, dir.file("replica-" + std::to_string(i) + ".log")));
    ASSERT_TRUE(replicas.back()->started()) << replicas.back()->output();
    upstreams.push_back(replicas.back()->address());
  }
  testing::NginxProcess nginx(upstreams, dir.path());

  Outcome outcome;
  std::atomic<int> acknowledged{0};
  constexpr int kClients = 16;
  constexpr int kPerClient = 20;
  int acknowledged_at_kill = 0;
  std::thread killer([&] {
    // Killed while calls are in flight on it.
    testing::WaitFor([&] { return acknowledged >= 60; }, std::chrono::seconds(30));
    acknowledged_at_kill = acknowledged;
    replicas[1]->Stop(SIGKILL);
  });
  RunClients(nginx.address(), "", kClients, kPerClient, &outcome, &acknowledged);
  killer.join();
  ASSERT_LT(acknowledged_at_kill, kClients * kPerClient) << "the load ended before the kill";
  std::printf("killed at %d of %d acknowledged; errors seen: %d\n", acknowledged_at_kill,
              kClients * kPerClient, [&] {
                int n = 0;
                for (const auto& [code, count] : outcome.errors) n += count;
                return n;
              }());
  ExpectEveryAcknowledgedPlanStoredOnce(db, outcome, kClients * kPerClient);
}

TEST(ReplicasFaultsTest, PostgresRestartedUnderLoadIsUnavailableThenRecoversLosingNothing) {
  testing::TempDir dir;
  // A cluster of its own: restarting the shared one would disturb the other tests.
  testing::PostgresCluster cluster;
  const std::string db =
      cluster.admin_uri().substr(0, cluster.admin_uri().rfind('/') + 1) + "restart";
  {
    pqxx::connection admin(cluster.admin_uri());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE DATABASE restart");
  }
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(StartReplica(db, dir.file("replica-" + std::to_string(i) + ".log")));
    ASSERT_TRUE(replicas.back()->started()) << replicas.back()->output();
  }
  Outcome outcome;
  std::atomic<int> acknowledged{0};
  std::thread restarter([&] {
    testing::WaitFor([&] { return acknowledged >= 40; }, std::chrono::seconds(30));
    cluster.StopServer();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    cluster.StartServer();
  });
  std::vector<std::thread> halves;
  for (int r = 0; r < 2; ++r) {
    halves.emplace_back([&, r] {
      RunClients(replicas[r]->address(), "r" + std::to_string(r), 4, 25, &outcome, &acknowledged);
    });
  }
  for (auto& t : halves) t.join();
  restarter.join();
  std::printf(
      "while PostgreSQL restarted: %d UNAVAILABLE, longest call %lld ms\n",
      outcome.errors[grpc::StatusCode::UNAVAILABLE],
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(outcome.longest_call).count()));

  // While it was down the replicas said so, quickly, and nothing hung past a deadline.
  EXPECT_GT(outcome.errors[grpc::StatusCode::UNAVAILABLE], 0);
  EXPECT_EQ(outcome.errors[grpc::StatusCode::DEADLINE_EXCEEDED], 0);
  EXPECT_LT(outcome.longest_call, std::chrono::seconds(12));
  ExpectEveryAcknowledgedPlanStoredOnce(db, outcome, 200);
}

}  // namespace
}  // namespace modalis
