#include "core/plugins/param_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <nlohmann/json.hpp>

namespace modalis {
namespace {

// valijson names a place as ["<root>", "[method]", "[0]"]; the parts without brackets and quotes.
std::vector<std::string> Parts(const std::vector<std::string>& context) {
  std::vector<std::string> out;
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    std::string name = part;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
      name = name.substr(1, name.size() - 2);
    }
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    out.push_back(name);
  }
  return out;
}

// A JSON pointer reads better and matches the pointers in every other rule-file message.
std::string Pointer(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

// The subschema and the value at `parts`, following "properties" and "items"; null when the
// schema says it another way (combinators, $ref), and the generic wording is used.
const nlohmann::json* SchemaAt(const nlohmann::json& schema,
                               const std::vector<std::string>& parts) {
  const nlohmann::json* at = &schema;
  for (const std::string& part : parts) {
    if (!at->is_object()) return nullptr;
    if (auto p = at->find("properties"); p != at->end() && p->is_object() && p->contains(part)) {
      at = &(*p)[part];
    } else if (auto i = at->find("items"); i != at->end() && i->is_object()) {
      at = &*i;
    } else {
      return nullptr;
    }
  }
  return at;
}

const nlohmann::json* ValueAt(const nlohmann::json& value, const std::vector<std::string>& parts) {
  const nlohmann::json* at = &value;
  for (const std::string& part : parts) {
    if (at->is_object() && at->contains(part)) {
      at = &(*at)[part];
    } else if (at->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos &&
               std::stoul(part) < at->size()) {
      at = &(*at)[std::stoul(part)];
    } else {
      return nullptr;
    }
  }
  return at;
}

std::string Join(const nlohmann::json& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

}  // namespace

ParamSchema::ParamSchema(std::unique_ptr<valijson::Schema> schema, nlohmann::json document)
    : schema_(std::move(schema)), document_(std::move(document)) {}
ParamSchema::~ParamSchema() = default;

absl::StatusOr<std::unique_ptr<ParamSchema>> ParamSchema::Compile(std::string_view schema_json) {
  const nlohmann::json document = nlohmann::json::parse(schema_json, nullptr, false);
  if (document.is_discarded()) {
    return absl::InvalidArgumentError("param_schema_json is not valid JSON");
  }
  if (!document.is_object()) {
    return absl::InvalidArgumentError("param_schema_json is not a JSON Schema object");
  }
  auto schema = std::make_unique<valijson::Schema>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, *schema);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        std::string("param_schema_json is not a usable JSON Schema: ") + e.what());
  }
  return std::unique_ptr<ParamSchema>(new ParamSchema(std::move(schema), document));
}

std::string ParamSchema::Check(std::string_view params_json) const {
  const nlohmann::json params = nlohmann::json::parse(params_json, nullptr, false);
  if (params.is_discarded()) return "the params are not valid JSON";
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(params);
  if (validator.validate(*schema_, adapter, &results)) return {};
  // valijson reports the failure at every level it passed through; the deepest is the cause.
  const valijson::ValidationResults::Error* deepest = nullptr;
  for (const auto& error : results) {
    if (deepest == nullptr || error.context.size() > deepest->context.size()) deepest = &error;
  }
  if (deepest == nullptr) return "the params do not match the plugin's param_schema_json";
  const std::vector<std::string> parts = Parts(deepest->context);
  const std::string where = "params " + Pointer(parts);
  const nlohmann::json* schema = SchemaAt(document_, parts);
  const nlohmann::json* value = ValueAt(params, parts);
  // The two a rule author meets most, worded from the schema; anything else in valijson's words.
  if (schema != nullptr && schema->contains("enum") && (*schema)["enum"].is_array() &&
      value != nullptr) {
    return where + " must be one of " + Join((*schema)["enum"]) + " (found " + value->dump() + ")";
  }
  const std::string extra = "'additionalProperties' constraints: ";
  if (const size_t at = deepest->description.find(extra); at != std::string::npos) {
    std::string name = deepest->description.substr(at + extra.size());
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.size() >= 2 && name.front() == '\'' && name.back() == '\'') {
      name = name.substr(1, name.size() - 2);
    }
    nlohmann::json known = nlohmann::json::array();
    if (schema != nullptr && schema->contains("properties") &&
        (*schema)["properties"].is_object()) {
      for (const auto& [key, unused] : (*schema)["properties"].items()) known.push_back(key);
    }
    return "unknown param '" + name + "'" + (parts.empty() ? "" : " in " + where) +
           (known.empty() ? " (this modality takes no params)" : " (known: " + Join(known) + ")");
  }
  std::string description = deepest->description;
  if (!description.empty() && description.back() == '.') description.pop_back();
  return where + " do not match the plugin's param_schema_json: " + description;
}

}  // namespace modalis
