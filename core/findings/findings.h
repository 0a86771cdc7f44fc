// The findings of one assessment, decoded against a vocabulary into typed slots.
// A finding that was not sent (or sent as null) is unknown: never false, never zero.
//
// Thread-compatible value type.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/field_violations.h"
#include "core/findings/vocabulary.h"

namespace modalis {

struct FindingValue {
  double number = 0;  // boolean (0/1), integer, number, or enum value index
  uint64_t bits = 0;  // set members as a bit mask over the finding's values
};

class Findings {
 public:
  explicit Findings(std::shared_ptr<const Vocabulary> vocabulary);

  const Vocabulary& vocabulary() const { return *vocabulary_; }
  bool known(SlotId slot) const { return known_[slot] != 0; }
  const FindingValue& value(SlotId slot) const { return values_[slot]; }
  const std::vector<std::string>& texts(SlotId slot) const { return texts_[slot]; }

  void Set(SlotId slot, FindingValue value);
  // Makes the finding unknown again (a reading of contradictory records that disbelieves it).
  void Clear(SlotId slot);
  void SetTexts(SlotId slot, std::vector<std::string> texts);

  // The findings as a JSON object with the vocabulary's codes, in vocabulary order; unknown
  // findings are left out.
  nlohmann::json ToJson() const;

 private:
  std::shared_ptr<const Vocabulary> vocabulary_;
  std::vector<FindingValue> values_;
  std::vector<uint8_t> known_;
  std::vector<std::vector<std::string>> texts_;
};

struct FindingsLimits {
  size_t max_findings = 256;
  size_t max_list_items = 64;
  size_t max_string_bytes = 256;
};

// One problem with one finding; `field` is the finding code (or "findings" for the whole object).
// Decodes a findings object. On failure the status is INVALID_ARGUMENT, its message names every bad
// finding, and FieldViolationsOf() returns them one by one.
absl::StatusOr<Findings> DecodeFindings(const nlohmann::json& object,
                                        std::shared_ptr<const Vocabulary> vocabulary,
                                        const FindingsLimits& limits = {});

}  // namespace modalis
