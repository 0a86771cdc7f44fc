// Which compiled rule set serves each (clinic, condition) now (platform.md §2).
//
// A clinic without its own rule set for a condition is served the platform's: the one live for
// clinic "default". A clinic whose own rule set cannot be served (it no longer compiles with the
// plugins installed) is refused rather than given the platform's: its admin chose other rules, and
// the engine says less instead of silently planning under rules nobody chose for it.
//
// Compiled sets are shared by content hash, so a hundred clinics on one platform set hold one
// copy, and a request pins the snapshot it resolved: replacing one clinic's entry never disturbs
// another clinic's requests, nor its own requests already under way.
//
// A clinic's profile (ClinicProfile) is applied to every set that serves it, its own and the
// platform's it inherits; such a clinic holds its own profiled copy of each.
//
// Thread-safe. Lookups take a reader lock for a map look-up and a shared_ptr copy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/rules/clinic_profile.h"
#include "core/rules/rule_set.h"

namespace modalis {

struct LiveEntry {
  std::string clinic_id;
  std::string condition;
  std::shared_ptr<const CompiledRuleSet> rules;  // null when `error` says why it cannot serve
  std::string error;
  bool from_platform = false;  // set by List for a clinic served the platform's
};

class LiveRuleSets {
 public:
  // `default_condition` serves requests that name none.
  explicit LiveRuleSets(std::string default_condition);

  // Makes `rules` live for (clinic, condition) (condition is rules->id), with the clinic's
  // profile applied.
  void Put(const std::string& clinic_id, std::shared_ptr<const CompiledRuleSet> rules);
  // Applies `profile` (null: none) to everything that serves the clinic from now on.
  void SetProfile(const std::string& clinic_id, std::shared_ptr<const ClinicProfile> profile);
  std::shared_ptr<const ClinicProfile> profile(const std::string& clinic_id) const;
  // Every request of the clinic gets `error` (FAILED_PRECONDITION) until SetProfile: its profile
  // cannot be applied, and planning without the settings its owner chose (its qualifications)
  // could suggest what the clinic cannot give.
  void RefuseClinic(const std::string& clinic_id, std::string error);
  // The rule set live for (clinic, condition) cannot be served; requests for it get `error`.
  void PutBroken(const std::string& clinic_id, const std::string& condition, std::string error);

  // The snapshot serving a request of `clinic_id` for `condition` ("" for the default one).
  // FAILED_PRECONDITION when neither the clinic nor the platform has a rule set for it (the
  // message names the conditions the clinic has), or when the clinic's own cannot be served.
  absl::StatusOr<std::shared_ptr<const CompiledRuleSet>> Resolve(
      const std::string& clinic_id, const std::string& condition) const;

  // A compiled set with this hash that something live still holds, or null: compiled sets are
  // shared by content rather than compiled once per clinic.
  std::shared_ptr<const CompiledRuleSet> FindCompiled(const std::string& sha256) const;

  // What serves `clinic_id`, per condition (its own entries, then the platform's it inherits);
  // every clinic's own entries, and the platform's, when `clinic_id` is empty.
  std::vector<LiveEntry> List(const std::string& clinic_id) const;
  // The rule sets, without profiles, that serve the clinic (its own and those it inherits).
  std::vector<std::shared_ptr<const CompiledRuleSet>> Unprofiled(
      const std::string& clinic_id) const;

  // The rules directory's condition: it follows the directory when a reload changes its id.
  void SetDefaultCondition(std::string condition);
  std::string default_condition() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (clinic, condition)
  mutable absl::Mutex mu_;
  std::string default_condition_ ABSL_GUARDED_BY(mu_);
  struct Slot {
    LiveEntry served;  // what requests get: the set with the clinic's profile, or the error
    std::shared_ptr<const CompiledRuleSet> base;  // the set as published
  };
  // The platform's set for `condition` as `clinic_id` is served it (its profile applied), or
  // null when the platform has none.
  std::shared_ptr<const CompiledRuleSet> InheritedLocked(const std::string& clinic_id,
                                                         const std::string& condition) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void RememberLocked(const std::shared_ptr<const CompiledRuleSet>& rules)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::map<Key, Slot> live_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const ClinicProfile>> profiles_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> refused_ ABSL_GUARDED_BY(mu_);
  // A profiled copy of the platform's set per (clinic, condition), for clinics with a profile and
  // no set of their own; rebuilt when either changes.
  std::map<Key, std::shared_ptr<const CompiledRuleSet>> inherited_ ABSL_GUARDED_BY(mu_);
  // Weak: a compiled set lives exactly as long as something serves it (or a request holds it).
  absl::flat_hash_map<std::string, std::weak_ptr<const CompiledRuleSet>> by_hash_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace modalis
