// Told about each attempt to put new rules live (a RulesAdmin.ReloadRules call or the watcher):
// its outcome and the rule set that was serving before it, so a log can say what changed.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "core/rules/rule_set.h"

namespace modalis {

using ReloadObserver = std::function<void(const absl::Status& outcome,
                                          const std::shared_ptr<const CompiledRuleSet>& before)>;

}  // namespace modalis
