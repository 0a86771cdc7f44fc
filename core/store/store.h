// Where plans, their audit trail, feedback and outcomes are kept. Backend-neutral: SQLite
// specifics live in core/store/sqlite/, PostgreSQL's (a store several servers share) in
// core/store/postgres/.
//
// Tenancy: every record belongs to one clinic (platform.md §1). Writes name it in their record;
// reads take it first and see nothing of another clinic: another clinic's plan is NOT_FOUND,
// exactly as one that does not exist. Writes for a clinic that was never created are
// FAILED_PRECONDITION. Each clinic has its own audit hash chain.
//
// Thread-safety: every method may be called from any thread, concurrently. Writes are applied in
// the order they were queued by one writer; reads never wait for it.
//
// Durability: a write's completion callback (or a synchronous write's return) reports OK only
// after the write is committed durably: it survives a crash of the process or the machine.
// Callbacks run on the store's writer thread, after the commit: they must be quick and must not
// call a synchronous write (it would wait for the thread that is running the callback). A write
// refused before it is queued (queue full, store closed) calls back on the calling thread.
//
// Ownership: the caller owns the Store; Close() (or destruction) completes every queued write
// before it returns, so no acknowledged write is dropped at shutdown.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/evidence.h"
#include "core/store/progress.h"
#include "core/store/records.h"

namespace modalis {

// Whether writes can succeed now, as the latest write batch or probe found it.
struct WriteHealth {
  bool writable = true;
  // The storage error that stopped writes (disk full, I/O error, the file read-only, moved or
  // deleted); OK while writable.
  absl::Status cause;
};

class Store {
 public:
  using PlanDone = std::function<void(absl::StatusOr<StoredPlan>)>;
  using WriteDone = std::function<void(absl::Status)>;

  virtual ~Store() = default;

  // Stores a plan with its rule set (once per sha256) and a hash-chained audit record, in one
  // transaction. Idempotent per (clinic, client, request_id): a retry with the same request_hash
  // gets the plan stored first (not the new one); the same id with another hash is ALREADY_EXISTS,
  // so a reused id can never return another patient's plan. An empty request_id is never
  // deduplicated. RESOURCE_EXHAUSTED when the write queue is full or the disk (or the database's
  // size cap) is full; UNAVAILABLE when closed, the database is busy, or on an I/O error;
  // FAILED_PRECONDITION when the database cannot be written (read-only, or its file moved or
  // deleted while open).
  virtual void PutPlanAsync(NewPlan plan, PlanDone done) = 0;
  // NOT_FOUND when the plan does not exist in feedback.clinic_id; INVALID_ARGUMENT for a step
  // index out of range or a missing reason.
  virtual void RecordFeedbackAsync(StepFeedback feedback, WriteDone done) = 0;
  // INVALID_ARGUMENT outside the validated ranges; ALREADY_EXISTS when the patient already has an
  // outcome for that session in that clinic.
  virtual void RecordOutcomeAsync(SessionOutcome outcome, WriteDone done) = 0;
  // Deletes the clinic's plans, feedback and outcomes of the patient; redacts their audit records
  // (the chain keeps their hashes) and appends an erasure record to the clinic's chain. NOT_FOUND
  // when the clinic holds nothing for the patient.
  virtual void ErasePatientAsync(std::string clinic_id, std::string patient_ref,
                                 std::function<void(absl::StatusOr<ErasureReport>)> done) = 0;

  // INVALID_ARGUMENT for an id CheckClinicId refuses or a name longer than kMaxClinicNameBytes;
  // ALREADY_EXISTS when the clinic exists.
  virtual void CreateClinicAsync(ClinicRecord clinic, WriteDone done) = 0;
  // Every clinic, by id.
  virtual absl::StatusOr<std::vector<ClinicRecord>> ListClinics() = 0;

  // Records that `rule_set` went live (its content stored once, by hash), so a server whose rule
  // files are broken at start can serve it instead of going down.
  virtual void RecordServedRuleSetAsync(RuleSetRecord rule_set, WriteDone done) = 0;
  // The rule set most recently put live, with its content; nullopt when none was recorded.
  virtual absl::StatusOr<std::optional<RuleSetRecord>> LastServedRuleSet() = 0;

  // Publishes a rule set (its content stored once by hash) for its owner. Publishing a hash the
  // owner already published is a no-op: the first record stands, and `done` gets false (true when
  // newly published). FAILED_PRECONDITION when the owner is a clinic that does not exist, or the
  // record has no content. The caller has compiled it and run its golden cases.
  virtual void PublishRuleSetAsync(PublishedRuleSet rule_set,
                                   std::function<void(absl::StatusOr<bool>)> done) = 0;
  // Makes a published rule set live for (clinic, condition), appending to the clinic's history,
  // and returns the stored activation (seq, replaced_sha256). ABORTED when expected_live is set
  // and is not the hash live now (the message names both); NOT_FOUND when the hash was not
  // published by the clinic or the platform (the same answer as a hash that does not exist);
  // FAILED_PRECONDITION for a clinic that does not exist; INVALID_ARGUMENT when the rule set's
  // id is not the condition.
  virtual void ActivateRuleSetAsync(
      RuleSetActivation activation,
      std::function<void(absl::StatusOr<RuleSetActivation>)> done) = 0;
  // The rule sets the clinic may activate (its own and the platform's), newest first, without
  // their content.
  virtual absl::StatusOr<std::vector<PublishedRuleSet>> ListPublishedRuleSets(
      const std::string& clinic_id) = 0;
  // The clinic's activations, newest first.
  virtual absl::StatusOr<std::vector<RuleSetActivation>> ListActivations(
      const std::string& clinic_id) = 0;
  // The live activation of every (clinic, condition), ordered by clinic then condition: what a
  // starting server puts live.
  virtual absl::StatusOr<std::vector<RuleSetActivation>> LiveActivations() = 0;
  // A rule set the clinic may use (published by it or the platform), with its content. NOT_FOUND
  // otherwise, or when its content was never kept.
  virtual absl::StatusOr<RuleSetRecord> GetPublishedRuleSet(const std::string& clinic_id,
                                                            const std::string& sha256) = 0;

  // Appends a version of the clinic's profile and returns it as stored (version assigned).
  // ABORTED when expected_version is set and is not the live version (the message names both);
  // FAILED_PRECONDITION for a clinic that does not exist; INVALID_ARGUMENT for an empty profile
  // or sha256. The caller has validated the profile.
  virtual void SetClinicProfileAsync(
      ClinicProfileRecord profile,
      std::function<void(absl::StatusOr<ClinicProfileRecord>)> done) = 0;
  // The clinic's live profile (its latest version); nullopt when it never set one.
  virtual absl::StatusOr<std::optional<ClinicProfileRecord>> GetClinicProfile(
      const std::string& clinic_id) = 0;
  // Every version of the clinic's profile, newest first.
  virtual absl::StatusOr<std::vector<ClinicProfileRecord>> ListClinicProfileVersions(
      const std::string& clinic_id) = 0;
  // The live profile of every clinic that has one, by clinic: what a starting server applies.
  virtual absl::StatusOr<std::vector<ClinicProfileRecord>> LiveClinicProfiles() = 0;

  // NOT_FOUND when the clinic has no such plan.
  virtual absl::StatusOr<StoredPlan> GetPlan(const std::string& clinic_id,
                                             const std::string& plan_id) = 0;
  // The patient's plans in the clinic, oldest first; `page_token` is "" or a previous page's
  // next_page_token.
  virtual absl::StatusOr<PlanPage> ListPlans(const std::string& clinic_id,
                                             const std::string& patient_ref, size_t page_size,
                                             const std::string& page_token) = 0;
  // The questions of the clinic's most recent plans that kept one (StoredPlan::replay_input),
  // newest first (by created_at_ms; of plans made in the same millisecond, the later stored
  // first), at most `limit`. An erased patient's went with their plans.
  virtual absl::StatusOr<std::vector<PlanReplayInput>> RecentReplayInputs(
      const std::string& clinic_id, size_t limit) = 0;
  virtual absl::StatusOr<Progress> GetProgress(const std::string& clinic_id,
                                               const std::string& patient_ref,
                                               const ProgressPolicy& policy) = 0;
  virtual absl::StatusOr<PatientRecord> ExportPatient(const std::string& clinic_id,
                                                      const std::string& patient_ref) = 0;
  // The clinic's plans that `query` covers (oldest first), their steps' feedback and their
  // patients' outcomes, read in one snapshot, for ComputeEvidence.
  virtual absl::StatusOr<EvidenceInputs> ReadEvidence(const std::string& clinic_id,
                                                      const EvidenceQuery& query) = 0;

  // Checks every clinic's audit chain, the storage's own integrity and referential integrity. A
  // report with problems is still OK as a status; an error status means the check could not run.
  virtual absl::StatusOr<IntegrityReport> Verify() = 0;
  // A consistent copy of the whole store at `path` (mode 0600), safe while writes continue.
  virtual absl::Status Backup(const std::string& path) = 0;
  // Stops taking writes and completes every queued one. Idempotent.
  virtual void Close() = 0;

  // Storage failures (see WriteHealth) make the store unwritable until a later write or probe
  // commits; failures of one write (a duplicate, a bad reference) do not.
  virtual WriteHealth write_health() const = 0;
  // Called on the writer thread each time write_health changes, before the callbacks of the
  // batch that changed it, so a client told of a failure finds the health already changed.
  // Quick, and no synchronous writes. Set it before serving.
  virtual void SetWriteHealthListener(std::function<void(const WriteHealth&)> listener) = 0;
  // A durable write that changes nothing a client can read, to learn whether writes succeed
  // again; its outcome updates write_health like any other write.
  virtual void ProbeWriteAsync(WriteDone done) = 0;

  // For a store several servers share: waits up to `timeout_ms` for a sign that another server
  // changed what is live (activated a rule set, set a clinic profile) and returns true on one, or
  // when the sign may have been missed (the connection that listens for them was lost). A store
  // that only this process writes returns false at once.
  virtual bool AwaitLiveChange(int timeout_ms) {
    (void)timeout_ms;
    return false;
  }

  // For a store several servers share: replaces what `replica_id` reports it serves, so any
  // replica can tell which serve which rule set. A store only this process writes keeps nothing
  // (its one server's status is its own).
  virtual void ReportReplicaServingAsync(std::string replica_id, std::vector<ReplicaServing> rows,
                                         WriteDone done) {
    (void)replica_id;
    (void)rows;
    done(absl::OkStatus());
  }
  // What each replica last reported for `clinic_id` ("": every clinic), by clinic, condition and
  // replica.
  virtual absl::StatusOr<std::vector<ReplicaServing>> ListReplicaServing(
      const std::string& clinic_id) {
    (void)clinic_id;
    return std::vector<ReplicaServing>();
  }

  // Blocking forms, for tools and tests. Never call them from a completion callback.
  absl::StatusOr<StoredPlan> PutPlan(NewPlan plan) {
    return Wait<absl::StatusOr<StoredPlan>>(
        [&](auto done) { PutPlanAsync(std::move(plan), std::move(done)); });
  }
  absl::Status RecordFeedback(StepFeedback feedback) {
    return Wait<absl::Status>(
        [&](auto done) { RecordFeedbackAsync(std::move(feedback), std::move(done)); });
  }
  absl::Status RecordOutcome(SessionOutcome outcome) {
    return Wait<absl::Status>(
        [&](auto done) { RecordOutcomeAsync(std::move(outcome), std::move(done)); });
  }
  absl::Status RecordServedRuleSet(RuleSetRecord rule_set) {
    return Wait<absl::Status>(
        [&](auto done) { RecordServedRuleSetAsync(std::move(rule_set), std::move(done)); });
  }
  absl::StatusOr<ErasureReport> ErasePatient(std::string clinic_id, std::string patient_ref) {
    return Wait<absl::StatusOr<ErasureReport>>([&](auto done) {
      ErasePatientAsync(std::move(clinic_id), std::move(patient_ref), std::move(done));
    });
  }
  absl::StatusOr<bool> PublishRuleSet(PublishedRuleSet rule_set) {
    return Wait<absl::StatusOr<bool>>(
        [&](auto done) { PublishRuleSetAsync(std::move(rule_set), std::move(done)); });
  }
  absl::StatusOr<RuleSetActivation> ActivateRuleSet(RuleSetActivation activation) {
    return Wait<absl::StatusOr<RuleSetActivation>>(
        [&](auto done) { ActivateRuleSetAsync(std::move(activation), std::move(done)); });
  }
  absl::StatusOr<ClinicProfileRecord> SetClinicProfile(ClinicProfileRecord profile) {
    return Wait<absl::StatusOr<ClinicProfileRecord>>(
        [&](auto done) { SetClinicProfileAsync(std::move(profile), std::move(done)); });
  }
  absl::Status ReportReplicaServing(std::string replica_id, std::vector<ReplicaServing> rows) {
    return Wait<absl::Status>([&](auto done) {
      ReportReplicaServingAsync(std::move(replica_id), std::move(rows), std::move(done));
    });
  }
  absl::Status CreateClinic(ClinicRecord clinic) {
    return Wait<absl::Status>(
        [&](auto done) { CreateClinicAsync(std::move(clinic), std::move(done)); });
  }

 private:
  template <typename T, typename Start>
  static T Wait(Start start) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> result = promise->get_future();
    start([promise](T value) { promise->set_value(std::move(value)); });
    return result.get();
  }
};

}  // namespace modalis
