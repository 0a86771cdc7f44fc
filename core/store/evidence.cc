#include "core/store/evidence.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/plan/plan.h"

namespace modalis {
namespace {

// Reasons are free text: "Patient declined", "patient  declined " are one reason.
std::string ReasonKey(const std::string& reason) {
  std::string key;
  for (char c : reason) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!key.empty() && key.back() != ' ') key += ' ';
    } else {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

struct ReasonTally {
  std::string first_written;
  int64_t count = 0;
  std::set<std::string> patients;
};

// Decisions on the suggestions of one rule or modality, before they are summarised.
struct DecisionTally {
  std::set<std::string> patients;
  int64_t suggested = 0, accepted = 0, modified = 0, declined = 0, without_feedback = 0;
  std::map<std::string, ReasonTally> reasons;

  void Add(const std::string& patient, const EvidenceFeedback* feedback) {
    patients.insert(patient);
    ++suggested;
    if (feedback == nullptr) {
      ++without_feedback;
      return;
    }
    switch (feedback->decision) {
      case StepDecision::kAccepted:
        ++accepted;
        return;
      case StepDecision::kModified:
        ++modified;
        break;
      case StepDecision::kDeclined:
        ++declined;
        break;
    }
    const std::string key = ReasonKey(feedback->reason);
    if (key.empty()) return;
    ReasonTally& r = reasons[key];
    if (r.count == 0) r.first_written = feedback->reason;
    ++r.count;
    r.patients.insert(patient);
  }
};

DecisionSummary Summarise(const DecisionTally& t, const EvidencePolicy& policy) {
  DecisionSummary s;
  if (t.patients.size() < policy.min_patients) {
    s.suppressed = true;
    return s;
  }
  s.patients = static_cast<int64_t>(t.patients.size());
  s.suggested = t.suggested;
  s.accepted = t.accepted;
  s.modified = t.modified;
  s.declined = t.declined;
  s.without_feedback = t.without_feedback;
  s.declined_rate = WilsonRate(t.declined, t.suggested);
  for (const auto& [key, r] : t.reasons) {
    if (r.patients.size() >= policy.min_patients) {
      s.reasons.push_back(ReasonCount{r.first_written, r.count});
    } else {
      s.other_reasons += r.count;
    }
  }
  std::stable_sort(s.reasons.begin(), s.reasons.end(),
                   [](const ReasonCount& a, const ReasonCount& b) { return a.count > b.count; });
  return s;
}

// One patient's outcomes, first session first.
using OutcomeSeries = std::vector<const SessionOutcome*>;

constexpr uint32_t kReportedSessions[] = {2, 4, 6};

// The change from the baseline (the first outcome) to `later`, measured as the patient's progress
// measures it, so the report and GetProgress never disagree on what reached the minimal
// important change.
Progress ChangeTo(const SessionOutcome& baseline, const SessionOutcome& later,
                  const ProgressPolicy& policy) {
  ProgressInputs in;
  in.outcomes = {baseline, later};
  ProgressPolicy p = policy;
  p.refer_when_not_improved = false;
  return ComputeProgress(baseline.patient_ref, in, p);
}

OutcomeSummary SummariseOutcomes(const std::set<std::string>& group,
                                 const std::map<std::string, OutcomeSeries>& series,
                                 const EvidencePolicy& policy) {
  OutcomeSummary s;
  struct AtSession {
    int64_t patients = 0, reached = 0, days_known = 0;
    double nprs_change = 0, days_change = 0;
  };
  std::map<uint32_t, AtSession> at;
  int64_t reached = 0;
  for (const std::string& patient : group) {
    auto it = series.find(patient);
    if (it == series.end() || it->second.size() < 1 + size_t{policy.min_follow_ups}) continue;
    const OutcomeSeries& o = it->second;
    ++s.patients;
    for (size_t i = 1; i < o.size(); ++i) {
      const uint32_t session = o[i]->session_number;
      if (std::find(std::begin(kReportedSessions), std::end(kReportedSessions), session) ==
          std::end(kReportedSessions)) {
        continue;
      }
      const Progress change = ChangeTo(*o.front(), *o[i], policy.progress);
      AtSession& a = at[session];
      ++a.patients;
      a.nprs_change += change.pain_nprs.improvement.value_or(0);
      a.days_change += change.pain_days_per_week.improvement.value_or(0);
      if (change.pain_nprs.reaches_mic) ++a.reached;
    }
    if (ChangeTo(*o.front(), *o.back(), policy.progress).pain_nprs.reaches_mic) ++reached;
  }
  if (s.patients < policy.min_patients) {
    s.patients = 0;
    s.suppressed = true;
    return s;
  }
  s.reaches_mic = WilsonRate(reached, s.patients);
  for (uint32_t session : kReportedSessions) {
    OutcomeAtSession out;
    out.session = session;
    const AtSession& a = at[session];
    if (a.patients < policy.min_patients) {
      out.suppressed = true;
    } else {
      out.patients = a.patients;
      out.mean_pain_nprs_change = a.nprs_change / static_cast<double>(a.patients);
      out.mean_pain_days_change = a.days_change / static_cast<double>(a.patients);
      out.reaches_mic = WilsonRate(a.reached, a.patients);
    }
    s.sessions.push_back(out);
  }
  return s;
}

std::string CourseLabel(const Course& c) {
  std::string label(FrequencyName(c.frequency));
  for (char& ch : label) {
    ch = ch == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  label += ", " + std::to_string(c.sessions_min);
  if (c.sessions_max != c.sessions_min) label += "-" + std::to_string(c.sessions_max);
  label += c.sessions_max == 1 ? " session" : " sessions";
  if (c.review_after_sessions > 0) {
    label += ", review after " + std::to_string(c.review_after_sessions);
  }
  return label;
}

std::string Percent(double share) { return std::to_string(std::lround(share * 100)) + " %"; }

// "14 of 22 (64 %, 95 % CI 43-80 %)"
std::string Describe(const Rate& r) {
  return std::to_string(r.count) + " of " + std::to_string(r.total) + " (" + Percent(r.value) +
         ", 95 % CI " + std::to_string(std::lround(r.low * 100)) + "-" + Percent(r.high) + ")";
}

}  // namespace

Rate WilsonRate(int64_t count, int64_t total) {
  Rate r;
  r.count = count;
  r.total = total;
  if (total <= 0) return r;
  constexpr double z = 1.959963984540054;  // the normal quantile for 95 %
  const double n = static_cast<double>(total);
  const double p = static_cast<double>(count) / n;
  const double denominator = 1 + z * z / n;
  const double centre = (p + z * z / (2 * n)) / denominator;
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator;
  r.value = p;
  r.low = std::max(0.0, centre - half);
  r.high = std::min(1.0, centre + half);
  return r;
}

EvidenceReport ComputeEvidence(const EvidenceQuery& query, const EvidenceInputs& inputs,
                               const EvidencePolicy& policy) {
  EvidenceReport report;
  report.query = query;
  report.policy = policy;
  report.plans = static_cast<int64_t>(inputs.plans.size());

  std::unordered_map<std::string_view, size_t> plan_index;
  for (size_t i = 0; i < inputs.plans.size(); ++i) plan_index[inputs.plans[i].plan_id] = i;
  // The latest feedback on each step counts: a therapist may correct what they recorded.
  std::map<std::pair<size_t, uint32_t>, const EvidenceFeedback*> decided;
  for (const EvidenceFeedback& f : inputs.feedback) {
    auto it = plan_index.find(f.plan_id);
    if (it == plan_index.end() || f.step_index >= inputs.plans[it->second].steps.size()) continue;
    decided[{it->second, f.step_index}] = &f;
  }

  std::map<std::string, DecisionTally> by_rule, by_modality;
  std::set<std::string> patients;
  std::map<std::string, std::set<std::string>> modality_patients;  // received, not declined
  std::map<std::string, const Course*> first_course;               // per patient
  for (size_t p = 0; p < inputs.plans.size(); ++p) {
    const EvidencePlan& plan = inputs.plans[p];
    patients.insert(plan.patient_ref);
    if (plan.course) first_course.emplace(plan.patient_ref, &*plan.course);
    for (uint32_t s = 0; s < plan.steps.size(); ++s) {
      const EvidenceStep& step = plan.steps[s];
      auto it = decided.find({p, s});
      const EvidenceFeedback* feedback = it == decided.end() ? nullptr : it->second;
      by_modality[step.modality].Add(plan.patient_ref, feedback);
      std::set<std::string_view> rules(step.rule_ids.begin(), step.rule_ids.end());
      for (std::string_view rule : rules)
        by_rule[std::string(rule)].Add(plan.patient_ref, feedback);
      if (feedback == nullptr || feedback->decision != StepDecision::kDeclined) {
        modality_patients[step.modality].insert(plan.patient_ref);
      }
    }
  }
  report.patients = static_cast<int64_t>(patients.size());

  std::map<std::string, OutcomeSeries> series;
  for (const SessionOutcome& o : inputs.outcomes) {
    if (patients.count(o.patient_ref) > 0) series[o.patient_ref].push_back(&o);
  }
  for (auto& [patient, s] : series) {
    std::sort(s.begin(), s.end(), [](const SessionOutcome* a, const SessionOutcome* b) {
      return a->session_number < b->session_number;
    });
  }

  for (const auto& [rule, tally] : by_rule) {
    report.rules.push_back(RuleEvidence{rule, Summarise(tally, policy)});
  }
  report.all_patients = SummariseOutcomes(patients, series, policy);
  for (const auto& [modality, tally] : by_modality) {
    report.modalities.push_back(
        ModalityEvidence{modality, Summarise(tally, policy),
                         SummariseOutcomes(modality_patients[modality], series, policy)});
  }

  std::map<std::string, std::pair<Course, std::set<std::string>>> by_course;
  for (const auto& [patient, course] : first_course) {
    auto& entry = by_course[CourseLabel(*course)];
    entry.first = *course;
    entry.second.insert(patient);
  }
  for (const auto& [label, entry] : by_course) {
    report.courses.push_back(
        CourseEvidence{entry.first, label, SummariseOutcomes(entry.second, series, policy)});
  }
  std::stable_sort(report.courses.begin(), report.courses.end(),
                   [](const CourseEvidence& a, const CourseEvidence& b) {
                     return a.outcomes.patients > b.outcomes.patients;
                   });

  for (const RuleEvidence& r : report.rules) {
    const DecisionSummary& d = r.decisions;
    if (d.suppressed || d.suggested < policy.flag_min_suggestions ||
        d.declined_rate.value <= policy.flag_declined_share) {
      continue;
    }
    report.flags.push_back(EvidenceFlag{
        "rule_often_declined", r.rule_id,
        "Therapists declined the suggestions of rule '" + r.rule_id + "' in " +
            Describe(d.declined_rate) +
            ". Does the rule suggest more than practice supports, or is its advice out of step "
            "with how the clinic works?"});
  }
  for (const ModalityEvidence& m : report.modalities) {
    if (m.outcomes.suppressed) continue;
    // The clinic's other patients: those with enough outcomes who did not receive the modality.
    std::set<std::string> others;
    const std::set<std::string>& received = modality_patients[m.modality];
    std::set_difference(patients.begin(), patients.end(), received.begin(), received.end(),
                        std::inserter(others, others.end()));
    const OutcomeSummary rest = SummariseOutcomes(others, series, policy);
    // Only a difference the intervals cannot explain: when in doubt, say nothing.
    if (rest.suppressed || m.outcomes.reaches_mic.high >= rest.reaches_mic.low) continue;
    report.flags.push_back(EvidenceFlag{
        "modality_reaches_mic_less_often", m.modality,
        "Patients whose plans included " + m.modality +
            " reached the minimal important change in " + Describe(m.outcomes.reaches_mic) +
            ", the clinic's other patients in " + Describe(rest.reaches_mic) + ". Is " +
            m.modality +
            " helping these patients, or do they differ in ways the plans do not show?"});
  }
  return report;
}

}  // namespace modalis
