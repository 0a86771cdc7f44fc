#include "adapters/plan_proto.h"

#include <google/protobuf/util/json_util.h>

#include "core/findings/findings.h"

namespace modalis {
namespace {

v1::PlanStatus ToProto(PlanStatus s) {
  switch (s) {
    case PlanStatus::kComplete:
      return v1::COMPLETE;
    case PlanStatus::kProvisional:
      return v1::PROVISIONAL;
    case PlanStatus::kScreenRequired:
      return v1::SCREEN_REQUIRED;
    case PlanStatus::kReferred:
      return v1::REFERRED;
  }
  return v1::PLAN_STATUS_UNSPECIFIED;
}

v1::ExclusionSeverity ToProto(Exclusion::Severity s) {
  switch (s) {
    case Exclusion::Severity::kAbsolute:
      return v1::ABSOLUTE;
    case Exclusion::Severity::kRule:
      return v1::RULE;
    case Exclusion::Severity::kDeclined:
      return v1::DECLINED;
    case Exclusion::Severity::kQualification:
      return v1::QUALIFICATION;
    case Exclusion::Severity::kUnavailable:
      return v1::UNAVAILABLE;
    case Exclusion::Severity::kPluginError:
      return v1::PLUGIN_ERROR;
    case Exclusion::Severity::kNeedsFindings:
      return v1::NEEDS_FINDINGS;
    case Exclusion::Severity::kTimeBudget:
      return v1::TIME_BUDGET;
  }
  return v1::EXCLUSION_SEVERITY_UNSPECIFIED;
}

template <class Repeated>
void Copy(const std::vector<std::string>& from, Repeated* to) {
  for (const std::string& s : from) to->Add(std::string(s));
}

template <class Repeated>
std::vector<std::string> Strings(const Repeated& from) {
  return std::vector<std::string>(from.begin(), from.end());
}

absl::Status UnknownEnum(const std::string& field, int value) {
  return absl::InvalidArgumentError(field + " has the value " + std::to_string(value) +
                                    ", which names no " +
                                    (value == 0 ? "value (it is unspecified)" : "known value"));
}

absl::StatusOr<PlanStatus> FromProto(v1::PlanStatus s) {
  switch (s) {
    case v1::COMPLETE:
      return PlanStatus::kComplete;
    case v1::PROVISIONAL:
      return PlanStatus::kProvisional;
    case v1::SCREEN_REQUIRED:
      return PlanStatus::kScreenRequired;
    case v1::REFERRED:
      return PlanStatus::kReferred;
    default:
      return UnknownEnum("status", s);
  }
}

absl::StatusOr<Urgency> FromProto(v1::Urgency u) {
  switch (u) {
    case v1::NONE:
      return Urgency::kNone;
    case v1::ROUTINE:
      return Urgency::kRoutine;
    case v1::URGENT:
      return Urgency::kUrgent;
    case v1::EMERGENCY:
      return Urgency::kEmergency;
    default:
      return UnknownEnum("referral.urgency", u);
  }
}

absl::StatusOr<Exclusion::Severity> FromProto(v1::ExclusionSeverity s, size_t index) {
  switch (s) {
    case v1::ABSOLUTE:
      return Exclusion::Severity::kAbsolute;
    case v1::RULE:
      return Exclusion::Severity::kRule;
    case v1::DECLINED:
      return Exclusion::Severity::kDeclined;
    case v1::QUALIFICATION:
      return Exclusion::Severity::kQualification;
    case v1::UNAVAILABLE:
      return Exclusion::Severity::kUnavailable;
    case v1::PLUGIN_ERROR:
      return Exclusion::Severity::kPluginError;
    case v1::NEEDS_FINDINGS:
      return Exclusion::Severity::kNeedsFindings;
    case v1::TIME_BUDGET:
      return Exclusion::Severity::kTimeBudget;
    default:
      return UnknownEnum("exclusions[" + std::to_string(index) + "].severity", s);
  }
}

absl::StatusOr<nlohmann::json> ValueToJson(const google::protobuf::Value& v, int depth) {
  if (depth <= 0) return absl::InvalidArgumentError("findings are nested too deeply");
  switch (v.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      return nlohmann::json(nullptr);
    case google::protobuf::Value::kNumberValue:
      return nlohmann::json(v.number_value());
    case google::protobuf::Value::kStringValue:
      return nlohmann::json(v.string_value());
    case google::protobuf::Value::kBoolValue:
      return nlohmann::json(v.bool_value());
    case google::protobuf::Value::kStructValue:
      return StructToJson(v.struct_value(), depth - 1);
    case google::protobuf::Value::kListValue: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : v.list_value().values()) {
        auto j = ValueToJson(item, depth - 1);
        if (!j.ok()) return j.status();
        out.push_back(*std::move(j));
      }
      return out;
    }
  }
  return nlohmann::json(nullptr);
}

}  // namespace

absl::StatusOr<Frequency> FromProto(v1::Frequency f) {
  switch (f) {
    case v1::TWICE_WEEKLY:
      return Frequency::kTwiceWeekly;
    case v1::WEEKLY:
      return Frequency::kWeekly;
    case v1::FORTNIGHTLY:
      return Frequency::kFortnightly;
    case v1::MONTHLY:
      return Frequency::kMonthly;
    default:
      return UnknownEnum("course.frequency", f);
  }
}

v1::Frequency ToProto(Frequency f) {
  switch (f) {
    case Frequency::kTwiceWeekly:
      return v1::TWICE_WEEKLY;
    case Frequency::kWeekly:
      return v1::WEEKLY;
    case Frequency::kFortnightly:
      return v1::FORTNIGHTLY;
    case Frequency::kMonthly:
      return v1::MONTHLY;
  }
  return v1::FREQUENCY_UNSPECIFIED;
}

v1::Urgency ToProto(Urgency u) {
  switch (u) {
    case Urgency::kNone:
      return v1::NONE;
    case Urgency::kRoutine:
      return v1::ROUTINE;
    case Urgency::kUrgent:
      return v1::URGENT;
    case Urgency::kEmergency:
      return v1::EMERGENCY;
  }
  return v1::URGENCY_UNSPECIFIED;
}

void ToProto(const CompiledRuleSet& rules, v1::RuleSetRef* out) {
  out->set_id(rules.id);
  out->set_version(rules.version);
  out->set_sha256(rules.sha256);
}

void PlanToProto(const Plan& plan, v1::Plan* out) {
  out->set_plan_id(plan.plan_id);
  out->mutable_rule_set()->set_id(plan.rule_set.id);
  out->mutable_rule_set()->set_version(plan.rule_set.version);
  out->mutable_rule_set()->set_sha256(plan.rule_set.sha256);
  out->set_status(ToProto(plan.status));
  out->mutable_referral()->set_urgency(ToProto(plan.referral.urgency));
  Copy(plan.referral.reasons, out->mutable_referral()->mutable_reasons());
  Copy(plan.referral.rule_ids, out->mutable_referral()->mutable_rule_ids());
  for (const PlanStep& s : plan.steps) {
    v1::Step* step = out->add_steps();
    step->set_modality(s.modality);
    step->set_display_name(s.display_name);
    Copy(s.targets, step->mutable_targets());
    step->set_minutes(s.minutes);
    step->set_pressure(s.pressure);
    for (const auto& [k, v] : s.params) {  // std::map: already sorted by key
      v1::Param* param = step->add_params();
      param->set_key(k);
      param->set_value(v);
    }
    Copy(s.cautions, step->mutable_cautions());
    Copy(s.instructions, step->mutable_instructions());
    step->set_required_qualification(s.required_qualification);
    step->set_needs_written_consent(s.needs_written_consent);
    step->set_rationale(s.rationale);
    Copy(s.rule_ids, step->mutable_rule_ids());
  }
  for (const Exclusion& e : plan.exclusions) {
    v1::Exclusion* x = out->add_exclusions();
    x->set_modality(e.modality);
    x->set_reason(e.reason);
    x->set_severity(ToProto(e.severity));
    x->set_source(e.source);
    Copy(e.findings, x->mutable_findings());
  }
  for (const AdviceItem& a : plan.advice) {
    v1::Advice* advice = out->add_advice();
    advice->set_code(a.code);
    advice->set_text(a.text);
  }
  if (plan.course) {
    v1::Course* c = out->mutable_course();
    c->set_frequency(ToProto(plan.course->frequency));
    c->set_sessions_min(plan.course->sessions_min);
    c->set_sessions_max(plan.course->sessions_max);
    c->set_review_after_sessions(plan.course->review_after_sessions);
  }
  for (const MissingFinding& m : plan.missing_findings) {
    v1::MissingFinding* missing = out->add_missing_findings();
    missing->set_code(m.code);
    missing->set_why(m.why);
    Copy(m.reasons, missing->mutable_reasons());
  }
  for (const Contradiction& c : plan.contradictions) {
    v1::Contradiction* x = out->add_contradictions();
    x->set_constraint_id(c.constraint_id);
    x->set_description(c.description);
    Copy(c.findings, x->mutable_findings());
  }
  for (const FiredRule& f : plan.explanation) {
    v1::ExplainedRule* r = out->add_explanation();
    r->set_rule_id(f.rule_id);
    r->set_description(f.description);
    r->set_source(f.source);
    r->set_outcome(f.outcome);
    Copy(f.findings, r->mutable_findings());
  }
}

absl::StatusOr<Plan> ProtoToPlan(const v1::Plan& m) {
  Plan plan;
  plan.plan_id = m.plan_id();
  plan.rule_set = {m.rule_set().id(), m.rule_set().version(), m.rule_set().sha256()};
  auto status = FromProto(m.status());
  if (!status.ok()) return status.status();
  plan.status = *status;
  auto urgency = FromProto(m.referral().urgency());
  if (!urgency.ok()) return urgency.status();
  plan.referral.urgency = *urgency;
  plan.referral.reasons = Strings(m.referral().reasons());
  plan.referral.rule_ids = Strings(m.referral().rule_ids());
  plan.steps.reserve(static_cast<size_t>(m.steps_size()));
  for (const v1::Step& s : m.steps()) {
    PlanStep step;
    step.modality = s.modality();
    step.display_name = s.display_name();
    step.targets = Strings(s.targets());
    step.minutes = s.minutes();
    step.pressure = s.pressure();
    for (const v1::Param& param : s.params()) {
      if (!step.params.emplace(param.key(), param.value()).second) {
        return absl::InvalidArgumentError("steps[" + std::to_string(plan.steps.size()) +
                                          "] names the parameter '" + param.key() + "' twice");
      }
    }
    step.cautions = Strings(s.cautions());
    step.instructions = Strings(s.instructions());
    step.required_qualification = s.required_qualification();
    step.needs_written_consent = s.needs_written_consent();
    step.rationale = s.rationale();
    step.rule_ids = Strings(s.rule_ids());
    plan.steps.push_back(std::move(step));
  }
  for (const v1::Exclusion& x : m.exclusions()) {
    auto severity = FromProto(x.severity(), plan.exclusions.size());
    if (!severity.ok()) return severity.status();
    plan.exclusions.push_back(
        Exclusion{x.modality(), x.reason(), *severity, x.source(), Strings(x.findings())});
  }
  for (const v1::Advice& a : m.advice()) plan.advice.push_back(AdviceItem{a.code(), a.text()});
  if (m.has_course()) {
    const v1::Course& c = m.course();
    auto frequency = FromProto(c.frequency());
    if (!frequency.ok()) return frequency.status();
    plan.course = Course{*frequency, c.sessions_min(), c.sessions_max(), c.review_after_sessions()};
  }
  for (const v1::MissingFinding& f : m.missing_findings()) {
    plan.missing_findings.push_back(MissingFinding{f.code(), f.why(), Strings(f.reasons())});
  }
  for (const v1::Contradiction& c : m.contradictions()) {
    plan.contradictions.push_back(
        Contradiction{c.constraint_id(), c.description(), Strings(c.findings())});
  }
  for (const v1::ExplainedRule& r : m.explanation()) {
    plan.explanation.push_back(
        FiredRule{r.rule_id(), r.description(), r.source(), r.outcome(), Strings(r.findings())});
  }
  return plan;
}

absl::StatusOr<nlohmann::json> StructToJson(const google::protobuf::Struct& s, int max_depth) {
  if (max_depth <= 0) return absl::InvalidArgumentError("findings are nested too deeply");
  nlohmann::json out = nlohmann::json::object();
  std::vector<FieldViolation> too_deep;
  for (const auto& [key, value] : s.fields()) {
    auto j = ValueToJson(value, max_depth);
    if (!j.ok()) {
      // Named like any other bad finding, so the client learns which one (and the key is cut
      // to a length an error message can carry).
      too_deep.push_back({key.substr(0, 256),
                          "nested too deeply: the findings object and the lists and "
                          "objects in it may be at most " +
                              std::to_string(max_depth) + " levels deep"});
      continue;
    }
    out[key] = *std::move(j);
  }
  if (!too_deep.empty()) return InvalidFindings(too_deep);
  return out;
}

absl::StatusOr<google::protobuf::Struct> JsonToStruct(const nlohmann::json& j) {
  google::protobuf::Struct out;
  auto status = google::protobuf::util::JsonStringToMessage(j.dump(), &out);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return out;
}

std::string MessageToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace modalis
