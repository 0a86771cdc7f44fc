// The store's writes as PostgreSQL SQL, each applied by the writer inside its batch's transaction
// and a savepoint of its own. The writes that append to a clinic's history (plans and erasures to
// its audit chain, activations, profile versions) run with the clinic's advisory lock held
// (PostgresWriter::Item::locks_clinic), which makes "read the head, then append" atomic across
// replicas.
#pragma once

#include <pqxx/connection_base>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/store/plan_codec.h"
#include "core/store/prepared_plan.h"
#include "core/store/store.h"

namespace modalis::store_postgres {

// Committing an activation or a clinic profile NOTIFYs these channels (the payload is the
// clinic), so every replica that LISTENs puts the change live.
inline constexpr char kActivationsChannel[] = "modalis_activations";
inline constexpr char kProfilesChannel[] = "modalis_profiles";

// Declares on `connection` the statements the writes run most (storing a plan, feedback and
// outcomes), prepared once per connection on first use rather than parsed and planned per call.
void DeclareWriteStatements(pqxx::connection_base& connection);

// Stores the plan, or for a retry of the same request (from this replica or another) answers with
// the plan stored the first time; ALREADY_EXISTS for a request_id the client used for another
// request.
absl::Status ApplyPutPlan(pqxx::transaction_base& tx, PreparedPlan& prepared,
                          const PlanCodec& codec, StoredPlan* result);
absl::Status ApplyFeedback(pqxx::transaction_base& tx, const StepFeedback& f,
                           const PlanCodec& codec);
absl::Status ApplyOutcome(pqxx::transaction_base& tx, const SessionOutcome& o);
absl::Status ApplyErase(pqxx::transaction_base& tx, const std::string& clinic_id,
                        const std::string& ref, ErasureReport* report);
absl::Status ApplyCreateClinic(pqxx::transaction_base& tx, const ClinicRecord& clinic);
absl::Status ApplyServedRuleSet(pqxx::transaction_base& tx, const RuleSetRecord& rule_set,
                                int64_t at_ms);
absl::Status ApplyPublishRuleSet(pqxx::transaction_base& tx, const PublishedRuleSet& published,
                                 bool* added);
absl::Status ApplyActivateRuleSet(pqxx::transaction_base& tx, RuleSetActivation& activation);
absl::Status ApplyReportReplicaServing(pqxx::transaction_base& tx, const std::string& replica_id,
                                       const std::vector<ReplicaServing>& rows);
absl::Status ApplySetClinicProfile(pqxx::transaction_base& tx, ClinicProfileRecord& profile);

}  // namespace modalis::store_postgres
