#include "adapters/evidence_proto.h"

#include <vector>

#include "adapters/plan_proto.h"
#include "core/findings/findings.h"

namespace modalis {
namespace {

uint32_t Count(int64_t n) { return static_cast<uint32_t>(n); }

void Copy(const Rate& in, v1::Rate* out) {
  out->set_count(Count(in.count));
  out->set_total(Count(in.total));
  out->set_value(in.value);
  out->set_low(in.low);
  out->set_high(in.high);
}

void Copy(const DecisionSummary& in, v1::DecisionSummary* out) {
  out->set_suppressed(in.suppressed);
  out->set_patients(Count(in.patients));
  out->set_suggested(Count(in.suggested));
  out->set_accepted(Count(in.accepted));
  out->set_modified(Count(in.modified));
  out->set_declined(Count(in.declined));
  out->set_without_feedback(Count(in.without_feedback));
  Copy(in.declined_rate, out->mutable_declined_rate());
  for (const ReasonCount& r : in.reasons) {
    v1::ReasonCount* reason = out->add_reasons();
    reason->set_reason(r.reason);
    reason->set_count(Count(r.count));
  }
  out->set_other_reasons(Count(in.other_reasons));
}

void Copy(const OutcomeSummary& in, v1::OutcomeSummary* out) {
  out->set_suppressed(in.suppressed);
  out->set_patients(Count(in.patients));
  for (const OutcomeAtSession& s : in.sessions) {
    v1::OutcomeAtSession* session = out->add_sessions();
    session->set_session(s.session);
    session->set_suppressed(s.suppressed);
    session->set_patients(Count(s.patients));
    session->set_mean_pain_nprs_change(s.mean_pain_nprs_change);
    session->set_mean_pain_days_change(s.mean_pain_days_change);
    Copy(s.reaches_mic, session->mutable_reaches_mic());
  }
  Copy(in.reaches_mic, out->mutable_reaches_mic());
}

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

void EvidenceToProto(const EvidenceReport& report, const std::string& clinic_id,
                     v1::GetEvidenceResponse* out) {
  out->set_clinic_id(clinic_id);
  out->set_plans(Count(report.plans));
  out->set_patients(Count(report.patients));
  out->set_min_patients(report.policy.min_patients);
  for (const RuleEvidence& r : report.rules) {
    v1::RuleEvidence* rule = out->add_rules();
    rule->set_rule_id(r.rule_id);
    Copy(r.decisions, rule->mutable_decisions());
  }
  for (const ModalityEvidence& m : report.modalities) {
    v1::ModalityEvidence* modality = out->add_modalities();
    modality->set_modality(m.modality);
    Copy(m.decisions, modality->mutable_decisions());
    Copy(m.outcomes, modality->mutable_outcomes());
  }
  for (const CourseEvidence& c : report.courses) {
    v1::CourseEvidence* course = out->add_courses();
    v1::Course* k = course->mutable_course();
    k->set_frequency(ToProto(c.course.frequency));
    k->set_sessions_min(c.course.sessions_min);
    k->set_sessions_max(c.course.sessions_max);
    k->set_review_after_sessions(c.course.review_after_sessions);
    course->set_label(c.label);
    Copy(c.outcomes, course->mutable_outcomes());
  }
  Copy(report.all_patients, out->mutable_all_patients());
  for (const EvidenceFlag& f : report.flags) {
    v1::EvidenceFlag* flag = out->add_flags();
    flag->set_kind(f.kind);
    flag->set_subject(f.subject);
    flag->set_question(f.question);
  }
}

absl::StatusOr<EvidenceQuery> EvidenceQueryFromProto(const v1::GetEvidenceRequest& request) {
  std::vector<FieldViolation> violations;
  if (request.since_ms() < 0) {
    violations.push_back({"since_ms", "must be 0 or a time in milliseconds since 1970"});
  }
  if (request.until_ms() < 0) {
    violations.push_back({"until_ms", "must be 0 or a time in milliseconds since 1970"});
  }
  if (request.until_ms() > 0 && request.until_ms() <= request.since_ms()) {
    violations.push_back(
        {"until_ms", "must be after since_ms (" + std::to_string(request.since_ms()) + ")"});
  }
  if (!request.rule_set_sha256().empty() && !IsSha256(request.rule_set_sha256())) {
    violations.push_back(
        {"rule_set_sha256", "must be a rule set's sha256: 64 lowercase hexadecimal digits"});
  }
  if (request.min_follow_ups() > 100) {
    violations.push_back({"min_follow_ups", "must be at most 100"});
  }
  if (!violations.empty()) {
    std::string message = "invalid evidence request: ";
    for (size_t i = 0; i < violations.size(); ++i) {
      message += (i ? "; " : "") + violations[i].field + " " + violations[i].description;
    }
    return InvalidFields(std::move(message), violations);
  }
  EvidenceQuery query;
  query.since_ms = request.since_ms();
  query.until_ms = request.until_ms();
  query.rule_set_sha256 = request.rule_set_sha256();
  return query;
}

}  // namespace modalis
