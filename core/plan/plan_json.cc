#include "core/plan/plan_json.h"

namespace modalis {
namespace {

using nlohmann::json;

template <class E>
std::optional<E> Parse(std::string_view name, std::string_view (*to_name)(E), int count) {
  for (int i = 0; i < count; ++i) {
    if (to_name(static_cast<E>(i)) == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

json PlanToJson(const Plan& plan) {
  json j;
  j["plan_id"] = plan.plan_id;
  j["rule_set"] = {{"id", plan.rule_set.id},
                   {"version", plan.rule_set.version},
                   {"sha256", plan.rule_set.sha256}};
  j["status"] = PlanStatusName(plan.status);
  j["referral"] = {{"urgency", UrgencyName(plan.referral.urgency)},
                   {"reasons", plan.referral.reasons},
                   {"rule_ids", plan.referral.rule_ids}};
  j["steps"] = json::array();
  for (const PlanStep& s : plan.steps) {
    j["steps"].push_back({{"modality", s.modality},
                          {"display_name", s.display_name},
                          {"targets", s.targets},
                          {"minutes", s.minutes},
                          {"pressure", s.pressure},
                          {"params", s.params},
                          {"cautions", s.cautions},
                          {"instructions", s.instructions},
                          {"required_qualification", s.required_qualification},
                          {"needs_written_consent", s.needs_written_consent},
                          {"rationale", s.rationale},
                          {"rule_ids", s.rule_ids}});
  }
  j["exclusions"] = json::array();
  for (const Exclusion& e : plan.exclusions) {
    j["exclusions"].push_back({{"modality", e.modality},
                               {"reason", e.reason},
                               {"severity", SeverityName(e.severity)},
                               {"source", e.source},
                               {"findings", e.findings}});
  }
  j["advice"] = json::array();
  for (const AdviceItem& a : plan.advice)
    j["advice"].push_back({{"code", a.code}, {"text", a.text}});
  if (plan.course) {
    j["course"] = {{"frequency", FrequencyName(plan.course->frequency)},
                   {"sessions_min", plan.course->sessions_min},
                   {"sessions_max", plan.course->sessions_max},
                   {"review_after_sessions", plan.course->review_after_sessions}};
  }
  j["missing_findings"] = json::array();
  for (const MissingFinding& m : plan.missing_findings) {
    j["missing_findings"].push_back({{"code", m.code}, {"why", m.why}, {"reasons", m.reasons}});
  }
  j["contradictions"] = json::array();
  for (const Contradiction& c : plan.contradictions) {
    j["contradictions"].push_back({{"constraint_id", c.constraint_id},
                                   {"description", c.description},
                                   {"findings", c.findings}});
  }
  j["explanation"] = json::array();
  for (const FiredRule& f : plan.explanation) {
    j["explanation"].push_back({{"rule_id", f.rule_id},
                                {"description", f.description},
                                {"source", f.source},
                                {"outcome", f.outcome},
                                {"findings", f.findings}});
  }
  return j;
}

absl::StatusOr<Plan> PlanFromJson(const json& j) {
  try {
    Plan plan;
    plan.plan_id = j.at("plan_id").get<std::string>();
    plan.rule_set = {j.at("rule_set").at("id"), j.at("rule_set").at("version"),
                     j.at("rule_set").at("sha256")};
    auto status = Parse<PlanStatus>(j.at("status").get<std::string>(), &PlanStatusName, 4);
    auto urgency =
        Parse<Urgency>(j.at("referral").at("urgency").get<std::string>(), &UrgencyName, 4);
    if (!status || !urgency)
      return absl::DataLossError("stored plan has an unknown status or urgency");
    plan.status = *status;
    plan.referral.urgency = *urgency;
    plan.referral.reasons = j.at("referral").at("reasons");
    plan.referral.rule_ids = j.at("referral").at("rule_ids");
    for (const json& s : j.at("steps")) {
      PlanStep step;
      step.modality = s.at("modality");
      step.display_name = s.at("display_name");
      step.targets = s.at("targets");
      step.minutes = s.at("minutes");
      step.pressure = s.at("pressure");
      step.params = s.at("params").get<std::map<std::string, std::string>>();
      step.cautions = s.at("cautions");
      step.instructions = s.at("instructions");
      step.required_qualification = s.at("required_qualification");
      step.needs_written_consent = s.at("needs_written_consent");
      step.rationale = s.at("rationale");
      step.rule_ids = s.at("rule_ids");
      plan.steps.push_back(std::move(step));
    }
    for (const json& e : j.at("exclusions")) {
      auto severity =
          Parse<Exclusion::Severity>(e.at("severity").get<std::string>(), &SeverityName, 8);
      if (!severity) return absl::DataLossError("stored plan has an unknown exclusion severity");
      plan.exclusions.push_back(
          {e.at("modality"), e.at("reason"), *severity, e.at("source"), e.at("findings")});
    }
    for (const json& a : j.at("advice")) plan.advice.push_back({a.at("code"), a.at("text")});
    if (j.contains("course")) {
      const json& c = j["course"];
      auto frequency = Parse<Frequency>(c.at("frequency").get<std::string>(), &FrequencyName, 4);
      if (!frequency) return absl::DataLossError("stored plan has an unknown course frequency");
      plan.course = Course{*frequency, c.at("sessions_min"), c.at("sessions_max"),
                           c.at("review_after_sessions")};
    }
    for (const json& m : j.at("missing_findings")) {
      // Plans stored before every reason was listed have only `why`.
      std::vector<std::string> reasons = m.contains("reasons")
                                             ? m.at("reasons").get<std::vector<std::string>>()
                                             : std::vector<std::string>{m.at("why")};
      plan.missing_findings.push_back({m.at("code"), m.at("why"), std::move(reasons)});
    }
    // Plans stored before contradictions were reported have none.
    if (j.contains("contradictions")) {
      for (const json& c : j.at("contradictions")) {
        plan.contradictions.push_back(
            {c.at("constraint_id"), c.at("description"), c.at("findings")});
      }
    }
    for (const json& f : j.at("explanation")) {
      plan.explanation.push_back({f.at("rule_id"), f.at("description"), f.at("source"),
                                  f.at("outcome"), f.at("findings")});
    }
    return plan;
  } catch (const json::exception& e) {
    return absl::DataLossError(std::string("stored plan is not readable: ") + e.what());
  }
}

}  // namespace modalis
