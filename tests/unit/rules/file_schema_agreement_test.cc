// The vocabulary, manifest and golden-case loaders refuse exactly what their JSON Schemas in
// rules/schema/ refuse. Each row of the table breaks one rule of one schema (a pattern, an
// additionalProperties: false level, a required key, an enum, a bound) by patching a valid file;
// the shipped schema must refuse the result (checked with valijson) and so must the loader, with
// the expected id and message at the file, line:column and JSON pointer of the broken value.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/common/json_document.h"
#include "core/findings/findings.h"
#include "core/findings/vocabulary.h"
#include "core/plan/golden_cases.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/schema_check.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using nlohmann::json;

enum class Kind { kVocabulary, kManifest, kCases };

constexpr char kVocabulary[] = R"({
  "$schema": "schema/vocabulary.schema.json",
  "id": "test-findings",
  "version": "1.0.0",
  "description": "a small vocabulary with one of everything",
  "lists": {"targets": ["quadratus_lumborum", "piriformis"], "modalities": ["dry_needling"]},
  "target_regions": {"quadratus_lumborum": "lumbar", "piriformis": "gluteal"},
  "findings": {
    "pain_nprs": {"type": "number", "min": 0, "max": 10, "description": "pain, 0 to 10"},
    "pregnant": {"type": "boolean"},
    "needling_consent": {"type": "boolean"},
    "work_type": {"type": "enum", "values": ["desk", "manual"]},
    "trigger_points": {"type": "set", "values_from": "targets"},
    "lymphoedema_site": {"type": "enum", "values": ["none", "lower_back"],
                         "regions": {"none": [], "lower_back": ["lumbar"]}}
  },
  "constraints": [
    {"id": "consent-both-ways", "description": "consent given and refused",
     "not_both": [{"finding": "needling_consent", "equals": true},
                  {"finding": "needling_consent", "equals": false}]},
    {"id": "pregnant-implies-consent", "description": "a detail implies its parent",
     "if": {"finding": "pregnant", "equals": true},
     "then": {"finding": "needling_consent", "known": true}}
  ],
  "derivations": [
    {"id": "work-type-from-pain", "description": "a derived enum finding",
     "finding": "work_type", "when_recorded": "higher",
     "cases": [{"value": "manual", "when": {"finding": "pain_nprs", "at_least": 8}}]}
  ]
})";

constexpr char kManifest[] = R"({
  "$schema": "schema/manifest.schema.json",
  "vocabulary": "vocabulary.json",
  "rules": "test.rules.json",
  "cases": ["test.cases.json"]
})";

constexpr char kCases[] = R"({
  "$schema": "schema/cases.schema.json",
  "description": "one case with every expectation",
  "cases": [
    {"id": "desk-worker", "description": "d", "source": "s",
     "findings": {"pain_nprs": 6, "work_type": "desk"},
     "request": {"session_minutes": 60, "practitioner": {"qualifications": ["dry_needling"]}},
     "expect": {"status": "PROVISIONAL", "referral": "NONE", "steps": ["myofascial_release"],
                "steps_in_order": ["myofascial_release"], "steps_include": ["myofascial_release"],
                "steps_exclude": ["dry_needling"], "excluded": ["dry_needling"],
                "targets": {"myofascial_release": ["quadratus_lumborum"]},
                "pressure": {"myofascial_release": "light"},
                "advice_include": ["desk_setup"], "advice_exclude": ["rest"],
                "missing_include": ["pregnant"],
                "course": {"frequency": "weekly", "sessions_min": 4, "sessions_max": 6,
                           "review_after_sessions": 4},
                "cautions_include": {"myofascial_release": ["osteoporosis"]},
                "cautions_exclude": {"myofascial_release": ["needle"]}}}]
})";

const char* SchemaOf(Kind kind) {
  switch (kind) {
    case Kind::kVocabulary:
      return "vocabulary.schema.json";
    case Kind::kManifest:
      return "manifest.schema.json";
    case Kind::kCases:
      return "cases.schema.json";
  }
  return "";
}

const char* FileNameOf(Kind kind) {
  switch (kind) {
    case Kind::kVocabulary:
      return "vocabulary.json";
    case Kind::kManifest:
      return "modalis.json";
    case Kind::kCases:
      return "test.cases.json";
  }
  return "";
}

json BaseOf(Kind kind) {
  switch (kind) {
    case Kind::kVocabulary:
      return json::parse(kVocabulary);
    case Kind::kManifest:
      return json::parse(kManifest);
    case Kind::kCases:
      return json::parse(kCases);
  }
  return {};
}

// Problems the shipped schema finds in `document`; "" when it is valid.
std::string SchemaProblems(const json& document, Kind kind) {
  return testing::SchemaProblems(document, std::string("schema/") + SchemaOf(kind));
}

// What the loader of `kind` prints about `text`, one diagnostic a line ("" when it accepts it).
std::string LoaderOutput(Kind kind, const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  switch (kind) {
    case Kind::kVocabulary: {
      JsonDocument doc = JsonDocument::Parse(text, FileNameOf(kind), &diagnostics);
      if (!HasErrors(diagnostics)) Vocabulary::FromDocument(doc, {}, &diagnostics);
      break;
    }
    case Kind::kManifest: {
      // The manifest is read from a directory; the files it names only need to exist.
      testing::TempDir dir;
      testing::WriteText(dir.file("modalis.json"), text);
      for (const char* name : {"vocabulary.json", "test.rules.json", "test.cases.json"}) {
        testing::WriteText(dir.file(name), "{}");
      }
      auto source = ReadRuleSource(dir.path());
      if (source.ok()) return {};
      // Printed with the directory: shown here by the file's own name.
      std::string out(source.status().message());
      for (size_t at; (at = out.find(dir.path() + "/")) != std::string::npos;) {
        out.erase(at, dir.path().size() + 1);
      }
      return out;
    }
    case Kind::kCases:
      diagnostics =
          RunGoldenCases(*testing::DefaultRules(), {{FileNameOf(kind), text}}).diagnostics;
      break;
  }
  return HasErrors(diagnostics) ? FormatDiagnostics(diagnostics) : std::string();
}

struct Violation {
  const char* rule;  // the schema rule the patch breaks
  Kind kind;
  json patch;  // RFC 6902, applied to the kind's valid base file
  const char* id;
  const char* pointer;  // where the loader must point
  const char* message;  // part of the loader's message
};

json Values(size_t count) {
  json values = json::array();
  for (size_t i = 0; i < count; ++i) values.push_back("v" + std::to_string(i));
  return values;
}

json Op(const char* op, const char* path, json value = nullptr) {
  json o = {{"op", op}, {"path", path}};
  if (std::string(op) != "remove") o["value"] = std::move(value);
  return json::array({o});
}
json Add(const char* path, json value) { return Op("add", path, std::move(value)); }
json Remove(const char* path) { return Op("remove", path); }

std::vector<Violation> Violations() {
  const Kind v = Kind::kVocabulary;
  const Kind m = Kind::kManifest;
  const Kind c = Kind::kCases;
  static constexpr char kNotACode[] = "is not a code";
  return {
      // vocabulary.schema.json, top level
      {"additionalProperties", v, Add("/versoin", "1"), "unknown-field", "/versoin",
       "'versoin' is not a field here (did you mean 'version'?)"},
      {"required id", v, Remove("/id"), "missing-field", "", "'id' is required here"},
      {"required version", v, Remove("/version"), "missing-field", "", "'version' is required"},
      {"required findings", v, Remove("/findings"), "missing-field", "", "'findings' is required"},
      {"id minLength", v, Add("/id", ""), "wrong-type", "/id", "'id' must be a non-empty text"},
      {"version type", v, Add("/version", 1), "wrong-type", "/version", "'version' must be a"},
      {"$schema type", v, Add("/$schema", 7), "wrong-type", "/$schema", "must be a text"},
      {"description type", v, Add("/description", 7), "wrong-type", "/description",
       "must be a text"},
      // lists
      {"lists type", v, Add("/lists", json::array()), "wrong-type", "/lists", "must be an object"},
      {"lists item type", v, Add("/lists/targets", "piriformis"), "wrong-type", "/lists/targets",
       "must be a list"},
      {"lists minItems", v, Add("/lists/empty", json::array()), "wrong-type", "/lists/empty",
       "at least one"},
      {"lists items pattern", v, Add("/lists/targets/0", "L3"), "bad-code", "/lists/targets/0",
       kNotACode},
      {"lists items type", v, Add("/lists/targets/0", 3), "wrong-type", "/lists/targets/0",
       "must be texts"},
      // target_regions
      {"target_regions type", v, Add("/target_regions", "lumbar"), "wrong-type", "/target_regions",
       "must be an object"},
      {"target_regions propertyNames pattern", v, Add("/target_regions/Piriformis", "gluteal"),
       "bad-code", "/target_regions/Piriformis", kNotACode},
      {"target_regions value pattern", v, Add("/target_regions/piriformis", "L3"), "bad-code",
       "/target_regions/piriformis", "'L3' in 'target_regions' is not a code"},
      {"target_regions value type", v, Add("/target_regions/piriformis", 3), "wrong-type",
       "/target_regions/piriformis", "must be a text"},
      // findings
      {"findings type", v, Add("/findings", json::array()), "wrong-type", "/findings",
       "must be an object"},
      {"findings propertyNames pattern", v, Add("/findings/L3", {{"type", "boolean"}}), "bad-code",
       "/findings/L3", "'L3' in 'findings' is not a code"},
      {"finding type", v, Add("/findings/pregnant", true), "wrong-type", "/findings/pregnant",
       "must be an object"},
      {"finding additionalProperties", v, Add("/findings/pain_nprs/mn", 0), "unknown-field",
       "/findings/pain_nprs/mn", "'mn' is not a field here (did you mean 'min'?)"},
      {"finding required type", v, Remove("/findings/pregnant/type"), "missing-field",
       "/findings/pregnant", "'type' is required here"},
      {"finding type enum", v, Add("/findings/pregnant/type", "bool"), "unknown-type",
       "/findings/pregnant/type", "has type 'bool'"},
      {"finding type type", v, Add("/findings/pregnant/type", 1), "wrong-type",
       "/findings/pregnant/type", "'type' must be a text"},
      {"finding min type", v, Add("/findings/pain_nprs/min", "0"), "wrong-type",
       "/findings/pain_nprs", "needs numeric 'min' and 'max'"},
      {"finding max type", v, Add("/findings/pain_nprs/max", "10"), "wrong-type",
       "/findings/pain_nprs", "needs numeric 'min' and 'max'"},
      {"finding values type", v, Add("/findings/work_type/values", "desk"), "wrong-type",
       "/findings/work_type/values", "must be a list"},
      {"finding values minItems", v, Add("/findings/trigger_points/values", json::array()),
       "wrong-type", "/findings/trigger_points/values", "at least one"},
      {"finding values maxItems", v, Add("/findings/work_type/values", Values(65)),
       "too-many-values", "/findings/work_type", "has 65 values"},
      {"finding values pattern", v, Add("/findings/work_type/values/0", "L3"), "bad-code",
       "/findings/work_type/values/0", "'L3' in 'values' is not a code"},
      {"finding values_from pattern", v, Add("/findings/trigger_points/values_from", "Targets"),
       "bad-code", "/findings/trigger_points/values_from", kNotACode},
      {"finding values_from type", v, Add("/findings/trigger_points/values_from", 3), "wrong-type",
       "/findings/trigger_points/values_from", "'values_from' must be a text"},
      {"finding description type", v, Add("/findings/pregnant/description", 3), "wrong-type",
       "/findings/pregnant/description", "'description' must be a text"},
      {"finding regions type", v, Add("/findings/lymphoedema_site/regions", json::array()),
       "wrong-type", "/findings/lymphoedema_site/regions", "must be an object"},
      {"finding regions value type", v, Add("/findings/lymphoedema_site/regions/none", "lumbar"),
       "wrong-type", "/findings/lymphoedema_site/regions/none", "must be a list"},
      {"finding regions items pattern", v,
       Add("/findings/lymphoedema_site/regions/lower_back/0", "Lumbar"), "bad-code",
       "/findings/lymphoedema_site/regions/lower_back/0", kNotACode},
      // constraints
      {"constraints type", v, Add("/constraints", json::object()), "wrong-type", "/constraints",
       "must be a list"},
      {"constraint type", v, Add("/constraints/0", "c"), "wrong-type", "/constraints/0",
       "must be an object"},
      {"constraint additionalProperties", v, Add("/constraints/0/descripton", "d"), "unknown-field",
       "/constraints/0/descripton", "(did you mean 'description'?)"},
      {"constraint required id", v, Remove("/constraints/0/id"), "missing-field", "/constraints/0",
       "'id' is required here"},
      {"constraint required description", v, Remove("/constraints/1/description"), "missing-field",
       "/constraints/1", "'description' is required here"},
      {"constraint id minLength", v, Add("/constraints/0/id", ""), "wrong-type",
       "/constraints/0/id", "non-empty"},
      {"constraint description minLength", v, Add("/constraints/0/description", ""), "wrong-type",
       "/constraints/0/description", "non-empty"},
      {"constraint not_both minItems", v, Remove("/constraints/0/not_both/1"), "wrong-type",
       "/constraints/0/not_both", "two tests"},
      {"constraint not_both maxItems", v,
       Add("/constraints/0/not_both/-", {{"finding", "pregnant"}, {"equals", true}}), "wrong-type",
       "/constraints/0/not_both", "two tests"},
      {"constraint not_both items required finding", v, Remove("/constraints/0/not_both/0/finding"),
       "missing-field", "/constraints/0/not_both/0", "'finding' is required"},
      {"constraint not_both finding type", v, Add("/constraints/0/not_both/0/finding", 1),
       "wrong-type", "/constraints/0/not_both/0/finding", "must be a text"},
      {"constraint if required finding", v, Remove("/constraints/1/if/finding"), "missing-field",
       "/constraints/1/if", "'finding' is required"},
      {"constraint then type", v, Add("/constraints/1/then", "needling_consent"), "wrong-type",
       "/constraints/1/then", "must be an object"},
      {"constraint oneOf: neither", v, Remove("/constraints/0/not_both"), "missing-field",
       "/constraints/0", "a constraint is {\"not_both\""},
      {"constraint oneOf: if without then", v, Remove("/constraints/1/then"), "missing-field",
       "/constraints/1", "a constraint is {\"not_both\""},
      {"constraint oneOf: both", v,
       Add("/constraints/1/not_both", json::parse(R"([{"finding": "pregnant", "equals": true},
                                                       {"finding": "pregnant", "equals": false}])")),
       "ambiguous-constraint", "/constraints/1", "not both"},

      // derivations
      {"derivations type", v, Add("/derivations", json::object()), "wrong-type", "/derivations",
       "must be a list"},
      {"derivation type", v, Add("/derivations/0", "d"), "wrong-type", "/derivations/0",
       "must be an object"},
      {"derivation additionalProperties", v, Add("/derivations/0/findng", "x"), "unknown-field",
       "/derivations/0/findng", "(did you mean 'finding'?)"},
      {"derivation required finding", v, Remove("/derivations/0/finding"), "missing-field",
       "/derivations/0", "'finding' is required here"},
      {"derivation required cases", v, Remove("/derivations/0/cases"), "missing-field",
       "/derivations/0", "'cases' is required here"},
      {"derivation id minLength", v, Add("/derivations/0/id", ""), "wrong-type",
       "/derivations/0/id", "non-empty"},
      {"derivation cases minItems", v, Add("/derivations/0/cases", json::array()), "missing-field",
       "/derivations/0/cases", "at least one"},
      {"derivation case additionalProperties", v, Add("/derivations/0/cases/0/vaule", "x"),
       "unknown-field", "/derivations/0/cases/0/vaule", "(did you mean 'value'?)"},
      {"derivation case required when", v, Remove("/derivations/0/cases/0/when"), "missing-field",
       "/derivations/0/cases/0", "'when' is required here"},
      {"derivation case value pattern", v, Add("/derivations/0/cases/0/value", "Manual"),
       "bad-code", "/derivations/0/cases/0/value", kNotACode},
      {"derivation case when type", v, Add("/derivations/0/cases/0/when", "always"), "wrong-type",
       "/derivations/0/cases/0/when", "must be an object"},
      {"derivation when_recorded enum", v, Add("/derivations/0/when_recorded", "highest"),
       "unknown-value", "/derivations/0/when_recorded", "(did you mean 'higher'?)"},

      // manifest.schema.json
      {"additionalProperties", m, Add("/vocabluary", "v.json"), "unknown-field", "/vocabluary",
       "'vocabluary' is not a field here (did you mean 'vocabulary'?)"},
      {"type", m, json::parse(R"([{"op": "replace", "path": "", "value": []}])"), "wrong-type", "",
       "must be an object"},
      {"required vocabulary", m, Remove("/vocabulary"), "missing-field", "",
       "'vocabulary' is required here"},
      {"required rules", m, Remove("/rules"), "missing-field", "", "'rules' is required here"},
      {"vocabulary minLength", m, Add("/vocabulary", ""), "wrong-type", "/vocabulary", "non-empty"},
      {"rules type", m, Add("/rules", 1), "wrong-type", "/rules", "'rules' must be a text"},
      {"cases type", m, Add("/cases", "test.cases.json"), "wrong-type", "/cases", "must be a list"},
      {"cases items minLength", m, Add("/cases/0", ""), "wrong-type", "/cases/0", "non-empty"},
      {"cases items type", m, Add("/cases/0", 1), "wrong-type", "/cases/0", "must be a text"},
      {"$schema type", m, Add("/$schema", 1), "wrong-type", "/$schema", "must be a text"},

      // cases.schema.json, top level
      {"additionalProperties", c, Add("/case", json::array()), "unknown-field", "/case",
       "'case' is not a field here (did you mean 'cases'?)"},
      {"type", c, json::parse(R"([{"op": "replace", "path": "", "value": "x"}])"), "wrong-type", "",
       "must be an object"},
      {"required cases", c, Remove("/cases"), "missing-field", "", "'cases' is required here"},
      {"cases type", c, Add("/cases", json::object()), "wrong-type", "/cases", "must be a list"},
      {"cases minItems", c, Add("/cases", json::array()), "missing-field", "/cases",
       "lists no case"},
      {"description type", c, Add("/description", 1), "wrong-type", "/description",
       "must be a text"},
      {"$schema type", c, Add("/$schema", 1), "wrong-type", "/$schema", "must be a text"},
      // a case
      {"case type", c, Add("/cases/0", "c"), "wrong-type", "/cases/0", "must be an object"},
      {"case additionalProperties", c, Add("/cases/0/expcet", json::object()), "unknown-field",
       "/cases/0/expcet", "(did you mean 'expect'?)"},
      {"case required id", c, Remove("/cases/0/id"), "missing-field", "/cases/0",
       "'id' is required"},
      {"case required findings", c, Remove("/cases/0/findings"), "missing-field", "/cases/0",
       "'findings' is required"},
      {"case required expect", c, Remove("/cases/0/expect"), "missing-field", "/cases/0",
       "'expect' is required"},
      {"case id minLength", c, Add("/cases/0/id", ""), "wrong-type", "/cases/0/id", "non-empty"},
      {"case description type", c, Add("/cases/0/description", 5), "wrong-type",
       "/cases/0/description", "'description' must be a text"},
      {"case source type", c, Add("/cases/0/source", 5), "wrong-type", "/cases/0/source",
       "must be a text"},
      {"findings type", c, Add("/cases/0/findings", json::array()), "wrong-type",
       "/cases/0/findings", "must be an object"},
      {"findings propertyNames pattern", c, Add("/cases/0/findings/L3", true), "bad-code",
       "/cases/0/findings/L3", "'L3' in 'findings' is not a code"},
      // request
      {"request type", c, Add("/cases/0/request", 60), "wrong-type", "/cases/0/request",
       "must be an object"},
      {"request additionalProperties", c, Add("/cases/0/request/session_minute", 60),
       "unknown-field", "/cases/0/request/session_minute", "(did you mean 'session_minutes'?)"},
      {"session_minutes type", c, Add("/cases/0/request/session_minutes", "sixty"), "wrong-type",
       "/cases/0/request/session_minutes", "whole number"},
      {"session_minutes integer", c, Add("/cases/0/request/session_minutes", 60.5), "wrong-type",
       "/cases/0/request/session_minutes", "whole number"},
      {"session_minutes minimum", c, Add("/cases/0/request/session_minutes", 4), "out-of-range",
       "/cases/0/request/session_minutes", "from 5 to 480"},
      {"session_minutes maximum", c, Add("/cases/0/request/session_minutes", 481), "out-of-range",
       "/cases/0/request/session_minutes", "from 5 to 480"},
      {"practitioner type", c, Add("/cases/0/request/practitioner", "dry_needling"), "wrong-type",
       "/cases/0/request/practitioner", "must be an object"},
      {"practitioner additionalProperties", c,
       Add("/cases/0/request/practitioner/qualification", json::array()), "unknown-field",
       "/cases/0/request/practitioner/qualification", "(did you mean 'qualifications'?)"},
      {"qualifications type", c, Add("/cases/0/request/practitioner/qualifications", "x"),
       "wrong-type", "/cases/0/request/practitioner/qualifications", "must be a list"},
      {"qualifications items type", c, Add("/cases/0/request/practitioner/qualifications/0", 1),
       "wrong-type", "/cases/0/request/practitioner/qualifications/0", "must be texts"},
      // expect
      {"expect type", c, Add("/cases/0/expect", json::array()), "wrong-type", "/cases/0/expect",
       "must be an object"},
      {"expect additionalProperties", c, Add("/cases/0/expect/step", json::array()),
       "unknown-field", "/cases/0/expect/step", "(did you mean 'steps'?)"},
      {"status enum", c, Add("/cases/0/expect/status", "DONE"), "unknown-value",
       "/cases/0/expect/status", "'status' is one of COMPLETE, PROVISIONAL"},
      {"status type", c, Add("/cases/0/expect/status", 3), "wrong-type", "/cases/0/expect/status",
       "'status' is one of"},
      {"referral enum", c, Add("/cases/0/expect/referral", "URGNT"), "unknown-value",
       "/cases/0/expect/referral", "(did you mean 'URGENT'?)"},
      {"steps type", c, Add("/cases/0/expect/steps", "dry_needling"), "wrong-type",
       "/cases/0/expect/steps", "must be a list"},
      {"steps pattern", c, Add("/cases/0/expect/steps/0", "Dry_needling"), "bad-code",
       "/cases/0/expect/steps/0", kNotACode},
      {"steps_in_order pattern", c, Add("/cases/0/expect/steps_in_order/0", "L3"), "bad-code",
       "/cases/0/expect/steps_in_order/0", kNotACode},
      {"steps_include pattern", c, Add("/cases/0/expect/steps_include/0", "L3"), "bad-code",
       "/cases/0/expect/steps_include/0", kNotACode},
      {"steps_exclude pattern", c, Add("/cases/0/expect/steps_exclude/0", "L3"), "bad-code",
       "/cases/0/expect/steps_exclude/0", kNotACode},
      {"excluded pattern", c, Add("/cases/0/expect/excluded/0", "dry needling"), "bad-code",
       "/cases/0/expect/excluded/0", kNotACode},
      {"advice_include pattern", c, Add("/cases/0/expect/advice_include/0", "L3"), "bad-code",
       "/cases/0/expect/advice_include/0", kNotACode},
      {"advice_exclude pattern", c, Add("/cases/0/expect/advice_exclude/0", "L3"), "bad-code",
       "/cases/0/expect/advice_exclude/0", kNotACode},
      {"missing_include pattern", c, Add("/cases/0/expect/missing_include/0", "_x"), "bad-code",
       "/cases/0/expect/missing_include/0", kNotACode},
      {"missing_include items type", c, Add("/cases/0/expect/missing_include/0", 1), "wrong-type",
       "/cases/0/expect/missing_include/0", "must be texts"},
      {"targets type", c, Add("/cases/0/expect/targets", json::array()), "wrong-type",
       "/cases/0/expect/targets", "must be an object"},
      {"targets propertyNames pattern", c,
       Add("/cases/0/expect/targets/Dry_needling", json::array()), "bad-code",
       "/cases/0/expect/targets/Dry_needling", kNotACode},
      {"targets value type", c, Add("/cases/0/expect/targets/myofascial_release", "piriformis"),
       "wrong-type", "/cases/0/expect/targets/myofascial_release", "must be a list"},
      {"targets items pattern", c, Add("/cases/0/expect/targets/myofascial_release/0", "L3"),
       "bad-code", "/cases/0/expect/targets/myofascial_release/0", kNotACode},
      {"pressure propertyNames pattern", c, Add("/cases/0/expect/pressure/L3", "light"), "bad-code",
       "/cases/0/expect/pressure/L3", kNotACode},
      {"pressure enum", c, Add("/cases/0/expect/pressure/myofascial_release", "firm"),
       "unknown-value", "/cases/0/expect/pressure/myofascial_release",
       "'pressure' is one of light, moderate, deep"},
      {"pressure type", c, Add("/cases/0/expect/pressure/myofascial_release", 1), "wrong-type",
       "/cases/0/expect/pressure/myofascial_release", "'pressure' is one of"},
      {"course const", c, Add("/cases/0/expect/course", "nothing"), "unknown-value",
       "/cases/0/expect/course", "'course' is one of none"},
      {"course type", c, Add("/cases/0/expect/course", 3), "wrong-type", "/cases/0/expect/course",
       "'course' is \"none\" or an object"},
      {"course additionalProperties", c, Add("/cases/0/expect/course/sessions", 3), "unknown-field",
       "/cases/0/expect/course/sessions", "is not a field here"},
      {"course frequency enum", c, Add("/cases/0/expect/course/frequency", "biweekly"),
       "unknown-value", "/cases/0/expect/course/frequency", "'frequency' is one of"},
      {"course sessions_min minimum", c, Add("/cases/0/expect/course/sessions_min", 0),
       "out-of-range", "/cases/0/expect/course/sessions_min", "from 1 up"},
      {"course sessions_max integer", c, Add("/cases/0/expect/course/sessions_max", 1.5),
       "wrong-type", "/cases/0/expect/course/sessions_max", "whole number"},
      {"course review_after_sessions minimum", c,
       Add("/cases/0/expect/course/review_after_sessions", -1), "out-of-range",
       "/cases/0/expect/course/review_after_sessions", "from 1 up"},
      {"cautions_include type", c, Add("/cases/0/expect/cautions_include", json::array()),
       "wrong-type", "/cases/0/expect/cautions_include", "must be an object"},
      {"cautions_include propertyNames pattern", c,
       Add("/cases/0/expect/cautions_include/L3", json::array()), "bad-code",
       "/cases/0/expect/cautions_include/L3", kNotACode},
      {"cautions_include items type", c,
       Add("/cases/0/expect/cautions_include/myofascial_release/0", 1), "wrong-type",
       "/cases/0/expect/cautions_include/myofascial_release/0", "must be texts"},
      {"cautions_exclude propertyNames pattern", c,
       Add("/cases/0/expect/cautions_exclude/L3", json::array()), "bad-code",
       "/cases/0/expect/cautions_exclude/L3", kNotACode},
      {"cautions_exclude value type", c,
       Add("/cases/0/expect/cautions_exclude/myofascial_release", "needle"), "wrong-type",
       "/cases/0/expect/cautions_exclude/myofascial_release", "must be a list"},
  };
}

// "FILE:LINE:COL: error: " for the value at `pointer` in `text`, as the loader must print it.
std::string ExpectedPlace(Kind kind, const std::string& text, const std::string& pointer) {
  std::vector<Diagnostic> ignored;
  const SourceLocation at = JsonDocument::Parse(text, FileNameOf(kind), &ignored).Locate(pointer);
  return std::string(FileNameOf(kind)) + ":" + std::to_string(at.line) + ":" +
         std::to_string(at.column) + ": error: ";
}

TEST(FileSchemaAgreementTest, ValidBaseFilesAreAcceptedByLoaderAndSchema) {
  for (Kind kind : {Kind::kVocabulary, Kind::kManifest, Kind::kCases}) {
    SCOPED_TRACE(FileNameOf(kind));
    EXPECT_EQ(SchemaProblems(BaseOf(kind), kind), "");
    EXPECT_EQ(LoaderOutput(kind, BaseOf(kind).dump(2)), "");
  }
}

TEST(FileSchemaAgreementTest, EveryViolationIsRefusedByLoaderAndSchemaAtItsPlace) {
  for (const Violation& violation : Violations()) {
    SCOPED_TRACE(std::string(FileNameOf(violation.kind)) + ": " + violation.rule + " " +
                 violation.patch.dump());
    const json document = BaseOf(violation.kind).patch(violation.patch);
    const std::string text = document.dump(2);
    EXPECT_NE(SchemaProblems(document, violation.kind), "") << "the schema accepts it";

    const std::string out = LoaderOutput(violation.kind, text);
    const std::string place = ExpectedPlace(violation.kind, text, violation.pointer);
    const std::string tail =
        std::string("[") + violation.id + "]" +
        (*violation.pointer ? std::string(" (at ") + violation.pointer + ")" : std::string());
    bool found = false;
    for (size_t start = 0; start < out.size();) {
      const size_t end = std::min(out.find('\n', start), out.size());
      const std::string line = out.substr(start, end - start);
      found = found || (line.starts_with(place) && line.ends_with(tail) &&
                        line.find(violation.message) != std::string::npos);
      start = end + 1;
    }
    EXPECT_TRUE(found) << "expected '" << place << "..." << violation.message << "..." << tail
                       << "' in:\n"
                       << out;
  }
}

// The did-you-mean as a person reads it, at the exact line and column, for each file kind.
TEST(FileSchemaAgreementTest, MisspeltKeysNameTheirFileLineColumnAndClosestKey) {
  EXPECT_EQ(LoaderOutput(Kind::kVocabulary, R"({"id": "v", "version": "1", "findings": {
  "pain_nprs": {"type": "number", "mni": 0, "max": 10}}})"),
            "vocabulary.json:2:42: error: 'mni' is not a field here (did you mean 'min'?); "
            "allowed: type, min, max, values, values_from, description, regions [unknown-field] "
            "(at /findings/pain_nprs/mni)\n");
  EXPECT_EQ(LoaderOutput(Kind::kManifest, R"({"vocabulary": "vocabulary.json",
  "rules": "test.rules.json", "case": ["test.cases.json"]})"),
            "modalis.json:2:39: error: 'case' is not a field here (did you mean 'cases'?); "
            "allowed: $schema, vocabulary, rules, cases [unknown-field] (at /case)\n");
  EXPECT_EQ(LoaderOutput(Kind::kCases, R"({"cases": [{"id": "c1", "findings": {},
  "expect": {"status": "COMPLETE", "referal": "NONE"}}]})"),
            "test.cases.json:2:47: error: 'referal' is not a field here (did you mean "
            "'referral'?); allowed: status, referral, targets, pressure, course, "
            "cautions_include, cautions_exclude, steps, steps_in_order, steps_include, "
            "steps_exclude, excluded, advice_include, advice_exclude, missing_include "
            "[unknown-field] (at /cases/0/expect/referal)\n");
}

// The decoder takes only values the vocabulary declares, and the vocabulary declares only codes:
// "L3" can reach neither.
TEST(FileSchemaAgreementTest, DecoderRefusesAValueOutsideTheCodePattern) {
  std::vector<Diagnostic> diagnostics;
  JsonDocument doc = JsonDocument::Parse(kVocabulary, "vocabulary.json", &diagnostics);
  auto vocabulary = Vocabulary::FromDocument(doc, {}, &diagnostics);
  ASSERT_NE(vocabulary, nullptr) << FormatDiagnostics(diagnostics);
  auto decoded = DecodeFindings(nlohmann::json{{"work_type", "Desk"}}, vocabulary);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "invalid findings: work_type: 'Desk' is not a value of work_type (did you mean "
            "'desk'?)");
}

}  // namespace
}  // namespace modalis
