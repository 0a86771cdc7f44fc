#include "core/common/file_shape.h"

#include <algorithm>
#include <cmath>

#include "core/common/did_you_mean.h"

namespace modalis {
namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A value quoted in a message, cut short so a hostile file cannot make the message huge.
std::string Shown(std::string_view text) {
  constexpr size_t kMax = 64;
  return text.size() > kMax ? std::string(text.substr(0, kMax)) + "..." : std::string(text);
}

}  // namespace

bool IsCode(std::string_view text) {
  if (text.empty() || text.front() < 'a' || text.front() > 'z') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool CheckAllowedKeys(const JsonDocument& doc, const nlohmann::ordered_json& object,
                      const std::string& pointer, const std::vector<std::string>& allowed,
                      std::vector<Diagnostic>* diagnostics) {
  bool ok = true;
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    diagnostics->push_back(Diagnostic{Diagnostic::Severity::kError, "unknown-field",
                                      doc.Locate(pointer + "/" + PointerToken(key)),
                                      "'" + Shown(key) + "' is not a field here" +
                                          DidYouMeanSuffix(key, allowed) +
                                          "; allowed: " + Joined(allowed)});
    ok = false;
  }
  return ok;
}

void ShapeChecker::Error(const std::string& pointer, std::string id, std::string message) {
  diagnostics_->push_back(Diagnostic{Diagnostic::Severity::kError, std::move(id),
                                     doc_.Locate(pointer), std::move(message)});
  ok_ = false;
}

bool ShapeChecker::Keys(const Json& object, const std::string& pointer,
                        const std::vector<std::string>& allowed) {
  if (CheckAllowedKeys(doc_, object, pointer, allowed, diagnostics_)) return true;
  ok_ = false;
  return false;
}

bool ShapeChecker::Required(const Json& object, const std::string& pointer,
                            const std::vector<std::string>& keys) {
  bool ok = true;
  for (const std::string& key : keys) {
    if (object.contains(key)) continue;
    Error(pointer, "missing-field", "'" + key + "' is required here");
    ok = false;
  }
  return ok;
}

bool ShapeChecker::Object(const Json& value, const std::string& pointer, const std::string& name) {
  if (value.is_object()) return true;
  Error(pointer, "wrong-type", "'" + name + "' must be an object");
  return false;
}

bool ShapeChecker::Array(const Json& value, const std::string& pointer, const std::string& name) {
  if (value.is_array()) return true;
  Error(pointer, "wrong-type", "'" + name + "' must be a list");
  return false;
}

bool ShapeChecker::Text(const Json& value, const std::string& pointer, const std::string& name,
                        size_t min_length) {
  if (!value.is_string()) {
    Error(pointer, "wrong-type", "'" + name + "' must be a text");
    return false;
  }
  // minLength counts characters; every check here needs only "not empty".
  if (value.get_ref<const std::string&>().size() < min_length) {
    Error(pointer, "wrong-type", "'" + name + "' must be a non-empty text");
    return false;
  }
  return true;
}

bool ShapeChecker::TextList(const Json& value, const std::string& pointer, const std::string& name,
                            bool codes, size_t min_items) {
  if (!Array(value, pointer, name)) return false;
  if (value.size() < min_items) {
    Error(pointer, "wrong-type", "'" + name + "' must list at least one item");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string p = pointer + "/" + std::to_string(i);
    if (!value[i].is_string()) {
      Error(p, "wrong-type", "the items of '" + name + "' must be texts");
      ok = false;
    } else if (codes) {
      ok = Code(value[i], p, name) && ok;
    }
  }
  return ok;
}

bool ShapeChecker::Code(const Json& value, const std::string& pointer, const std::string& name) {
  if (!value.is_string()) {
    Error(pointer, "wrong-type", "'" + name + "' must be a text (a code)");
    return false;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (IsCode(text)) return true;
  Error(pointer, "bad-code",
        "'" + Shown(text) + "' in '" + name +
            "' is not a code: codes are lower-case letters, digits and '_', starting with a "
            "letter (e.g. 'l3_radiculopathy')");
  return false;
}

bool ShapeChecker::CodeKeys(const Json& object, const std::string& pointer,
                            const std::string& name) {
  bool ok = true;
  for (const auto& [key, value] : object.items()) {
    if (IsCode(key)) continue;
    Error(pointer + "/" + PointerToken(key), "bad-code",
          "'" + Shown(key) + "' in '" + name +
              "' is not a code: codes are lower-case letters, digits and '_', starting with a "
              "letter (e.g. 'l3_radiculopathy')");
    ok = false;
  }
  return ok;
}

bool ShapeChecker::OneOf(const Json& value, const std::string& pointer, const std::string& name,
                         const std::vector<std::string>& allowed) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (value.is_string() && std::find(allowed.begin(), allowed.end(), text) != allowed.end()) {
    return true;
  }
  Error(pointer, value.is_string() ? "unknown-value" : "wrong-type",
        "'" + name + "' is one of " + Joined(allowed) + ", not " + Shown(text) +
            (value.is_string() ? DidYouMeanSuffix(text, allowed) : ""));
  return false;
}

bool ShapeChecker::WholeNumber(const Json& value, const std::string& pointer,
                               const std::string& name, int64_t min, int64_t max) {
  // JSON Schema's "integer" is any number without a fraction, 60.0 included.
  if (!value.is_number() || value.get<double>() != std::floor(value.get<double>())) {
    Error(pointer, "wrong-type", "'" + name + "' must be a whole number");
    return false;
  }
  const double d = value.get<double>();
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    Error(pointer, "out-of-range",
          "'" + name + "' is a whole number from " + std::to_string(min) +
              (max == INT64_MAX ? " up" : " to " + std::to_string(max)));
    return false;
  }
  return true;
}

}  // namespace modalis
