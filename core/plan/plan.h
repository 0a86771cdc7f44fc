// A session plan: what the engine suggests for one assessment, and why.
// Plain data; the same structure is stored, printed by the CLI and mapped to the public API.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/care.h"

namespace modalis {

enum class PlanStatus : uint8_t {
  kComplete,        // every safety question answered
  kProvisional,     // treatment allowed; some safety questions open ("ask before treating")
  kScreenRequired,  // the required screen is incomplete: no treatment until it is asked
  kReferred,        // emergency or urgent referral: no treatment
};

struct RuleSetRef {
  std::string id;
  std::string version;
  std::string sha256;
};

struct Referral {
  Urgency urgency = Urgency::kNone;
  std::vector<std::string> reasons;
  std::vector<std::string> rule_ids;
};

struct PlanStep {
  std::string modality;
  std::string display_name;
  std::vector<std::string> targets;
  uint32_t minutes = 0;
  std::string pressure;
  std::map<std::string, std::string> params;
  std::vector<std::string> cautions;
  std::vector<std::string> instructions;
  std::string required_qualification;
  bool needs_written_consent = false;
  std::string rationale;
  std::vector<std::string> rule_ids;
};

struct Exclusion {
  enum class Severity : uint8_t {
    kAbsolute,       // a plugin's safety floor; no rule can lift it
    kRule,           // a rule of the rule set
    kDeclined,       // the client declined it
    kQualification,  // the practitioner is not qualified
    kUnavailable,    // no plugin provides it
    kPluginError,    // the plugin failed while planning
    kTimeBudget,     // did not fit the session
    kNeedsFindings,  // indicated, but held back until required findings are recorded
  };
  std::string modality;
  std::string reason;
  Severity severity = Severity::kRule;
  std::string source;  // rule id or "plugin:<id>"
  std::vector<std::string> findings;
};

struct AdviceItem {
  std::string code;
  std::string text;
};

// A finding to ask about, listed once, with every reason it matters (the first is also `why`).
struct MissingFinding {
  std::string code;
  std::string why;
  std::vector<std::string> reasons;
};

// Records that contradict each other (a declared constraint of the vocabulary is violated). The
// plan reads them the most restrictive way and asks about both findings.
struct Contradiction {
  std::string constraint_id;
  std::string description;
  std::vector<std::string> findings;
};

struct FiredRule {
  std::string rule_id;
  std::string description;
  std::string source;
  std::string outcome;  // "fired", "undecided", "improved" or "contradiction"
  std::vector<std::string> findings;
};

struct Plan {
  std::string plan_id;
  RuleSetRef rule_set;
  PlanStatus status = PlanStatus::kComplete;
  Referral referral;
  std::vector<PlanStep> steps;
  std::vector<Exclusion> exclusions;
  std::vector<AdviceItem> advice;
  std::optional<Course> course;
  std::vector<MissingFinding> missing_findings;
  std::vector<Contradiction> contradictions;
  std::vector<FiredRule> explanation;
};

std::string_view PlanStatusName(PlanStatus status);
std::string_view UrgencyName(Urgency urgency);
std::string_view FrequencyName(Frequency frequency);
std::string_view SeverityName(Exclusion::Severity severity);

}  // namespace modalis
