#include "adapters/fhir_plan.h"

#include <ctime>

#include "adapters/plan_words.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kSeveritySystem[] = "https://modalis.dev/fhir/CodeSystem/exclusion-severity";
constexpr char kUcum[] = "http://unitsofmeasure.org";

// FHIR dateTime in UTC, to the millisecond.
std::string DateTime(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

// FHIR ids allow letters, digits, '-' and '.', not the '_' of a plan id.
std::string ResourceId(const std::string& plan_id) {
  std::string id = plan_id;
  for (char& c : id) {
    if (c == '_') c = '-';
  }
  return id;
}

Json Subject(const std::string& patient_ref) {
  return {{"identifier", {{"system", kFhirPatientRefSystem}, {"value", patient_ref}}}};
}

Json Minutes(uint32_t minutes) {
  return {{"value", minutes}, {"unit", "min"}, {"system", kUcum}, {"code", "min"}};
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 const char* separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string ModuleUri(const v1::RuleSetRef& rules) {
  return "urn:modalis:rule-set:" + rules.id() + ":" + rules.version();
}

std::string StatusText(const v1::Plan& plan) {
  switch (plan.status()) {
    case v1::COMPLETE:
      return "Complete: every safety question is answered.";
    case v1::PROVISIONAL:
      return "Provisional: ask the open safety questions before treating.";
    case v1::SCREEN_REQUIRED:
      return "Screen required: no treatment until the red-flag screen is asked.";
    case v1::REFERRED:
      return std::string("Referred (") + UrgencyWord(plan.referral().urgency()) +
             "): no treatment.";
    default:
      return "Unknown status.";
  }
}

const char* SeverityCode(v1::ExclusionSeverity s) {
  switch (s) {
    case v1::ABSOLUTE:
      return "absolute";
    case v1::RULE:
      return "rule";
    case v1::DECLINED:
      return "declined";
    case v1::QUALIFICATION:
      return "qualification";
    case v1::UNAVAILABLE:
      return "unavailable";
    case v1::PLUGIN_ERROR:
      return "plugin-error";
    case v1::TIME_BUDGET:
      return "time-budget";
    case v1::NEEDS_FINDINGS:
      return "needs-findings";
    default:
      return "unspecified";
  }
}

// How much an exclusion matters to the patient's safety, in DetectedIssue's terms.
const char* IssueSeverity(v1::ExclusionSeverity s) {
  switch (s) {
    case v1::ABSOLUTE:
    case v1::RULE:
      return "high";
    case v1::TIME_BUDGET:
      return "low";
    default:
      return "moderate";
  }
}

Json FindingCodes(const google::protobuf::RepeatedPtrField<std::string>& findings) {
  Json codings = Json::array();
  for (const std::string& f : findings) {
    codings.push_back({{"system", kFhirFindingSystem}, {"code", f}});
  }
  return codings;
}

Json Activity(const v1::Step& step) {
  Json detail = {
      {"kind", "ServiceRequest"},
      {"code",
       {{"coding", Json::array({{{"system", kFhirModalitySystem},
                                 {"code", step.modality()},
                                 {"display", step.display_name()}}})},
        {"text", step.display_name()}}},
      {"status", "not-started"},
      {"doNotPerform", false},
      {"scheduledTiming", {{"repeat", {{"duration", step.minutes()}, {"durationUnit", "min"}}}}}};
  std::string description;
  if (!step.targets().empty()) description += "Targets: " + Join(step.targets(), ", ") + ".";
  if (!step.pressure().empty()) description += " Pressure: " + step.pressure() + ".";
  for (const std::string& i : step.instructions()) description += " " + i;
  for (const std::string& c : step.cautions()) description += " Caution: " + c + ".";
  if (!step.required_qualification().empty()) {
    description += " Requires: " + step.required_qualification() + ".";
  }
  if (step.needs_written_consent()) description += " Written consent needed.";
  const size_t first = description.find_first_not_of(' ');
  if (first != std::string::npos) detail["description"] = description.substr(first);
  return {{"detail", std::move(detail)}};
}

Json Order(const v1::Plan& plan, const Json& subject) {
  Json actions = Json::array();
  for (int i = 0; i < plan.steps_size(); ++i) {
    const v1::Step& step = plan.steps(i);
    Json action = {{"id", "step-" + std::to_string(i + 1)}, {"title", step.display_name()}};
    if (!step.rationale().empty()) action["description"] = step.rationale();
    action["code"] = Json::array({{{"coding", Json::array({{{"system", kFhirModalitySystem},
                                                            {"code", step.modality()}}})}}});
    action["timingDuration"] = Minutes(step.minutes());
    if (i > 0) {
      action["relatedAction"] =
          Json::array({{{"actionId", "step-" + std::to_string(i)}, {"relationship", "after-end"}}});
    }
    actions.push_back(std::move(action));
  }
  Json group = {{"resourceType", "RequestGroup"},
                {"id", "order"},
                {"status", "draft"},
                {"intent", "proposal"},
                {"subject", subject}};
  if (!actions.empty()) group["action"] = std::move(actions);
  return group;
}

Json Issue(std::string id, Json code, const char* severity, const Json& subject,
           const std::string& when, const std::string& detail,
           const google::protobuf::RepeatedPtrField<std::string>& findings) {
  Json issue = {
      {"resourceType", "DetectedIssue"}, {"id", std::move(id)},  {"status", "preliminary"},
      {"code", std::move(code)},         {"severity", severity}, {"patient", subject},
      {"identifiedDateTime", when}};
  if (!detail.empty()) issue["detail"] = detail;
  if (!findings.empty())
    issue["evidence"] =
        Json::array({{{"code", Json::array({{{"coding", FindingCodes(findings)}}})}}});
  return issue;
}

Json Explanation(const v1::Plan& plan, const Json& subject, const std::string& when) {
  Json notes = Json::array();
  for (const v1::ExplainedRule& r : plan.explanation()) {
    std::string text = r.outcome() + ": " + r.rule_id();
    if (!r.description().empty()) text += " — " + r.description();
    if (!r.findings().empty()) text += " (findings: " + Join(r.findings(), ", ") + ")";
    notes.push_back({{"text", text}});
  }
  for (const v1::MissingFinding& m : plan.missing_findings()) {
    notes.push_back({{"text", "ask: " + m.code() + (m.why().empty() ? "" : " — " + m.why())}});
  }
  Json guidance = {{"resourceType", "GuidanceResponse"},
                   {"id", "explanation"},
                   {"moduleUri", ModuleUri(plan.rule_set())},
                   {"status", plan.missing_findings().empty() ? "success" : "data-requested"},
                   {"subject", subject},
                   {"occurrenceDateTime", when}};
  if (!notes.empty()) guidance["note"] = std::move(notes);
  if (!plan.missing_findings().empty()) {
    Json codes = Json::array();
    for (const v1::MissingFinding& m : plan.missing_findings()) {
      codes.push_back({{"system", kFhirFindingSystem}, {"code", m.code()}});
    }
    guidance["dataRequirement"] = Json::array(
        {{{"type", "Observation"},
          {"codeFilter", Json::array({{{"path", "code"}, {"code", std::move(codes)}}})}}});
  }
  return guidance;
}

}  // namespace

Json CarePlanResource(const v1::GetPlanResponse& stored) {
  const v1::Plan& plan = stored.plan();
  const Json subject = Subject(stored.patient_ref());
  const std::string when = DateTime(stored.created_at_ms());

  Json contained = Json::array();
  Json supporting = Json::array();
  auto contain = [&](Json resource) {
    supporting.push_back({{"reference", "#" + resource["id"].get<std::string>()}});
    contained.push_back(std::move(resource));
  };
  contain(Order(plan, subject));
  if (plan.referral().urgency() > v1::NONE) {
    contain(Issue("referral",
                  {{"text", std::string("Referral: ") + UrgencyWord(plan.referral().urgency())}},
                  plan.referral().urgency() >= v1::URGENT ? "high" : "moderate", subject, when,
                  Join(plan.referral().reasons(), "; "), {}));
  }
  for (int i = 0; i < plan.exclusions_size(); ++i) {
    const v1::Exclusion& e = plan.exclusions(i);
    contain(Issue("exclusion-" + std::to_string(i + 1),
                  {{"coding", Json::array({{{"system", kSeveritySystem},
                                            {"code", SeverityCode(e.severity())}}})},
                   {"text", "Not to be used: " + e.modality()}},
                  IssueSeverity(e.severity()), subject, when, e.reason(), e.findings()));
  }
  contain(Explanation(plan, subject, when));

  Json care_plan = {
      {"resourceType", "CarePlan"},
      {"id", ResourceId(plan.plan_id())},
      {"contained", std::move(contained)},
      {"identifier", Json::array({{{"system", kFhirPlanIdSystem}, {"value", plan.plan_id()}}})},
      {"instantiatesUri", Json::array({ModuleUri(plan.rule_set())})},
      {"status", "draft"},
      {"intent", "proposal"},
      {"title", "Manual therapy session plan"},
      {"description", StatusText(plan)},
      {"subject", subject},
      {"created", when},
      {"supportingInfo", std::move(supporting)}};
  Json activities = Json::array();
  for (const v1::Step& step : plan.steps()) activities.push_back(Activity(step));
  if (!activities.empty()) care_plan["activity"] = std::move(activities);
  Json notes = Json::array();
  if (plan.has_course()) {
    notes.push_back({{"text", "Course of care: " + CourseWords(plan.course()) + "."}});
  }
  for (const v1::Advice& a : plan.advice()) {
    if (!a.text().empty()) notes.push_back({{"text", a.text()}});
  }
  if (!notes.empty()) care_plan["note"] = std::move(notes);
  return care_plan;
}

Json CarePlanBundle(const std::vector<v1::GetPlanResponse>& plans, const std::string& base_url) {
  Json entries = Json::array();
  for (const v1::GetPlanResponse& p : plans) {
    entries.push_back({{"fullUrl", base_url + "/CarePlan/" + ResourceId(p.plan().plan_id())},
                       {"resource", CarePlanResource(p)},
                       {"search", {{"mode", "match"}}}});
  }
  Json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", plans.size()}};
  if (!entries.empty()) bundle["entry"] = std::move(entries);
  return bundle;
}

Json OperationOutcomeResource(int grpc_code, const std::string& message) {
  const char* code = "exception";
  switch (grpc_code) {
    case 3:  // INVALID_ARGUMENT
    case 11:
      code = "invalid";
      break;
    case 5:  // NOT_FOUND
      code = "not-found";
      break;
    case 7:  // PERMISSION_DENIED
      code = "forbidden";
      break;
    case 16:  // UNAUTHENTICATED
      code = "login";
      break;
    case 8:  // RESOURCE_EXHAUSTED
      code = "throttled";
      break;
    case 12:  // UNIMPLEMENTED
      code = "not-supported";
      break;
    case 4:  // DEADLINE_EXCEEDED
      code = "timeout";
      break;
    default:
      break;
  }
  Json issue = {{"severity", "error"}, {"code", code}};
  if (!message.empty()) issue["diagnostics"] = message;
  return {{"resourceType", "OperationOutcome"}, {"issue", Json::array({std::move(issue)})}};
}

}  // namespace modalis
