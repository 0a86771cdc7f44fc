// Plain records the store keeps. Backend-neutral data, no behaviour beyond validation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/common/clinic_id.h"
#include "core/plan/plan.h"

namespace modalis {

// A rule set by content: stored once per sha256, so a plan stays explainable after the rule files
// change. `canonical_source` is shared (not copied) with the compiled rule set that produced it.
struct RuleSetRecord {
  std::string sha256;
  std::string id;
  std::string version;
  std::shared_ptr<const std::string> canonical_source;
};

struct PluginVersion {
  std::string id;
  std::string version;
};

// The assessment's pain figures, kept with the plan: the progress baseline when the patient has no
// recorded outcome yet (clinical brief §5 R6). Unknown findings stay unknown.
struct FindingsBaseline {
  std::optional<double> pain_nprs;
  std::optional<double> pain_days_per_week;
  std::optional<double> baseline_pain_nprs;
};

inline constexpr size_t kMaxClinicNameBytes = 200;

// A tenant (platform.md §1). Clinics are created, never deleted: their audit chains stay.
struct ClinicRecord {
  std::string clinic_id;
  std::string name;  // for people; may be empty
  int64_t created_at_ms = 0;
};

// Whose a published rule set is: a clinic's own (its admin published it) or the platform's
// (published by the operator, usable by every clinic).
inline constexpr std::string_view kPlatformOwner = "";

// A rule set published for use (platform.md §2): it compiled and passed its golden cases when it
// was published. Its content is kept once per sha256 (in `rule_set`); each owner that published
// it has its own record.
struct PublishedRuleSet {
  RuleSetRecord rule_set;  // canonical_source may be null in listings
  std::string owner;       // a clinic_id, or kPlatformOwner
  std::string author;      // who published it (the token's name)
  std::string comment;
  int64_t published_at_ms = 0;
};

// `sha256` went live for (clinic_id, condition). The store keeps every activation, so the
// history is complete and a rollback is an activation of an earlier hash.
struct RuleSetActivation {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string clinic_id;
  std::string condition;  // the rule set's id, e.g. "lower-back-pain"
  std::string sha256;
  // Optimistic concurrency: the hash the caller saw live ("" for none). When set, the activation
  // is refused (ABORTED) unless it is still the live one. nullopt activates unconditionally (the
  // rules directory at start and on reload: the files are the truth there).
  std::optional<std::string> expected_live;
  // Filled in by the store: the hash that was live before ("" when none).
  std::string replaced_sha256;
  std::string author;
  std::string comment;
  int64_t activated_at_ms = 0;
};

// A clinic's profile: the settings it overrides in every rule set that serves it (platform.md
// §2), as canonical JSON. Versioned per clinic like rule sets: each change appends a version, the
// latest is live, and going back is setting an earlier version's content again.
// What one replica of a shared store serves for one (clinic, condition), as it last reported.
struct ReplicaServing {
  std::string replica_id;
  std::string clinic_id;
  std::string condition;
  std::string sha256;  // "" when it cannot serve the rule set live there
  std::string error;   // why it cannot; "" when it serves
  int64_t reported_at_ms = 0;
  bool operator==(const ReplicaServing&) const = default;
};

struct ClinicProfileRecord {
  int64_t version = 0;  // assigned by the store: 1, 2, … per clinic
  std::string clinic_id;
  std::string profile_json;  // canonical (sorted keys, no whitespace)
  std::string sha256;        // of profile_json
  std::string author;
  std::string comment;
  int64_t set_at_ms = 0;
  // Optimistic concurrency on a write: the version the caller saw live (0 for none). When set
  // and not the live one, the write is ABORTED. nullopt writes unconditionally.
  std::optional<int64_t> expected_version;
};

struct StoredPlan {
  std::string plan_id;
  std::string patient_ref;  // pseudonymous; never a name
  std::string client;       // the calling application
  std::string request_id;   // idempotency key, unique per clinic and client; may be empty
  std::string request_hash;
  int64_t created_at_ms = 0;
  FindingsBaseline baseline;
  Plan plan;
  // The clinic the plan belongs to; only that clinic's callers ever see it. Last, as in the
  // records below, so that records written member by member keep their order.
  std::string clinic_id = std::string(kDefaultClinic);
  // What the plan was asked with (its findings and the session's settings), so that the same
  // question can be put to another rule set: the console's "what changes" before publishing. The
  // server encodes it and names the encoding in `replay_format`; the store keeps both as they
  // are. Empty for plans stored before it was kept. Erased with the plan.
  std::string replay_input = {};
  std::string replay_format = {};
};

// One stored plan's question, for asking it again of another rule set.
struct PlanReplayInput {
  std::string plan_id;
  std::string patient_ref;
  int64_t created_at_ms = 0;
  std::string rule_set_sha256;  // the rule set that made the stored plan
  std::string replay_input;
  std::string replay_format;
};

// Facts about one decision that go into its audit record besides the plan's own.
struct PlanAudit {
  std::vector<PluginVersion> plugins;       // every plugin the rule set had bound
  std::vector<std::string> fired_rule_ids;  // rules that fired (not merely undecided)
};

// Everything one SuggestPlan writes, in one transaction: the rule set (if new), the plan and its
// audit record.
struct NewPlan {
  StoredPlan plan;
  RuleSetRecord rule_set;
  PlanAudit audit;
  // The request's hash in the form an earlier release stored it, for a retry that spans an
  // upgrade: consulted only when the plan stored under the same request_id has a hash of another
  // form than plan.request_hash. Absent: such a retry is a different request.
  std::function<std::string()> legacy_request_hash = {};
  // `plan.plan` already encoded by the caller (modalisd serialises the reply message it built
  // anyway), and the format it is in. Used only when that is the format of the codec the store
  // was opened with (SqliteStoreOptions::plan_codec); otherwise, or when empty, the store encodes
  // the plan itself.
  std::string encoded_plan = {};
  std::string encoded_plan_format = {};
};

enum class StepDecision : uint8_t { kAccepted, kModified, kDeclined };
std::string_view StepDecisionName(StepDecision decision);
// The inverse of StepDecisionName, as the store reads a decision back (its column admits only the
// three names).
StepDecision StepDecisionFromName(std::string_view name);

struct StepFeedback {
  std::string plan_id;
  uint32_t step_index = 0;  // position in the plan's ordered steps
  StepDecision decision = StepDecision::kAccepted;
  std::string reason;  // required unless accepted
  std::string client;
  int64_t recorded_at_ms = 0;
  std::string clinic_id = std::string(kDefaultClinic);  // the plan must be this clinic's
};

// Outcome measures recorded at one session (clinical brief §2).
struct SessionOutcome {
  std::string patient_ref;
  uint32_t session_number = 0;        // 1 = first session
  double pain_nprs = 0;               // 0-10
  double pain_days_per_week = 0;      // 0-7
  std::optional<double> odi_percent;  // 0-100
  std::optional<double> rmdq;         // 0-24
  std::optional<double> psfs_avg;     // 0-10
  std::string client;
  int64_t recorded_at_ms = 0;
  std::string clinic_id = std::string(kDefaultClinic);
};

// INVALID_ARGUMENT naming the field when a value is outside its validated range.
absl::Status ValidateOutcome(const SessionOutcome& outcome);
absl::Status ValidateFeedback(const StepFeedback& feedback);

// One audit record as stored: `record_json` is empty once an erasure redacted it (the chain keeps
// its content hash, so it still verifies).
struct AuditEntry {
  int64_t seq = 0;
  int64_t at_ms = 0;
  std::string kind;  // "plan" or "erasure"
  std::string plan_id;
  std::string record_json;
};

struct PlanPage {
  std::vector<StoredPlan> plans;  // oldest first
  std::string next_page_token;    // empty on the last page
};

// Everything the store holds about one pseudonymous patient.
struct PatientRecord {
  std::string clinic_id;
  std::string patient_ref;
  std::vector<StoredPlan> plans;
  std::vector<StepFeedback> feedback;
  std::vector<SessionOutcome> outcomes;
  std::vector<AuditEntry> audit;
};

struct ErasureReport {
  int64_t plans = 0;
  int64_t feedback = 0;
  int64_t outcomes = 0;
  int64_t audit_redacted = 0;
};

// One clinic's audit hash chain as Verify found it.
struct AuditChain {
  std::string clinic_id;
  int64_t records = 0;
  std::string head;  // hash of its last record: note it elsewhere to detect truncation
  bool operator==(const AuditChain&) const = default;
};

struct IntegrityReport {
  int64_t audit_records = 0;  // over every chain
  int64_t audit_redacted = 0;
  std::vector<AuditChain> chains;  // one per clinic that has records, by clinic id
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

}  // namespace modalis
