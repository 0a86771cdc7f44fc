#include "core/findings/findings.h"

#include <cmath>

#include "absl/strings/cord.h"
#include "core/common/did_you_mean.h"

namespace modalis {
namespace {

constexpr char kViolationsPayload[] = "type.modalis.dev/field-violations";

std::string Describe(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

std::string FormatNumber(double d) {
  std::string s = nlohmann::json(d).dump();
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

// Decodes one value; returns a description of the problem, or "" when it is fine.
std::string DecodeOne(const FindingDef& def, const nlohmann::json& v, const FindingsLimits& limits,
                      Findings* out) {
  switch (def.type) {
    case FindingType::kBoolean:
      if (!v.is_boolean()) return "expected true or false, got " + Describe(v);
      out->Set(def.slot, FindingValue{v.get<bool>() ? 1.0 : 0.0, 0});
      return {};
    case FindingType::kInteger:
    case FindingType::kNumber: {
      if (!v.is_number()) return "expected a number, got " + Describe(v);
      const double d = v.get<double>();
      if (!std::isfinite(d)) return "expected a finite number";
      if (def.type == FindingType::kInteger && d != std::floor(d)) {
        return "expected a whole number, got " + FormatNumber(d);
      }
      if (def.has_range && (d < def.min || d > def.max)) {
        return FormatNumber(d) + " is outside the range " + FormatNumber(def.min) + " to " +
               FormatNumber(def.max);
      }
      out->Set(def.slot, FindingValue{d, 0});
      return {};
    }
    case FindingType::kEnum: {
      if (!v.is_string())
        return "expected one of: " + [&] {
          std::string all;
          for (const auto& s : def.values) all += (all.empty() ? "" : ", ") + s;
          return all;
        }();
      const auto& s = v.get_ref<const std::string&>();
      auto index = def.ValueIndex(s);
      if (!index) {
        return "'" + s.substr(0, limits.max_string_bytes) + "' is not a value of " + def.code +
               DidYouMeanSuffix(s, def.values);
      }
      out->Set(def.slot, FindingValue{static_cast<double>(*index), 0});
      return {};
    }
    case FindingType::kSet: {
      if (!v.is_array()) return "expected a list of values, got " + Describe(v);
      if (v.size() > limits.max_list_items) {
        return "has " + std::to_string(v.size()) + " items; the limit is " +
               std::to_string(limits.max_list_items);
      }
      uint64_t bits = 0;
      for (const auto& item : v) {
        if (!item.is_string()) return "list items must be strings, got " + Describe(item);
        const auto& s = item.get_ref<const std::string&>();
        auto index = def.ValueIndex(s);
        if (!index) {
          return "'" + s.substr(0, limits.max_string_bytes) + "' is not a value of " + def.code +
                 DidYouMeanSuffix(s, def.values);
        }
        bits |= uint64_t{1} << *index;
      }
      out->Set(def.slot, FindingValue{0, bits});
      return {};
    }
    case FindingType::kTextList: {
      if (!v.is_array()) return "expected a list of texts, got " + Describe(v);
      if (v.size() > limits.max_list_items) {
        return "has " + std::to_string(v.size()) + " items; the limit is " +
               std::to_string(limits.max_list_items);
      }
      std::vector<std::string> texts;
      for (const auto& item : v) {
        if (!item.is_string()) return "list items must be strings, got " + Describe(item);
        if (item.get_ref<const std::string&>().size() > limits.max_string_bytes) {
          return "an item is longer than " + std::to_string(limits.max_string_bytes) + " bytes";
        }
        texts.push_back(item.get<std::string>());
      }
      out->SetTexts(def.slot, std::move(texts));
      return {};
    }
  }
  return "unsupported type";
}

}  // namespace

Findings::Findings(std::shared_ptr<const Vocabulary> vocabulary)
    : vocabulary_(std::move(vocabulary)),
      values_(vocabulary_->size()),
      known_(vocabulary_->size(), 0),
      texts_(vocabulary_->size()) {}

void Findings::Set(SlotId slot, FindingValue value) {
  values_[slot] = value;
  known_[slot] = 1;
}

void Findings::Clear(SlotId slot) {
  values_[slot] = FindingValue{};
  texts_[slot].clear();
  known_[slot] = 0;
}

void Findings::SetTexts(SlotId slot, std::vector<std::string> texts) {
  texts_[slot] = std::move(texts);
  known_[slot] = 1;
}

nlohmann::json Findings::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (SlotId s = 0; s < values_.size(); ++s) {
    if (!known(s)) continue;
    const FindingDef& def = vocabulary_->at(s);
    const FindingValue& v = values_[s];
    switch (def.type) {
      case FindingType::kBoolean:
        out[def.code] = v.number != 0;
        break;
      case FindingType::kInteger:
        out[def.code] = static_cast<int64_t>(v.number);
        break;
      case FindingType::kNumber:
        out[def.code] = v.number;
        break;
      case FindingType::kEnum:
        out[def.code] = def.values[static_cast<size_t>(v.number)];
        break;
      case FindingType::kSet: {
        nlohmann::json list = nlohmann::json::array();
        for (size_t i = 0; i < def.values.size(); ++i) {
          if (v.bits & (uint64_t{1} << i)) list.push_back(def.values[i]);
        }
        out[def.code] = std::move(list);
        break;
      }
      case FindingType::kTextList:
        out[def.code] = texts_[s];
        break;
    }
  }
  return out;
}

absl::StatusOr<Findings> DecodeFindings(const nlohmann::json& object,
                                        std::shared_ptr<const Vocabulary> vocabulary,
                                        const FindingsLimits& limits) {
  std::vector<FieldViolation> violations;
  Findings findings(vocabulary);
  if (!object.is_object()) {
    violations.push_back({"findings", "findings must be a JSON object of finding codes to values"});
  } else if (object.size() > limits.max_findings) {
    violations.push_back({"findings", "too many findings: " + std::to_string(object.size()) +
                                          " (the limit is " + std::to_string(limits.max_findings) +
                                          ")"});
  } else {
    for (const auto& [code, value] : object.items()) {
      const FindingDef* def = vocabulary->Find(code);
      if (def == nullptr) {
        const std::string shown = code.substr(0, limits.max_string_bytes);
        violations.push_back({shown, "unknown finding '" + shown + "'" +
                                         DidYouMeanSuffix(code, vocabulary->codes())});
        continue;
      }
      if (value.is_null()) continue;  // explicitly not recorded: unknown
      std::string problem = DecodeOne(*def, value, limits, &findings);
      if (!problem.empty()) violations.push_back({code, std::move(problem)});
    }
  }
  if (violations.empty()) return findings;
  return InvalidFindings(violations);
}

absl::Status InvalidFindings(const std::vector<FieldViolation>& violations) {
  std::string message = "invalid findings: ";
  nlohmann::json payload = nlohmann::json::array();
  for (size_t i = 0; i < violations.size(); ++i) {
    message += (i ? "; " : "") + violations[i].field + ": " + violations[i].description;
    payload.push_back({{"field", violations[i].field}, {"description", violations[i].description}});
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(
      kViolationsPayload,
      absl::Cord(payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kViolationsPayload);
  if (!payload) return out;
  auto j = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) out.push_back({v.value("field", ""), v.value("description", "")});
  return out;
}

}  // namespace modalis
