#include "cli/plan_text.h"

#include <sstream>

namespace modalis {
namespace {

std::string Join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = ' ';
  }
  return out;
}

}  // namespace

std::string PlanToText(const Plan& plan) {
  std::ostringstream out;
  out << "Plan " << (plan.plan_id.empty() ? "(not stored)" : plan.plan_id) << " - "
      << PlanStatusName(plan.status) << "\n";
  out << "Rules: " << plan.rule_set.id << " " << plan.rule_set.version << " (sha256 "
      << plan.rule_set.sha256.substr(0, 12) << ")\n";
  if (plan.referral.urgency != Urgency::kNone) {
    out << "\nREFERRAL (" << UrgencyName(plan.referral.urgency)
        << "): " << Join(plan.referral.reasons, "; ") << "\n";
  }
  if (!plan.steps.empty()) {
    out << "\nSteps:\n";
    uint32_t total = 0;
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      const PlanStep& s = plan.steps[i];
      total += s.minutes;
      out << "  " << i + 1 << ". " << s.display_name << " - " << s.minutes << " min";
      if (!s.pressure.empty()) out << ", " << s.pressure << " pressure";
      out << "\n     targets: " << Join(s.targets) << "\n";
      for (const auto& c : s.cautions) out << "     caution: " << c << "\n";
      if (!s.required_qualification.empty()) {
        out << "     needs qualification: " << s.required_qualification << "\n";
      }
      if (s.needs_written_consent) out << "     needs written consent\n";
      out << "     why: " << s.rationale << " [" << Join(s.rule_ids) << "]\n";
    }
    out << "  total: " << total << " min\n";
  }
  if (!plan.exclusions.empty()) {
    out << "\nNot suggested:\n";
    for (const Exclusion& e : plan.exclusions) {
      out << "  - " << e.modality << ": " << e.reason << " (" << Lower(SeverityName(e.severity))
          << ", " << e.source << ")\n";
    }
  }
  if (!plan.advice.empty()) {
    out << "\nAdvice:\n";
    for (const AdviceItem& a : plan.advice) out << "  - " << a.code << ": " << a.text << "\n";
  }
  if (plan.course) {
    out << "\nCourse: " << Lower(FrequencyName(plan.course->frequency)) << ", "
        << plan.course->sessions_min << "-" << plan.course->sessions_max
        << " sessions, review after " << plan.course->review_after_sessions << "\n";
  } else {
    out << "\nCourse: none to book\n";
  }
  if (!plan.missing_findings.empty()) {
    out << "\nAsk or record:\n";
    for (const MissingFinding& m : plan.missing_findings) {
      out << "  - " << m.code << ": " << m.why << "\n";
      for (size_t i = 1; i < m.reasons.size(); ++i) out << "      also " << m.reasons[i] << "\n";
    }
  }
  return out.str();
}

}  // namespace modalis
