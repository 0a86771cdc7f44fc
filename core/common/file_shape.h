// Checks that a JSON file a person edits (vocabulary, manifest, golden cases) has the shape its
// JSON Schema in rules/schema/ describes, so the loader refuses exactly what an editor following
// "$schema" underlines. Every file kind words a problem alike: an unknown key names the closest
// allowed one, as the rule compiler does, and a malformed code says what a code looks like.
//
// Each check adds at most one error per problem, located by JSON pointer, and returns whether the
// value passed.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/common/json_document.h"

namespace modalis {

// The schemas' pattern for every code (finding codes, values, lists, targets, regions, modality
// ids): ^[a-z][a-z0-9_]*$.
bool IsCode(std::string_view text);

// One "unknown-field" error for each key of `object` that `allowed` lacks, with a did-you-mean
// and the allowed keys. Shared with the rule compiler so every file says it the same way.
bool CheckAllowedKeys(const JsonDocument& doc, const nlohmann::ordered_json& object,
                      const std::string& pointer, const std::vector<std::string>& allowed,
                      std::vector<Diagnostic>* diagnostics);

class ShapeChecker {
 public:
  using Json = nlohmann::ordered_json;

  ShapeChecker(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics)
      : doc_(doc), diagnostics_(diagnostics) {}

  void Error(const std::string& pointer, std::string id, std::string message);
  // True when no check has failed since construction.
  bool ok() const { return ok_; }

  // additionalProperties: false.
  bool Keys(const Json& object, const std::string& pointer,
            const std::vector<std::string>& allowed);
  // "missing-field" for each of `keys` that `object` lacks.
  bool Required(const Json& object, const std::string& pointer,
                const std::vector<std::string>& keys);

  // "wrong-type" unless `value` has the type; `name` is what the message calls it.
  bool Object(const Json& value, const std::string& pointer, const std::string& name);
  bool Array(const Json& value, const std::string& pointer, const std::string& name);
  bool Text(const Json& value, const std::string& pointer, const std::string& name,
            size_t min_length = 0);
  // A list of texts, each checked by Text (or Code when `codes`).
  bool TextList(const Json& value, const std::string& pointer, const std::string& name, bool codes,
                size_t min_items = 0);

  // "bad-code" unless `value` is a text matching the code pattern.
  bool Code(const Json& value, const std::string& pointer, const std::string& name);
  // propertyNames: every key of `object` is a code.
  bool CodeKeys(const Json& object, const std::string& pointer, const std::string& name);
  // enum: "unknown-value" unless `value` is one of `allowed` (with a did-you-mean).
  bool OneOf(const Json& value, const std::string& pointer, const std::string& name,
             const std::vector<std::string>& allowed);
  // type integer with minimum and maximum: "wrong-type" or "out-of-range".
  bool WholeNumber(const Json& value, const std::string& pointer, const std::string& name,
                   int64_t min, int64_t max);

 private:
  const JsonDocument& doc_;
  std::vector<Diagnostic>* diagnostics_;
  bool ok_ = true;
};

}  // namespace modalis
