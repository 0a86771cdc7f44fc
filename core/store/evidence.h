// Practice-based evidence for one clinic: how often each rule's and each modality's suggestions
// were accepted, modified or declined (and why), and how the patients who received a modality or
// a course did against their baseline. Pure functions over rows the store reads
// (Store::ReadEvidence), so every backend reports the same figures.
//
// Privacy: an aggregate never identifies a patient. A figure that rests on fewer than
// `EvidencePolicy::min_patients` distinct patients is withheld (its `suppressed` is set and its
// numbers are zero), and so is a free-text reason given for fewer patients than that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/care.h"
#include "core/store/progress.h"
#include "core/store/records.h"

namespace modalis {

// Which plans a report covers. Outcomes and feedback count when their plan is covered.
struct EvidenceQuery {
  int64_t since_ms = 0;  // plans created at or after; 0: from the first
  int64_t until_ms = 0;  // plans created before; 0: up to now
  // Only plans made by this rule set (its full sha256); empty: every rule set.
  std::string rule_set_sha256;
};

// One suggested step of a stored plan, as the report needs it.
struct EvidenceStep {
  std::string modality;
  std::vector<std::string> rule_ids;
};

struct EvidencePlan {
  std::string plan_id;
  std::string patient_ref;
  int64_t created_at_ms = 0;
  std::string rule_set_sha256;
  std::vector<EvidenceStep> steps;
  std::optional<Course> course;  // absent when the plan books no course
};

struct EvidenceFeedback {
  std::string plan_id;
  uint32_t step_index = 0;
  StepDecision decision = StepDecision::kAccepted;
  std::string reason;
};

// What the store reads for a report, all of one clinic.
struct EvidenceInputs {
  std::vector<EvidencePlan> plans;         // the covered plans, oldest first
  std::vector<EvidenceFeedback> feedback;  // on those plans, in the order it was recorded
  std::vector<SessionOutcome> outcomes;    // every outcome of those plans' patients
};

struct EvidencePolicy {
  ProgressPolicy progress;             // what counts as the minimal important change
  uint32_t min_follow_ups = 1;         // outcomes after the baseline a patient needs to count
  uint32_t min_patients = 5;           // below this, a figure is withheld
  uint32_t flag_min_suggestions = 20;  // a rule's declines are flagged only over this many
  double flag_declined_share = 0.5;    // … when more than this share was declined
};

// A proportion with its 95 % Wilson score interval (Wilson 1927): honest at small samples and near
// 0 or 1, where the normal approximation is not.
struct Rate {
  int64_t count = 0;
  int64_t total = 0;
  double value = 0;  // count / total; 0 when total is 0
  double low = 0;
  double high = 0;
};
Rate WilsonRate(int64_t count, int64_t total);

struct ReasonCount {
  std::string reason;  // as first written; reasons are grouped ignoring case and spacing
  int64_t count = 0;
};

// What therapists did with the suggestions of one rule or one modality.
struct DecisionSummary {
  int64_t patients = 0;  // distinct patients the suggestions were for
  bool suppressed = false;
  int64_t suggested = 0;  // steps suggested
  int64_t accepted = 0;
  int64_t modified = 0;
  int64_t declined = 0;
  int64_t without_feedback = 0;
  Rate declined_rate;  // declined of suggested
  // Reasons given when modifying or declining, most common first; only those given for at
  // least min_patients patients. `other_reasons` counts the rest.
  std::vector<ReasonCount> reasons;
  int64_t other_reasons = 0;
};

struct OutcomeAtSession {
  uint32_t session = 0;
  int64_t patients = 0;  // with a baseline and an outcome at this session
  bool suppressed = false;
  double mean_pain_nprs_change = 0;  // baseline - session: positive is better
  double mean_pain_days_change = 0;  // per week, the same way
  Rate reaches_mic;                  // NPRS
};

// How the patients of one group did: those with a baseline and at least min_follow_ups outcomes
// after it. The baseline is the patient's first recorded outcome, as in their progress
// (ComputeProgress); the change at a session is measured against it.
struct OutcomeSummary {
  int64_t patients = 0;
  bool suppressed = false;
  std::vector<OutcomeAtSession> sessions;  // 2, 4 and 6
  Rate reaches_mic;                        // at each patient's latest outcome
};

struct RuleEvidence {
  std::string rule_id;
  DecisionSummary decisions;
};

// A patient counts towards a modality's outcomes when one of their covered plans suggested it and
// that step was not declined.
struct ModalityEvidence {
  std::string modality;
  DecisionSummary decisions;
  OutcomeSummary outcomes;
};

// A patient counts towards the course of their first covered plan that booked one.
struct CourseEvidence {
  Course course;
  std::string label;  // e.g. "weekly, 4-6 sessions, review after 4"
  OutcomeSummary outcomes;
};

// Something for the clinic to look at, worded as a question, never as a verdict.
struct EvidenceFlag {
  std::string kind;     // "rule_often_declined" or "modality_reaches_mic_less_often"
  std::string subject;  // the rule id or the modality
  std::string question;
};

struct EvidenceReport {
  EvidenceQuery query;
  EvidencePolicy policy;
  int64_t plans = 0;
  int64_t patients = 0;
  std::vector<RuleEvidence> rules;           // by rule id
  std::vector<ModalityEvidence> modalities;  // by modality
  std::vector<CourseEvidence> courses;       // most patients first
  OutcomeSummary all_patients;
  std::vector<EvidenceFlag> flags;
};

EvidenceReport ComputeEvidence(const EvidenceQuery& query, const EvidenceInputs& inputs,
                               const EvidencePolicy& policy);

}  // namespace modalis
