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

template <class Repeated>
void Copy(const std::vector<std::string>& from, Repeated* to) {
  for (const std::string& s : from) to->Add(std::string(s));
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
