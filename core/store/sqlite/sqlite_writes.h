// The store's writes, each applied by the writer thread inside its batch's transaction: plans
// (with the rule set they name and their audit record), feedback, outcomes, the rule sets served,
// published and activated, clinic profiles, and a patient's erasure. Each runs in a savepoint of
// its own (BatchWriter), so an error status or an exception undoes only its own changes.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "core/store/plan_codec.h"
#include "core/store/prepared_plan.h"
#include "core/store/sqlite/batch_writer.h"
#include "core/store/store.h"

namespace modalis::store_sqlite {

using ::modalis::NowMs;
using ::modalis::PreparedPlan;
using ::modalis::PreparePlan;

// Stores the plan, or for a retry of the same request answers with the plan stored the first
// time; ALREADY_EXISTS for a request_id the client used for another request.
// Plans already stored are read with `codec` (PlanFromRow).
absl::Status ApplyPutPlan(WriterConnection& w, PreparedPlan& prepared, const PlanCodec& codec,
                          StoredPlan* result);
absl::Status ApplyFeedback(WriterConnection& w, const StepFeedback& f, const PlanCodec& codec);
absl::Status ApplyOutcome(WriterConnection& w, const SessionOutcome& o);
// Removes what the clinic stores for the patient and redacts their audit records, then appends
// to the clinic's chain a tombstone that names only the plan ids removed.
absl::Status ApplyErase(WriterConnection& w, const std::string& clinic_id, const std::string& ref,
                        ErasureReport* report);
absl::Status ApplyCreateClinic(WriterConnection& w, const ClinicRecord& clinic);
absl::Status ApplyServedRuleSet(WriterConnection& w, const RuleSetRecord& rule_set, int64_t at_ms);
// Publishes the rule set for its owner, storing its content once by hash (and filling in the
// content of a hash stored without it). `*added` is false when the owner had published it before:
// that first record stands.
absl::Status ApplyPublishRuleSet(WriterConnection& w, const PublishedRuleSet& published,
                                 bool* added);
// Puts a rule set the clinic or the platform published live for (clinic, condition), unless
// `activation.expected_live` is set and another hash is live now. Fills in its seq and
// replaced_sha256.
absl::Status ApplyActivateRuleSet(WriterConnection& w, RuleSetActivation& activation);
// Appends the next version of the clinic's profile, unless `profile.expected_version` is set and
// another version is live now. Fills in its version.
absl::Status ApplySetClinicProfile(WriterConnection& w, ClinicProfileRecord& profile);

}  // namespace modalis::store_sqlite
