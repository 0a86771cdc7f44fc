// The plan store behind the real modalisd and the real modalis CLI: idempotent SuggestPlan,
// kill -9 in the middle of concurrent writes, refused databases, and the db operations.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "core/store/sqlite/sqlite_store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using testing::ServerProcess;

std::vector<std::string> ServerArgs(const std::string& db) {
  return {"--db", db, "--rules", testing::RulesDir(), "--plugins", testing::PluginsDir()};
}

v1::SuggestPlanRequest DeskWorker(const std::string& patient, const std::string& request_id) {
  v1::SuggestPlanRequest request;
  request.set_patient_ref(patient);
  request.set_request_id(request_id);
  auto findings =
      JsonToStruct(nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  EXPECT_TRUE(findings.ok());
  *request.mutable_findings() = *findings;
  return request;
}

std::unique_ptr<v1::PlanService::Stub> Connect(const std::string& address) {
  return v1::PlanService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

grpc::Status Suggest(v1::PlanService::Stub& stub, const v1::SuggestPlanRequest& request,
                     v1::SuggestPlanResponse* response, int seconds = 10) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return stub.SuggestPlan(&ctx, request, response);
}

grpc::Status Get(v1::PlanService::Stub& stub, const std::string& id, v1::GetPlanResponse* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetPlanRequest request;
  request.set_plan_id(id);
  return stub.GetPlan(&ctx, request, out);
}

struct CliResult {
  int exit_code = -1;
  std::string output;
};

// Runs the built `modalis` CLI with `args` (no shell quoting needed: test paths have no spaces).
CliResult Cli(const std::string& args) {
  CliResult r;
  const std::string command = testing::BinDir() + "/modalis " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

int64_t CountPlans(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet("SELECT count(*) FROM plans").getInt64();
}

TEST(StoreCrashTest, RetryReturnsTheStoredPlanAndDryRunStoresNothing) {
  testing::TempDir dir;
  const std::string db = dir.file("modalis.db");
  ServerProcess server(ServerArgs(db));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server.address());

  v1::SuggestPlanResponse first, retry, other, dry;
  ASSERT_TRUE(Suggest(*stub, DeskWorker("P-0001", "req-1"), &first).ok());
  ASSERT_TRUE(Suggest(*stub, DeskWorker("P-0001", "req-1"), &retry).ok());
  EXPECT_EQ(retry.plan().plan_id(), first.plan().plan_id());

  // The same id for another patient's request: refused, never the first patient's plan.
  grpc::Status reused = Suggest(*stub, DeskWorker("P-0002", "req-1"), &other);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS) << reused.error_message();
  EXPECT_FALSE(other.has_plan());

  v1::SuggestPlanRequest dry_request = DeskWorker("P-0003", "req-2");
  dry_request.set_dry_run(true);
  ASSERT_TRUE(Suggest(*stub, dry_request, &dry).ok());
  EXPECT_TRUE(dry.plan().plan_id().empty());
  EXPECT_GT(dry.plan().steps_size(), 0);
  EXPECT_EQ(CountPlans(db), 1);

  // The stored plan records the assessment's pain figures as its progress baseline.
  server.Stop(SIGTERM);
  // As modalisd wrote them: plans as modalis.v1.Plan.
  SqliteStoreOptions options;
  options.plan_codec = ProtoPlanCodec();
  auto store = OpenSqliteStore(db, options);
  ASSERT_TRUE(store.ok());
  auto progress = (*store)->GetProgress("default", "P-0001", {});
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->baseline_source, BaselineSource::kPlanFindings);
  EXPECT_TRUE(progress->pain_nprs.baseline.has_value());
}

TEST(StoreCrashTest, KillNineDuringConcurrentSuggestPlanLosesNoAcknowledgedPlan) {
  testing::TempDir dir;
  const std::string db = dir.file("modalis.db");
  auto server = std::make_unique<ServerProcess>(ServerArgs(db));
  ASSERT_TRUE(server->started()) << server->output();
  const std::string address = server->address();

  constexpr int kClients = 4;
  std::atomic<bool> running{true};
  std::atomic<int> acknowledged_count{0};
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acknowledged;  // request_id, plan_id
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = Connect(address);
      for (int i = 0; running; ++i) {
        const std::string request_id = "c" + std::to_string(c) + "-" + std::to_string(i);
        v1::SuggestPlanResponse response;
        if (Suggest(*stub, DeskWorker("P-" + std::to_string(c), request_id), &response, 3).ok()) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(request_id, response.plan().plan_id());
          ++acknowledged_count;
        }
      }
    });
  }
  // Let a stream build up, then kill the server while writes are in flight.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (acknowledged_count < 150 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server->Stop(SIGKILL), 128 + SIGKILL);
  running = false;
  for (auto& t : clients) t.join();
  ASSERT_GT(acknowledged.size(), 20u);

  // The CLI's check, on the file exactly as the crash left it.
  CliResult verify = Cli("db verify --db " + db);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  ServerProcess restarted(ServerArgs(db));
  ASSERT_TRUE(restarted.started()) << restarted.output();
  auto stub = Connect(restarted.address());
  size_t missing = 0;
  for (const auto& [request_id, plan_id] : acknowledged) {
    v1::GetPlanResponse got;
    if (!Get(*stub, plan_id, &got).ok()) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged plans";
  // A client retrying after the crash gets its acknowledged plan back, not a second one.
  const auto& [request_id, plan_id] = acknowledged.back();
  v1::SuggestPlanResponse retry;
  const std::string client = request_id.substr(1, request_id.find('-') - 1);
  ASSERT_TRUE(Suggest(*stub, DeskWorker("P-" + client, request_id), &retry).ok());
  EXPECT_EQ(retry.plan().plan_id(), plan_id);
}

TEST(StoreCrashTest, EightClientsWritingWhileOthersReadNeverSeeBusy) {
  testing::TempDir dir;
  const std::string db = dir.file("modalis.db");
  ServerProcess server(ServerArgs(db));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server.address());
  v1::SuggestPlanResponse seed;
  ASSERT_TRUE(Suggest(*stub, DeskWorker("P-seed", "seed"), &seed).ok());

  constexpr int kWriters = 8;
  constexpr int kPerWriter = 25;
  std::atomic<bool> writing{true};
  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](const grpc::Status& s) {
    std::lock_guard lock(mu);
    errors.push_back(std::to_string(s.error_code()) + " " + s.error_message());
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      auto reader = Connect(server.address());
      while (writing) {
        v1::GetPlanResponse got;
        if (grpc::Status s = Get(*reader, seed.plan().plan_id(), &got); !s.ok()) fail(s);
      }
    });
  }
  // An operator's backup in the middle of it all, through the CLI's own connection.
  CliResult backup;
  readers.emplace_back([&] { backup = Cli("db backup --db " + db + " " + dir.file("b.db")); });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto writer = Connect(server.address());
      for (int i = 0; i < kPerWriter; ++i) {
        v1::SuggestPlanResponse r;
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (grpc::Status s = Suggest(*writer, DeskWorker("P-" + id, id), &r); !s.ok()) fail(s);
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed calls, first: " << errors[0];
  EXPECT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_EQ(CountPlans(db), 1 + kWriters * kPerWriter);
}

TEST(StoreCrashTest, ModalisdRefusesNewerOrCorruptedDatabaseWithAClearMessage) {
  testing::TempDir dir;
  const std::string newer = dir.file("newer.db");
  {
    SQLite::Database db(newer, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  ServerProcess on_newer(ServerArgs(newer));
  EXPECT_FALSE(on_newer.started());
  EXPECT_EQ(on_newer.Stop(SIGTERM), 1);
  EXPECT_NE(on_newer.output().find("newer Modalis"), std::string::npos) << on_newer.output();

  const std::string corrupted = dir.file("corrupted.db");
  std::ofstream(corrupted) << std::string(8192, 'Z');
  ServerProcess on_corrupted(ServerArgs(corrupted));
  EXPECT_FALSE(on_corrupted.started());
  EXPECT_EQ(on_corrupted.Stop(SIGTERM), 1);
  EXPECT_NE(on_corrupted.output().find("corrupt"), std::string::npos) << on_corrupted.output();
}

TEST(StoreCrashTest, DbCommandsWhileServing) {
  testing::TempDir dir;
  const std::string db = dir.file("modalis.db");
  ServerProcess server(ServerArgs(db));
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = Connect(server.address());
  std::vector<std::string> plan_ids;
  for (int i = 0; i < 3; ++i) {
    v1::SuggestPlanResponse r;
    const std::string patient = i < 2 ? "P-0001" : "P-0002";
    ASSERT_TRUE(Suggest(*stub, DeskWorker(patient, "r" + std::to_string(i)), &r).ok());
    plan_ids.push_back(r.plan().plan_id());
  }

  CliResult backup = Cli("db backup --db " + db + " " + dir.file("backup.db"));
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  CliResult verify_backup = Cli("db verify --db " + dir.file("backup.db"));
  EXPECT_EQ(verify_backup.exit_code, 0) << verify_backup.output;
  EXPECT_NE(verify_backup.output.find("3 records"), std::string::npos) << verify_backup.output;

  CliResult exported = Cli("db export --db " + db + " --patient P-0001");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  auto j = nlohmann::json::parse(exported.output);
  EXPECT_EQ(j["plans"].size(), 2u);
  EXPECT_EQ(j["audit"].size(), 2u);
  EXPECT_EQ(j["plans"][0]["plan"]["plan_id"], plan_ids[0]);
  EXPECT_EQ(exported.output.find("P-0002"), std::string::npos) << "another patient leaked";

  // Erase while modalisd serves: its writes and ours go through the same locks.
  CliResult erase = Cli("db erase --db " + db + " --patient P-0001");
  ASSERT_EQ(erase.exit_code, 0) << erase.output;
  v1::GetPlanResponse got;
  EXPECT_EQ(Get(*stub, plan_ids[0], &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Get(*stub, plan_ids[2], &got).ok());
  v1::SuggestPlanResponse after;
  ASSERT_TRUE(Suggest(*stub, DeskWorker("P-0003", "r9"), &after).ok());
  CliResult verify = Cli("db verify --db " + db);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("2 redacted"), std::string::npos) << verify.output;

  // Tampering with the audit is caught, with exit status 1.
  server.Stop(SIGTERM);
  {
    SQLite::Database d(db, SQLite::OPEN_READWRITE);
    d.exec("DROP TRIGGER audit_redact_only");
    d.exec(
        "UPDATE audit SET record_json = replace(record_json, 'local', 'other') "
        "WHERE record_json IS NOT NULL");
  }
  CliResult tampered = Cli("db verify --db " + db);
  EXPECT_EQ(tampered.exit_code, 1) << tampered.output;
  EXPECT_NE(tampered.output.find("altered"), std::string::npos) << tampered.output;
}

}  // namespace
}  // namespace modalis
