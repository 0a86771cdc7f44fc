#include "core/findings/vocabulary.h"

#include <algorithm>
#include <cmath>

#include "core/common/did_you_mean.h"

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

std::shared_ptr<const Vocabulary> Vocabulary::FromDocument(
    const JsonDocument& doc, const std::vector<std::string>& extra_modalities,
    std::vector<Diagnostic>* diagnostics) {
  Builder b(doc, diagnostics);
  auto vocab = std::make_shared<Vocabulary>();
  const auto& root = doc.root();
  if (!root.is_object()) {
    b.Error("", "wrong-type", "a vocabulary file must be a JSON object");
    return nullptr;
  }
  if (root.contains("id") && root["id"].is_string()) vocab->id_ = root["id"];
  if (root.contains("version") && root["version"].is_string()) vocab->version_ = root["version"];

  if (root.contains("lists")) {
    if (!root["lists"].is_object()) {
      b.Error("/lists", "wrong-type", "'lists' must be an object of named lists of codes");
    } else {
      for (const auto& [name, list] : root["lists"].items()) {
        const std::string pointer = "/lists/" + PointerToken(name);
        if (!list.is_array()) {
          b.Error(pointer, "wrong-type", "list '" + name + "' must be an array of codes");
          continue;
        }
        auto& out = vocab->lists_[name];
        for (size_t i = 0; i < list.size(); ++i) {
          if (!list[i].is_string()) {
            b.Error(pointer + "/" + std::to_string(i), "wrong-type", "codes are strings");
            continue;
          }
          out.push_back(list[i]);
        }
      }
    }
  }
  auto& modalities = vocab->lists_["modalities"];
  for (const std::string& id : extra_modalities) {
    if (std::find(modalities.begin(), modalities.end(), id) == modalities.end()) {
      modalities.push_back(id);
    }
  }

  // Which region each target lies in, so a region-specific contraindication removes only the
  // targets in the regions its finding names (clinical brief §3a).
  std::vector<std::string> regions;
  if (root.contains("target_regions")) {
    if (!root["target_regions"].is_object()) {
      b.Error("/target_regions", "wrong-type", "'target_regions' maps each target to its region");
    } else {
      for (const auto& [target, region] : root["target_regions"].items()) {
        const std::string pointer = "/target_regions/" + PointerToken(target);
        if (!region.is_string() || region.get_ref<const std::string&>().empty()) {
          b.Error(pointer, "wrong-type", "the region of '" + target + "' is a text");
          continue;
        }
        const auto& targets = vocab->lists_["targets"];
        if (std::find(targets.begin(), targets.end(), target) == targets.end()) {
          b.Error(
              pointer, "unknown-target",
              "'" + target + "' is not in the 'targets' list" + DidYouMeanSuffix(target, targets));
          continue;
        }
        vocab->target_regions_[target] = region.get<std::string>();
        if (std::find(regions.begin(), regions.end(), region) == regions.end()) {
          regions.push_back(region);
        }
      }
    }
  }

  if (!root.contains("findings") || !root["findings"].is_object()) {
    b.Error("/findings", "missing-field", "a vocabulary needs a 'findings' object");
    return nullptr;
  }
  for (const auto& [code, spec] : root["findings"].items()) {
    const std::string pointer = "/findings/" + PointerToken(code);
    if (!spec.is_object()) {
      b.Error(pointer, "wrong-type", "finding '" + code + "' must be an object with a 'type'");
      continue;
    }
    // value() throws when a key holds another JSON type: check the texts first.
    bool texts_ok = true;
    for (const char* key : {"type", "description", "values_from"}) {
      if (spec.contains(key) && !spec[key].is_string()) {
        b.Error(pointer + "/" + key, "wrong-type", std::string("'") + key + "' must be a text");
        texts_ok = false;
      }
    }
    if (!texts_ok) continue;
    FindingDef def;
    def.code = code;
    const std::string type = spec.value("type", "");
    bool type_ok = false;
    for (const TypeName& t : kTypes) {
      if (t.name == type) {
        def.type = t.type;
        type_ok = true;
      }
    }
    if (!type_ok) {
      b.Error(pointer + "/type", "unknown-type",
              "finding '" + code + "' has type '" + type +
                  "'; use boolean, integer, number, enum, set or text_list");
      continue;
    }
    def.description = spec.value("description", "");
    if (spec.contains("min") || spec.contains("max")) {
      if (!spec.value("min", nlohmann::ordered_json()).is_number() ||
          !spec.value("max", nlohmann::ordered_json()).is_number()) {
        b.Error(pointer, "wrong-type", "finding '" + code + "' needs numeric 'min' and 'max'");
        continue;
      }
      def.min = spec["min"].get<double>();
      def.max = spec["max"].get<double>();
      def.has_range = true;
    }
    if (def.type == FindingType::kEnum || def.type == FindingType::kSet) {
      if (spec.contains("values_from")) {
        const std::string list = spec.value("values_from", "");
        if (vocab->lists_.count(list) == 0) {
          b.Error(pointer + "/values_from", "unknown-list",
                  "no list named '" + list + "' in 'lists'");
          continue;
        }
        def.values = vocab->lists_[list];
      } else if (spec.contains("values") && spec["values"].is_array()) {
        for (const auto& v : spec["values"]) {
          if (v.is_string()) def.values.push_back(v);
        }
      }
      if (def.values.empty()) {
        b.Error(pointer, "missing-field",
                "finding '" + code + "' needs 'values' (or 'values_from' a list)");
        continue;
      }
      if (def.values.size() > kMaxSetValues) {
        b.Error(pointer, "too-many-values",
                "finding '" + code + "' has " + std::to_string(def.values.size()) +
                    " values; a set or enum finding can have at most " +
                    std::to_string(kMaxSetValues));
        continue;
      }
    }
    if (spec.contains("regions") &&
        !ReadValueRegions(b, spec["regions"], pointer + "/regions", regions, &def)) {
      continue;
    }
    def.slot = static_cast<SlotId>(vocab->defs_.size());
    vocab->by_code_.emplace(code, def.slot);
    vocab->codes_.push_back(code);
    vocab->defs_.push_back(std::move(def));
  }
  return vocab;
}

}  // namespace modalis
