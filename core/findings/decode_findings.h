// The findings decoder, written once over a small view of the document so that every form a
// client sends (JSON text, a protobuf Struct read by adapters/) is checked by the same code with
// the same messages, and no form is converted into another first.
//
// A value view V offers: is_null(), is_boolean(), boolean(), is_number(), number(), is_string(),
// text() (a std::string_view, or what converts to one), is_list(), size() and item(i) (a V) for
// lists, and Describe() (the value as JSON, cut to 40 characters; called only on the error path).
// A document view D offers: is_object(), size(), and ForEach(f) calling f(code, V) for each key in
// any order; violations are listed in the order of their codes whatever the form.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/did_you_mean.h"
#include "core/findings/findings.h"

namespace modalis::decode {

// 4 rather than 4.0: numbers as a therapist writes them.
std::string FormatNumber(double d);
// A value as JSON in a message: cut to 40 characters.
std::string DescribeJson(const nlohmann::json& v);

// "" when the list `v` is within the limit on items; otherwise what is wrong.
template <class V>
std::string ListTooLong(const V& v, const FindingsLimits& limits) {
  if (v.size() <= limits.max_list_items) return {};
  return "has " + std::to_string(v.size()) + " items; the limit is " +
         std::to_string(limits.max_list_items);
}

// Decodes one value; returns a description of the problem, or "" when it is fine.
template <class V>
std::string DecodeOne(const FindingDef& def, const V& v, const FindingsLimits& limits,
                      Findings* out) {
  switch (def.type) {
    case FindingType::kBoolean:
      if (!v.is_boolean()) return "expected true or false, got " + v.Describe();
      out->Set(def.slot, FindingValue{v.boolean() ? 1.0 : 0.0, 0});
      return {};
    case FindingType::kInteger:
    case FindingType::kNumber: {
      if (!v.is_number()) return "expected a number, got " + v.Describe();
      const double d = v.number();
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
      if (!v.is_string()) {
        std::string all;
        for (const auto& s : def.values) all += (all.empty() ? "" : ", ") + s;
        return "expected one of: " + all;
      }
      const std::string_view s = v.text();
      auto index = def.ValueIndex(s);
      if (!index) {
        return "'" + std::string(s.substr(0, limits.max_string_bytes)) + "' is not a value of " +
               def.code + DidYouMeanSuffix(s, def.values);
      }
      out->Set(def.slot, FindingValue{static_cast<double>(*index), 0});
      return {};
    }
    case FindingType::kSet: {
      if (!v.is_list()) return "expected a list of values, got " + v.Describe();
      if (std::string error = ListTooLong(v, limits); !error.empty()) return error;
      uint64_t bits = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        const auto item = v.item(i);
        if (!item.is_string()) return "list items must be strings, got " + item.Describe();
        const std::string_view s = item.text();
        auto index = def.ValueIndex(s);
        if (!index) {
          return "'" + std::string(s.substr(0, limits.max_string_bytes)) + "' is not a value of " +
                 def.code + DidYouMeanSuffix(s, def.values);
        }
        bits |= uint64_t{1} << *index;
      }
      out->Set(def.slot, FindingValue{0, bits});
      return {};
    }
    case FindingType::kTextList: {
      if (!v.is_list()) return "expected a list of texts, got " + v.Describe();
      if (std::string error = ListTooLong(v, limits); !error.empty()) return error;
      std::vector<std::string> texts;
      for (size_t i = 0; i < v.size(); ++i) {
        const auto item = v.item(i);
        if (!item.is_string()) return "list items must be strings, got " + item.Describe();
        const std::string_view text = item.text();
        if (text.size() > limits.max_string_bytes) {
          return "an item is longer than " + std::to_string(limits.max_string_bytes) + " bytes";
        }
        texts.emplace_back(text);
      }
      out->SetTexts(def.slot, std::move(texts));
      return {};
    }
  }
  return "unsupported type";
}

template <class D>
absl::StatusOr<Findings> DecodeDocument(const D& document,
                                        std::shared_ptr<const Vocabulary> vocabulary,
                                        const FindingsLimits& limits) {
  // Each with the full code it was found under, to list them in code order at the end.
  std::vector<std::pair<std::string, FieldViolation>> violations;
  Findings findings(vocabulary);
  if (!document.is_object()) {
    violations.push_back(
        {"", {"findings", "findings must be a JSON object of finding codes to values"}});
  } else if (document.size() > limits.max_findings) {
    violations.push_back(
        {"",
         {"findings", "too many findings: " + std::to_string(document.size()) + " (the limit is " +
                          std::to_string(limits.max_findings) + ")"}});
  } else {
    document.ForEach([&](std::string_view code, const auto& value) {
      const FindingDef* def = vocabulary->Find(code);
      if (def == nullptr) {
        const std::string shown(code.substr(0, limits.max_string_bytes));
        violations.push_back({std::string(code),
                              {shown, "unknown finding '" + shown + "'" +
                                          DidYouMeanSuffix(code, vocabulary->codes())}});
        return;
      }
      if (value.is_null()) return;  // explicitly not recorded: unknown
      std::string problem = DecodeOne(*def, value, limits, &findings);
      if (!problem.empty()) {
        violations.push_back({std::string(code), {std::string(code), std::move(problem)}});
      }
    });
  }
  if (violations.empty()) return findings;
  std::sort(violations.begin(), violations.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<FieldViolation> listed;
  listed.reserve(violations.size());
  for (auto& [code, violation] : violations) listed.push_back(std::move(violation));
  return InvalidFindings(listed);
}

}  // namespace modalis::decode
