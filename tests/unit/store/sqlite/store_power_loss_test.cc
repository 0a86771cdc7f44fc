// Durability against power loss, on real files: a test VFS in the spirit of SQLite's own test VFS
// and LevelDB's fault-injection environment remembers every write not yet synced and, when the
// "power fails", puts those bytes back as they were and drops the shared-memory index, as a machine
// losing its page cache would. A child process stores plans from several threads until the power
// fails mid-stream; every plan it acknowledged must be in the database afterwards, and the chain
// must verify. Also shows that synchronous=FULL is in force: the WAL is synced at every commit.
//
// What it does not model: directory entries (a file created but its directory not synced) and
// torn sector writes.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using testing::SamplePlan;

// --- the power-loss VFS ------------------------------------------------------------------------

struct Undo {
  sqlite3_int64 offset;
  std::string old_bytes;  // what was there before the write (may be shorter: past the old end)
  sqlite3_int64 old_size;
};

struct PowerLoss {
  std::mutex mu;
  sqlite3_vfs* real = nullptr;
  // Per file path: the writes since its last sync, oldest first. Guarded by mu.
  std::map<std::string, std::vector<Undo>> unsynced;
  std::map<std::string, int> syncs;  // guarded by mu
};
PowerLoss g_power;

struct LossFile {
  sqlite3_file base;  // must be first: SQLite sees a LossFile as a sqlite3_file
  sqlite3_file* real;
  std::string path;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<LossFile*>(f)->real; }
const std::string& PathOf(sqlite3_file* f) { return reinterpret_cast<LossFile*>(f)->path; }

int Close(sqlite3_file* f) {
  int rc = Real(f)->pMethods->xClose(Real(f));
  sqlite3_free(Real(f));
  reinterpret_cast<LossFile*>(f)->path.~basic_string();
  return rc;
}
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), out, n, at);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 at) {
  std::lock_guard lock(g_power.mu);
  Undo undo{at, {}, 0};
  FileSize(f, &undo.old_size);
  if (at < undo.old_size) {
    undo.old_bytes.resize(static_cast<size_t>(std::min<sqlite3_int64>(n, undo.old_size - at)));
    Read(f, undo.old_bytes.data(), static_cast<int>(undo.old_bytes.size()), at);
  }
  g_power.unsynced[PathOf(f)].push_back(std::move(undo));
  return Real(f)->pMethods->xWrite(Real(f), data, n, at);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  std::lock_guard lock(g_power.mu);
  Undo undo{size, {}, 0};
  FileSize(f, &undo.old_size);
  if (size < undo.old_size) {
    undo.old_bytes.resize(static_cast<size_t>(undo.old_size - size));
    Read(f, undo.old_bytes.data(), static_cast<int>(undo.old_bytes.size()), size);
  }
  g_power.unsynced[PathOf(f)].push_back(std::move(undo));
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  std::lock_guard lock(g_power.mu);
  const int rc = Real(f)->pMethods->xSync(Real(f), flags);
  if (rc == SQLITE_OK) {
    g_power.unsynced.erase(PathOf(f));
    ++g_power.syncs[PathOf(f)];
  }
  return rc;
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReserved(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int remove) { return Real(f)->pMethods->xShmUnmap(Real(f), remove); }

const sqlite3_io_methods kMethods = {2,
                                     Close,
                                     Read,
                                     Write,
                                     Truncate,
                                     Sync,
                                     FileSize,
                                     Lock,
                                     Unlock,
                                     CheckReserved,
                                     FileControl,
                                     SectorSize,
                                     DeviceCharacteristics,
                                     ShmMap,
                                     ShmLock,
                                     ShmBarrier,
                                     ShmUnmap,
                                     nullptr,
                                     nullptr};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* lf = reinterpret_cast<LossFile*>(file);
  lf->base.pMethods = nullptr;
  lf->real = static_cast<sqlite3_file*>(sqlite3_malloc(g_power.real->szOsFile));
  std::memset(lf->real, 0, static_cast<size_t>(g_power.real->szOsFile));
  const int rc = g_power.real->xOpen(g_power.real, name, lf->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    sqlite3_free(lf->real);
    return rc;
  }
  new (&lf->path) std::string(name != nullptr ? name : "");
  lf->base.pMethods = &kMethods;
  (void)vfs;
  return SQLITE_OK;
}

sqlite3_vfs g_vfs;

void InstallPowerLossVfs() {
  g_power.real = sqlite3_vfs_find(nullptr);
  g_vfs = *g_power.real;
  g_vfs.zName = "powerloss";
  g_vfs.szOsFile = static_cast<int>(sizeof(LossFile));
  g_vfs.xOpen = Open;
  g_vfs.pAppData = nullptr;
  sqlite3_vfs_register(&g_vfs, 1);  // the default from now on, for the store's connections
}

// The power fails: every write since its file's last sync is undone, newest first, and the
// shared-memory index (never durable) is gone. Holds the lock for good: no write gets past it.
[[noreturn]] void PowerFails(const std::string& db_path) {
  g_power.mu.lock();
  for (auto& [path, undos] : g_power.unsynced) {
    const int fd = ::open(path.c_str(), O_RDWR);
    if (fd < 0) continue;
    for (auto it = undos.rbegin(); it != undos.rend(); ++it) {
      if (!it->old_bytes.empty()) {
        (void)!::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset);
      }
      (void)!::ftruncate(fd, it->old_size);
    }
    ::close(fd);
  }
  ::unlink((db_path + "-shm").c_str());
  ::_exit(0);
}

// --- the test ----------------------------------------------------------------------------------

// Runs in the child: stores plans from three threads, appending each acknowledged id to
// `acks_path` (ordinary file I/O, outside the VFS), until `stop_after` are acknowledged; then the
// power fails with writes still queued.
[[noreturn]] void StoreUntilThePowerFails(const std::string& db, const std::string& acks_path,
                                          int stop_after, const std::string& syncs_path) {
  InstallPowerLossVfs();
  auto store = OpenSqliteStore(db);
  if (!store.ok()) ::_exit(3);
  const int acks = ::open(acks_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string id = "pl_" + std::to_string(t) + "_" + std::to_string(i);
        (*store)->PutPlanAsync(SamplePlan(id), [&, id](absl::StatusOr<StoredPlan> put) {
          if (!put.ok()) return;
          const std::string line = id + "\n";
          (void)!::write(acks, line.data(), line.size());
          ++acknowledged;
        });
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
  }
  while (acknowledged < stop_after) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    std::lock_guard lock(g_power.mu);
    std::ofstream out(syncs_path);
    out << g_power.syncs[db + "-wal"] << " " << acknowledged.load() << "\n";
  }
  PowerFails(db);
}

TEST(StorePowerLossTest, EveryAcknowledgedPlanSurvivesThePowerFailing) {
  testing::TempDir dir;
  const std::string db = dir.file("m.db");
  const std::string acks = dir.file("acks.txt");
  const std::string syncs = dir.file("syncs.txt");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) StoreUntilThePowerFails(db, acks, 300, syncs);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  std::set<std::string> acknowledged;
  std::ifstream in(acks);
  for (std::string id; std::getline(in, id);) acknowledged.insert(id);
  ASSERT_GE(acknowledged.size(), 300u);

  // synchronous=FULL: the WAL was synced at least once per committed batch; with NORMAL it is
  // synced only at checkpoints.
  int wal_syncs = 0, acked_then = 0;
  std::ifstream(syncs) >> wal_syncs >> acked_then;
  EXPECT_GT(wal_syncs, 0) << "the WAL was never synced before the power failed";

  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status();
  size_t lost = 0;
  std::string first_lost;
  for (const std::string& id : acknowledged) {
    if (!(*store)->GetPlan("default", id).ok()) {
      if (lost++ == 0) first_lost = id;
    }
  }
  EXPECT_EQ(lost, 0u) << lost << " of " << acknowledged.size()
                      << " acknowledged plans were lost when the power failed, e.g. " << first_lost;
  auto report = (*store)->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
}

}  // namespace
}  // namespace modalis
