// Every field of the evidence report's inputs and of the report itself as text, one record a
// line, doubles to their last bit: two are equal exactly when their texts are.
#pragma once

#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "core/store/evidence.h"

namespace modalis::testing {

inline void WriteOptional(std::ostream& out, const std::optional<double>& v) {
  if (v) {
    out << *v;
  } else {
    out << "-";
  }
}

inline std::string EvidenceInputsText(const EvidenceInputs& in) {
  std::ostringstream out;
  out << std::setprecision(17);
  for (const EvidencePlan& p : in.plans) {
    out << "plan " << p.plan_id << ' ' << p.patient_ref << ' ' << p.created_at_ms << ' '
        << p.rule_set_sha256;
    for (const EvidenceStep& s : p.steps) {
      out << " [" << s.modality;
      for (const std::string& rule : s.rule_ids) out << ' ' << rule;
      out << ']';
    }
    if (p.course) {
      out << " course " << static_cast<int>(p.course->frequency) << ' ' << p.course->sessions_min
          << ' ' << p.course->sessions_max << ' ' << p.course->review_after_sessions;
    }
    out << '\n';
  }
  for (const EvidenceFeedback& f : in.feedback) {
    out << "feedback " << f.plan_id << ' ' << f.step_index << ' ' << StepDecisionName(f.decision)
        << " '" << f.reason << "'\n";
  }
  for (const SessionOutcome& o : in.outcomes) {
    out << "outcome " << o.clinic_id << ' ' << o.patient_ref << ' ' << o.session_number << ' '
        << o.pain_nprs << ' ' << o.pain_days_per_week << ' ';
    WriteOptional(out, o.odi_percent);
    out << ' ';
    WriteOptional(out, o.rmdq);
    out << ' ';
    WriteOptional(out, o.psfs_avg);
    out << ' ' << o.client << ' ' << o.recorded_at_ms << '\n';
  }
  return out.str();
}

inline void WriteRate(std::ostream& out, const Rate& r) {
  out << r.count << '/' << r.total << ' ' << r.value << " [" << r.low << ", " << r.high << ']';
}

inline void WriteDecisions(std::ostream& out, const DecisionSummary& d) {
  out << "  decisions patients " << d.patients << (d.suppressed ? " suppressed" : "")
      << " suggested " << d.suggested << " accepted " << d.accepted << " modified " << d.modified
      << " declined " << d.declined << " without " << d.without_feedback << " rate ";
  WriteRate(out, d.declined_rate);
  out << '\n';
  for (const ReasonCount& r : d.reasons) out << "    '" << r.reason << "' " << r.count << '\n';
  out << "    other " << d.other_reasons << '\n';
}

inline void WriteOutcomes(std::ostream& out, const OutcomeSummary& o) {
  out << "  outcomes patients " << o.patients << (o.suppressed ? " suppressed" : "") << " mic ";
  WriteRate(out, o.reaches_mic);
  out << '\n';
  for (const OutcomeAtSession& s : o.sessions) {
    out << "    session " << s.session << " patients " << s.patients
        << (s.suppressed ? " suppressed" : "") << " nprs " << s.mean_pain_nprs_change << " days "
        << s.mean_pain_days_change << " mic ";
    WriteRate(out, s.reaches_mic);
    out << '\n';
  }
}

inline std::string EvidenceReportText(const EvidenceReport& r) {
  std::ostringstream out;
  out << std::setprecision(17);
  out << "query " << r.query.since_ms << ' ' << r.query.until_ms << ' ' << r.query.rule_set_sha256
      << '\n';
  out << "plans " << r.plans << " patients " << r.patients << '\n';
  for (const RuleEvidence& rule : r.rules) {
    out << "rule " << rule.rule_id << '\n';
    WriteDecisions(out, rule.decisions);
  }
  for (const ModalityEvidence& m : r.modalities) {
    out << "modality " << m.modality << '\n';
    WriteDecisions(out, m.decisions);
    WriteOutcomes(out, m.outcomes);
  }
  for (const CourseEvidence& c : r.courses) {
    out << "course " << c.label << '\n';
    WriteOutcomes(out, c.outcomes);
  }
  out << "all patients\n";
  WriteOutcomes(out, r.all_patients);
  for (const EvidenceFlag& f : r.flags) {
    out << "flag " << f.kind << ' ' << f.subject << ": " << f.question << '\n';
  }
  return out.str();
}

}  // namespace modalis::testing
