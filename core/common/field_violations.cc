#include "core/common/field_violations.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "absl/strings/cord.h"

namespace modalis {
namespace {

constexpr char kViolationsPayload[] = "type.modalis.dev/field-violations";
constexpr char kRequestViolationsPayload[] = "type.modalis.dev/request-field-violations";

absl::Status WithViolations(absl::Status status, const char* type,
                            const std::vector<FieldViolation>& violations) {
  nlohmann::json payload = nlohmann::json::array();
  for (const FieldViolation& v : violations) {
    payload.push_back({{"field", v.field}, {"description", v.description}});
  }
  status.SetPayload(
      type, absl::Cord(payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return status;
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status, const char* type) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(type);
  if (!payload) return out;
  auto j = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) out.push_back({v.value("field", ""), v.value("description", "")});
  return out;
}

}  // namespace

absl::Status InvalidFindings(const std::vector<FieldViolation>& violations) {
  std::string message = "invalid findings: ";
  for (size_t i = 0; i < violations.size(); ++i) {
    message += (i ? "; " : "") + violations[i].field + ": " + violations[i].description;
  }
  return WithViolations(absl::InvalidArgumentError(message), kViolationsPayload, violations);
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  return ViolationsOf(status, kViolationsPayload);
}

absl::Status InvalidFields(std::string message, const std::vector<FieldViolation>& violations) {
  return WithViolations(absl::InvalidArgumentError(message), kRequestViolationsPayload, violations);
}

std::vector<FieldViolation> RequestFieldViolationsOf(const absl::Status& status) {
  return ViolationsOf(status, kRequestViolationsPayload);
}

absl::Status InvalidField(std::string field, std::string message) {
  std::vector<FieldViolation> violations = {{std::move(field), message}};
  return InvalidFields(std::move(message), violations);
}

std::string NumberText(double value) {
  // JSON has no word for these (nlohmann writes null).
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string s = nlohmann::json(value).dump();
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

}  // namespace modalis
