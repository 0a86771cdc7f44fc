#include "adapters/suggest_request.h"

#include <limits>
#include <string_view>
#include <vector>

#include "adapters/struct_findings.h"

namespace modalis {

bool ValidRef(const std::string& ref) {
  if (ref.empty() || ref.size() > kMaxRefBytes) return false;
  for (char c : ref) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<SuggestInput> ReadSuggestRequest(const v1::SuggestPlanRequest& request,
                                                std::shared_ptr<const Vocabulary> vocabulary,
                                                const FindingsLimits& limits) {
  return ReadSuggestRequest(WithoutFindings(request), WireFindings::Of(request.findings()),
                            std::move(vocabulary), limits);
}

absl::StatusOr<SuggestInput> ReadSuggestRequest(const wire::SuggestPlanRequest& request,
                                                const WireFindings& wire_findings,
                                                std::shared_ptr<const Vocabulary> vocabulary,
                                                const FindingsLimits& limits) {
  if (!ValidRef(request.patient_ref())) {
    return InvalidField("patient_ref",
                        "patient_ref must be a pseudonymous reference of 1 to 64 letters, digits "
                        "or . _ : - (never a name)");
  }
  if (request.request_id().size() > kMaxRefBytes) {
    return InvalidField("request_id", "request_id is longer than 64 bytes");
  }
  // Nesting is refused before the request's other fields are read, the findings' own values
  // after them: the order in which a request with several faults has always been answered.
  if (absl::Status s = wire_findings.CheckDepth(); !s.ok()) return s;
  PlanRequest plan_request;
  if (request.explain_not_fired()) {
    // A stored plan keeps what explains its suggestions; the rest is for a person trying findings.
    if (!request.dry_run()) {
      return InvalidField("explain_not_fired", "explain_not_fired needs dry_run: true");
    }
    plan_request.explain_not_fired = true;
  }

  if (request.session_minutes() != 0) {
    if (request.session_minutes() > 480) {
      return InvalidField("session_minutes", "session_minutes must be at most 480");
    }
    plan_request.session_minutes = request.session_minutes();
  }
  if (request.has_practitioner()) {
    // The same bounds as a list finding: the list is only compared, but it is hashed for
    // idempotency and shown in errors.
    const auto& qualifications = request.practitioner().qualifications();
    if (static_cast<size_t>(qualifications.size()) > limits.max_list_items) {
      return InvalidField("practitioner.qualifications", "practitioner.qualifications has " +
                                                             std::to_string(qualifications.size()) +
                                                             " items; the limit is " +
                                                             std::to_string(limits.max_list_items));
    }
    for (const std::string& q : qualifications) {
      if (q.size() > limits.max_string_bytes) {
        return InvalidField("practitioner.qualifications",
                            "practitioner.qualifications: an item is longer than " +
                                std::to_string(limits.max_string_bytes) + " bytes");
      }
    }
    plan_request.qualifications =
        std::vector<std::string>(request.practitioner().qualifications().begin(),
                                 request.practitioner().qualifications().end());
  }
  auto findings = wire_findings.Decode(std::move(vocabulary), limits);
  if (!findings.ok()) return findings.status();
  return SuggestInput{*std::move(findings), std::move(plan_request)};
}

wire::SuggestPlanRequest WithoutFindings(const v1::SuggestPlanRequest& request) {
  // Field by field (a test checks that none is missed): copying the findings, or encoding and
  // reading the whole request again, would cost what reading the findings directly saves.
  wire::SuggestPlanRequest out;
  out.set_request_id(request.request_id());
  out.set_patient_ref(request.patient_ref());
  out.set_session_minutes(request.session_minutes());
  if (request.has_practitioner()) *out.mutable_practitioner() = request.practitioner();
  out.set_dry_run(request.dry_run());
  out.set_condition(request.condition());
  out.set_explain_not_fired(request.explain_not_fired());
  return out;
}

v1::SuggestPlanRequest ToApiRequest(const wire::SuggestPlanRequest& request,
                                    const WireFindings& findings) {
  wire::SuggestPlanRequest fields = request;
  fields.clear_findings();
  // The two messages share one encoding; the fields were read from text that was UTF-8.
  v1::SuggestPlanRequest out;
  out.ParseFromString(fields.SerializeAsString());
  *out.mutable_findings() = findings.ToStruct();
  return out;
}

absl::Status ParseWireRequest(std::string_view bytes, wire::SuggestPlanRequest* out) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        "the request is not a readable modalis.v1.SuggestPlanRequest: its protobuf encoding is "
        "malformed, or holds text that is not UTF-8");
  }
  return absl::OkStatus();
}

}  // namespace modalis
