// A plugin's `param_schema_json` (JSON Schema, draft 4 to 7), compiled once when the plugin loads,
// so the host itself enforces what a rule may pass as a step's params; the plugin's own
// validate_params then sees only params of the declared shape.
//
// Thread-safe: Check may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace valijson {
class Schema;
}

namespace modalis {

class ParamSchema {
 public:
  // An error naming what is wrong when the text is not JSON or not a schema valijson can use
  // (for instance a `$ref` to another document: a plugin's schema must stand alone).
  static absl::StatusOr<std::unique_ptr<ParamSchema>> Compile(std::string_view schema_json);
  ~ParamSchema();

  // "" when `params_json` (a JSON object's text) conforms; otherwise one sentence naming the most
  // specific problem and where in the params it is, e.g. "params /method must be one of pack,
  // wrap (found "sauna")" or "unknown param 'depth' (known: pressure)".
  std::string Check(std::string_view params_json) const;

 private:
  ParamSchema(std::unique_ptr<valijson::Schema> schema, nlohmann::json document);
  std::unique_ptr<valijson::Schema> schema_;
  nlohmann::json document_;  // the schema's text, to word messages from its enums and properties
};

}  // namespace modalis
