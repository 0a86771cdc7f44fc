// A generated rule set (bench/engine/generate.h) laid out as a rules directory modalisd can load.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modalis::load {

struct GeneratedRuleDir {
  size_t rules = 0;
  size_t rules_bytes = 0;                 // size of the rule file written
  size_t modalities_rewritten = 0;        // actions moved onto a loaded plugin's modality
  std::vector<nlohmann::json> documents;  // findings in the generated vocabulary
};

// Rewrites every suggest/exclude action whose modality is not in `loaded` to one that is (round
// robin), so the generated rules exercise real plugins instead of compiling to "modality
// unavailable". Returns how many actions it changed.
size_t UseLoadedModalities(nlohmann::json* rule_file, const std::vector<std::string>& loaded);

// Writes a `rules`-rule generated set into `dir` (vocabulary, rule file, and a manifest with no
// golden cases, written last and renamed into place so a reader never sees half a manifest).
// Other files in `dir` are left alone.
absl::StatusOr<GeneratedRuleDir> WriteGeneratedRuleSet(const std::string& dir, size_t rules,
                                                       size_t documents,
                                                       const std::vector<std::string>& loaded);

}  // namespace modalis::load
