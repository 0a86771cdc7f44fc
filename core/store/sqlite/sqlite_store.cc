// The Store over SQLite: the writes queued on the BatchWriter, the reads on a pool of read-only
// connections, the write health the batches report, backups, and opening the file.
#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/store/sqlite/batch_writer.h"
#include "core/store/sqlite/sqlite_errors.h"
#include "core/store/sqlite/sqlite_reads.h"
#include "core/store/sqlite/sqlite_schema.h"
#include "core/store/sqlite/sqlite_writes.h"
#include "core/store/store_refusals.h"
#include "core/store/write_health_tracker.h"

namespace modalis {
namespace {

using store_sqlite::BatchReport;
using store_sqlite::BatchWriter;
using store_sqlite::BatchWriterOptions;
using store_sqlite::ConvertStoredPlans;
using store_sqlite::FromSqlite;
using store_sqlite::kApplicationId;
using store_sqlite::Migrate;
using store_sqlite::NowMs;
using store_sqlite::OpenConnection;
using store_sqlite::WriterConnection;

constexpr const char* kDatabaseMissing = "modalis.store/database-missing";

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const SqliteStoreOptions& options,
              std::unique_ptr<SQLite::Database> writer,
              std::vector<std::unique_ptr<SQLite::Database>> readers)
      : writer_(std::move(path), std::move(writer),
                BatchWriterOptions{options.queue_capacity, options.max_batch},
                [this](const BatchReport& report) {
                  health_.AfterBatch(report.storage_failure, report.committed);
                }),
        codec_(options.plan_codec),
        readers_(std::move(readers)) {
    absl::MutexLock lock(&readers_mu_);
    for (auto& r : readers_) idle_readers_.push_back(r.get());
  }

  ~SqliteStore() override { Close(); }

  void Close() override { writer_.Close(); }

  void PutPlanAsync(NewPlan plan, PlanDone done) override {
    if (absl::Status s = CheckReplayInput(plan.plan); !s.ok()) return done(s);
    auto shared = std::make_shared<store_sqlite::PreparedPlan>(
        store_sqlite::PreparePlan(std::move(plan), *codec_));
    auto result = std::make_shared<StoredPlan>();
    writer_.Enqueue(BatchWriter::Item{[shared, result, codec = codec_](WriterConnection& w) {
                                        return store_sqlite::ApplyPutPlan(w, *shared, *codec,
                                                                          result.get());
                                      },
                                      [result, done = std::move(done)](absl::Status s) {
                                        if (s.ok()) {
                                          done(std::move(*result));
                                        } else {
                                          done(s);
                                        }
                                      },
                                      "storing a plan"});
  }

  void RecordFeedbackAsync(StepFeedback feedback, WriteDone done) override {
    if (absl::Status s = ValidateFeedback(feedback); !s.ok()) return done(s);
    if (feedback.recorded_at_ms == 0) feedback.recorded_at_ms = NowMs();
    writer_.Enqueue(
        BatchWriter::Item{[f = std::move(feedback), codec = codec_](WriterConnection& w) {
                            return store_sqlite::ApplyFeedback(w, f, *codec);
                          },
                          std::move(done), "recording feedback"});
  }

  void RecordOutcomeAsync(SessionOutcome outcome, WriteDone done) override {
    if (absl::Status s = ValidateOutcome(outcome); !s.ok()) return done(s);
    if (outcome.recorded_at_ms == 0) outcome.recorded_at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{
        [o = std::move(outcome)](WriterConnection& w) { return store_sqlite::ApplyOutcome(w, o); },
        std::move(done), "recording an outcome"});
  }

  void ErasePatientAsync(std::string clinic_id, std::string ref,
                         std::function<void(absl::StatusOr<ErasureReport>)> done) override {
    if (absl::Status s = CheckErasure(ref); !s.ok()) return done(s);
    auto report = std::make_shared<ErasureReport>();
    writer_.Enqueue(BatchWriter::Item{
        [clinic = std::move(clinic_id), ref = std::move(ref), report](WriterConnection& w) {
          return store_sqlite::ApplyErase(w, clinic, ref, report.get());
        },
        [report, done = std::move(done)](absl::Status s) {
          if (s.ok()) {
            done(*report);
          } else {
            done(s);
          }
        },
        "erasing a patient", /*checkpoint_after=*/true});
  }

  void CreateClinicAsync(ClinicRecord clinic, WriteDone done) override {
    if (absl::Status s = CheckNewClinic(clinic); !s.ok()) return done(s);
    if (clinic.created_at_ms == 0) clinic.created_at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{[c = std::move(clinic)](WriterConnection& w) {
                                        return store_sqlite::ApplyCreateClinic(w, c);
                                      },
                                      std::move(done), "creating a clinic"});
  }

  absl::StatusOr<std::vector<ClinicRecord>> ListClinics() override {
    return Read("listing clinics", store_sqlite::ReadClinics);
  }

  void RecordServedRuleSetAsync(RuleSetRecord rule_set, WriteDone done) override {
    const int64_t at_ms = NowMs();
    writer_.Enqueue(BatchWriter::Item{[r = std::move(rule_set), at_ms](WriterConnection& w) {
                                        return store_sqlite::ApplyServedRuleSet(w, r, at_ms);
                                      },
                                      std::move(done), "recording the rule set served"});
  }

  void PublishRuleSetAsync(PublishedRuleSet rule_set,
                           std::function<void(absl::StatusOr<bool>)> done) override {
    if (absl::Status s = CheckPublication(rule_set); !s.ok()) return done(s);
    if (rule_set.published_at_ms == 0) rule_set.published_at_ms = NowMs();
    auto added = std::make_shared<bool>(false);
    writer_.Enqueue(BatchWriter::Item{[r = std::move(rule_set), added](WriterConnection& w) {
                                        return store_sqlite::ApplyPublishRuleSet(w, r, added.get());
                                      },
                                      [added, done = std::move(done)](absl::Status s) {
                                        if (s.ok()) {
                                          done(*added);
                                        } else {
                                          done(s);
                                        }
                                      },
                                      "publishing a rule set"});
  }

  void ActivateRuleSetAsync(RuleSetActivation activation,
                            std::function<void(absl::StatusOr<RuleSetActivation>)> done) override {
    if (activation.activated_at_ms == 0) activation.activated_at_ms = NowMs();
    auto shared = std::make_shared<RuleSetActivation>(std::move(activation));
    writer_.Enqueue(BatchWriter::Item{
        [shared](WriterConnection& w) { return store_sqlite::ApplyActivateRuleSet(w, *shared); },
        [shared, done = std::move(done)](absl::Status s) {
          if (s.ok()) {
            done(std::move(*shared));
          } else {
            done(s);
          }
        },
        "activating a rule set"});
  }

  absl::StatusOr<std::vector<PublishedRuleSet>> ListPublishedRuleSets(
      const std::string& clinic_id) override {
    return Read("listing published rule sets", [&](SQLite::Database& db) {
      return store_sqlite::ReadPublishedRuleSets(db, clinic_id);
    });
  }

  absl::StatusOr<std::vector<RuleSetActivation>> ListActivations(
      const std::string& clinic_id) override {
    return Read("listing rule set activations",
                [&](SQLite::Database& db) { return store_sqlite::ReadActivations(db, clinic_id); });
  }

  absl::StatusOr<std::vector<RuleSetActivation>> LiveActivations() override {
    return Read("reading the live rule sets", store_sqlite::ReadLiveActivations);
  }

  absl::StatusOr<RuleSetRecord> GetPublishedRuleSet(const std::string& clinic_id,
                                                    const std::string& sha256) override {
    return Read("reading rule set " + sha256, [&](SQLite::Database& db) {
      return store_sqlite::ReadPublishedRuleSet(db, clinic_id, sha256);
    });
  }

  void SetClinicProfileAsync(
      ClinicProfileRecord profile,
      std::function<void(absl::StatusOr<ClinicProfileRecord>)> done) override {
    if (absl::Status s = CheckProfile(profile); !s.ok()) return done(s);
    if (profile.set_at_ms == 0) profile.set_at_ms = NowMs();
    auto shared = std::make_shared<ClinicProfileRecord>(std::move(profile));
    writer_.Enqueue(BatchWriter::Item{
        [shared](WriterConnection& w) { return store_sqlite::ApplySetClinicProfile(w, *shared); },
        [shared, done = std::move(done)](absl::Status s) {
          if (s.ok()) {
            done(std::move(*shared));
          } else {
            done(s);
          }
        },
        "setting a clinic's profile"});
  }

  absl::StatusOr<std::optional<ClinicProfileRecord>> GetClinicProfile(
      const std::string& clinic_id) override {
    return Read("reading the profile of clinic " + clinic_id, [&](SQLite::Database& db) {
      return store_sqlite::ReadClinicProfile(db, clinic_id);
    });
  }

  absl::StatusOr<std::vector<ClinicProfileRecord>> ListClinicProfileVersions(
      const std::string& clinic_id) override {
    return Read("listing the profile versions of clinic " + clinic_id, [&](SQLite::Database& db) {
      return store_sqlite::ReadClinicProfileVersions(db, clinic_id);
    });
  }

  absl::StatusOr<std::vector<ClinicProfileRecord>> LiveClinicProfiles() override {
    return Read("reading the live clinic profiles", store_sqlite::ReadLiveClinicProfiles);
  }

  void ProbeWriteAsync(WriteDone done) override {
    // Rewrites a header field with its own value: a real transaction, WAL append and fsync, that
    // no reader can tell happened.
    writer_.Enqueue(BatchWriter::Item{
        [](WriterConnection& w) {
          w.db().exec("PRAGMA application_id = " + std::to_string(kApplicationId));
          return absl::OkStatus();
        },
        std::move(done), "probing whether the database can be written"});
  }

  absl::StatusOr<std::optional<RuleSetRecord>> LastServedRuleSet() override {
    return Read("reading the last rule set served", store_sqlite::ReadLastServedRuleSet);
  }

  absl::StatusOr<StoredPlan> GetPlan(const std::string& clinic_id,
                                     const std::string& plan_id) override {
    return Read("reading plan " + plan_id, [&](SQLite::Database& db) {
      return store_sqlite::ReadPlan(db, *codec_, clinic_id, plan_id);
    });
  }

  absl::StatusOr<PlanPage> ListPlans(const std::string& clinic_id, const std::string& ref,
                                     size_t page_size, const std::string& page_token) override {
    const absl::StatusOr<int64_t> after = ParsePageToken(page_token);
    if (!after.ok()) return after.status();
    const size_t size = PageSize(page_size);
    return Read("listing plans", [&](SQLite::Database& db) {
      return store_sqlite::ReadPlanPage(db, *codec_, clinic_id, ref, *after, size);
    });
  }

  absl::StatusOr<std::vector<PlanReplayInput>> RecentReplayInputs(const std::string& clinic_id,
                                                                  size_t limit) override {
    return Read("reading the questions of recent plans", [&](SQLite::Database& db) {
      return store_sqlite::ReadRecentReplayInputs(db, clinic_id, limit);
    });
  }

  absl::StatusOr<Progress> GetProgress(const std::string& clinic_id, const std::string& ref,
                                       const ProgressPolicy& policy) override {
    return Read("computing progress", [&](SQLite::Database& db) {
      return store_sqlite::ReadProgress(db, *codec_, clinic_id, ref, policy);
    });
  }

  absl::StatusOr<PatientRecord> ExportPatient(const std::string& clinic_id,
                                              const std::string& ref) override {
    return Read("exporting a patient", [&](SQLite::Database& db) {
      return store_sqlite::ReadPatient(db, *codec_, clinic_id, ref);
    });
  }

  absl::StatusOr<EvidenceInputs> ReadEvidence(const std::string& clinic_id,
                                              const EvidenceQuery& query) override {
    return Read("reading the evidence", [&](SQLite::Database& db) {
      return store_sqlite::ReadEvidence(db, *codec_, clinic_id, query);
    });
  }

  absl::StatusOr<IntegrityReport> Verify() override {
    return Read("verifying the store", store_sqlite::VerifyDatabase);
  }

  WriteHealth write_health() const override { return health_.health(); }

  void SetWriteHealthListener(std::function<void(const WriteHealth&)> listener) override {
    health_.SetListener(std::move(listener));
  }

  absl::Status Backup(const std::string& path) override {
    const std::string tmp = path + ".partial";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError("cannot create the backup '" + tmp +
                                           "': " + std::strerror(errno));
    }
    ::close(fd);
    auto copied = Read("backing up to " + path, [&](SQLite::Database& db) -> absl::StatusOr<bool> {
      // The online backup API copies a consistent snapshot while the writer keeps committing.
      db.backup(tmp.c_str(), SQLite::Database::Save);
      return true;
    });
    if (!copied.ok()) {
      ::unlink(tmp.c_str());
      return copied.status();
    }
    // Only a complete copy gets the requested name.
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string error = std::strerror(errno);
      ::unlink(tmp.c_str());
      return absl::FailedPreconditionError("cannot move the backup to '" + path + "': " + error);
    }
    return absl::OkStatus();
  }

 private:
  // Runs `body` on a read-only connection from the pool; SQLite errors become statuses.
  template <typename Body>
  auto Read(const std::string& what, Body body)
      -> decltype(body(std::declval<SQLite::Database&>())) {
    SQLite::Database* db = nullptr;
    {
      absl::MutexLock lock(&readers_mu_);
      while (idle_readers_.empty()) readers_cv_.Wait(&readers_mu_);
      db = idle_readers_.back();
      idle_readers_.pop_back();
    }
    struct Return {
      SqliteStore* self;
      SQLite::Database* db;
      ~Return() {
        {
          absl::MutexLock lock(&self->readers_mu_);
          self->idle_readers_.push_back(db);
        }
        self->readers_cv_.Signal();
      }
    } give_back{this, db};
    try {
      return body(*db);
    } catch (const SQLite::Exception& e) {
      return FromSqlite(e, what);
    } catch (const std::exception& e) {
      return absl::InternalError(what + ": " + e.what());
    }
  }

  // First, so destroyed last: its read-write connection closes after every reader, and the last
  // connection to close is the one that checkpoints the WAL into the database file and removes
  // it. Its thread reports to the members below only after a write, and ~SqliteStore joins it.
  BatchWriter writer_;
  // Never null (OpenSqliteStore puts JsonPlanCodec() in for none).
  const std::shared_ptr<const PlanCodec> codec_;

  WriteHealthTracker health_;

  std::vector<std::unique_ptr<SQLite::Database>> readers_;
  absl::Mutex readers_mu_;
  absl::CondVar readers_cv_;  // signalled when a connection returns to idle_readers_
  std::vector<SQLite::Database*> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

// Best effort: without the marker a lost database is not told apart from a first start, which is
// how every store behaved before markers existed.
void WriteCreatedMarker(const std::string& marker, const std::string& path) {
  struct stat st {};
  if (::stat(marker.c_str(), &st) == 0) return;
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  const std::string text = "A Modalis store has lived here since " + std::string(when) + ": " +
                           path +
                           ".\nIf that file is missing, it was lost: restore it from a backup. "
                           "Modalis will not silently start a new, empty one while this file "
                           "exists.\n";
  const ssize_t written = ::write(fd, text.data(), text.size());
  (void)written;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

bool IsMissingDatabase(const absl::Status& status) {
  return status.GetPayload(kDatabaseMissing).has_value();
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                       const SqliteStoreOptions& options) {
  if (options.read_only) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return absl::FailedPreconditionError("no database at '" + path +
                                           "': " + std::strerror(errno));
    }
  } else {
    const std::string marker = path + ".created";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && !options.create_even_if_expected) {
      for (const std::string& sign : {marker, path + "-wal"}) {
        if (::stat(sign.c_str(), &st) == 0) {
          absl::Status missing = absl::FailedPreconditionError(
              "the database '" + path + "' is missing, but '" + sign +
              "' shows one was there: its plans are not where they should be. Put the file "
              "back or restore a backup; a new, empty database is created only on request");
          missing.SetPayload(kDatabaseMissing, absl::Cord("1"));
          return missing;
        }
      }
    }
    // Create the file with owner-only permissions before SQLite does: plans are health data.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError("cannot open or create the database '" + path +
                                           "': " + std::strerror(errno));
    }
    ::close(fd);
    WriteCreatedMarker(marker, path);
  }
  try {
    const int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    auto db = OpenConnection(path, flags, options.busy_timeout_ms);
    // The first read of the file: a corrupted header or another kind of file fails here.
    const int64_t app_id = db->execAndGet("PRAGMA application_id").getInt64();
    if (app_id != 0 && app_id != kApplicationId) {
      return absl::FailedPreconditionError("'" + path +
                                           "' is an SQLite database of another application, not "
                                           "a Modalis store; refusing to open it");
    }
    const std::string mode =
        db->execAndGet(options.read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL")
            .getString();
    if (mode != "wal" && !options.read_only) {
      return absl::FailedPreconditionError("cannot switch '" + path + "' to WAL mode (got " + mode +
                                           ")");
    }
    // Keep the WAL from growing without bound after a burst.
    if (!options.read_only) db->exec("PRAGMA journal_size_limit=67108864");
    if (absl::Status s = Migrate(*db, path, options.read_only); !s.ok()) return s;
    SqliteStoreOptions effective = options;
    if (effective.plan_codec == nullptr) effective.plan_codec = JsonPlanCodec();
    if (!options.read_only) {
      if (absl::Status s = ConvertStoredPlans(*db, *effective.plan_codec); !s.ok()) return s;
    }
    if (options.max_pages > 0) {
      db->exec("PRAGMA max_page_count=" + std::to_string(options.max_pages));
    }
    std::vector<std::unique_ptr<SQLite::Database>> readers;
    for (size_t i = 0; i < std::max<size_t>(options.readers, 1); ++i) {
      readers.push_back(OpenConnection(path, SQLite::OPEN_READONLY, options.busy_timeout_ms));
    }
    effective.max_batch = std::max<size_t>(options.max_batch, 1);
    return std::unique_ptr<Store>(
        std::make_unique<SqliteStore>(path, effective, std::move(db), std::move(readers)));
  } catch (const SQLite::Exception& e) {
    absl::Status s = FromSqlite(e, "opening the database '" + path + "'");
    if (s.code() == absl::StatusCode::kDataLoss) {
      // Nothing can be served from it: an operator restores a backup.
      return absl::FailedPreconditionError(std::string(s.message()) +
                                           "; restore it from a backup (modalis db backup)");
    }
    return s;
  }
}

}  // namespace modalis
