#include "core/findings/vocabulary.h"

#include <algorithm>
#include <cmath>

#include "core/common/did_you_mean.h"
#include "core/common/file_shape.h"

namespace modalis {
namespace {

// Set members, and the values an enum test accepts, are held in a 64-bit mask.
constexpr size_t kMaxSetValues = 64;

struct TypeName {
  std::string_view name;
  FindingType type;
};
constexpr TypeName kTypes[] = {
    {"boolean", FindingType::kBoolean}, {"integer", FindingType::kInteger},
    {"number", FindingType::kNumber},   {"enum", FindingType::kEnum},
    {"set", FindingType::kSet},         {"text_list", FindingType::kTextList},
};

class Builder {
 public:
  Builder(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics)
      : doc_(doc), diagnostics_(diagnostics) {}

  void Error(const std::string& pointer, std::string id, std::string message) {
    diagnostics_->push_back(Diagnostic{Diagnostic::Severity::kError, std::move(id),
                                       doc_.Locate(pointer), std::move(message)});
  }

  const JsonDocument& doc_;
  std::vector<Diagnostic>* diagnostics_;
};

using Json = nlohmann::ordered_json;

std::vector<std::string> TypeNames() {
  std::vector<std::string> out;
  for (const TypeName& t : kTypes) out.emplace_back(t.name);
  return out;
}

// definitions/finding in vocabulary.schema.json.
void CheckFindingShape(ShapeChecker& s, const std::string& code, const Json& spec,
                       const std::string& pointer) {
  if (!spec.is_object()) {
    s.Error(pointer, "wrong-type", "finding '" + code + "' must be an object with a 'type'");
    return;
  }
  s.Keys(spec, pointer, {"type", "min", "max", "values", "values_from", "description", "regions"});
  s.Required(spec, pointer, {"type"});
  if (spec.contains("type") && s.Text(spec["type"], pointer + "/type", "type")) {
    const std::vector<std::string> types = TypeNames();
    const std::string& type = spec["type"].get_ref<const std::string&>();
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      s.Error(pointer + "/type", "unknown-type",
              "finding '" + code + "' has type '" + type +
                  "'; use boolean, integer, number, enum, set or text_list" +
                  DidYouMeanSuffix(type, types));
    }
  }
  for (const char* bound : {"min", "max"}) {
    if (spec.contains(bound) && !spec[bound].is_number()) {
      s.Error(pointer, "wrong-type", "finding '" + code + "' needs numeric 'min' and 'max'");
      break;
    }
  }
  if (spec.contains("values") &&
      s.TextList(spec["values"], pointer + "/values", "values", /*codes=*/true, 1) &&
      spec["values"].size() > kMaxSetValues) {
    s.Error(pointer, "too-many-values",
            "finding '" + code + "' has " + std::to_string(spec["values"].size()) +
                " values; a set or enum finding can have at most " + std::to_string(kMaxSetValues));
  }
  if (spec.contains("values_from") &&
      s.Text(spec["values_from"], pointer + "/values_from", "values_from")) {
    s.Code(spec["values_from"], pointer + "/values_from", "values_from");
  }
  if (spec.contains("description")) {
    s.Text(spec["description"], pointer + "/description", "description");
  }
  if (spec.contains("regions") && s.Object(spec["regions"], pointer + "/regions", "regions")) {
    for (const auto& [value, list] : spec["regions"].items()) {
      s.TextList(list, pointer + "/regions/" + PointerToken(value), "regions", /*codes=*/true);
    }
  }
}

// A side of a constraint: a test naming its finding; the rule compiler reads the test itself.
void CheckConstraintTest(ShapeChecker& s, const Json& test, const std::string& pointer) {
  if (!s.Object(test, pointer, "test") || !s.Required(test, pointer, {"finding"})) return;
  s.Text(test["finding"], pointer + "/finding", "finding");
}

// The items of "constraints" in vocabulary.schema.json, with its oneOf: exactly one of
// "not_both" and the pair "if"/"then".
void CheckConstraintShape(ShapeChecker& s, const Json& c, const std::string& pointer) {
  if (!s.Object(c, pointer, "constraint")) return;
  s.Keys(c, pointer, {"id", "description", "not_both", "if", "then"});
  s.Required(c, pointer, {"id", "description"});
  for (const char* key : {"id", "description"}) {
    if (c.contains(key)) s.Text(c[key], pointer + "/" + key, key, 1);
  }
  if (c.contains("not_both") && s.Array(c["not_both"], pointer + "/not_both", "not_both")) {
    if (c["not_both"].size() != 2) {
      s.Error(pointer + "/not_both", "wrong-type",
              "'not_both' takes two tests that cannot both hold");
    } else {
      for (size_t i = 0; i < 2; ++i) {
        CheckConstraintTest(s, c["not_both"][i], pointer + "/not_both/" + std::to_string(i));
      }
    }
  }
  for (const char* key : {"if", "then"}) {
    if (c.contains(key)) CheckConstraintTest(s, c[key], pointer + "/" + key);
  }
  const bool not_both = c.contains("not_both");
  const bool if_then = c.contains("if") && c.contains("then");
  if (not_both == if_then) {
    s.Error(pointer, not_both ? "ambiguous-constraint" : "missing-field",
            std::string("a constraint is {\"not_both\": [test, test]} or {\"if\": test, "
                        "\"then\": test}") +
                (not_both ? ", not both" : ""));
  }
}

// The items of "derivations" in vocabulary.schema.json; the rule compiler reads the conditions.
void CheckDerivationShape(ShapeChecker& s, const Json& d, const std::string& pointer) {
  if (!s.Object(d, pointer, "derivation")) return;
  s.Keys(d, pointer, {"id", "description", "finding", "cases", "when_recorded"});
  s.Required(d, pointer, {"id", "description", "finding", "cases"});
  for (const char* key : {"id", "description"}) {
    if (d.contains(key)) s.Text(d[key], pointer + "/" + key, key, 1);
  }
  if (d.contains("finding")) s.Text(d["finding"], pointer + "/finding", "finding");
  if (d.contains("when_recorded")) {
    s.OneOf(d["when_recorded"], pointer + "/when_recorded", "when_recorded",
            {"recorded", "higher"});
  }
  if (d.contains("cases") && s.Array(d["cases"], pointer + "/cases", "cases")) {
    if (d["cases"].empty()) {
      s.Error(pointer + "/cases", "missing-field",
              "'cases' must list at least one {\"value\": ..., \"when\": condition}");
    }
    for (size_t i = 0; i < d["cases"].size(); ++i) {
      const std::string p = pointer + "/cases/" + std::to_string(i);
      const Json& c = d["cases"][i];
      if (!s.Object(c, p, "case")) continue;
      s.Keys(c, p, {"value", "when"});
      s.Required(c, p, {"value", "when"});
      if (c.contains("value")) s.Code(c["value"], p + "/value", "value");
      if (c.contains("when")) s.Object(c["when"], p + "/when", "when");
    }
  }
}

// Everything vocabulary.schema.json says, before any meaning is read: a file the schema refuses
// is refused here with the same reason.
bool CheckVocabularyShape(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics) {
  ShapeChecker s(doc, diagnostics);
  const Json& root = doc.root();
  s.Keys(root, "",
         {"$schema", "id", "version", "description", "lists", "target_regions", "findings",
          "constraints", "derivations"});
  s.Required(root, "", {"id", "version", "findings"});
  if (root.contains("$schema")) s.Text(root["$schema"], "/$schema", "$schema");
  for (const char* key : {"id", "version"}) {
    if (root.contains(key)) s.Text(root[key], std::string("/") + key, key, 1);
  }
  if (root.contains("description")) s.Text(root["description"], "/description", "description");
  if (root.contains("lists") && s.Object(root["lists"], "/lists", "lists")) {
    for (const auto& [name, list] : root["lists"].items()) {
      s.TextList(list, "/lists/" + PointerToken(name), name, /*codes=*/true, 1);
    }
  }
  if (root.contains("target_regions") &&
      s.Object(root["target_regions"], "/target_regions", "target_regions")) {
    s.CodeKeys(root["target_regions"], "/target_regions", "target_regions");
    for (const auto& [target, region] : root["target_regions"].items()) {
      s.Code(region, "/target_regions/" + PointerToken(target), "target_regions");
    }
  }
  if (root.contains("findings") && s.Object(root["findings"], "/findings", "findings")) {
    s.CodeKeys(root["findings"], "/findings", "findings");
    for (const auto& [code, spec] : root["findings"].items()) {
      CheckFindingShape(s, code, spec, "/findings/" + PointerToken(code));
    }
  }
  if (root.contains("constraints") && s.Array(root["constraints"], "/constraints", "constraints")) {
    for (size_t i = 0; i < root["constraints"].size(); ++i) {
      CheckConstraintShape(s, root["constraints"][i], "/constraints/" + std::to_string(i));
    }
  }
  if (root.contains("derivations") && s.Array(root["derivations"], "/derivations", "derivations")) {
    for (size_t i = 0; i < root["derivations"].size(); ++i) {
      CheckDerivationShape(s, root["derivations"][i], "/derivations/" + std::to_string(i));
    }
  }
  return s.ok();
}

// "regions": {value: [region, ...]} on an enum finding that names where something is. Every value
// must be listed (an empty list: no target region), so a new value cannot slip through unmapped.
bool ReadValueRegions(Builder& b, const nlohmann::ordered_json& spec, const std::string& pointer,
                      const std::vector<std::string>& regions, FindingDef* def) {
  if (def->type != FindingType::kEnum) {
    b.Error(pointer, "wrong-type", "only an enum finding can name regions");
    return false;
  }
  if (!spec.is_object()) {
    b.Error(pointer, "wrong-type",
            "'regions' maps each value of '" + def->code + "' to the target regions it affects");
    return false;
  }
  def->value_regions.assign(def->values.size(), {});
  bool ok = true;
  for (const auto& [value, list] : spec.items()) {
    const std::string p = pointer + "/" + PointerToken(value);
    auto index = def->ValueIndex(value);
    if (!index) {
      b.Error(p, "unknown-value",
              "'" + value + "' is not a value of '" + def->code + "'" +
                  DidYouMeanSuffix(value, def->values));
      ok = false;
      continue;
    }
    if (!list.is_array()) {
      b.Error(p, "wrong-type", "a list of regions, e.g. [\"lumbar\"] (or [] for none)");
      ok = false;
      continue;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string() ||
          std::find(regions.begin(), regions.end(), list[i].get<std::string>()) == regions.end()) {
        const std::string name = list[i].is_string() ? list[i].get<std::string>() : "";
        b.Error(p + "/" + std::to_string(i), "unknown-region",
                "'" + name + "' is not a region of any target in 'target_regions'" +
                    DidYouMeanSuffix(name, regions));
        ok = false;
        continue;
      }
      def->value_regions[*index].push_back(list[i].get<std::string>());
    }
  }
  for (size_t i = 0; i < def->values.size(); ++i) {
    if (!spec.contains(def->values[i])) {
      b.Error(pointer, "missing-value",
              "'regions' must say which regions '" + def->values[i] + "' affects ([] for none)");
      ok = false;
    }
  }
  return ok;
}

}  // namespace

std::string_view FindingTypeName(FindingType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "?";
}

std::optional<uint32_t> FindingDef::ValueIndex(std::string_view value) const {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == value) return static_cast<uint32_t>(i);
  }
  return std::nullopt;
}

const FindingDef* Vocabulary::Find(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? nullptr : &defs_[it->second];
}

std::string_view Vocabulary::RegionOf(std::string_view target) const {
  auto it = target_regions_.find(std::string(target));
  return it == target_regions_.end() ? std::string_view() : std::string_view(it->second);
}

const std::vector<std::string>& Vocabulary::List(std::string_view name) const {
  static const std::vector<std::string> kEmpty;
  auto it = lists_.find(std::string(name));
  return it == lists_.end() ? kEmpty : it->second;
}

namespace {

// The parts of a vocabulary, read once CheckVocabularyShape has passed: every key, type and code
// is as the schema says, so only what refers to something else can still be wrong.
class VocabularyReader {
 public:
  VocabularyReader(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics)
      : b_(doc, diagnostics) {}

  void ReadLists(const Json& root, const std::vector<std::string>& extra_modalities,
                 std::unordered_map<std::string, std::vector<std::string>>* lists) {
    if (root.contains("lists")) {
      for (const auto& [name, list] : root["lists"].items()) {
        auto& out = (*lists)[name];
        for (const auto& code : list) out.push_back(code.get<std::string>());
      }
    }
    auto& modalities = (*lists)["modalities"];
    for (const std::string& id : extra_modalities) {
      if (std::find(modalities.begin(), modalities.end(), id) == modalities.end()) {
        modalities.push_back(id);
      }
    }
  }

  // Which region each target lies in, so a region-specific contraindication removes only the
  // targets in the regions its finding names (clinical brief §3a). Returns the regions named.
  std::vector<std::string> ReadTargetRegions(
      const Json& root, const std::vector<std::string>& targets,
      std::unordered_map<std::string, std::string>* target_regions) {
    std::vector<std::string> regions;
    if (!root.contains("target_regions")) return regions;
    for (const auto& [target, region_json] : root["target_regions"].items()) {
      if (std::find(targets.begin(), targets.end(), target) == targets.end()) {
        b_.Error(
            "/target_regions/" + PointerToken(target), "unknown-target",
            "'" + target + "' is not in the 'targets' list" + DidYouMeanSuffix(target, targets));
        continue;
      }
      const std::string region = region_json.get<std::string>();
      (*target_regions)[target] = region;
      if (std::find(regions.begin(), regions.end(), region) == regions.end()) {
        regions.push_back(region);
      }
    }
    return regions;
  }

  // One finding; nullopt (with an error) when it refers to something that is not there.
  std::optional<FindingDef> ReadFinding(
      const std::string& code, const Json& spec,
      const std::unordered_map<std::string, std::vector<std::string>>& lists,
      const std::vector<std::string>& regions) {
    const std::string pointer = "/findings/" + PointerToken(code);
    FindingDef def;
    def.code = code;
    for (const TypeName& t : kTypes) {
      if (t.name == spec["type"].get_ref<const std::string&>()) def.type = t.type;
    }
    def.description = spec.value("description", "");
    if (spec.contains("min") || spec.contains("max")) {
      // The schema allows either bound alone; a range here needs both.
      if (!spec.contains("min") || !spec.contains("max")) {
        b_.Error(pointer, "wrong-type", "finding '" + code + "' needs numeric 'min' and 'max'");
        return std::nullopt;
      }
      def.min = spec["min"].get<double>();
      def.max = spec["max"].get<double>();
      def.has_range = true;
    }
    if (def.type == FindingType::kEnum || def.type == FindingType::kSet) {
      if (spec.contains("values_from")) {
        const std::string list = spec["values_from"].get<std::string>();
        auto it = lists.find(list);
        if (it == lists.end()) {
          b_.Error(pointer + "/values_from", "unknown-list",
                   "no list named '" + list + "' in 'lists'");
          return std::nullopt;
        }
        def.values = it->second;
      } else if (spec.contains("values")) {
        for (const auto& v : spec["values"]) def.values.push_back(v.get<std::string>());
      }
      if (def.values.empty()) {
        b_.Error(pointer, "missing-field",
                 "finding '" + code + "' needs 'values' (or 'values_from' a list)");
        return std::nullopt;
      }
      // A list named by values_from has no bound of its own.
      if (def.values.size() > kMaxSetValues) {
        b_.Error(pointer, "too-many-values",
                 "finding '" + code + "' has " + std::to_string(def.values.size()) +
                     " values; a set or enum finding can have at most " +
                     std::to_string(kMaxSetValues));
        return std::nullopt;
      }
    }
    if (spec.contains("regions") &&
        !ReadValueRegions(b_, spec["regions"], pointer + "/regions", regions, &def)) {
      return std::nullopt;
    }
    return def;
  }

 private:
  Builder b_;
};

}  // namespace

std::shared_ptr<const Vocabulary> Vocabulary::FromDocument(
    const JsonDocument& doc, const std::vector<std::string>& extra_modalities,
    std::vector<Diagnostic>* diagnostics) {
  const Json& root = doc.root();
  if (!root.is_object()) {
    Builder(doc, diagnostics).Error("", "wrong-type", "a vocabulary file must be a JSON object");
    return nullptr;
  }
  if (!CheckVocabularyShape(doc, diagnostics)) return nullptr;
  auto vocab = std::make_shared<Vocabulary>();
  VocabularyReader reader(doc, diagnostics);
  vocab->id_ = root["id"].get<std::string>();
  vocab->version_ = root["version"].get<std::string>();
  reader.ReadLists(root, extra_modalities, &vocab->lists_);
  const std::vector<std::string> regions =
      reader.ReadTargetRegions(root, vocab->lists_["targets"], &vocab->target_regions_);
  for (const auto& [code, spec] : root["findings"].items()) {
    std::optional<FindingDef> def = reader.ReadFinding(code, spec, vocab->lists_, regions);
    if (!def) continue;
    def->slot = static_cast<SlotId>(vocab->defs_.size());
    vocab->by_code_.emplace(code, def->slot);
    vocab->codes_.push_back(code);
    vocab->defs_.push_back(*std::move(def));
  }
  return vocab;
}

}  // namespace modalis
