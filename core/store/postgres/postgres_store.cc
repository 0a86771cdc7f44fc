// The Store over PostgreSQL: the writes queued on the PostgresWriter, the reads on a pool of
// connections (each replaced when the database dropped it), and the write health the batches
// report.
#include "core/store/postgres/postgres_store.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/store/postgres/postgres_errors.h"
#include "core/store/postgres/postgres_reads.h"
#include "core/store/postgres/postgres_schema.h"
#include "core/store/postgres/postgres_writer.h"
#include "core/store/postgres/postgres_writes.h"
#include "core/store/prepared_plan.h"
#include "core/store/store_refusals.h"
#include "core/store/store_status.h"
#include "core/store/write_health_tracker.h"

namespace modalis {
namespace {

using store_postgres::ConnectionSettings;
using store_postgres::FromPostgres;
using store_postgres::PostgresWriter;
using store_postgres::WriterOptions;
using store_postgres::WriterReport;
using Item = PostgresWriter::Item;

// Answers `done` with the value `result` holds once the item succeeded, else with its error.
template <typename T, typename Done>
std::function<void(absl::Status)> Answer(std::shared_ptr<T> result, Done done) {
  return [result, done = std::move(done)](absl::Status s) mutable {
    if (s.ok()) {
      done(std::move(*result));
    } else {
      done(s);
    }
  };
}

class PostgresStore final : public Store {
 public:
  PostgresStore(ConnectionSettings settings, const PostgresStoreOptions& options,
                std::unique_ptr<pqxx::connection> writer_connection)
      : settings_(settings),
        codec_(options.plan_codec),
        writer_(settings, std::move(writer_connection),
                WriterOptions{options.queue_capacity, std::max<size_t>(options.max_batch, 1)},
                [this](const WriterReport& report) {
                  health_.AfterBatch(report.storage_failure, report.committed);
                }) {
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.resize(std::max<size_t>(options.readers, 1));
  }

  ~PostgresStore() override { Close(); }

  void Close() override { writer_.Close(); }

  void PutPlanAsync(NewPlan plan, PlanDone done) override {
    if (absl::Status s = CheckReplayInput(plan.plan); !s.ok()) return done(s);
    auto prepared = std::make_shared<PreparedPlan>(PreparePlan(std::move(plan), *codec_));
    auto result = std::make_shared<StoredPlan>();
    std::string clinic = prepared->in.plan.clinic_id;
    writer_.Enqueue(Item{[prepared, result, codec = codec_](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyPutPlan(tx, *prepared, *codec, result.get());
                         },
                         Answer(result, std::move(done)), "storing a plan", std::move(clinic)});
  }

  void RecordFeedbackAsync(StepFeedback feedback, WriteDone done) override {
    if (absl::Status s = ValidateFeedback(feedback); !s.ok()) return done(s);
    if (feedback.recorded_at_ms == 0) feedback.recorded_at_ms = NowMs();
    writer_.Enqueue(Item{[f = std::move(feedback), codec = codec_](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyFeedback(tx, f, *codec);
                         },
                         std::move(done), "recording feedback"});
  }

  void RecordOutcomeAsync(SessionOutcome outcome, WriteDone done) override {
    if (absl::Status s = ValidateOutcome(outcome); !s.ok()) return done(s);
    if (outcome.recorded_at_ms == 0) outcome.recorded_at_ms = NowMs();
    writer_.Enqueue(Item{[o = std::move(outcome)](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyOutcome(tx, o);
                         },
                         std::move(done), "recording an outcome"});
  }

  void ErasePatientAsync(std::string clinic_id, std::string ref,
                         std::function<void(absl::StatusOr<ErasureReport>)> done) override {
    if (absl::Status s = CheckErasure(ref); !s.ok()) return done(s);
    auto report = std::make_shared<ErasureReport>();
    std::string lock = clinic_id;
    writer_.Enqueue(Item{
        [clinic = std::move(clinic_id), ref = std::move(ref), report](pqxx::transaction_base& tx) {
          return store_postgres::ApplyErase(tx, clinic, ref, report.get());
        },
        Answer(report, std::move(done)), "erasing a patient", std::move(lock)});
  }

  void CreateClinicAsync(ClinicRecord clinic, WriteDone done) override {
    if (absl::Status s = CheckNewClinic(clinic); !s.ok()) return done(s);
    if (clinic.created_at_ms == 0) clinic.created_at_ms = NowMs();
    writer_.Enqueue(Item{[c = std::move(clinic)](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyCreateClinic(tx, c);
                         },
                         std::move(done), "creating a clinic"});
  }

  absl::StatusOr<std::vector<ClinicRecord>> ListClinics() override {
    return Read("listing clinics", store_postgres::ReadClinics);
  }

  void RecordServedRuleSetAsync(RuleSetRecord rule_set, WriteDone done) override {
    const int64_t at_ms = NowMs();
    writer_.Enqueue(Item{[r = std::move(rule_set), at_ms](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyServedRuleSet(tx, r, at_ms);
                         },
                         std::move(done), "recording the rule set served"});
  }

  absl::StatusOr<std::optional<RuleSetRecord>> LastServedRuleSet() override {
    return Read("reading the last rule set served", store_postgres::ReadLastServedRuleSet);
  }

  void PublishRuleSetAsync(PublishedRuleSet rule_set,
                           std::function<void(absl::StatusOr<bool>)> done) override {
    if (absl::Status s = CheckPublication(rule_set); !s.ok()) return done(s);
    if (rule_set.published_at_ms == 0) rule_set.published_at_ms = NowMs();
    auto added = std::make_shared<bool>(false);
    writer_.Enqueue(Item{[r = std::move(rule_set), added](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyPublishRuleSet(tx, r, added.get());
                         },
                         Answer(added, std::move(done)), "publishing a rule set"});
  }

  void ActivateRuleSetAsync(RuleSetActivation activation,
                            std::function<void(absl::StatusOr<RuleSetActivation>)> done) override {
    if (activation.activated_at_ms == 0) activation.activated_at_ms = NowMs();
    std::string lock = activation.clinic_id;
    auto shared = std::make_shared<RuleSetActivation>(std::move(activation));
    writer_.Enqueue(Item{[shared](pqxx::transaction_base& tx) {
                           return store_postgres::ApplyActivateRuleSet(tx, *shared);
                         },
                         Answer(shared, std::move(done)), "activating a rule set",
                         std::move(lock)});
  }

  absl::StatusOr<std::vector<PublishedRuleSet>> ListPublishedRuleSets(
      const std::string& clinic_id) override {
    return Read("listing published rule sets", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadPublishedRuleSets(tx, clinic_id);
    });
  }

  absl::StatusOr<std::vector<RuleSetActivation>> ListActivations(
      const std::string& clinic_id) override {
    return Read("listing rule set activations", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadActivations(tx, clinic_id);
    });
  }

  absl::StatusOr<std::vector<RuleSetActivation>> LiveActivations() override {
    return Read("reading the live rule sets", store_postgres::ReadLiveActivations);
  }

  absl::StatusOr<RuleSetRecord> GetPublishedRuleSet(const std::string& clinic_id,
                                                    const std::string& sha256) override {
    return Read("reading rule set " + sha256, [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadPublishedRuleSet(tx, clinic_id, sha256);
    });
  }

  void SetClinicProfileAsync(
      ClinicProfileRecord profile,
      std::function<void(absl::StatusOr<ClinicProfileRecord>)> done) override {
    if (absl::Status s = CheckProfile(profile); !s.ok()) return done(s);
    if (profile.set_at_ms == 0) profile.set_at_ms = NowMs();
    std::string lock = profile.clinic_id;
    auto shared = std::make_shared<ClinicProfileRecord>(std::move(profile));
    writer_.Enqueue(Item{[shared](pqxx::transaction_base& tx) {
                           return store_postgres::ApplySetClinicProfile(tx, *shared);
                         },
                         Answer(shared, std::move(done)), "setting a clinic's profile",
                         std::move(lock)});
  }

  absl::StatusOr<std::optional<ClinicProfileRecord>> GetClinicProfile(
      const std::string& clinic_id) override {
    return Read("reading the profile of clinic " + clinic_id, [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadClinicProfile(tx, clinic_id);
    });
  }

  absl::StatusOr<std::vector<ClinicProfileRecord>> ListClinicProfileVersions(
      const std::string& clinic_id) override {
    return Read("listing the profile versions of clinic " + clinic_id,
                [&](pqxx::transaction_base& tx) {
                  return store_postgres::ReadClinicProfileVersions(tx, clinic_id);
                });
  }

  absl::StatusOr<std::vector<ClinicProfileRecord>> LiveClinicProfiles() override {
    return Read("reading the live clinic profiles", store_postgres::ReadLiveClinicProfiles);
  }

  absl::StatusOr<StoredPlan> GetPlan(const std::string& clinic_id,
                                     const std::string& plan_id) override {
    return Read("reading plan " + plan_id, [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadPlan(tx, *codec_, clinic_id, plan_id);
    });
  }

  absl::StatusOr<PlanPage> ListPlans(const std::string& clinic_id, const std::string& ref,
                                     size_t page_size, const std::string& page_token) override {
    const absl::StatusOr<int64_t> after = ParsePageToken(page_token);
    if (!after.ok()) return after.status();
    const size_t size = PageSize(page_size);
    return Read("listing plans", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadPlanPage(tx, *codec_, clinic_id, ref, *after, size);
    });
  }

  absl::StatusOr<Progress> GetProgress(const std::string& clinic_id, const std::string& ref,
                                       const ProgressPolicy& policy) override {
    return Read("computing progress", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadProgress(tx, *codec_, clinic_id, ref, policy);
    });
  }

  absl::StatusOr<std::vector<PlanReplayInput>> RecentReplayInputs(const std::string& clinic_id,
                                                                  size_t limit) override {
    return Read("reading the questions of recent plans", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadRecentReplayInputs(tx, clinic_id, limit);
    });
  }

  absl::StatusOr<PatientRecord> ExportPatient(const std::string& clinic_id,
                                              const std::string& ref) override {
    return Read("exporting a patient", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadPatient(tx, *codec_, clinic_id, ref);
    });
  }

  absl::StatusOr<EvidenceInputs> ReadEvidence(const std::string& clinic_id,
                                              const EvidenceQuery& query) override {
    return Read("reading the evidence", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadEvidence(tx, *codec_, clinic_id, query);
    });
  }

  void ReportReplicaServingAsync(std::string replica_id, std::vector<ReplicaServing> rows,
                                 WriteDone done) override {
    writer_.Enqueue(
        Item{[id = std::move(replica_id), r = std::move(rows)](pqxx::transaction_base& tx) {
               return store_postgres::ApplyReportReplicaServing(tx, id, r);
             },
             std::move(done), "reporting what this replica serves"});
  }

  absl::StatusOr<std::vector<ReplicaServing>> ListReplicaServing(
      const std::string& clinic_id) override {
    return Read("listing what the replicas serve", [&](pqxx::transaction_base& tx) {
      return store_postgres::ReadReplicaServing(tx, clinic_id);
    });
  }

  absl::StatusOr<IntegrityReport> Verify() override {
    return Read("verifying the store", store_postgres::VerifyDatabase);
  }

  absl::Status Backup(const std::string& path) override {
    return absl::UnimplementedError(
        "backing up to '" + path +
        "': a PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, or a base "
        "backup with WAL archiving for point-in-time recovery): see docs/deploy.md");
  }

  WriteHealth write_health() const override { return health_.health(); }

  void SetWriteHealthListener(std::function<void(const WriteHealth&)> listener) override {
    health_.SetListener(std::move(listener));
  }

  void ProbeWriteAsync(WriteDone done) override {
    // Assigning a transaction id makes the commit a real WAL flush that no reader can see.
    writer_.Enqueue(Item{[](pqxx::transaction_base& tx) {
                           tx.exec("SELECT txid_current()");
                           return absl::OkStatus();
                         },
                         std::move(done), "probing whether the database can be written"});
  }

  bool AwaitLiveChange(int timeout_ms) override {
    const int ms = std::max(timeout_ms, 0);
    {
      absl::MutexLock lock(&listen_mu_);
      try {
        if (listener_ == nullptr || !listener_->is_open()) {
          receivers_.clear();
          listener_.reset();
          listener_ = store_postgres::Connect(settings_);
          for (const char* channel :
               {store_postgres::kActivationsChannel, store_postgres::kProfilesChannel}) {
            receivers_.push_back(std::make_unique<ChangeReceiver>(*listener_, channel, &changed_));
          }
          // Whatever changed while nobody listened was missed: the caller reads it all again.
          return true;
        }
        changed_ = false;
        listener_->await_notification(ms / 1000, (ms % 1000) * 1000L);
        return changed_;
      } catch (const std::exception&) {
        receivers_.clear();
        listener_.reset();
      }
    }
    // The database is away: waiting keeps the caller from spinning until it is back.
    absl::SleepFor(absl::Milliseconds(ms));
    return true;
  }

 private:
  // Sets `*changed` when a notification arrives on its channel (LISTENs while it lives).
  class ChangeReceiver final : public pqxx::notification_receiver {
   public:
    ChangeReceiver(pqxx::connection_base& connection, const std::string& channel, bool* changed)
        : pqxx::notification_receiver(connection, channel), changed_(changed) {}
    void operator()(const std::string& /*payload*/, int /*backend_pid*/) override {
      *changed_ = true;
    }

   private:
    bool* changed_;
  };

  // Runs `body` in a read-only REPEATABLE READ transaction on a pooled connection. A connection
  // the database dropped (it restarted) is replaced and the read tried once more: reads change
  // nothing, so trying again is safe.
  template <typename Body>
  auto Read(const std::string& what, Body body)
      -> decltype(body(std::declval<pqxx::transaction_base&>())) {
    std::unique_ptr<pqxx::connection> connection;
    {
      absl::MutexLock lock(&readers_mu_);
      while (idle_readers_.empty()) readers_cv_.Wait(&readers_mu_);
      connection = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
    struct Return {
      PostgresStore* self;
      std::unique_ptr<pqxx::connection>* connection;
      ~Return() {
        {
          absl::MutexLock lock(&self->readers_mu_);
          self->idle_readers_.push_back(std::move(*connection));
        }
        self->readers_cv_.Signal();
      }
    } give_back{this, &connection};
    for (int attempt = 0;; ++attempt) {
      try {
        if (connection == nullptr || !connection->is_open()) {
          connection.reset();
          connection = store_postgres::Connect(settings_);
        }
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(*connection);
        auto result = body(tx);
        tx.commit();
        return result;
      } catch (const pqxx::broken_connection& e) {
        connection.reset();
        if (attempt == 0) continue;
        return FromPostgres(e, what);
      } catch (const std::exception& e) {
        if (connection != nullptr && !connection->is_open()) connection.reset();
        return FromPostgres(e, what);
      }
    }
  }

  const ConnectionSettings settings_;
  // Never null (OpenPostgresStore puts JsonPlanCodec() in for none).
  const std::shared_ptr<const PlanCodec> codec_;

  WriteHealthTracker health_;

  absl::Mutex readers_mu_;
  absl::CondVar readers_cv_;
  // Null until first used, and again after the database dropped it.
  std::vector<std::unique_ptr<pqxx::connection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);

  // The connection that LISTENs for other replicas' changes; only AwaitLiveChange uses them.
  absl::Mutex listen_mu_;
  std::vector<std::unique_ptr<ChangeReceiver>> receivers_ ABSL_GUARDED_BY(listen_mu_);
  std::unique_ptr<pqxx::connection> listener_ ABSL_GUARDED_BY(listen_mu_);
  bool changed_ ABSL_GUARDED_BY(listen_mu_) = false;

  // Last, so destroyed first: its thread reports to the members above until it is joined.
  PostgresWriter writer_;
};

}  // namespace

bool IsPostgresLocation(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string LocationForLogs(std::string_view location) {
  std::string out(location);
  if (!IsPostgresLocation(location)) return out;
  const size_t start = out.find("://") + 3;
  const size_t at = out.find('@', start);
  if (at == std::string::npos) return out;
  const size_t colon = out.find(':', start);
  if (colon == std::string::npos || colon > at) return out;
  return out.replace(colon + 1, at - colon - 1, "***");
}

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                         const PostgresStoreOptions& options) {
  ConnectionSettings settings{uri, options.connect_timeout_seconds, options.statement_timeout_ms};
  PostgresStoreOptions effective = options;
  if (effective.plan_codec == nullptr) effective.plan_codec = JsonPlanCodec();
  try {
    auto connection = store_postgres::Connect(settings);
    if (absl::Status s = store_postgres::Migrate(*connection); !s.ok()) return s;
    return std::unique_ptr<Store>(
        std::make_unique<PostgresStore>(settings, effective, std::move(connection)));
  } catch (const std::exception& e) {
    return FromPostgres(e, "opening the PostgreSQL store");
  }
}

}  // namespace modalis
