#include "core/store/evidence.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

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

// The report works on patients by number: their references sorted, so that walking the numbers in
// order visits patients in the order of their references, and a group of patients is one flag
// per number.
using PatientIndex = uint32_t;
using Group = std::vector<uint8_t>;  // 1 for each member

struct ReasonTally {
  std::string first_written;
  int64_t count = 0;
  std::vector<PatientIndex> patients;  // with repeats; made distinct when summarised
};

// Decisions on the suggestions of one rule or modality, before they are summarised.
struct DecisionTally {
  Group seen;
  int64_t patients = 0;  // distinct
  int64_t suggested = 0, accepted = 0, modified = 0, declined = 0, without_feedback = 0;
  std::map<std::string, ReasonTally> reasons;

  // `reason_key` is ReasonKey(feedback->reason), computed once for every tally the step counts in.
  void Add(PatientIndex patient, size_t patient_count, const EvidenceFeedback* feedback,
           const std::string& reason_key) {
    if (seen.empty()) seen.assign(patient_count, 0);
    if (!seen[patient]) {
      seen[patient] = 1;
      ++patients;
    }
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
    if (reason_key.empty()) return;
    ReasonTally& r = reasons[reason_key];
    if (r.count == 0) r.first_written = feedback->reason;
    ++r.count;
    r.patients.push_back(patient);
  }
};

size_t Distinct(std::vector<PatientIndex> patients) {
  std::sort(patients.begin(), patients.end());
  return static_cast<size_t>(std::unique(patients.begin(), patients.end()) - patients.begin());
}

DecisionSummary Summarise(const DecisionTally& t, const EvidencePolicy& policy) {
  DecisionSummary s;
  if (t.patients < policy.min_patients) {
    s.suppressed = true;
    return s;
  }
  s.patients = t.patients;
  s.suggested = t.suggested;
  s.accepted = t.accepted;
  s.modified = t.modified;
  s.declined = t.declined;
  s.without_feedback = t.without_feedback;
  s.declined_rate = WilsonRate(t.declined, t.suggested);
  for (const auto& [key, r] : t.reasons) {
    if (Distinct(r.patients) >= policy.min_patients) {
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

// One patient's changes against their baseline, computed once for every group they are in.
struct PatientChanges {
  struct AtSession {
    uint32_t session = 0;
    double nprs_change = 0, days_change = 0;
    bool reached = false;
  };
  bool counted = false;             // a baseline and at least min_follow_ups outcomes after it
  std::vector<AtSession> sessions;  // the reported sessions among the later outcomes, in order
  bool reached = false;             // at the latest outcome
};

PatientChanges ChangesOf(const OutcomeSeries& o, const EvidencePolicy& policy) {
  PatientChanges c;
  if (o.size() < 1 + size_t{policy.min_follow_ups}) return c;
  c.counted = true;
  for (size_t i = 1; i < o.size(); ++i) {
    const uint32_t session = o[i]->session_number;
    if (std::find(std::begin(kReportedSessions), std::end(kReportedSessions), session) ==
        std::end(kReportedSessions)) {
      continue;
    }
    const Progress change = ChangeTo(*o.front(), *o[i], policy.progress);
    c.sessions.push_back({session, change.pain_nprs.improvement.value_or(0),
                          change.pain_days_per_week.improvement.value_or(0),
                          change.pain_nprs.reaches_mic});
  }
  c.reached = ChangeTo(*o.front(), *o.back(), policy.progress).pain_nprs.reaches_mic;
  return c;
}

OutcomeSummary SummariseOutcomes(const Group& group, const std::vector<PatientChanges>& changes,
                                 const EvidencePolicy& policy) {
  OutcomeSummary s;
  struct AtSession {
    int64_t patients = 0, reached = 0;
    double nprs_change = 0, days_change = 0;
  };
  std::map<uint32_t, AtSession> at;
  int64_t reached = 0;
  for (PatientIndex patient = 0; patient < group.size(); ++patient) {
    if (!group[patient] || !changes[patient].counted) continue;
    const PatientChanges& c = changes[patient];
    ++s.patients;
    for (const PatientChanges::AtSession& change : c.sessions) {
      AtSession& a = at[change.session];
      ++a.patients;
      a.nprs_change += change.nprs_change;
      a.days_change += change.days_change;
      if (change.reached) ++a.reached;
    }
    if (c.reached) ++reached;
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

  // The covered plans' patients, numbered in the order of their references.
  std::vector<std::string_view> refs;
  refs.reserve(inputs.plans.size());
  for (const EvidencePlan& plan : inputs.plans) refs.push_back(plan.patient_ref);
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  const size_t patient_count = refs.size();
  std::unordered_map<std::string_view, PatientIndex> patient_index;
  patient_index.reserve(patient_count);
  for (size_t i = 0; i < patient_count; ++i) {
    patient_index.emplace(refs[i], static_cast<PatientIndex>(i));
  }
  report.patients = static_cast<int64_t>(patient_count);

  // The latest feedback on each step counts: a therapist may correct what they recorded. Steps
  // are numbered plan after plan.
  std::unordered_map<std::string_view, size_t> plan_index;
  std::vector<size_t> first_step(inputs.plans.size() + 1, 0);
  for (size_t i = 0; i < inputs.plans.size(); ++i) {
    plan_index[inputs.plans[i].plan_id] = i;
    first_step[i + 1] = first_step[i] + inputs.plans[i].steps.size();
  }
  std::vector<const EvidenceFeedback*> decided(first_step.back(), nullptr);
  for (const EvidenceFeedback& f : inputs.feedback) {
    auto it = plan_index.find(f.plan_id);
    if (it == plan_index.end() || f.step_index >= inputs.plans[it->second].steps.size()) continue;
    decided[first_step[it->second] + f.step_index] = &f;
  }

  std::map<std::string, DecisionTally> by_rule, by_modality;
  std::map<std::string, Group> modality_patients;  // received, not declined
  std::vector<const Course*> first_course(patient_count, nullptr);
  std::vector<std::string_view> rules;
  std::string reason_key;
  for (size_t p = 0; p < inputs.plans.size(); ++p) {
    const EvidencePlan& plan = inputs.plans[p];
    const PatientIndex patient = patient_index.at(plan.patient_ref);
    if (plan.course && first_course[patient] == nullptr) first_course[patient] = &*plan.course;
    for (uint32_t s = 0; s < plan.steps.size(); ++s) {
      const EvidenceStep& step = plan.steps[s];
      const EvidenceFeedback* feedback = decided[first_step[p] + s];
      reason_key.clear();
      if (feedback != nullptr && feedback->decision != StepDecision::kAccepted) {
        reason_key = ReasonKey(feedback->reason);
      }
      by_modality[step.modality].Add(patient, patient_count, feedback, reason_key);
      // Each rule once per step, however often the step names it.
      rules.assign(step.rule_ids.begin(), step.rule_ids.end());
      std::sort(rules.begin(), rules.end());
      rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
      for (std::string_view rule : rules) {
        by_rule[std::string(rule)].Add(patient, patient_count, feedback, reason_key);
      }
      if (feedback == nullptr || feedback->decision != StepDecision::kDeclined) {
        Group& received = modality_patients[step.modality];
        if (received.empty()) received.assign(patient_count, 0);
        received[patient] = 1;
      }
    }
  }

  // Each patient's outcomes in session order, and their changes against the baseline.
  std::vector<OutcomeSeries> series(patient_count);
  for (const SessionOutcome& o : inputs.outcomes) {
    auto it = patient_index.find(o.patient_ref);
    if (it != patient_index.end()) series[it->second].push_back(&o);
  }
  std::vector<PatientChanges> changes;
  changes.reserve(patient_count);
  for (OutcomeSeries& s : series) {
    std::sort(s.begin(), s.end(), [](const SessionOutcome* a, const SessionOutcome* b) {
      return a->session_number < b->session_number;
    });
    changes.push_back(ChangesOf(s, policy));
  }

  for (const auto& [rule, tally] : by_rule) {
    report.rules.push_back(RuleEvidence{rule, Summarise(tally, policy)});
  }
  const Group everyone(patient_count, 1);
  report.all_patients = SummariseOutcomes(everyone, changes, policy);
  for (const auto& [modality, tally] : by_modality) {
    Group& received = modality_patients[modality];
    if (received.empty()) received.assign(patient_count, 0);
    report.modalities.push_back(ModalityEvidence{modality, Summarise(tally, policy),
                                                 SummariseOutcomes(received, changes, policy)});
  }

  std::map<std::string, std::pair<Course, Group>> by_course;
  for (PatientIndex patient = 0; patient < patient_count; ++patient) {
    const Course* course = first_course[patient];
    if (course == nullptr) continue;
    auto& entry = by_course[CourseLabel(*course)];
    entry.first = *course;
    if (entry.second.empty()) entry.second.assign(patient_count, 0);
    entry.second[patient] = 1;
  }
  for (const auto& [label, entry] : by_course) {
    report.courses.push_back(
        CourseEvidence{entry.first, label, SummariseOutcomes(entry.second, changes, policy)});
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
    Group others = modality_patients[m.modality];
    for (uint8_t& member : others) member = !member;
    const OutcomeSummary rest = SummariseOutcomes(others, changes, policy);
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
