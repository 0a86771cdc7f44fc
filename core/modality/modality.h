// A modality as the engine sees it: what a plugin provides, behind an interface, so the compiler
// and planner can be built and tested without loading a shared library (the plugin host in
// core/plugins/ implements it over the C ABI).
//
// Thread-safe: Screen, BuildStep and ValidateParams may be called concurrently. An object the
// plugin host made keeps its shared library loaded for as long as it lives.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/findings/findings.h"
#include "core/findings/vocabulary.h"

struct modalis_plugin_v1;

namespace modalis {

struct ModalityInfo {
  std::string id;
  std::string display_name;
  std::string version;
  int32_t phase = 0;
  uint32_t default_minutes = 0;
  std::string qualification;  // empty: none needed
  bool needs_written_consent = false;
  std::vector<std::string> reads;
  std::vector<std::string> required_known;
  std::vector<std::string> targets_allowed;
  std::string param_schema_json;
  // Floors and cautions as conditions (ABI 1.1); empty for an ABI 1.0 plugin, whose Screen() is
  // then its whole floor.
  std::string safety_json;
  uint16_t abi_minor = 0;
  std::string path;  // the library it came from
};

struct ScreenItem {
  std::string text;
  std::vector<std::string> findings;
};

struct ScreenOutcome {
  std::vector<ScreenItem> contraindications;  // absolute: the modality is excluded
  std::vector<ScreenItem> cautions;           // the step is kept and carries them
};

struct StepInput {
  std::vector<std::string> targets;
  std::string params_json = "{}";
  uint32_t minutes = 0;  // 0: the plugin's default
};

struct SkippedTarget {
  std::string target;
  std::string reason;
};

struct StepOutcome {
  std::vector<std::string> targets;
  std::vector<SkippedTarget> skipped;
  uint32_t minutes = 0;
  std::string pressure;
  std::vector<std::string> cautions;
  std::vector<std::string> instructions;
  std::map<std::string, std::string> params;
};

// The finding slots a modality reads, resolved against one vocabulary (one per compiled rule set).
using ReadSlots = std::vector<SlotId>;

class Modality {
 public:
  virtual ~Modality() = default;
  virtual const ModalityInfo& info() const = 0;
  // Resolves the plugin's declared finding codes; codes missing from the vocabulary read as unknown
  // and are returned in `unresolved`.
  virtual ReadSlots Bind(const Vocabulary& vocabulary,
                         std::vector<std::string>* unresolved) const = 0;
  // "" when the params are acceptable, else the plugin's explanation.
  virtual std::string ValidateParams(std::string_view params_json) const = 0;
  virtual absl::StatusOr<ScreenOutcome> Screen(const Findings& findings,
                                               const ReadSlots& slots) const = 0;
  virtual absl::StatusOr<StepOutcome> BuildStep(const StepInput& input, const Findings& findings,
                                                const ReadSlots& slots) const = 0;
};

// Resolves finding codes against `vocabulary`, in order: what Modality::Bind does with the codes a
// modality reads. A code the vocabulary lacks reads as unknown (kNoSlot) and is added to
// `unresolved`.
ReadSlots BindCodes(const std::vector<std::string>& codes, const Vocabulary& vocabulary,
                    std::vector<std::string>* unresolved);

// The modalities a rule set may name, sorted by id: all the compiler and planner need from
// whatever loaded them.
class ModalitySet {
 public:
  ModalitySet() = default;
  explicit ModalitySet(std::vector<std::shared_ptr<const Modality>> modalities);

  const std::vector<std::shared_ptr<const Modality>>& modalities() const { return modalities_; }
  std::shared_ptr<const Modality> Find(std::string_view id) const;
  std::vector<std::string> ids() const;

 private:
  std::vector<std::shared_ptr<const Modality>> modalities_;  // sorted by id
};

}  // namespace modalis
