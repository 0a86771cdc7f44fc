// What every backend of Store refuses, and in the same words: the checks of a write's input made
// before it is queued, and the errors a write or a read answers with. Backends differ in their SQL,
// never in what a client is told.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/records.h"

namespace modalis {

// Input checks, before a write is queued. Each is OK or INVALID_ARGUMENT.
absl::Status CheckErasure(const std::string& patient_ref);
absl::Status CheckNewClinic(const ClinicRecord& clinic);
absl::Status CheckPublication(const PublishedRuleSet& rule_set);
absl::Status CheckProfile(const ClinicProfileRecord& profile);
// A plan's replay input and the name of its encoding come together or not at all: bytes without
// their format could never be read back.
absl::Status CheckReplayInput(const StoredPlan& plan);

// A ListPlans page token as the position after which the page starts (0 for ""); INVALID_ARGUMENT
// for a token no store returned.
absl::StatusOr<int64_t> ParsePageToken(const std::string& page_token);
// The plans a page holds for a requested page_size (0: the default).
size_t PageSize(size_t page_size);

// FAILED_PRECONDITION: clinics are created by an operator, never by a write that names one.
absl::Status NoClinic(const std::string& clinic_id);
absl::Status ClinicExists(const std::string& clinic_id);
// NOT_FOUND for a rule set the clinic may not use: the same answer whether another clinic
// published it or nobody did, so it tells nothing of other clinics.
absl::Status NoPublishedRuleSet(const std::string& clinic_id, const std::string& sha256);
// `what` ("plan pl_1", "the served rule set") names a rule set the store does not hold and came
// without its content.
absl::Status RuleSetContentMissing(const std::string& what, const std::string& sha256);
absl::Status CannotPublishWithoutContent(const std::string& sha256);
absl::Status RuleSetForOtherCondition(const std::string& sha256, const std::string& id,
                                      const std::string& condition);
// ABORTED: the hash live now ("" for none) is not the one the caller expected.
absl::Status LiveRuleSetChanged(const RuleSetActivation& activation, const std::string& live);
absl::Status ProfileVersionChanged(const std::string& clinic_id, int64_t live, int64_t expected);
absl::Status RequestIdReused(const std::string& request_id);
absl::Status NoPlan(const std::string& plan_id);
absl::Status StepOutOfRange(const std::string& plan_id, size_t steps, uint32_t step_index);
absl::Status OutcomeAlreadyRecorded(uint32_t session_number);
absl::Status NothingStoredForPatient(const std::string& patient_ref);

}  // namespace modalis
