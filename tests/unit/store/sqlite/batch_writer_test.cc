// The batch writer on a real SQLite file with items that write rows of their own: every item is
// answered once, a failing item is undone alone, items that wait together share one transaction,
// and stopping answers everything that was queued.
#include "core/store/sqlite/batch_writer.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/store/sqlite/sqlite_errors.h"
#include "tests/support/temp_dir.h"

namespace modalis::store_sqlite {
namespace {

// Far beyond what any wait here needs: reached only when the writer hangs, so the test fails
// instead of hanging with it.
constexpr absl::Duration kPatience = absl::Seconds(30);

// Opened once; every wait before or after passes. Waits on an absl::CondVar, not absl::Mutex's
// conditions or absl::Notification, which the ThreadSanitizer build cannot see through
// (tests/sanitizers/absl_mutex_tsan.cc).
class Gate {
 public:
  void Open() {
    {
      absl::MutexLock lock(&mu_);
      open_ = true;
    }
    cv_.SignalAll();
  }

  // Whether the gate opened in time.
  bool Wait() {
    const absl::Time deadline = absl::Now() + kPatience;
    absl::MutexLock lock(&mu_);
    while (!open_) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) return open_;
    }
    return true;
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

// Every answer the writer gives, by item name.
class Answers {
 public:
  std::function<void(absl::Status)> For(const std::string& name) {
    return [this, name](absl::Status s) {
      {
        absl::MutexLock lock(&mu_);
        got_[name].push_back(std::move(s));
        ++count_;
      }
      cv_.SignalAll();
    };
  }

  // Whether `n` answers came in time.
  bool WaitFor(size_t n) {
    const absl::Time deadline = absl::Now() + kPatience;
    absl::MutexLock lock(&mu_);
    while (count_ < n) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) return count_ >= n;
    }
    return true;
  }

  size_t count() {
    absl::MutexLock lock(&mu_);
    return count_;
  }

  // The only answer `name` got; UNKNOWN when it got none or several.
  absl::Status Of(const std::string& name) {
    absl::MutexLock lock(&mu_);
    auto it = got_.find(name);
    if (it == got_.end() || it->second.size() != 1) {
      return absl::UnknownError(name + " was answered " +
                                std::to_string(it == got_.end() ? 0 : it->second.size()) +
                                " times");
    }
    return it->second.front();
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;  // signalled with every answer
  std::map<std::string, std::vector<absl::Status>> got_ ABSL_GUARDED_BY(mu_);
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

int CountCommit(void* commits) {
  static_cast<std::atomic<int>*>(commits)->fetch_add(1);
  return 0;  // let it commit
}

class BatchWriterTest : public ::testing::Test {
 protected:
  // A writer on a fresh database with one table of named rows. Every transaction it commits is
  // counted in commits_.
  std::unique_ptr<BatchWriter> Start(BatchWriterOptions options = {}) {
    auto db =
        std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY) STRICT");
    sqlite3_commit_hook(db->getHandle(), CountCommit, &commits_);
    return std::make_unique<BatchWriter>(path_, std::move(db), options,
                                         [this](const BatchReport& report) {
                                           absl::MutexLock lock(&reports_mu_);
                                           reports_.push_back(report);
                                         });
  }

  // An item that adds the row `name`.
  BatchWriter::Item Insert(const std::string& name) {
    return {[name](WriterConnection& w) {
              SQLite::Statement& add = w.Prepare("INSERT INTO items (name) VALUES (?)");
              add.bind(1, name);
              add.exec();
              return absl::OkStatus();
            },
            answers_.For(name), "adding a row"};
  }

  // An item that holds the writer inside its batch until release_ is notified, so that what is
  // queued meanwhile waits together for the next batch.
  BatchWriter::Item Blocker() {
    return {[this](WriterConnection&) {
              blocked_.Open();
              return release_.Wait() ? absl::OkStatus()
                                     : absl::DeadlineExceededError("never released");
            },
            answers_.For("blocker"), "blocking"};
  }

  // Queues the blocker and returns once the writer is inside it.
  void Block(BatchWriter& writer) {
    writer.Enqueue(Blocker());
    ASSERT_TRUE(blocked_.Wait());
  }

  // The rows committed, as another connection sees them.
  std::set<std::string> Rows() {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT name FROM items");
    std::set<std::string> out;
    while (q.executeStep()) out.insert(q.getColumn(0).getString());
    return out;
  }

  std::vector<BatchReport> Reports() {
    absl::MutexLock lock(&reports_mu_);
    return reports_;
  }

  modalis::testing::TempDir dir_;
  const std::string path_ = dir_.file("writer.db");
  std::atomic<int> commits_{0};
  Answers answers_;
  Gate blocked_;
  Gate release_;
  absl::Mutex reports_mu_;
  std::vector<BatchReport> reports_ ABSL_GUARDED_BY(reports_mu_);
};

TEST_F(BatchWriterTest, ItemsQueuedBySeveralThreadsAreAllAppliedAndAnsweredOnce) {
  BatchWriterOptions options;
  options.max_batch = 8;
  auto writer = Start(options);
  constexpr int kThreads = 4, kItemsEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kItemsEach; ++i) {
        writer->Enqueue(Insert("row-" + std::to_string(t) + "-" + std::to_string(i)));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(answers_.WaitFor(kThreads * kItemsEach));
  writer->Close();

  EXPECT_EQ(answers_.count(), size_t{kThreads * kItemsEach});
  std::set<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kItemsEach; ++i) {
      const std::string name = "row-" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_TRUE(answers_.Of(name).ok()) << answers_.Of(name);
      expected.insert(name);
    }
  }
  EXPECT_EQ(Rows(), expected);
  // Each committed transaction holds at least one item and at most a batch of them.
  EXPECT_GE(commits_.load(), (kThreads * kItemsEach) / 8);
  EXPECT_LE(commits_.load(), kThreads * kItemsEach);
}

TEST_F(BatchWriterTest, AFailingItemIsUndoneAloneAndTheRestOfItsBatchCommits) {
  auto writer = Start();
  Block(*writer);
  writer->Enqueue(Insert("a"));
  // Writes a row, then fails: its row must go, the others' rows must stay.
  writer->Enqueue({[](WriterConnection& w) {
                     w.db().exec("INSERT INTO items (name) VALUES ('written-then-refused')");
                     return absl::InvalidArgumentError("refused after writing");
                   },
                   answers_.For("refuses"), "refusing"});
  writer->Enqueue({[](WriterConnection& w) -> absl::Status {
                     w.db().exec("INSERT INTO items (name) VALUES ('written-then-thrown')");
                     throw std::runtime_error("out of cheese");
                   },
                   answers_.For("throws"), "throwing"});
  writer->Enqueue(Insert("b"));
  release_.Open();
  ASSERT_TRUE(answers_.WaitFor(5));
  writer->Close();

  EXPECT_TRUE(answers_.Of("blocker").ok());
  EXPECT_TRUE(answers_.Of("b").ok()) << answers_.Of("b");
  const absl::Status refused = answers_.Of("refuses");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_EQ(refused.message(), "refused after writing");
  const absl::Status thrown = answers_.Of("throws");
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal) << thrown;
  EXPECT_EQ(thrown.message(), "throwing: out of cheese");
  EXPECT_EQ(Rows(), (std::set<std::string>{"a", "b"}));
  // The blocker's batch, then one transaction for the four queued behind it, failures and all.
  EXPECT_EQ(commits_.load(), 2);
  for (const BatchReport& report : Reports()) {
    EXPECT_TRUE(report.committed);
    EXPECT_TRUE(report.storage_failure.ok()) << report.storage_failure;
  }
}

TEST_F(BatchWriterTest, ADuplicateGetsItsOwnErrorBesideTheRowItCollidesWith) {
  auto writer = Start();
  Block(*writer);
  writer->Enqueue(Insert("first"));
  writer->Enqueue({[](WriterConnection& w) {
                     w.db().exec("INSERT INTO items (name) VALUES ('first')");
                     return absl::OkStatus();
                   },
                   answers_.For("again"), "adding a row again"});
  release_.Open();
  ASSERT_TRUE(answers_.WaitFor(3));
  writer->Close();

  EXPECT_TRUE(answers_.Of("first").ok()) << answers_.Of("first");
  const absl::Status again = answers_.Of("again");
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_FALSE(IsStorageFailure(again)) << again;
  EXPECT_EQ(Rows(), (std::set<std::string>{"first"}));
  EXPECT_EQ(commits_.load(), 2);
}

TEST_F(BatchWriterTest, ItemsThatWaitTogetherShareATransactionUpToTheBatchSize) {
  BatchWriterOptions options;
  options.max_batch = 4;
  auto writer = Start(options);
  Block(*writer);
  constexpr int kItems = 10;
  for (int i = 0; i < kItems; ++i) writer->Enqueue(Insert("row-" + std::to_string(i)));
  release_.Open();
  ASSERT_TRUE(answers_.WaitFor(kItems + 1));
  writer->Close();

  for (int i = 0; i < kItems; ++i) {
    EXPECT_TRUE(answers_.Of("row-" + std::to_string(i)).ok());
  }
  EXPECT_EQ(Rows().size(), size_t{kItems});
  // The blocker alone, then ten items in batches of 4, 4 and 2.
  EXPECT_EQ(commits_.load(), 1 + 3);
}

TEST_F(BatchWriterTest, StoppingAnswersEveryQueuedItemAndRefusesLaterOnes) {
  auto writer = Start();
  Block(*writer);
  constexpr int kQueued = 5;
  for (int i = 0; i < kQueued; ++i) writer->Enqueue(Insert("queued-" + std::to_string(i)));
  writer->StopAccepting();
  // Refused on the caller's thread, before Enqueue returns.
  writer->Enqueue(Insert("late"));
  const absl::Status late = answers_.Of("late");
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable) << late;
  EXPECT_EQ(late.message(), "adding a row: the store is shutting down");
  release_.Open();
  writer.reset();  // the destructor waits for the queue to drain

  EXPECT_EQ(answers_.count(), size_t{kQueued + 2});
  EXPECT_TRUE(answers_.Of("blocker").ok());
  std::set<std::string> expected;
  for (int i = 0; i < kQueued; ++i) {
    const std::string name = "queued-" + std::to_string(i);
    EXPECT_TRUE(answers_.Of(name).ok()) << answers_.Of(name);
    expected.insert(name);
  }
  EXPECT_EQ(Rows(), expected);
}

TEST_F(BatchWriterTest, AFullQueueRefusesAtOnce) {
  BatchWriterOptions options;
  options.queue_capacity = 2;
  auto writer = Start(options);
  Block(*writer);  // out of the queue: two more fit
  writer->Enqueue(Insert("one"));
  writer->Enqueue(Insert("two"));
  writer->Enqueue(Insert("three"));
  const absl::Status full = answers_.Of("three");
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  release_.Open();
  writer->Close();

  EXPECT_TRUE(answers_.Of("one").ok());
  EXPECT_TRUE(answers_.Of("two").ok());
  EXPECT_EQ(Rows(), (std::set<std::string>{"one", "two"}));
}

// A file moved away under the writer: what its batch committed is not where a restart looks, so
// the batch fails as a storage failure and the report says so before anyone is answered.
TEST_F(BatchWriterTest, AFileMovedAwayFailsTheBatchAndReportsTheStorage) {
  auto writer = Start();
  Block(*writer);
  writer->Enqueue(Insert("after-the-move"));
  ASSERT_EQ(std::rename(path_.c_str(), (path_ + ".moved").c_str()), 0);
  release_.Open();
  ASSERT_TRUE(answers_.WaitFor(2));
  writer->Close();

  for (const char* name : {"blocker", "after-the-move"}) {
    const absl::Status s = answers_.Of(name);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << name << ": " << s;
    EXPECT_TRUE(IsStorageFailure(s)) << name << ": " << s;
  }
  const std::vector<BatchReport> reports = Reports();
  ASSERT_EQ(reports.size(), 2u);
  for (const BatchReport& report : reports) {
    EXPECT_EQ(report.storage_failure.code(), absl::StatusCode::kFailedPrecondition);
  }
  // The blocker's COMMIT succeeded, but to a file no longer at the path: not committed.
  EXPECT_FALSE(reports[0].committed);
  EXPECT_FALSE(reports[1].committed);
}

}  // namespace
}  // namespace modalis::store_sqlite
