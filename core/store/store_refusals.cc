#include "core/store/store_refusals.h"

#include <algorithm>
#include <cstdlib>

namespace modalis {

absl::Status CheckErasure(const std::string& patient_ref) {
  if (patient_ref.empty()) return absl::InvalidArgumentError("patient_ref is required");
  return absl::OkStatus();
}

absl::Status CheckNewClinic(const ClinicRecord& clinic) {
  if (absl::Status s = CheckClinicId(clinic.clinic_id); !s.ok()) return s;
  if (clinic.name.size() > kMaxClinicNameBytes) {
    return absl::InvalidArgumentError("a clinic's name is at most " +
                                      std::to_string(kMaxClinicNameBytes) + " bytes");
  }
  return absl::OkStatus();
}

absl::Status CheckPublication(const PublishedRuleSet& rule_set) {
  if (rule_set.rule_set.sha256.empty() || rule_set.rule_set.id.empty()) {
    return absl::InvalidArgumentError("a published rule set needs its sha256 and its id");
  }
  return absl::OkStatus();
}

absl::Status CheckProfile(const ClinicProfileRecord& profile) {
  if (profile.profile_json.empty() || profile.sha256.empty()) {
    return absl::InvalidArgumentError("a clinic's profile needs its content and its sha256");
  }
  return absl::OkStatus();
}

absl::Status CheckReplayInput(const StoredPlan& plan) {
  if (plan.replay_input.empty() != plan.replay_format.empty()) {
    return absl::InvalidArgumentError(
        "a plan's replay_input and replay_format go together: one was given without the other");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParsePageToken(const std::string& page_token) {
  if (page_token.empty()) return 0;
  char* end = nullptr;
  const int64_t after = std::strtoll(page_token.c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || after < 0) {
    return absl::InvalidArgumentError("page_token is not one this store returned");
  }
  return after;
}

size_t PageSize(size_t page_size) { return page_size == 0 ? 50 : std::min<size_t>(page_size, 500); }

absl::Status NoClinic(const std::string& clinic_id) {
  return absl::FailedPreconditionError("there is no clinic '" + clinic_id +
                                       "' in this store; an operator creates it first (modalis "
                                       "clinic add)");
}

absl::Status ClinicExists(const std::string& clinic_id) {
  return absl::AlreadyExistsError("the clinic '" + clinic_id + "' already exists");
}

absl::Status NoPublishedRuleSet(const std::string& clinic_id, const std::string& sha256) {
  return absl::NotFoundError("there is no published rule set " + sha256 + " for clinic '" +
                             clinic_id + "'");
}

absl::Status RuleSetContentMissing(const std::string& what, const std::string& sha256) {
  return absl::InvalidArgumentError(what + " names rule set " + sha256 +
                                    " but its canonical content was not given");
}

absl::Status CannotPublishWithoutContent(const std::string& sha256) {
  return absl::FailedPreconditionError("rule set " + sha256 +
                                       " cannot be published without its canonical content");
}

absl::Status RuleSetForOtherCondition(const std::string& sha256, const std::string& id,
                                      const std::string& condition) {
  return absl::InvalidArgumentError("rule set " + sha256 + " is for the condition '" + id +
                                    "', not '" + condition + "'");
}

absl::Status LiveRuleSetChanged(const RuleSetActivation& a, const std::string& live) {
  auto name = [](const std::string& sha256) { return sha256.empty() ? "none" : sha256; };
  return absl::AbortedError("the rule set live for clinic '" + a.clinic_id + "', condition '" +
                            a.condition + "' is now " + name(live) + ", not " +
                            name(a.expected_live.value_or("")) +
                            ": someone activated another since; reload the history and try "
                            "again");
}

absl::Status ProfileVersionChanged(const std::string& clinic_id, int64_t live, int64_t expected) {
  return absl::AbortedError("the profile of clinic '" + clinic_id + "' is now at version " +
                            std::to_string(live) + ", not " + std::to_string(expected) +
                            ": someone changed it since; read it again and try again");
}

absl::Status RequestIdReused(const std::string& request_id) {
  return absl::AlreadyExistsError("request_id '" + request_id +
                                  "' was already used by this client for a different request; "
                                  "use a new request_id");
}

absl::Status NoPlan(const std::string& plan_id) {
  return absl::NotFoundError("no plan with id '" + plan_id + "'");
}

absl::Status StepOutOfRange(const std::string& plan_id, size_t steps, uint32_t step_index) {
  return absl::InvalidArgumentError("plan " + plan_id + " has " + std::to_string(steps) +
                                    " steps; step_index " + std::to_string(step_index) +
                                    " does not exist");
}

absl::Status OutcomeAlreadyRecorded(uint32_t session_number) {
  return absl::AlreadyExistsError("an outcome for session " + std::to_string(session_number) +
                                  " is already recorded for this patient");
}

absl::Status NothingStoredForPatient(const std::string& patient_ref) {
  return absl::NotFoundError("nothing is stored for patient '" + patient_ref + "'");
}

}  // namespace modalis
