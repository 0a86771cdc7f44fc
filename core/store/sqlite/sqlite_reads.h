// The store's reads, each on a read-only connection of the pool: plans, a patient's progress and
// record, the rule set last served, the rule sets published and activated, clinic profiles, and
// the check of the file and the audit chain. Each throws SQLite::Exception for the caller to turn
// into a status.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis::store_sqlite {

absl::StatusOr<std::optional<RuleSetRecord>> ReadLastServedRuleSet(SQLite::Database& db);
// Those that return plans decode each by the format stored with it (PlanFromRow).
// Every read is of one clinic's rows: another clinic's are as absent as rows never written.
absl::StatusOr<StoredPlan> ReadPlan(SQLite::Database& db, const PlanCodec& codec,
                                    const std::string& clinic_id, const std::string& plan_id);
// At most `size` of the patient's plans stored after row `after`, oldest first.
absl::StatusOr<PlanPage> ReadPlanPage(SQLite::Database& db, const PlanCodec& codec,
                                      const std::string& clinic_id, const std::string& ref,
                                      int64_t after, size_t size);
// The clinic's newest `limit` plans that kept a replay input, newest first (by created_at_ms,
// then the later stored first).
absl::StatusOr<std::vector<PlanReplayInput>> ReadRecentReplayInputs(SQLite::Database& db,
                                                                    const std::string& clinic_id,
                                                                    size_t limit);
// SQLite's EXPLAIN QUERY PLAN of ReadRecentReplayInputs's statement, as ExplainEvidence gives
// its: for the test that keeps it reading through its index, without sorting.
absl::StatusOr<std::vector<std::string>> ExplainRecentReplayInputs(SQLite::Database& db,
                                                                   const std::string& clinic_id,
                                                                   size_t limit);
absl::StatusOr<Progress> ReadProgress(SQLite::Database& db, const PlanCodec& codec,
                                      const std::string& clinic_id, const std::string& ref,
                                      const ProgressPolicy& policy);
absl::StatusOr<PatientRecord> ReadPatient(SQLite::Database& db, const PlanCodec& codec,
                                          const std::string& clinic_id, const std::string& ref);
// The plans `query` covers with their feedback and their patients' outcomes (Store::ReadEvidence):
// the plans in one read, then their feedback plan by plan and their outcomes patient by patient,
// all in one snapshot.
absl::StatusOr<EvidenceInputs> ReadEvidence(SQLite::Database& db, const PlanCodec& codec,
                                            const std::string& clinic_id,
                                            const EvidenceQuery& query);
// SQLite's EXPLAIN QUERY PLAN of each of ReadEvidence's three statements (the same SQL, bound the
// same way; the feedback and outcomes statements run once per plan and once per patient with the
// same plan), one line per step, indented two spaces per level: which indexes the report uses,
// for the benchmark and the test that keeps them used.
struct EvidenceQueryPlans {
  std::vector<std::string> plans;     // the covered plans
  std::vector<std::string> feedback;  // one plan's feedback
  std::vector<std::string> outcomes;  // one patient's outcomes
};
absl::StatusOr<EvidenceQueryPlans> ExplainEvidence(SQLite::Database& db,
                                                   const std::string& clinic_id,
                                                   const EvidenceQuery& query);
absl::StatusOr<std::vector<ClinicRecord>> ReadClinics(SQLite::Database& db);
// Rule sets published by the clinic or the platform, newest first, without their content.
absl::StatusOr<std::vector<PublishedRuleSet>> ReadPublishedRuleSets(SQLite::Database& db,
                                                                    const std::string& clinic_id);
// With its content; NOT_FOUND unless the clinic or the platform published it.
absl::StatusOr<RuleSetRecord> ReadPublishedRuleSet(SQLite::Database& db,
                                                   const std::string& clinic_id,
                                                   const std::string& sha256);
// The clinic's activations, newest first.
absl::StatusOr<std::vector<RuleSetActivation>> ReadActivations(SQLite::Database& db,
                                                               const std::string& clinic_id);
// The latest activation of each (clinic, condition), by clinic then condition.
absl::StatusOr<std::vector<RuleSetActivation>> ReadLiveActivations(SQLite::Database& db);
// The clinic's latest profile; nullopt when it has none.
absl::StatusOr<std::optional<ClinicProfileRecord>> ReadClinicProfile(SQLite::Database& db,
                                                                     const std::string& clinic_id);
// Every version of the clinic's profile, newest first.
absl::StatusOr<std::vector<ClinicProfileRecord>> ReadClinicProfileVersions(
    SQLite::Database& db, const std::string& clinic_id);
// The latest profile of each clinic that has one, by clinic.
absl::StatusOr<std::vector<ClinicProfileRecord>> ReadLiveClinicProfiles(SQLite::Database& db);
// Checks each clinic's chain on its own, and that every row names a clinic that exists.
absl::StatusOr<IntegrityReport> VerifyDatabase(SQLite::Database& db);

}  // namespace modalis::store_sqlite
