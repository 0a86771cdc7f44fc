// The store under faults, on real SQLite files: read-only, full, corrupted, locked by another
// process, and many writers racing readers. Each fault gives a clear status, never a crash, and
// leaves nothing half-written.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using testing::SamplePlan;

bool IsClearFault(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kFailedPrecondition ||
         s.code() == absl::StatusCode::kResourceExhausted;
}

// A closed store at `path` holding `count` sample plans, pl_0 onwards.
void StoreSamplePlans(const std::string& path, int count) {
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_" + std::to_string(i))).ok());
  }
}

// Every plan has exactly its audit record, and the file passes every check.
void ExpectWholeAndConsistent(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM plans").getInt(),
            db.execAndGet("SELECT count(*) FROM audit WHERE kind = 'plan'").getInt());
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM plans p WHERE NOT EXISTS "
                          "(SELECT 1 FROM audit a WHERE a.plan_id = p.plan_id)")
                .getInt(),
            0);
  SqliteStoreOptions ro;
  ro.read_only = true;
  auto store = OpenSqliteStore(path, ro);
  ASSERT_TRUE(store.ok()) << store.status();
  auto report = (*store)->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
}

TEST(StoreFaultsTest, ReadOnlyDatabaseRefusesWritesClearlyAndStillReads) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_1")).ok());
  }
  SqliteStoreOptions ro;
  ro.read_only = true;
  auto store = OpenSqliteStore(path, ro);
  ASSERT_TRUE(store.ok()) << store.status();
  auto put = (*store)->PutPlan(SamplePlan("pl_2"));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition) << put.status();
  EXPECT_NE(std::string(put.status().message()).find("read-only"), std::string::npos)
      << put.status();
  SessionOutcome o;
  o.patient_ref = "P-0001";
  o.session_number = 1;
  EXPECT_EQ((*store)->RecordOutcome(o).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*store)->GetPlan("default", "pl_1").ok());
  EXPECT_EQ((*store)->GetPlan("default", "pl_2").status().code(), absl::StatusCode::kNotFound);
  store->reset();
  ExpectWholeAndConsistent(path);
}

TEST(StoreFaultsTest, FullDatabaseFailsTheWriteAndKeepsEveryAcknowledgedOne) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  SqliteStoreOptions options;
  options.max_pages = 60;  // a few hundred KB: a "disk" that fills within the test
  std::set<std::string> acknowledged;
  absl::Status failure;
  {
    auto store = OpenSqliteStore(path, options);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 400 && failure.ok(); ++i) {
      NewPlan plan = SamplePlan("pl_" + std::to_string(i));
      // A large explanation so the file fills quickly.
      plan.plan.plan.steps[0].rationale = std::string(4000, 'x');
      auto put = (*store)->PutPlan(plan);
      if (put.ok()) {
        acknowledged.insert(put->plan_id);
      } else {
        failure = put.status();
      }
    }
    EXPECT_FALSE(failure.ok()) << "the cap was never reached";
    EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
    EXPECT_NE(std::string(failure.message()).find("full"), std::string::npos) << failure;
    // The store says it cannot write, and why, until a write succeeds again.
    const WriteHealth health = (*store)->write_health();
    EXPECT_FALSE(health.writable);
    EXPECT_NE(std::string(health.cause.message()).find("full"), std::string::npos) << health.cause;
    // Reads still work when the disk is full.
    EXPECT_TRUE((*store)->GetPlan("default", *acknowledged.begin()).ok());
  }
  ASSERT_FALSE(acknowledged.empty());
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok());
  for (const auto& id : acknowledged) EXPECT_TRUE((*store)->GetPlan("default", id).ok()) << id;
  store->reset();
  ExpectWholeAndConsistent(path);
}

// Writing on to a deleted file would acknowledge plans that a restart cannot find.
TEST(StoreFaultsTest, DeletedDatabaseRefusesWritesAndIsNotSilentlyRecreated) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  std::set<std::string> acknowledged;
  std::vector<WriteHealth> changes;
  std::mutex changes_mu;
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    (*store)->SetWriteHealthListener([&](const WriteHealth& h) {
      std::lock_guard lock(changes_mu);
      changes.push_back(h);
    });
    for (int i = 0; i < 20; ++i) {
      auto put = (*store)->PutPlan(SamplePlan("pl_" + std::to_string(i)));
      ASSERT_TRUE(put.ok()) << put.status();
      acknowledged.insert(put->plan_id);
    }
    ASSERT_EQ(::unlink(path.c_str()), 0);
    for (int i = 20; i < 40; ++i) {
      auto put = (*store)->PutPlan(SamplePlan("pl_" + std::to_string(i)));
      ASSERT_FALSE(put.ok()) << "acknowledged a plan written to a deleted file";
      EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition) << put.status();
      EXPECT_NE(std::string(put.status().message())
                    .find("the database file '" + path + "' was deleted, moved or replaced"),
                std::string::npos)
          << put.status();
    }
    // A probe cannot bring it back: the file at the path is still not the one open.
    EXPECT_FALSE((*store)->write_health().writable);
    std::promise<absl::Status> probed;
    (*store)->ProbeWriteAsync([&](absl::Status s) { probed.set_value(s); });
    EXPECT_EQ(probed.get_future().get().code(), absl::StatusCode::kFailedPrecondition);
    std::lock_guard lock(changes_mu);
    ASSERT_EQ(changes.size(), 1u) << "one change, however many writes failed";
    EXPECT_FALSE(changes[0].writable);
  }
  // The marker beside it says a store lived here: no new, empty one unless asked for.
  auto reopened = OpenSqliteStore(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(IsMissingDatabase(reopened.status())) << reopened.status();
  EXPECT_NE(std::string(reopened.status().message()).find("is missing"), std::string::npos)
      << reopened.status();
  SqliteStoreOptions again;
  again.create_even_if_expected = true;
  auto fresh = OpenSqliteStore(path, again);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ((*fresh)->GetPlan("default", *acknowledged.begin()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(StoreFaultsTest, AFirstStartCreatesTheDatabaseAndItsMarker) {
  testing::TempDir dir;
  const std::string path = dir.file("data/m.db");
  ASSERT_EQ(::mkdir(dir.file("data").c_str(), 0700), 0);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->write_health().writable);
  struct stat st {};
  ASSERT_EQ(::stat((path + ".created").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A probe is a real write that changes nothing a reader sees.
  std::promise<absl::Status> probed;
  (*store)->ProbeWriteAsync([&](absl::Status s) { probed.set_value(s); });
  EXPECT_TRUE(probed.get_future().get().ok());
}

// A COMMIT that fails (here the WAL cannot grow past a file-size limit) must not be acknowledged,
// and what it held must not appear later.
TEST(StoreFaultsTest, FailedCommitIsNeverAcknowledged) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_small")).ok());
  struct stat wal {};
  ASSERT_EQ(::stat((path + "-wal").c_str(), &wal), 0);

  // Past the limit a write fails with EFBIG instead of the signal that would end the process.
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  void (*old_handler)(int) = ::signal(SIGXFSZ, SIG_IGN);
  rlimit capped = before;
  capped.rlim_cur = static_cast<rlim_t>(wal.st_size) + 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &capped), 0);
  NewPlan big = SamplePlan("pl_big");
  big.plan.plan.steps[0].rationale = std::string(200000, 'x');  // its pages reach the WAL at COMMIT
  auto put = (*store)->PutPlan(big);
  ::setrlimit(RLIMIT_FSIZE, &before);
  ::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(put.ok()) << "a plan was acknowledged although its commit failed";
  EXPECT_TRUE(IsClearFault(put.status())) << put.status();
  EXPECT_FALSE((*store)->write_health().writable);
  EXPECT_EQ((*store)->GetPlan("default", "pl_big").status().code(), absl::StatusCode::kNotFound);
  // Space again: the next write commits, the store is writable, and the refused plan stays gone.
  ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_after")).ok());
  EXPECT_TRUE((*store)->write_health().writable);
  EXPECT_EQ((*store)->GetPlan("default", "pl_big").status().code(), absl::StatusCode::kNotFound);
  store->reset();
  ExpectWholeAndConsistent(path);
}

// A write refused part way (here its plan id is taken, after its new rule set was inserted) leaves
// nothing of itself behind, even though its batch commits.
TEST(StoreFaultsTest, RefusedWriteLeavesNothingBehind) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_1")).ok());
    NewPlan clash = SamplePlan("pl_1");
    const std::string other(64, 'b');
    clash.plan.plan.rule_set.sha256 = other;
    clash.rule_set.sha256 = other;
    auto put = (*store)->PutPlan(clash);
    EXPECT_EQ(put.status().code(), absl::StatusCode::kAlreadyExists) << put.status();
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(
      db.execAndGet("SELECT count(*) FROM rule_sets WHERE sha256 = '" + std::string(64, 'b') + "'")
          .getInt(),
      0)
      << "the refused plan's rule set was committed without it";
  ExpectWholeAndConsistent(path);
}

// Deleting an audit record, even with the append-only trigger dropped, breaks the chain at the
// record after it, and `Verify` says which.
TEST(StoreFaultsTest, DeletedAuditRecordIsDetectedByTheChain) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  ASSERT_NO_FATAL_FAILURE(StoreSamplePlans(path, 5));
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER audit_append_only");
    db.exec("PRAGMA foreign_keys=OFF");
    db.exec("DELETE FROM audit WHERE seq = 3");
    db.exec("DELETE FROM plans WHERE plan_id = 'pl_2'");  // and its plan, to hide it
  }
  SqliteStoreOptions ro;
  ro.read_only = true;
  auto store = OpenSqliteStore(path, ro);
  ASSERT_TRUE(store.ok()) << store.status();
  auto report = (*store)->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->ok()) << "a deleted audit record went unnoticed";
  bool named = false;
  for (const std::string& problem : report->problems) {
    named |=
        problem.find("audit record 4 does not follow the previous record of clinic 'default'") !=
        std::string::npos;
  }
  EXPECT_TRUE(named) << report->problems[0];
}

TEST(StoreFaultsTest, CorruptedHeaderIsRefusedAtOpen) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutPlan(SamplePlan("pl_1")).ok());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << std::string(100, '\x5a');
  }
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(IsClearFault(store.status())) << store.status();
  EXPECT_NE(std::string(store.status().message()).find("corrupt"), std::string::npos)
      << store.status();
}

TEST(StoreFaultsTest, CorruptedPageIsReportedNotACrash) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  ASSERT_NO_FATAL_FAILURE(StoreSamplePlans(path, 50));
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");  // everything into the main file
  }
  {
    // Garbage over the third page, whatever table it belongs to.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * 4096);
    f << std::string(4096, '\x7f');
  }
  auto store = OpenSqliteStore(path);
  if (!store.ok()) {
    EXPECT_TRUE(IsClearFault(store.status())) << store.status();
    return;
  }
  auto report = (*store)->Verify();
  if (report.ok()) {
    EXPECT_FALSE(report->ok()) << "a corrupted page went unnoticed";
  } else {
    EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss) << report.status();
  }
}

TEST(StoreFaultsTest, ForeignFileIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.file("other.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA application_id = 42; CREATE TABLE t (x)");
  }
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

// A child process holding `sql` open on `path` until killed.
class LockingProcess {
 public:
  // Another process, with a connection of its own, runs `sql` on the database and holds what it
  // took until killed. Not a fork of this process: the store's threads may hold the allocator's
  // locks at that instant, and a forked child that allocates would wait on them forever. popen
  // starts the interpreter without allocating in the child.
  LockingProcess(const std::string& path, const std::string& sql) {
    const std::string script =
        "import os, sqlite3, sys, time\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.executescript(sys.argv[2])\n"
        "print('y', os.getpid(), flush=True)\n"
        "while True: time.sleep(60)\n";
    pipe_ = ::popen(
        ("exec python3 -c " + Quoted(script) + " " + Quoted(path) + " " + Quoted(sql)).c_str(),
        "r");
    if (pipe_ == nullptr) return;
    char ready = 0;
    long pid = 0;
    locked_ = std::fscanf(pipe_, " %c %ld", &ready, &pid) == 2 && ready == 'y';
    pid_ = static_cast<pid_t>(pid);
  }
  ~LockingProcess() { Release(); }
  void Release() {
    if (pipe_ == nullptr) return;
    // Killed mid-transaction, as a crashed process would be.
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    ::pclose(pipe_);
    pipe_ = nullptr;
  }
  bool locked() const { return locked_; }

 private:
  static std::string Quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }

  FILE* pipe_ = nullptr;
  pid_t pid_ = -1;
  bool locked_ = false;
};

TEST(StoreFaultsTest, WriteLockHeldByAnotherProcessIsUnavailableThenRecovers) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  SqliteStoreOptions options;
  options.busy_timeout_ms = 200;
  auto store = OpenSqliteStore(path, options);
  ASSERT_TRUE(store.ok()) << store.status();
  {
    LockingProcess other(path,
                         "BEGIN EXCLUSIVE; INSERT INTO rule_sets VALUES ('x','x','x',NULL,0)");
    ASSERT_TRUE(other.locked());
    auto put = (*store)->PutPlan(SamplePlan("pl_1"));
    EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable) << put.status();
    EXPECT_NE(std::string(put.status().message()).find("locked"), std::string::npos);
    // Readers are not blocked by a writer in WAL mode.
    EXPECT_EQ((*store)->GetPlan("default", "pl_1").status().code(), absl::StatusCode::kNotFound);
  }
  // The other process died mid-transaction: its write is rolled back, ours now goes through.
  EXPECT_TRUE((*store)->PutPlan(SamplePlan("pl_1")).ok());
  store->reset();
  ExpectWholeAndConsistent(path);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM rule_sets WHERE sha256 = 'x'").getInt(), 0);
}

TEST(StoreFaultsTest, ExclusiveLockByAnotherProcessRefusesOpenClearly) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  LockingProcess other(path,
                       "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                       "INSERT INTO rule_sets VALUES ('x','x','x',NULL,0); COMMIT");
  ASSERT_TRUE(other.locked());
  SqliteStoreOptions options;
  options.busy_timeout_ms = 200;
  auto store = OpenSqliteStore(path, options);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(IsClearFault(store.status())) << store.status();
}

TEST(StoreFaultsTest, EightWritersWithReadersNeverSeeBusy) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(opened.ok());
  Store& store = **opened;
  ASSERT_TRUE(store.PutPlan(SamplePlan("pl_seed")).ok());

  constexpr int kWriters = 8;
  constexpr int kPerWriter = 40;
  std::atomic<bool> writing{true};
  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](const absl::Status& s) {
    std::lock_guard lock(mu);
    errors.push_back(s.ToString());
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      while (writing) {
        if (r == 0) {
          if (auto s = store.GetPlan("default", "pl_seed"); !s.ok()) fail(s.status());
        } else if (r == 1) {
          if (auto s = store.ListPlans("default", "P-0001", 20, ""); !s.ok()) fail(s.status());
        } else {
          if (auto s = store.GetProgress("default", "P-0001", {}); !s.ok()) fail(s.status());
        }
      }
    });
  }
  // A backup while everything runs: it must neither block nor be blocked.
  readers.emplace_back([&] {
    if (auto s = store.Backup(dir.file("during.db")); !s.ok()) fail(s);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = "pl_" + std::to_string(w) + "_" + std::to_string(i);
        if (auto s = store.PutPlan(SamplePlan(id, id)); !s.ok()) fail(s.status());
        SessionOutcome o;
        o.patient_ref = "P-w" + std::to_string(w);
        o.session_number = static_cast<uint32_t>(i + 1);
        o.pain_nprs = 5;
        o.pain_days_per_week = 3;
        if (auto s = store.RecordOutcome(o); !s.ok()) fail(s);
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failures, first: " << errors[0];
  auto page = store.ListPlans("default", "P-0001", 500, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->plans.size(), 1u + kWriters * kPerWriter);
  opened->reset();
  ExpectWholeAndConsistent(path);
}

}  // namespace
}  // namespace modalis
