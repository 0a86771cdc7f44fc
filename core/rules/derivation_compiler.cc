// Derived findings, from the vocabulary's "derivations" list: a finding computed from others
// (a risk group from its questionnaire scores) before any rule reads it.
#include <set>

#include "core/common/did_you_mean.h"
#include "core/rules/rule_compiler.h"

namespace modalis {

void RuleCompiler::CompileDerivations() {
  const Json& root = doc_.root();
  if (!root.is_object() || !root.contains("derivations")) return;
  if (!root["derivations"].is_array()) {
    Error("/derivations", "wrong-type", "'derivations' is a list");
    return;
  }
  std::set<SlotId> derived;
  for (size_t i = 0; i < root["derivations"].size(); ++i) {
    const std::string p = "/derivations/" + std::to_string(i);
    const Json& j = root["derivations"][i];
    if (!j.is_object()) {
      Error(p, "wrong-type", "a derivation is an object");
      continue;
    }
    CheckKeys(j, p, {"id", "description", "finding", "cases", "when_recorded"});
    Derivation d;
    d.pointer = p;
    d.id = RequireString(j, p, "id");
    d.description = RequireString(j, p, "description");
    CheckUniqueId("derivation:" + d.id, p + "/id");
    const FindingDef* def = nullptr;
    if (!j.contains("finding")) {
      Error(p, "missing-field", "'finding' is required: the finding this derivation sets");
    } else {
      def = ResolveFinding(j["finding"], p + "/finding");
    }
    if (def != nullptr && def->type != FindingType::kEnum) {
      Error(
          p + "/finding", "wrong-type",
          "'" + def->code + "' is not an enum finding; a derivation sets one of a list of values");
      def = nullptr;
    }
    if (def != nullptr) {
      d.finding = def->slot;
      if (!derived.insert(def->slot).second) {
        Error(p + "/finding", "duplicate-derivation",
              "'" + def->code + "' is already derived by an earlier derivation; keep one");
      }
    }
    // The vocabulary loader has checked the choice against the schema.
    if (j.contains("when_recorded") && j["when_recorded"] == "higher") {
      d.when_recorded = Derivation::WhenRecorded::kHigher;
    }
    if (!j.contains("cases") || !j["cases"].is_array() || j["cases"].empty()) {
      Error(j.contains("cases") ? p + "/cases" : p, "missing-field",
            "'cases' must list at least one {\"value\": ..., \"when\": condition}");
      continue;
    }
    for (size_t k = 0; k < j["cases"].size(); ++k) {
      const std::string cp = p + "/cases/" + std::to_string(k);
      const Json& c = j["cases"][k];
      if (!c.is_object()) {
        Error(cp, "wrong-type", "a case is {\"value\": ..., \"when\": condition}");
        continue;
      }
      CheckKeys(c, cp, {"value", "when"});
      Derivation::Case out;
      if (!c.contains("when")) {
        Error(cp, "missing-field", "'when' is required: the condition for this value");
        continue;
      }
      out.when = CompileCondition(c["when"], cp + "/when", 1);
      if (!c.contains("value") || !c["value"].is_string()) {
        Error(c.contains("value") ? cp + "/value" : cp, "missing-field",
              "'value' is required: one of the finding's values, as text");
        continue;
      }
      if (def == nullptr) continue;
      const std::string value = c["value"].get<std::string>();
      const auto index = def->ValueIndex(value);
      if (!index) {
        Error(cp + "/value", "unknown-value",
              "'" + value + "' is not a value of '" + def->code + "'" +
                  DidYouMeanSuffix(value, def->values));
        continue;
      }
      out.value = *index;
      d.cases.push_back(out);
    }
    if (def != nullptr) out_->derivations.push_back(std::move(d));
  }
}

}  // namespace modalis
