#include "core/rules/live_rule_sets.h"

#include "core/common/clinic_id.h"

namespace modalis {

LiveRuleSets::LiveRuleSets(std::string default_condition)
    : default_condition_(std::move(default_condition)) {}

void LiveRuleSets::Put(const std::string& clinic_id, std::shared_ptr<const CompiledRuleSet> rules) {
  absl::MutexLock lock(&mu_);
  // Entries whose sets nothing holds any more are dropped here, so the map stays as small as
  // the number of distinct live hashes however often rules change.
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    if (it->second.expired()) {
      by_hash_.erase(it++);
    } else {
      ++it;
    }
  }
  by_hash_[rules->sha256] = rules;
  const std::string condition = rules->id;
  live_[{clinic_id, condition}] = LiveEntry{clinic_id, condition, std::move(rules), "", false};
}

void LiveRuleSets::SetDefaultCondition(std::string condition) {
  absl::MutexLock lock(&mu_);
  default_condition_ = std::move(condition);
}

std::string LiveRuleSets::default_condition() const {
  absl::ReaderMutexLock lock(&mu_);
  return default_condition_;
}

void LiveRuleSets::PutBroken(const std::string& clinic_id, const std::string& condition,
                             std::string error) {
  absl::MutexLock lock(&mu_);
  live_[{clinic_id, condition}] = LiveEntry{clinic_id, condition, nullptr, std::move(error), false};
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> LiveRuleSets::Resolve(
    const std::string& clinic_id, const std::string& condition) const {
  absl::ReaderMutexLock lock(&mu_);
  const std::string& wanted = condition.empty() ? default_condition_ : condition;
  auto found = live_.find({clinic_id, wanted});
  if (found == live_.end()) found = live_.find({std::string(kDefaultClinic), wanted});
  if (found != live_.end()) {
    if (found->second.rules != nullptr) return found->second.rules;
    return absl::FailedPreconditionError(found->second.error);
  }
  std::string have;
  for (const auto& [key, entry] : live_) {
    if (key.first != clinic_id && key.first != kDefaultClinic) continue;
    if (have.find("'" + key.second + "'") != std::string::npos) continue;
    have += (have.empty() ? "'" : ", '") + key.second + "'";
  }
  return absl::FailedPreconditionError("there is no rule set for the condition '" + wanted +
                                       "' in this clinic; it has " +
                                       (have.empty() ? std::string("none") : have));
}

std::shared_ptr<const CompiledRuleSet> LiveRuleSets::FindCompiled(const std::string& sha256) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_hash_.find(sha256);
  return it == by_hash_.end() ? nullptr : it->second.lock();
}

std::vector<LiveEntry> LiveRuleSets::List(const std::string& clinic_id) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<LiveEntry> out;
  for (const auto& [key, entry] : live_) {
    if (clinic_id.empty() || key.first == clinic_id) out.push_back(entry);
  }
  if (clinic_id.empty() || clinic_id == kDefaultClinic) return out;
  for (const auto& [key, entry] : live_) {
    if (key.first != kDefaultClinic || live_.contains({clinic_id, key.second})) continue;
    LiveEntry inherited = entry;
    inherited.from_platform = true;
    out.push_back(std::move(inherited));
  }
  return out;
}

}  // namespace modalis
