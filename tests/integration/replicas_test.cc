// Several real modalisd replicas sharing one real PostgreSQL database (a fresh one per test in the
// cluster tests/support/postgres_server starts): a request stored once whichever replica gets it,
// one clinic's audit chain appended from three replicas at once without a fork, and an activation
// made on one replica served by the others.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/postgres_server.h"
#include "tests/support/rule_set_versions.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"
#include "tests/support/waiting.h"

namespace modalis {
namespace {

using testing::Deadline;
using testing::ServerProcess;
using testing::WaitFor;

v1::SuggestPlanRequest DeskWorker(const std::string& patient, const std::string& request_id) {
  v1::SuggestPlanRequest request;
  request.set_patient_ref(patient);
  request.set_request_id(request_id);
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  return request;
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = testing::NewTestDatabase(); }

  // Starts `n` more replicas on the test's database (`extra` added to each one's flags).
  void StartReplicas(int n, const std::vector<std::string>& extra = {}) {
    for (int k = 0; k < n; ++k) {
      const size_t i = replicas_.size();
      std::vector<std::string> args = {"--rules",
                                       testing::RulesDir(),
                                       "--plugins",
                                       testing::PluginsDir(),
                                       "--db",
                                       db_,
                                       "--log-file",
                                       dir_.file("replica-" + std::to_string(i) + ".log"),
                                       "--watch-quiet-ms",
                                       "0",
                                       "--replica-id",
                                       "replica-" + std::to_string(i)};
      args.insert(args.end(), extra.begin(), extra.end());
      auto replica = std::make_unique<ServerProcess>(args);
      ASSERT_TRUE(replica->started()) << replica->output();
      auto channel = grpc::CreateChannel(replica->address(), grpc::InsecureChannelCredentials());
      plans_.push_back(v1::PlanService::NewStub(channel));
      admins_.push_back(v1::RulesAdmin::NewStub(channel));
      replicas_.push_back(std::move(replica));
    }
  }

  grpc::Status Suggest(size_t replica, const v1::SuggestPlanRequest& request,
                       v1::SuggestPlanResponse* response) {
    grpc::ClientContext ctx;
    Deadline(&ctx, 30);
    return plans_[replica]->SuggestPlan(&ctx, request, response);
  }

  std::string LiveSha256(size_t replica) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetStatusResponse status;
    if (!admins_[replica]->GetStatus(&ctx, {}, &status).ok()) return "";
    for (const auto& live : status.live()) {
      if (live.clinic_id() == "default" && live.condition() == "lower-back-pain") {
        return live.rule_set().sha256();
      }
    }
    return "";
  }

  pqxx::result Query(const std::string& sql) {
    pqxx::connection connection(db_);
    pqxx::nontransaction tx(connection);
    return tx.exec(sql);
  }

  testing::TempDir dir_;
  std::string db_;
  std::vector<std::unique_ptr<ServerProcess>> replicas_;
  std::vector<std::unique_ptr<v1::PlanService::Stub>> plans_;
  std::vector<std::unique_ptr<v1::RulesAdmin::Stub>> admins_;
};

TEST_F(ReplicasTest, SameRequestOnTwoReplicasAtOnceIsStoredOnceAndBothAnswerWithIt) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2));
  // Many rounds, each racing the same new request on both replicas.
  for (int round = 0; round < 20; ++round) {
    const auto request = DeskWorker("P-race", "race-" + std::to_string(round));
    v1::SuggestPlanResponse first, second;
    grpc::Status a, b;
    std::thread other([&] { b = Suggest(1, request, &second); });
    a = Suggest(0, request, &first);
    other.join();
    ASSERT_TRUE(a.ok()) << a.error_message();
    ASSERT_TRUE(b.ok()) << b.error_message();
    EXPECT_EQ(first.plan().plan_id(), second.plan().plan_id()) << "round " << round;
  }
  EXPECT_EQ(Query("SELECT count(*) FROM plans")[0][0].as<int>(), 20);
  EXPECT_EQ(Query("SELECT count(*) FROM audit WHERE kind = 'plan'")[0][0].as<int>(), 20);

  // The same key with another request is refused on the replica that did not store it.
  auto changed = DeskWorker("P-other", "race-0");
  v1::SuggestPlanResponse response;
  EXPECT_EQ(Suggest(1, changed, &response).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ReplicasTest, ThreeReplicasAppendingToOneClinicNeverForkItsAuditChain) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  constexpr int kThreadsPerReplica = 4;
  constexpr int kPlansPerThread = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t r = 0; r < 3; ++r) {
    for (int t = 0; t < kThreadsPerReplica; ++t) {
      threads.emplace_back([&, r, t] {
        for (int i = 0; i < kPlansPerThread; ++i) {
          const std::string id =
              std::to_string(r) + "-" + std::to_string(t) + "-" + std::to_string(i);
          v1::SuggestPlanResponse response;
          if (!Suggest(r, DeskWorker("P-" + id, "chain-" + id), &response).ok()) ++failures;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const int expected = 3 * kThreadsPerReplica * kPlansPerThread;
  EXPECT_EQ(Query("SELECT count(*) FROM audit WHERE clinic_id = 'default'")[0][0].as<int>(),
            expected);
  // Every record but the last has exactly one successor: one chain, no fork, no gap.
  EXPECT_EQ(
      Query("SELECT count(*) FROM audit a WHERE clinic_id = 'default' AND (SELECT count(*) "
            "FROM audit b WHERE b.clinic_id = a.clinic_id AND b.prev_hash = a.hash) <> 1")[0][0]
          .as<int>(),
      1);
  EXPECT_EQ(Query("SELECT count(*) FROM audit WHERE clinic_id = 'default' AND prev_hash = "
                  "repeat('0', 64)")[0][0]
                .as<int>(),
            1);
  const auto [code, out] =
      testing::RunCommand(testing::BinDir() + "/modalis db verify --db '" + db_ + "'");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(std::to_string(expected) + " records"), std::string::npos) << out;
}

TEST_F(ReplicasTest, ARuleSetActivatedOnOneReplicaIsServedByTheOthersWithinTwoSeconds) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(3));
  const std::string before = LiveSha256(2);
  ASSERT_FALSE(before.empty());

  const v1::PublishRuleSetRequest publish = testing::ShippedRulesAsVersion("0.3.0-replicas");
  v1::PublishRuleSetResponse published;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx, 30);
    const grpc::Status s = admins_[0]->PublishRuleSet(&ctx, publish, &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::ActivateRuleSetRequest activate;
  activate.set_sha256(published.rule_set().sha256());
  activate.set_expected_live_sha256(before);
  v1::ActivateRuleSetResponse activated;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx, 30);
    const grpc::Status s = admins_[0]->ActivateRuleSet(&ctx, activate, &activated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const auto activated_at = std::chrono::steady_clock::now();
  const std::string after = published.rule_set().sha256();
  ASSERT_NE(after, before);
  for (size_t r : {size_t{1}, size_t{2}}) {
    EXPECT_TRUE(WaitFor([&] { return LiveSha256(r) == after; }, std::chrono::seconds(2)))
        << "replica " << r << " still serves " << LiveSha256(r);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - activated_at, std::chrono::seconds(2));
  // Each replica reports what it serves; any of them tells which serve what.
  EXPECT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        Deadline(&ctx);
        v1::GetStatusResponse status;
        if (!admins_[1]->GetStatus(&ctx, {}, &status).ok()) return false;
        std::set<std::string> serving_after;
        for (const auto& r : status.replicas()) {
          if (r.clinic_id() == "default" && r.sha256() == after)
            serving_after.insert(r.replica_id());
        }
        return serving_after.size() == 3;
      },
      std::chrono::seconds(5)));
  // And plans made there name it.
  v1::SuggestPlanResponse response;
  ASSERT_TRUE(Suggest(2, DeskWorker("P-after", "after-activation"), &response).ok());
  EXPECT_EQ(response.plan().rule_set().sha256(), after);

  // A replica started now serves it from its first answer: it reads what is live before it
  // listens.
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1));
  EXPECT_EQ(LiveSha256(3), after);
  ASSERT_TRUE(Suggest(3, DeskWorker("P-new", "new-replica"), &response).ok());
  EXPECT_EQ(response.plan().rule_set().sha256(), after);
}

// What each replica serves is told to a clinic's own callers for that clinic only; the operator
// sees every clinic.
TEST_F(ReplicasTest, WhatTheReplicasServeIsToldPerClinic) {
  ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, "north"));
  const std::string tokens = dir_.file("tokens");
  const std::string north = testing::MintToken(tokens, "--clinic north --role admin --name n");
  const std::string south = testing::MintToken(tokens, "--clinic default --role admin --name d");
  const std::string op = testing::MintToken(tokens, "--role operator --name op");
  ASSERT_NO_FATAL_FAILURE(StartReplicas(2, {"--token-file", tokens}));

  // North gets a rule set of its own, so each replica has a row for it beside default's.
  v1::PublishRuleSetResponse published;
  {
    const grpc::Status s =
        admins_[0]->PublishRuleSet(testing::Bearer(north, std::chrono::seconds(30)).get(),
                                   testing::ShippedRulesAsVersion("0.3.0-north"), &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::ActivateRuleSetRequest activate;
  activate.set_sha256(published.rule_set().sha256());  // north has had none of its own
  v1::ActivateRuleSetResponse activated;
  {
    const grpc::Status s =
        admins_[0]->ActivateRuleSet(testing::Bearer(north).get(), activate, &activated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  auto clinics_seen = [&](const std::string& token) {
    std::map<std::string, std::set<std::string>> replicas_by_clinic;
    v1::GetStatusResponse status;
    if (admins_[1]->GetStatus(testing::Bearer(token).get(), {}, &status).ok()) {
      for (const auto& r : status.replicas()) {
        replicas_by_clinic[r.clinic_id()].insert(r.replica_id());
      }
    }
    return replicas_by_clinic;
  };
  const std::set<std::string> both = {"replica-0", "replica-1"};
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return clinics_seen(op) == decltype(clinics_seen(op)){{"default", both}, {"north", both}};
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(clinics_seen(north), (decltype(clinics_seen(north)){{"north", both}}));
  EXPECT_EQ(clinics_seen(south), (decltype(clinics_seen(south)){{"default", both}}));
}

}  // namespace
}  // namespace modalis
