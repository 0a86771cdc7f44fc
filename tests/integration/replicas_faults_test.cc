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
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/nginx_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/rule_set_versions.h"
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
  for (size_t r = 0; r < 2; ++r) {
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

// A rule set activated every 200 ms for 10 s on one replica while clients plan on all three: no
// request fails, every plan names a rule set that was live for the clinic at most 2 s before it
// was asked for (the bound on a replica following an activation), and every replica serves the
// last one within 2 s of its activation.
TEST(ReplicasFaultsTest, ActivationsEvery200MsUnderLoadFailNoRequestAndEveryReplicaConverges) {
  testing::TempDir dir;
  const std::string db = testing::NewTestDatabase();
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::vector<std::unique_ptr<v1::RulesAdmin::Stub>> admins;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(StartReplica(db, dir.file("replica-" + std::to_string(i) + ".log")));
    ASSERT_TRUE(replicas.back()->started()) << replicas.back()->output();
    admins.push_back(v1::RulesAdmin::NewStub(
        grpc::CreateChannel(replicas.back()->address(), grpc::InsecureChannelCredentials())));
  }
  auto live_on = [&](size_t r) {
    grpc::ClientContext ctx;
    testing::Deadline(&ctx);
    v1::GetStatusResponse status;
    if (!admins[r]->GetStatus(&ctx, {}, &status).ok()) return std::string();
    for (const auto& live : status.live()) {
      if (live.clinic_id() == "default") return live.rule_set().sha256();
    }
    return std::string();
  };
  // Two versions of the shipped rule set to alternate.
  std::vector<std::string> hashes;
  for (const char* version : {"0.3.0-a", "0.3.0-b"}) {
    const v1::PublishRuleSetRequest publish = testing::ShippedRulesAsVersion(version);
    v1::PublishRuleSetResponse published;
    grpc::ClientContext ctx;
    testing::Deadline(&ctx, 30);
    ASSERT_TRUE(admins[0]->PublishRuleSet(&ctx, publish, &published).ok());
    hashes.push_back(published.rule_set().sha256());
  }

  // Each hash, from when its activation was sent (it cannot be live earlier).
  struct Live {
    Clock::time_point from;
    std::string sha256;
  };
  std::vector<Live> timeline = {{Clock::now() - std::chrono::hours(1), live_on(0)}};
  struct Planned {
    Clock::time_point asked, answered;
    std::string sha256;
  };
  std::mutex mu;
  std::vector<Planned> plans;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::PlanService::NewStub(grpc::CreateChannel(
          replicas[static_cast<size_t>(c) % 3]->address(), grpc::InsecureChannelCredentials()));
      for (int i = 0; !stop; ++i) {
        grpc::ClientContext ctx;
        testing::Deadline(&ctx, 15);
        v1::SuggestPlanResponse response;
        const auto asked = Clock::now();
        const grpc::Status s = stub->SuggestPlan(
            &ctx, DeskWorker("P-" + std::to_string(c), std::to_string(c) + "-" + std::to_string(i)),
            &response);
        std::lock_guard<std::mutex> lock(mu);
        if (s.ok()) {
          plans.push_back({asked, Clock::now(), response.plan().rule_set().sha256()});
        } else {
          failures.push_back(s.error_message());
        }
      }
    });
  }
  const auto end = Clock::now() + std::chrono::seconds(10);
  Clock::time_point last_activation;
  for (size_t i = 0;; ++i) {
    v1::ActivateRuleSetRequest activate;
    activate.set_sha256(hashes[i % 2]);
    activate.set_expected_live_sha256(timeline.back().sha256);
    v1::ActivateRuleSetResponse activated;
    grpc::ClientContext ctx;
    testing::Deadline(&ctx, 30);
    const auto sent = Clock::now();
    const grpc::Status s = admins[0]->ActivateRuleSet(&ctx, activate, &activated);
    if (!s.ok()) {
      ADD_FAILURE() << "activating: " << s.error_message();  // the clients still stop below
      break;
    }
    last_activation = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mu);
      timeline.push_back({sent, hashes[i % 2]});
    }
    // Not after the last one: convergence is timed from it.
    if (Clock::now() + std::chrono::milliseconds(200) >= end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const std::string last = timeline.back().sha256;
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_TRUE(testing::WaitFor([&] { return live_on(r) == last; }, std::chrono::seconds(2)))
        << "replica " << r;
  }
  const auto converged = Clock::now() - last_activation;
  stop = true;
  for (auto& t : clients) t.join();
  std::printf("%zu activations, %zu plans; every replica serves the last %lld ms after it\n",
              timeline.size() - 1, plans.size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(converged).count()));

  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_LT(converged, std::chrono::seconds(2));
  ASSERT_GT(plans.size(), 50u);
  for (const Planned& plan : plans) {
    // Live at some moment in [asked - 2 s, answered]: the hash that was live at asked - 2 s, or
    // one activated since.
    bool was_live = false;
    for (size_t i = 0; i < timeline.size(); ++i) {
      const bool until_after =
          i + 1 == timeline.size() || timeline[i + 1].from > plan.asked - std::chrono::seconds(2);
      if (timeline[i].sha256 == plan.sha256 && timeline[i].from <= plan.answered && until_after) {
        was_live = true;
      }
    }
    EXPECT_TRUE(was_live) << "a plan names " << plan.sha256 << ", not live when it was asked for";
  }
}

}  // namespace
}  // namespace modalis
