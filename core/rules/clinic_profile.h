// A clinic's profile (platform.md §2): the settings a clinic overrides in every rule set that
// serves it — qualifications, session minutes, minutes per modality, advice texts and the minimal
// important change. It holds settings only: it has no place for a rule, an exclusion or a
// referral, so no profile can switch off a safety rule (a profile naming one is refused).
//
// rules/schema/clinic-profile.schema.json describes the same file for editors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/rules/rule_set.h"

namespace modalis {

struct ClinicProfile {
  std::optional<uint32_t> session_minutes;
  std::optional<std::vector<std::string>> qualifications;
  std::map<std::string, uint32_t> modality_minutes;
  std::map<std::string, std::string> advice_texts;
  std::optional<double> mic_points;
  std::optional<double> mic_percent;
  std::string canonical;  // the profile as canonical JSON (what is stored and hashed)
  int64_t version = 0;    // the store's version of it; 0 before it is stored
};

// Parses and checks a profile's text (named `file` in diagnostics, located by line, column and
// JSON pointer). nullopt, with the reasons in `diagnostics`, on any error.
std::optional<ClinicProfile> ParseClinicProfile(std::string_view text, const std::string& file,
                                                std::vector<Diagnostic>* diagnostics);

// What the profile names that none of `rule_sets` knows (a modality in modality_minutes, an
// advice code), each as an error located in `file`, with a did-you-mean: a misspelt code would
// otherwise change nothing, silently.
std::vector<Diagnostic> CheckProfileAgainst(
    const ClinicProfile& profile, const std::string& file,
    const std::vector<std::shared_ptr<const CompiledRuleSet>>& rule_sets);

// `rules` with the profile's settings in place of its own: those of them that the rule set knows
// (a profile serves every condition of its clinic; each rule set takes what applies to it). The
// version names the profile ("0.3.0+profile.3"), so every plan says which settings made it; the
// sha256 stays the rule set's.
std::shared_ptr<const CompiledRuleSet> ApplyProfile(const CompiledRuleSet& rules,
                                                    const ClinicProfile& profile);

}  // namespace modalis
