// Warnings about rules that compile but cannot do what their author meant: a rule whose condition
// can never be true, and a rule that repeats another (same condition, same actions).
#pragma once

#include <string>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/common/json_document.h"
#include "core/rules/rule_set.h"

namespace modalis {

// Appends the warnings for `rules` (compiled from `doc`) to `diagnostics`.
void AnalyseRules(const CompiledRuleSet& rules, const JsonDocument& doc,
                  std::vector<Diagnostic>* diagnostics);

}  // namespace modalis
