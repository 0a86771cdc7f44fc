// Faults around the real modalisd, its SQLite file and its plugin .so files: plugins missing at
// start or removed before a reload, rule files deleted or half-written while reloading, the
// database locked by another process, and SIGTERM while clients keep storing plans.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "adapters/plan_proto.h"
#include "core/store/sqlite/sqlite_store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/waiting.h"

namespace modalis {
namespace {

using testing::Deadline;
using testing::WaitFor;

namespace fs = std::filesystem;
using testing::ServerProcess;
using Clock = std::chrono::steady_clock;

v1::SuggestPlanRequest DeskWorker(const std::string& patient, const std::string& request_id = "") {
  v1::SuggestPlanRequest request;
  request.set_patient_ref(patient);
  request.set_request_id(request_id);
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  return request;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A private copy of the rules, the plugins (owner-only writable, as the host demands) and a
// database, and a modalisd serving them.
class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(testing::RulesDir(), rules_.path(), fs::copy_options::recursive);
    ::chmod(plugins_.path().c_str(), 0755);
    for (const auto& entry : fs::directory_iterator(testing::PluginsDir())) {
      if (entry.path().extension() != ".so") continue;
      fs::copy_file(entry.path(), plugins_.file(entry.path().filename().string()));
      ::chmod(plugins_.file(entry.path().filename().string()).c_str(), 0755);
    }
  }

  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {
        "--rules", rules_.path(),      "--plugins",  plugins_.path(),
        "--db",    data_.file("m.db"), "--log-file", data_.file("m.log")};
    // Explicit reloads only, unless the test watches the directory itself.
    if (std::find(extra.begin(), extra.end(), "--watch-quiet-ms") == extra.end()) {
      args.insert(args.end(), {"--watch-quiet-ms", "0"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  void Start(std::vector<std::string> extra = {}) {
    server_.reset();
    server_ = std::make_unique<ServerProcess>(Args(std::move(extra)));
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    admin_ = v1::RulesAdmin::NewStub(channel);
    plans_ = v1::PlanService::NewStub(channel);
  }

  std::string RulesFile() const { return rules_.file("lower-back-pain.rules.json"); }
  std::string DryNeedling() const { return plugins_.file("modalis_dry_needling.so"); }
  std::string Log() const { return testing::ReadText(data_.file("m.log")); }

  // The rules file with `from` replaced by `to`.
  std::string Edited(const std::string& from, const std::string& to) const {
    std::string text = testing::ReadText(RulesFile());
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }
  // Saved the documented way: a temp file in the same directory, renamed over the original.
  void Save(const std::string& text) {
    testing::WriteText(RulesFile() + ".tmp", text);
    fs::rename(RulesFile() + ".tmp", RulesFile());
  }

  grpc::Status Reload() {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::ReloadRulesResponse response;
    return admin_->ReloadRules(&ctx, {}, &response);
  }

  v1::GetStatusResponse Status() {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetStatusResponse status;
    EXPECT_TRUE(admin_->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  // A dry-run plan for the desk worker; fails the test when it is refused.
  v1::Plan Plan() {
    v1::SuggestPlanRequest request = DeskWorker("P-1");
    request.set_dry_run(true);
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::SuggestPlanResponse response;
    grpc::Status s = plans_->SuggestPlan(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.plan();
  }

  static bool HasStep(const v1::Plan& plan, const std::string& modality) {
    for (const auto& step : plan.steps()) {
      if (step.modality() == modality) return true;
    }
    return false;
  }

  testing::TempDir rules_, plugins_, data_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
};

// A bad edit never takes the clinic down at its next restart: the rule set that last went live,
// kept in the database, keeps serving, and the status says which file is broken and where.
TEST_F(FaultsTest, BrokenRuleFilesAtRestartServeTheRuleSetThatLastWentLive) {
  Start();
  const std::string live = Status().rule_set().sha256();
  EXPECT_FALSE(Status().serving_last_good());
  ASSERT_EQ(server_->Stop(SIGTERM), 0);

  // Left on disk by an edit: a comma missing after the version.
  Save(Edited("\"version\": \"0.3.0\",", "\"version\": \"0.3.1\""));
  Start();
  v1::GetStatusResponse status = Status();
  EXPECT_TRUE(status.serving_last_good());
  EXPECT_EQ(status.rule_set().sha256(), live);
  EXPECT_TRUE(std::regex_search(status.last_reload_error(),
                                std::regex(R"(lower-back-pain\.rules\.json:\d+:\d+: error)")))
      << status.last_reload_error();
  EXPECT_EQ(Plan().rule_set().sha256(), live);
  EXPECT_EQ(Count(Log(), "\"rules_files_broken\""), 1u) << Log();
  EXPECT_NE(server_->output().find("serving the last rule set that went live"), std::string::npos)
      << server_->output();
  // The operator's view: `modalis status` says so loudly, with the broken file and place, and
  // exits 3 so a script can tell a fallback from all well.
  const auto [code, said] =
      testing::RunCommand(testing::BinDir() + "/modalis status --address " + server_->address());
  EXPECT_EQ(code, 3) << said;
  EXPECT_NE(said.find("WARNING     the rule files on disk are broken"), std::string::npos) << said;
  EXPECT_TRUE(std::regex_search(said, std::regex(R"(lower-back-pain\.rules\.json:\d+:\d+: error)")))
      << said;
  EXPECT_NE(said.find("rules       lower-back-pain 0.3.0 (sha256 " + live.substr(0, 12)),
            std::string::npos)
      << said;

  // Fixed and reloaded: the new files serve, and the fallback ends.
  Save(Edited("\"version\": \"0.3.1\"", "\"version\": \"0.3.1\","));
  ASSERT_TRUE(Reload().ok());
  status = Status();
  EXPECT_FALSE(status.serving_last_good());
  EXPECT_TRUE(status.last_reload_error().empty()) << status.last_reload_error();
  const auto [fixed_code, fixed] =
      testing::RunCommand(testing::BinDir() + "/modalis status --address " + server_->address());
  EXPECT_EQ(fixed_code, 0) << fixed;
  EXPECT_EQ(fixed.find("WARNING"), std::string::npos) << fixed;
  EXPECT_NE(fixed.find("succeeded"), std::string::npos) << fixed;
  EXPECT_EQ(Plan().rule_set().version(), "0.3.1");

  // The fixed set is what a later restart falls back to.
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  Save(Edited("\"version\": \"0.3.1\",", "\"version\": \"0.2.2\""));
  Start();
  EXPECT_TRUE(Status().serving_last_good());
  EXPECT_EQ(Plan().rule_set().version(), "0.3.1");
}

// An operator asking a server that is not running is told so, not shown an empty status.
TEST_F(FaultsTest, StatusOfAServerThatIsNotRunningSaysItIsNotReachable) {
  Start();
  const std::string address = server_->address();
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  const auto [code, said] = testing::RunCommand(testing::BinDir() + "/modalis status --address " +
                                                address + " --timeout-ms 2000");
  EXPECT_EQ(code, 1) << said;
  EXPECT_NE(said.find("cannot get the status of modalisd at " + address + ": not reachable"),
            std::string::npos)
      << said;
}

// With nothing ever served from this database, broken files still refuse the start, saying where.
TEST_F(FaultsTest, BrokenRuleFilesWithNothingServedBeforeRefuseTheStart) {
  Save(Edited("\"version\": \"0.3.0\",", "\"version\": \"0.3.0\""));
  ServerProcess refused(Args());
  EXPECT_FALSE(refused.started());
  EXPECT_EQ(refused.Stop(SIGTERM), 1);
  EXPECT_NE(refused.output().find("lower-back-pain.rules.json:"), std::string::npos)
      << refused.output();
}

TEST_F(FaultsTest, PluginMissingAtStartIsRefusedUnlessTheOperatorAllowsIt) {
  fs::remove(DryNeedling());
  ServerProcess refused(Args());
  EXPECT_FALSE(refused.started());
  EXPECT_EQ(refused.Stop(SIGTERM), 1);
  const std::string out = refused.output();
  // Where the rules name it, which modality, and where its plugin was looked for.
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(lower-back-pain\.rules\.json:\d+:\d+: error: no loaded plugin provides )"
                      R"(the modality 'dry_needling')")))
      << out;
  EXPECT_NE(out.find("install the plugin in '" + plugins_.path() + "'"), std::string::npos) << out;
  EXPECT_NE(out.find("--allow-missing-plugins"), std::string::npos) << out;

  // Deliberately without it: plans say the modality is unavailable instead of dropping it.
  Start({"--allow-missing-plugins"});
  v1::Plan plan = Plan();
  EXPECT_FALSE(HasStep(plan, "dry_needling"));
  bool unavailable = false;
  for (const auto& e : plan.exclusions()) {
    unavailable |=
        e.modality() == "dry_needling" && e.reason().find("unavailable") != std::string::npos;
  }
  EXPECT_TRUE(unavailable) << plan.DebugString();
}

TEST_F(FaultsTest, PluginRemovedBeforeAReloadKeepsTheOldRulesServing) {
  Start();
  ASSERT_TRUE(HasStep(Plan(), "dry_needling"));
  Save(Edited("\"version\": \"0.3.0\"", "\"version\": \"0.3.1\""));
  const std::string kept = DryNeedling() + ".kept";
  fs::rename(DryNeedling(), kept);

  grpc::Status reload = Reload();
  EXPECT_EQ(reload.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(reload.error_message().find("the plugin for modality 'dry_needling' was loaded from '" +
                                        DryNeedling() + "', which is gone"),
            std::string::npos)
      << reload.error_message();
  EXPECT_NE(Status().last_reload_error().find("restore the plugin"), std::string::npos);
  // The loaded copy keeps working for the rules that were live.
  v1::Plan plan = Plan();
  EXPECT_EQ(plan.rule_set().version(), "0.3.0");
  EXPECT_TRUE(HasStep(plan, "dry_needling"));

  fs::rename(kept, DryNeedling());
  ASSERT_TRUE(Reload().ok());
  EXPECT_EQ(Plan().rule_set().version(), "0.3.1");
  EXPECT_TRUE(Status().last_reload_error().empty());
}

TEST_F(FaultsTest, RuleFileDeletedBeforeAReloadKeepsTheOldRulesServing) {
  Start();
  const std::string text = testing::ReadText(RulesFile());
  fs::remove(RulesFile());
  grpc::Status reload = Reload();
  EXPECT_EQ(reload.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(reload.error_message().find("cannot read '" + RulesFile() + "'"), std::string::npos)
      << reload.error_message();
  EXPECT_EQ(Plan().rule_set().version(), "0.3.0");
  EXPECT_TRUE(HasStep(Plan(), "dry_needling"));

  testing::WriteText(rules_.file("restore.tmp"), text);
  fs::rename(rules_.file("restore.tmp"), RulesFile());
  EXPECT_TRUE(Reload().ok());
}

TEST_F(FaultsTest, HalfWrittenRuleFileIsRefusedWithItsLocation) {
  Start();
  const std::string text = Edited("\"version\": \"0.3.0\"", "\"version\": \"0.3.1\"");
  // What a reload sees when it reads a file an editor is still writing in place.
  testing::WriteText(RulesFile(), text.substr(0, text.size() / 2));
  grpc::Status reload = Reload();
  EXPECT_EQ(reload.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(std::regex_search(reload.error_message(),
                                std::regex(R"(lower-back-pain\.rules\.json:\d+:\d+: error: )")))
      << reload.error_message();
  EXPECT_EQ(Plan().rule_set().version(), "0.3.0");
  EXPECT_NE(Log().find("rules_reload_refused"), std::string::npos);

  testing::WriteText(RulesFile(), text);
  EXPECT_TRUE(Reload().ok());
  EXPECT_EQ(Plan().rule_set().version(), "0.3.1");
}

TEST_F(FaultsTest, RenamedRuleFileGoesLiveOnceAndComplete) {
  constexpr int kQuietMs = 200;
  Start({"--watch-quiet-ms", std::to_string(kQuietMs)});
  ASSERT_NE(admin_, nullptr);
  const std::string text = Edited("\"version\": \"0.3.0\"", "\"version\": \"0.4.0\"");
  // A slow editor: half the temp file, a pause longer than the quiet period (the watcher wakes
  // and finds the rules unchanged), the rest, then the rename.
  const std::string tmp = rules_.file(".lower-back-pain.rules.json.swp");
  testing::WriteText(tmp, text.substr(0, text.size() / 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kQuietMs));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::app);
    out << text.substr(text.size() / 2);
  }
  fs::rename(tmp, RulesFile());
  ASSERT_TRUE(WaitFor([&] { return Status().rule_set().version() == "0.4.0"; }));
  // Long enough for a second, spurious reload to have happened and been logged.
  std::this_thread::sleep_for(std::chrono::milliseconds(4 * kQuietMs));
  const std::string log = Log();
  EXPECT_EQ(Count(log, "\"rules_reloaded\""), 1u) << log;
  // The log says what changed: the old and the new version and hash.
  EXPECT_EQ(Count(log, "lower-back-pain 0.3.0 sha256 "), 1u) << log;
  EXPECT_EQ(Count(log, " -> lower-back-pain 0.4.0 sha256 "), 1u) << log;
  EXPECT_EQ(Count(log, "rules_reload_refused"), 0u) << log;
  EXPECT_TRUE(Status().last_reload_error().empty());
  EXPECT_EQ(Plan().rule_set().version(), "0.4.0");
}

// Rules and their golden cases change together by one rename of a new manifest naming new files:
// the watcher never sees the new rules with the old cases, and nothing is refused on the way.
TEST_F(FaultsTest, ANewManifestSwapsRulesAndCasesAtOnce) {
  constexpr int kQuietMs = 200;
  Start({"--watch-quiet-ms", std::to_string(kQuietMs)});
  ASSERT_NE(admin_, nullptr);
  // New rules: dry needling only from 18; the cases that pinned 16 and 17 change with them.
  std::string rules = Edited("\"version\": \"0.3.0\"", "\"version\": \"0.4.0\"");
  rules.replace(rules.find("\"below\": 16"), 12, "\"below\": 18");
  testing::WriteText(rules_.file("lbp-3.rules.json"), rules);
  std::string cases = testing::ReadText(rules_.file("lower-back-pain.safety-cells.cases.json"));
  for (const char* age : {"16", "17"}) {
    const size_t at = cases.find(std::string("\"id\": \"age-") + age + "-dry-needling-under-16\"");
    ASSERT_NE(at, std::string::npos);
    const size_t expect = cases.find("\"expect\"", at);
    cases.replace(expect, cases.find("\n  }", expect) - expect,
                  R"("expect": {"steps_exclude": ["dry_needling"], "excluded": ["dry_needling"]})");
  }
  testing::WriteText(rules_.file("lbp-3.safety-cells.cases.json"), cases);
  // Written slowly, with pauses longer than the quiet period: nothing changes until the rename.
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kQuietMs));
  EXPECT_EQ(Status().rule_set().version(), "0.3.0");
  testing::WriteText(rules_.file(".modalis.json.tmp"),
                     R"({"vocabulary": "vocabulary.json", "rules": "lbp-3.rules.json",
                         "cases": ["lower-back-pain.cases.json", "lbp-3.safety-cells.cases.json"]})");
  fs::rename(rules_.file(".modalis.json.tmp"), rules_.file("modalis.json"));
  ASSERT_TRUE(WaitFor([&] { return Status().rule_set().version() == "0.4.0"; }))
      << Status().last_reload_error();
  const std::string log = Log();
  EXPECT_EQ(Count(log, "rules_reload_refused"), 0u) << log;
  EXPECT_TRUE(Status().last_reload_error().empty());
}

// Holds the database locked from this process, as another program (sqlite3, a backup tool) would.
class DatabaseLock {
 public:
  // exclusive: nobody else may even read (EXCLUSIVE locking mode); otherwise a write lock only.
  DatabaseLock(const std::string& path, bool exclusive) : db_(path, SQLite::OPEN_READWRITE) {
    if (exclusive) db_.exec("PRAGMA locking_mode=EXCLUSIVE");
    db_.exec(exclusive ? "BEGIN EXCLUSIVE" : "BEGIN IMMEDIATE");
    // Take the lock now, not at the first statement of the transaction.
    db_.exec("SELECT count(*) FROM plans");
  }

 private:
  SQLite::Database db_;
};

TEST_F(FaultsTest, DatabaseLockedByAnotherProcessAtStartFailsAfterABoundedWait) {
  ASSERT_TRUE(OpenSqliteStore(data_.file("m.db")).ok());  // a current, empty store
  auto lock = std::make_unique<DatabaseLock>(data_.file("m.db"), /*exclusive=*/true);
  const auto start = Clock::now();
  ServerProcess refused(Args({"--db-busy-timeout-ms", "300"}));
  EXPECT_FALSE(refused.started());
  EXPECT_EQ(refused.Stop(SIGTERM), 1);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  EXPECT_NE(refused.output().find("locked by another process"), std::string::npos)
      << refused.output();
  EXPECT_NE(refused.output().find("gave up after waiting 300 ms"), std::string::npos)
      << refused.output();
  lock.reset();
  Start({"--db-busy-timeout-ms", "300"});
}

TEST_F(FaultsTest, WritesUnderAForeignLockAreUnavailableAndNothingAcknowledgedIsLost) {
  Start({"--db-busy-timeout-ms", "300"});
  std::vector<std::string> acknowledged;
  auto suggest = [&](const std::string& request_id, v1::SuggestPlanResponse* response) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = plans_->SuggestPlan(&ctx, DeskWorker("P-LOCK", request_id), response);
    if (s.ok()) acknowledged.push_back(response->plan().plan_id());
    return s;
  };
  v1::SuggestPlanResponse response;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(suggest("before-" + std::to_string(i), &response).ok());

  auto lock = std::make_unique<DatabaseLock>(data_.file("m.db"), /*exclusive=*/false);
  const auto start = Clock::now();
  grpc::Status locked = suggest("during", &response);
  EXPECT_EQ(locked.error_code(), grpc::StatusCode::UNAVAILABLE) << locked.error_message();
  EXPECT_NE(locked.error_message().find("locked by another process"), std::string::npos)
      << locked.error_message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  // Reads do not need the write lock: acknowledged plans stay readable meanwhile.
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetPlanRequest get;
    get.set_plan_id(acknowledged.front());
    v1::GetPlanResponse got;
    EXPECT_TRUE(plans_->GetPlan(&ctx, get, &got).ok());
  }

  lock.reset();
  // The refused request, retried with its request_id, is stored once the lock is gone.
  ASSERT_TRUE(suggest("during", &response).ok());
  ASSERT_TRUE(suggest("after", &response).ok());
  EXPECT_EQ(server_->Stop(SIGTERM), 0);

  SQLite::Database db(data_.file("m.db"), SQLite::OPEN_READONLY);
  for (const std::string& id : acknowledged) {
    SQLite::Statement q(db, "SELECT count(*) FROM plans WHERE plan_id = ?");
    q.bind(1, id);
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 1) << id;
  }
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM plans").getInt(), 5);
}

TEST_F(FaultsTest, SigtermUnderLoadKeepsEveryAcknowledgedPlanAndExitsCleanly) {
  Start();
  const std::string address = server_->address();
  constexpr int kClients = 6;
  std::atomic<bool> running{true};
  std::atomic<int> acknowledged_count{0};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::multiset<int> errors;  // status codes of calls that did not succeed
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::PlanService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      for (int i = 0; running; ++i) {
        grpc::ClientContext ctx;
        Deadline(&ctx, 8);
        v1::SuggestPlanResponse response;
        grpc::Status s = stub->SuggestPlan(
            &ctx, DeskWorker("P-" + std::to_string(c), std::to_string(c) + "-" + std::to_string(i)),
            &response);
        std::lock_guard lock(mu);
        if (s.ok()) {
          acknowledged.push_back(response.plan().plan_id());
          ++acknowledged_count;
        } else {
          errors.insert(s.error_code());
          if (!running) return;
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return acknowledged_count >= 100; }));
  const auto start = Clock::now();
  const int exit_code = server_->Stop(SIGTERM);
  const auto took = Clock::now() - start;
  running = false;
  for (auto& t : clients) t.join();

  EXPECT_EQ(exit_code, 0) << server_->output();
  EXPECT_LT(took, std::chrono::seconds(8)) << "the grace period is 5 s";
  // Calls caught by the shutdown fail with a retryable code, never a wrong answer.
  for (int code : errors) {
    EXPECT_TRUE(code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::CANCELLED)
        << "status code " << code;
  }
  SQLite::Database db(data_.file("m.db"), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT count(*) FROM plans WHERE plan_id = ?");
  size_t missing = 0;
  for (const std::string& id : acknowledged) {
    q.reset();
    q.bind(1, id);
    if (!q.executeStep() || q.getColumn(0).getInt() != 1) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged plans";
  EXPECT_GE(db.execAndGet("SELECT count(*) FROM audit").getInt64(),
            static_cast<int64_t>(acknowledged.size()));
}

}  // namespace
}  // namespace modalis
