#include "core/rules/live_rule_sets.h"

#include "core/common/clinic_id.h"

namespace modalis {
namespace {

const std::string& Platform() {
  static const std::string platform(kDefaultClinic);
  return platform;
}

}  // namespace

LiveRuleSets::LiveRuleSets(std::string default_condition)
    : default_condition_(std::move(default_condition)) {}

void LiveRuleSets::SetDefaultCondition(std::string condition) {
  absl::MutexLock lock(&mu_);
  default_condition_ = std::move(condition);
}

std::string LiveRuleSets::default_condition() const {
  absl::ReaderMutexLock lock(&mu_);
  return default_condition_;
}

void LiveRuleSets::RememberLocked(const std::shared_ptr<const CompiledRuleSet>& rules) {
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
}

void LiveRuleSets::Put(const std::string& clinic_id, std::shared_ptr<const CompiledRuleSet> rules) {
  absl::MutexLock lock(&mu_);
  RememberLocked(rules);
  const std::string condition = rules->id;
  auto profile = profiles_.find(clinic_id);
  std::shared_ptr<const CompiledRuleSet> served =
      profile == profiles_.end() ? rules : ApplyProfile(*rules, *profile->second);
  live_[{clinic_id, condition}] =
      Slot{LiveEntry{clinic_id, condition, std::move(served), "", false}, rules};
  inherited_.erase({clinic_id, condition});
  if (clinic_id != Platform()) return;
  // The platform's set changed: so does every profiled copy of it that clinics inherit.
  for (const auto& [clinic, p] : profiles_) {
    if (clinic == Platform() || live_.contains({clinic, condition})) continue;
    inherited_[{clinic, condition}] = ApplyProfile(*rules, *p);
  }
}

void LiveRuleSets::PutBroken(const std::string& clinic_id, const std::string& condition,
                             std::string error) {
  absl::MutexLock lock(&mu_);
  live_[{clinic_id, condition}] =
      Slot{LiveEntry{clinic_id, condition, nullptr, std::move(error), false}, nullptr};
  inherited_.erase({clinic_id, condition});
}

void LiveRuleSets::SetProfile(const std::string& clinic_id,
                              std::shared_ptr<const ClinicProfile> profile) {
  absl::MutexLock lock(&mu_);
  refused_.erase(clinic_id);
  if (profile == nullptr) {
    profiles_.erase(clinic_id);
  } else {
    profiles_[clinic_id] = profile;
  }
  for (auto& [key, slot] : live_) {
    if (key.first != clinic_id || slot.base == nullptr) continue;
    slot.served.rules = profile == nullptr ? slot.base : ApplyProfile(*slot.base, *profile);
  }
  for (auto it = inherited_.begin(); it != inherited_.end();) {
    if (it->first.first == clinic_id) {
      it = inherited_.erase(it);
    } else {
      ++it;
    }
  }
  if (profile == nullptr || clinic_id == Platform()) return;
  for (const auto& [key, slot] : live_) {
    if (key.first != Platform() || slot.base == nullptr || live_.contains({clinic_id, key.second}))
      continue;
    inherited_[{clinic_id, key.second}] = ApplyProfile(*slot.base, *profile);
  }
}

void LiveRuleSets::RefuseClinic(const std::string& clinic_id, std::string error) {
  absl::MutexLock lock(&mu_);
  refused_[clinic_id] = std::move(error);
}

std::shared_ptr<const ClinicProfile> LiveRuleSets::profile(const std::string& clinic_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = profiles_.find(clinic_id);
  return it == profiles_.end() ? nullptr : it->second;
}

std::shared_ptr<const CompiledRuleSet> LiveRuleSets::InheritedLocked(
    const std::string& clinic_id, const std::string& condition) const {
  if (auto it = inherited_.find({clinic_id, condition}); it != inherited_.end()) return it->second;
  auto platform = live_.find({Platform(), condition});
  if (platform == live_.end()) return nullptr;
  // Without a profile the clinic gets the platform's set as published (not the platform clinic's
  // own profiled copy: a profile is one clinic's).
  return platform->second.base;
}

absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> LiveRuleSets::Resolve(
    const std::string& clinic_id, const std::string& condition) const {
  absl::ReaderMutexLock lock(&mu_);
  const std::string& wanted = condition.empty() ? default_condition_ : condition;
  if (auto refused = refused_.find(clinic_id); refused != refused_.end()) {
    return absl::FailedPreconditionError(refused->second);
  }
  if (auto own = live_.find({clinic_id, wanted}); own != live_.end()) {
    if (own->second.served.rules != nullptr) return own->second.served.rules;
    return absl::FailedPreconditionError(own->second.served.error);
  }
  if (auto inherited = InheritedLocked(clinic_id, wanted)) return inherited;
  if (auto platform = live_.find({Platform(), wanted}); platform != live_.end()) {
    return absl::FailedPreconditionError(platform->second.served.error);
  }
  std::string have;
  for (const auto& [key, slot] : live_) {
    if (key.first != clinic_id && key.first != Platform()) continue;
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
  for (const auto& [key, slot] : live_) {
    if (clinic_id.empty() || key.first == clinic_id) out.push_back(slot.served);
  }
  if (clinic_id.empty() || clinic_id == Platform()) return out;
  for (const auto& [key, slot] : live_) {
    if (key.first != Platform() || live_.contains({clinic_id, key.second})) continue;
    LiveEntry inherited = slot.served;
    inherited.clinic_id = clinic_id;
    inherited.rules = InheritedLocked(clinic_id, key.second);
    inherited.from_platform = true;
    out.push_back(std::move(inherited));
  }
  return out;
}

std::vector<std::shared_ptr<const CompiledRuleSet>> LiveRuleSets::Unprofiled(
    const std::string& clinic_id) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::shared_ptr<const CompiledRuleSet>> out;
  for (const auto& [key, slot] : live_) {
    if (slot.base == nullptr) continue;
    if (key.first == clinic_id ||
        (key.first == Platform() && !live_.contains({clinic_id, key.second}))) {
      out.push_back(slot.base);
    }
  }
  return out;
}

}  // namespace modalis
