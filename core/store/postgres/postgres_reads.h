// The store's reads on PostgreSQL, each in a read-only transaction of its own (REPEATABLE READ, so
// the reads that span several tables see one snapshot). Every read is of one clinic's rows: another
// clinic's are as absent as rows never written. Each throws what libpqxx throws, for the caller to
// turn into a status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis::store_postgres {

using Tx = pqxx::transaction_base;

absl::StatusOr<std::optional<RuleSetRecord>> ReadLastServedRuleSet(Tx& tx);
absl::StatusOr<StoredPlan> ReadPlan(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                    const std::string& plan_id);
// At most `size` of the patient's plans stored after `after` (a plan's seq), oldest first.
absl::StatusOr<PlanPage> ReadPlanPage(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                      const std::string& ref, int64_t after, size_t size);
// The clinic's newest `limit` plans that kept a replay input, newest first (by created_at_ms,
// then the later stored first: seq).
absl::StatusOr<std::vector<PlanReplayInput>> ReadRecentReplayInputs(Tx& tx,
                                                                    const std::string& clinic_id,
                                                                    size_t limit);
absl::StatusOr<Progress> ReadProgress(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                      const std::string& ref, const ProgressPolicy& policy);
absl::StatusOr<PatientRecord> ReadPatient(Tx& tx, const PlanCodec& codec,
                                          const std::string& clinic_id, const std::string& ref);
absl::StatusOr<EvidenceInputs> ReadEvidence(Tx& tx, const PlanCodec& codec,
                                            const std::string& clinic_id,
                                            const EvidenceQuery& query);
absl::StatusOr<std::vector<ClinicRecord>> ReadClinics(Tx& tx);
absl::StatusOr<std::vector<PublishedRuleSet>> ReadPublishedRuleSets(Tx& tx,
                                                                    const std::string& clinic_id);
absl::StatusOr<RuleSetRecord> ReadPublishedRuleSet(Tx& tx, const std::string& clinic_id,
                                                   const std::string& sha256);
absl::StatusOr<std::vector<RuleSetActivation>> ReadActivations(Tx& tx,
                                                               const std::string& clinic_id);
absl::StatusOr<std::vector<RuleSetActivation>> ReadLiveActivations(Tx& tx);
absl::StatusOr<std::optional<ClinicProfileRecord>> ReadClinicProfile(Tx& tx,
                                                                     const std::string& clinic_id);
absl::StatusOr<std::vector<ClinicProfileRecord>> ReadClinicProfileVersions(
    Tx& tx, const std::string& clinic_id);
absl::StatusOr<std::vector<ClinicProfileRecord>> ReadLiveClinicProfiles(Tx& tx);
// What every replica last reported for `clinic_id` ("": every clinic).
absl::StatusOr<std::vector<ReplicaServing>> ReadReplicaServing(Tx& tx,
                                                               const std::string& clinic_id);
// Each clinic's chain, and what the database's constraints cannot say: feedback recorded for
// another clinic than its plan's, publications by clinics that do not exist.
absl::StatusOr<IntegrityReport> VerifyDatabase(Tx& tx);

}  // namespace modalis::store_postgres
