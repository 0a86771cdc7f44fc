// Checks a document against a shipped JSON Schema with valijson, for tests that prove the C++
// loaders and the schemas agree.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

// Problems of `document` against the JSON Schema `schema_json`, one per line ("<context>:
// <problem>"); "" when it is valid.
inline std::string ProblemsAgainst(const nlohmann::json& document,
                                   const nlohmann::json& schema_json) {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  if (validator.validate(schema, target, &results)) return {};
  std::string out;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const std::string& c : error.context) where += c;
    out += where + ": " + error.description + "\n";
  }
  return out.empty() ? "invalid\n" : out;
}

// Problems of `document` against rules/<schema_path>, as ProblemsAgainst.
inline std::string SchemaProblems(const nlohmann::json& document, const std::string& schema_path) {
  return ProblemsAgainst(document, nlohmann::json::parse(ReadText(RulesDir() + "/" + schema_path)));
}

}  // namespace modalis::testing
