// Findings documents that tests of every form of findings (JSON, protobuf Struct, the Struct's
// encoding) read and compare: the shipped examples, every golden case, and documents that each
// exercise one check, refused or not.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tests/support/engine_fixture.h"

namespace modalis::testing {

using LabelledFindings = std::vector<std::pair<std::string, nlohmann::json>>;

// The findings of the example assessments and request in tests/data, labelled by file.
inline LabelledFindings ExampleFindings() {
  LabelledFindings out;
  for (const char* file : {"desk-worker.json", "cauda-equina.json", "desk-worker-request.json"}) {
    nlohmann::json doc = nlohmann::json::parse(ReadText(DataFile(file)));
    if (doc.contains("findings")) doc = doc["findings"];
    out.emplace_back(file, std::move(doc));
  }
  return out;
}

// The findings of every golden case of the default rule set, labelled by case id.
inline LabelledFindings GoldenCaseFindings() {
  LabelledFindings out;
  for (const char* file :
       {"lower-back-pain.cases.json", "lower-back-pain.safety-cells.cases.json"}) {
    const nlohmann::json cases = nlohmann::json::parse(ReadText(RulesDir() + "/" + file));
    for (const nlohmann::json& c : cases["cases"]) {
      out.emplace_back(c.value("id", "?"), c["findings"]);
    }
  }
  return out;
}

// One document per check of the findings decoder: each kind of refusal, and the edge cases that
// must pass (empty, null, nested just within the limit).
inline LabelledFindings FindingsForEachCheck() {
  using nlohmann::json;
  json too_deep = 1;
  for (int i = 0; i < 20; ++i) too_deep = json::array({too_deep});
  json deep_but_fits = 1;
  for (int i = 0; i < 15; ++i) deep_but_fits = json::array({deep_but_fits});
  json nested_objects = 1;
  for (int i = 0; i < 16; ++i) nested_objects = json{{"a", nested_objects}};
  const std::string long_text(300, 'x');
  json too_many = json::object();
  for (int i = 0; i < 300; ++i) too_many["f" + std::to_string(i)] = i;
  json many_items = json::array();
  for (int i = 0; i < 80; ++i) many_items.push_back("quadratus_lumborum");
  return {
      {"empty", json::object()},
      {"unknown finding", {{"pregnnant", true}}},
      {"unknown long code", {{long_text, true}}},
      {"string for a number", {{"pain_nprs", "six"}}},
      {"number for a boolean", {{"pregnant", 1}}},
      {"object for a boolean", {{"pregnant", {{"a", 1}}}}},
      {"list for an enum", {{"work_type", json::array({"desk"})}}},
      {"misspelt enum value", {{"work_type", "offise"}}},
      {"out of range", {{"pain_nprs", 11}}},
      {"not whole", {{"age", 40.5}}},
      {"number in a set", {{"trigger_points", json::array({1})}}},
      {"misspelt set value", {{"trigger_points", json::array({"piriformes"})}}},
      {"set not a list", {{"trigger_points", "piriformis"}}},
      {"too many items", {{"trigger_points", many_items}}},
      {"text list item too long", {{"medications", json::array({long_text})}}},
      {"null is unknown", {{"pregnant", nullptr}, {"pain_nprs", 4}}},
      {"several problems, in key order", {{"zzz", 1}, {"pain_nprs", -1}, {"aaa", 2}}},
      {"too deep", {{"pain_nprs", too_deep}}},
      {"deep objects", {{"pregnant", nested_objects}}},
      {"deep but within the limit", {{"pregnant", deep_but_fits}}},
      {"too deep and unknown", {{"nope", too_deep}, {"pain_nprs", "x"}}},
      {"too many findings", too_many},
      {"text in another script", {{"medications", json::array({"ибупрофен", "布洛芬"})}}},
      {"an empty key", {{"", 1}}},
  };
}

}  // namespace modalis::testing
