#include <algorithm>

#include "core/modality/modality.h"

namespace modalis {

ReadSlots BindCodes(const std::vector<std::string>& codes, const Vocabulary& vocabulary,
                    std::vector<std::string>* unresolved) {
  ReadSlots slots;
  slots.reserve(codes.size());
  for (const std::string& code : codes) {
    const FindingDef* def = vocabulary.Find(code);
    slots.push_back(def == nullptr ? kNoSlot : def->slot);
    if (def == nullptr && unresolved != nullptr) unresolved->push_back(code);
  }
  return slots;
}

ModalitySet::ModalitySet(std::vector<std::shared_ptr<const Modality>> modalities)
    : modalities_(std::move(modalities)) {
  std::sort(modalities_.begin(), modalities_.end(),
            [](const auto& a, const auto& b) { return a->info().id < b->info().id; });
}

std::shared_ptr<const Modality> ModalitySet::Find(std::string_view id) const {
  for (const auto& m : modalities_) {
    if (m->info().id == id) return m;
  }
  return nullptr;
}

std::vector<std::string> ModalitySet::ids() const {
  std::vector<std::string> out;
  out.reserve(modalities_.size());
  for (const auto& m : modalities_) out.push_back(m->info().id);
  return out;
}

}  // namespace modalis
