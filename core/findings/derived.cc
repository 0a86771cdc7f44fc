#include "core/findings/derived.h"

#include <algorithm>
#include <optional>

namespace modalis {
namespace {

std::optional<double> Number(const Findings& f, const FindingDef* def) {
  if (def == nullptr || !f.known(def->slot)) return std::nullopt;
  return f.value(def->slot).number;
}

}  // namespace

void DeriveFindings(Findings* findings) {
  const Vocabulary& v = findings->vocabulary();
  const FindingDef* risk = v.Find("startback_risk");
  if (risk == nullptr) return;
  const auto low = risk->ValueIndex("low");
  const auto medium = risk->ValueIndex("medium");
  const auto high = risk->ValueIndex("high");
  if (!low || !medium || !high) return;

  const auto total = Number(*findings, v.Find("startback_total"));
  const auto psych = Number(*findings, v.Find("startback_psych"));
  std::optional<uint32_t> derived;
  if (psych && *psych >= 4) {
    derived = *high;
  } else if (total && *total <= 3) {
    derived = *low;
  } else if (total && psych) {
    derived = *medium;  // total >= 4 and subscale <= 3
  }
  if (!derived) return;
  if (findings->known(risk->slot)) {
    const auto recorded = static_cast<uint32_t>(findings->value(risk->slot).number);
    // Values are declared low, medium, high: a larger index is a higher risk.
    derived = std::max(*derived, recorded);
  }
  findings->Set(risk->slot, FindingValue{static_cast<double>(*derived), 0});
}

}  // namespace modalis
