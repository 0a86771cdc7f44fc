// A compiled rule set: rules, course rules, advice texts and clinic settings, with every finding
// code resolved to a slot and every operator resolved, ready to evaluate many times.
//
// Immutable after compilation; safe to share between threads (shared_ptr<const CompiledRuleSet>).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/findings/findings.h"
#include "core/findings/vocabulary.h"
#include "core/plugins/modality.h"

namespace modalis {

// Kleene three-valued truth: a test on a finding nobody recorded is unknown.
enum class Tri : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

enum class Op : uint8_t {
  kEquals,
  kOneOf,
  kContains,
  kContainsAny,
  kContainsAll,
  kAbove,
  kAtLeast,
  kBelow,
  kAtMost,
  kBetween,
  kKnown,    // true when recorded
  kUnknown,  // true when not recorded
};

struct Test {
  SlotId slot = kNoSlot;
  Op op = Op::kEquals;
  double a = 0;
  double b = 0;
  uint64_t mask = 0;  // enum or set members
};

struct Node {
  enum class Kind : uint8_t { kAll, kAny, kNot, kTest, kAlways };
  Kind kind = Kind::kAlways;
  uint32_t first = 0;  // kTest: index into tests; kAll/kAny/kNot: index into children
  uint32_t count = 0;
};

enum class Urgency : uint8_t { kNone = 0, kRoutine = 1, kUrgent = 2, kEmergency = 3 };
enum class Frequency : uint8_t { kTwiceWeekly, kWeekly, kFortnightly, kMonthly };

struct Action {
  enum class Kind : uint8_t { kRefer, kExclude, kSuggest, kAdvise };
  Kind kind = Kind::kAdvise;
  Urgency urgency = Urgency::kNone;  // refer
  std::string reason;                // refer, exclude
  std::string modality;              // exclude, suggest
  std::vector<std::string> targets;  // suggest
  SlotId targets_from = kNoSlot;     // suggest: a set finding whose members are targets
  std::string params_json = "{}";    // suggest
  int32_t priority = 0;              // suggest
  std::string advice;                // advise
  bool also_when_referred = false;   // advise: kept on referred or screen-required plans
};

struct Rule {
  std::string id;
  std::string description;
  std::string source;
  uint32_t root = 0;  // node index
  std::vector<Action> actions;
};

struct Course {
  Frequency frequency = Frequency::kWeekly;
  uint32_t sessions_min = 0;
  uint32_t sessions_max = 0;
  uint32_t review_after_sessions = 0;
};

struct CourseRule {
  std::string id;
  std::string description;
  std::string source;
  uint32_t root = 0;
  std::optional<Course> course;  // nullopt: this rule decides "no course"
};

struct ClinicSettings {
  uint32_t session_minutes = 60;
  std::vector<std::string> qualifications;
  std::map<std::string, uint32_t> modality_minutes;
  std::vector<SlotId> required_screen;
};

// A modality the rule set uses, bound to this rule set's vocabulary.
struct BoundModality {
  std::shared_ptr<const Modality> modality;
  ReadSlots slots;
  std::vector<SlotId> required_known;
};

class CompiledRuleSet {
 public:
  std::string id;
  std::string version;
  std::string sha256;  // of canonical_source
  // The vocabulary and rules in canonical JSON (sorted keys, no whitespace): what sha256 names,
  // kept so a stored plan can be re-explained after the rule files change.
  std::string canonical_source;
  std::shared_ptr<const Vocabulary> vocabulary;
  ClinicSettings clinic;
  std::vector<Rule> rules;
  std::vector<CourseRule> course_rules;
  std::map<std::string, std::string> advice_texts;
  std::map<std::string, BoundModality> modalities;  // loaded plugins, by id

  std::vector<Node> nodes;
  std::vector<uint32_t> children;
  std::vector<Test> tests;

  // Truth of one node for these findings.
  Tri Evaluate(uint32_t node, const Findings& findings) const;
  // Slots of the unknown findings that keep `node` from being decided (empty when decided).
  std::vector<SlotId> MissingFor(uint32_t node, const Findings& findings) const;
  // Slots of the known findings under tests that hold for a true `node`.
  std::vector<SlotId> EvidenceFor(uint32_t node, const Findings& findings) const;

 private:
  Tri EvaluateTest(const Test& test, const Findings& findings) const;
  void Collect(uint32_t node, const Findings& findings, Tri want, std::vector<SlotId>* out) const;
};

}  // namespace modalis
