// The findings vocabulary: every finding code a request may send, with its type and allowed values.
// Codes are interned to dense slots so that rules and plugins address findings by index.
//
// Thread-safe for concurrent reads once built; immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/common/json_document.h"

namespace modalis {

using SlotId = uint32_t;
inline constexpr SlotId kNoSlot = UINT32_MAX;

enum class FindingType : uint8_t {
  kBoolean,
  kInteger,
  kNumber,
  kEnum,      // one of `values`
  kSet,       // any subset of `values` (at most 64)
  kTextList,  // free text, display only; rules cannot test it
};

std::string_view FindingTypeName(FindingType type);

struct FindingDef {
  std::string code;
  FindingType type = FindingType::kBoolean;
  double min = 0;
  double max = 0;
  bool has_range = false;
  std::vector<std::string> values;  // enum and set members, in declaration order
  std::string description;
  SlotId slot = kNoSlot;
  // For a finding that names a body region (e.g. where lymphoedema is): per value, the target
  // regions it affects. Empty when the finding names no region.
  std::vector<std::vector<std::string>> value_regions;

  // Index of `value` in `values`, if it is one of them.
  std::optional<uint32_t> ValueIndex(std::string_view value) const;
};

class Vocabulary {
 public:
  // Builds a vocabulary from its JSON document. `extra_modalities` (ids of loaded plugins) are
  // added to the "modalities" list, so a newly installed modality can be declined like the others.
  static std::shared_ptr<const Vocabulary> FromDocument(
      const JsonDocument& doc, const std::vector<std::string>& extra_modalities,
      std::vector<Diagnostic>* diagnostics);

  const std::string& id() const { return id_; }
  const std::string& version() const { return version_; }
  size_t size() const { return defs_.size(); }
  const FindingDef& at(SlotId slot) const { return defs_[slot]; }
  const FindingDef* Find(std::string_view code) const;
  const std::vector<std::string>& codes() const { return codes_; }
  // A named list such as "targets" or "modalities"; empty if there is none.
  const std::vector<std::string>& List(std::string_view name) const;
  // The body region a target lies in ("lumbar", "gluteal", ...); empty when none is declared.
  std::string_view RegionOf(std::string_view target) const;

 private:
  std::string id_;
  std::string version_;
  std::vector<FindingDef> defs_;
  std::vector<std::string> codes_;
  std::unordered_map<std::string, SlotId> by_code_;
  std::unordered_map<std::string, std::vector<std::string>> lists_;
  std::unordered_map<std::string, std::string> target_regions_;
};

}  // namespace modalis
