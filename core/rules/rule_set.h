// A compiled rule set: rules, course rules, advice texts and clinic settings, with every finding
// code resolved to a slot and every operator resolved, ready to evaluate many times.
//
// Immutable after compilation; safe to share between threads (shared_ptr<const CompiledRuleSet>).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/findings/findings.h"
#include "core/findings/vocabulary.h"
#include "core/modality/modality.h"
#include "core/rules/care.h"
#include "core/rules/condition_graph.h"
#include "core/rules/flat_program.h"

namespace modalis {

struct Action {
  // kCaution: a plugin's caution, kept on the modality's step when its condition holds.
  enum class Kind : uint8_t { kRefer, kExclude, kSuggest, kAdvise, kCaution };
  Kind kind = Kind::kAdvise;
  Urgency urgency = Urgency::kNone;  // refer
  std::string reason;                // refer, exclude; caution: its text
  std::string modality;              // exclude, suggest, caution
  // exclude: a region-specific exclusion. Only the targets in the regions this (enum) finding's
  // value names are removed; the step goes when none is left (clinical brief §3a).
  SlotId regions_from = kNoSlot;
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
  std::string pointer;  // JSON pointer of the rule in its file, e.g. /rules/3
  // Set for a floor or caution a plugin declares (its modality id): absolute, beyond the rule
  // file's reach.
  std::string plugin;
  uint32_t root = 0;  // node index
  std::vector<Action> actions;
};

class CompiledRuleSet;

// Working memory for CompiledRuleSet::EvaluateAll: the truth of every node for the current
// document and the per-rule results. Create one per thread and reuse it; after the first
// evaluation against a rule set, evaluating allocates nothing.
//
// Not thread-safe; results() and fired() are valid until the next evaluation with this scratch.
class EvaluationScratch {
 public:
  // Truth of each rule, indexed like CompiledRuleSet::rules.
  std::span<const Tri> results() const { return results_; }
  // Indices of the rules that are true, in rule order.
  std::span<const uint32_t> fired() const { return {fired_.data(), fired_count_}; }

 private:
  friend class CompiledRuleSet;
  void Prepare(const CompiledRuleSet& rules);

  const CompiledRuleSet* prepared_for_ = nullptr;
  std::vector<uint8_t> truth_;  // per node, two-bit truth (see FlatProgram)
  std::vector<Tri> results_;
  std::vector<uint32_t> fired_;  // sized to the rule count; the first fired_count_ are valid
  size_t fired_count_ = 0;
};

struct CourseRule {
  std::string id;
  std::string description;
  std::string source;
  std::string pointer;  // JSON pointer of the course rule in its file
  uint32_t root = 0;
  std::optional<Course> course;  // nullopt: this rule decides "no course"
};

struct ClinicSettings {
  uint32_t session_minutes = 60;
  std::vector<std::string> qualifications;
  std::map<std::string, uint32_t> modality_minutes;
  std::vector<SlotId> required_screen;
  // Unknown: treatment may go ahead, but the plan is provisional and asks (clinical brief §5 R0).
  std::vector<SlotId> ask_before_treating;
};

// How the rule set measures progress, so nothing about one condition is written in C++: which
// findings hold the pain score, its baseline, pain days and the sessions done, what improvement
// counts (the minimal important change), and what advice goes with a referral at a review without
// it. A rule set with no "progress" section has no course review.
struct ProgressSettings {
  bool enabled = false;
  SlotId pain = kNoSlot;
  SlotId baseline_pain = kNoSlot;
  SlotId pain_days = kNoSlot;  // kNoSlot: the rule set records no pain days
  SlotId sessions_completed = kNoSlot;
  double mic_points = 2;            // a drop of at least this many points on the pain scale, or
  double mic_percent = 30;          // at least this share of the baseline
  std::string not_improved_advice;  // empty: none
};

// One value a reading gives a finding: unknown, or a value as Findings holds it.
struct Assignment {
  SlotId slot = kNoSlot;
  bool unknown = false;
  FindingValue value;
};

// A consistency constraint between findings, declared in the vocabulary: a detail that implies
// its parent, or two answers that cannot both hold. When the records violate it, the plan flags
// it and asks, and the findings are read every way that resolves the conflict (`readings`): a
// refer, exclude or caution acts when it holds in any reading, a suggestion only when it holds in
// all of them; so the most restrictive reading wins.
struct Constraint {
  std::string id;
  std::string description;
  std::string pointer;           // in the vocabulary file
  uint32_t violated = 0;         // node: true when the records conflict
  std::vector<SlotId> findings;  // the findings involved
  std::vector<std::vector<Assignment>> readings;
  // implies: when the parent is simply unrecorded, the detail decides it (e.g. a trimester means
  // pregnant). kNoSlot when the constraint cannot fill it in.
  uint32_t fill_when = 0;  // node: true when the fill applies
  Assignment fill;
};

// A finding computed from others before the rules read it, declared in the vocabulary (a risk
// group from questionnaire scores, say). The value of the first case whose condition is true;
// none true (or undecided): not derived. Applied in the vocabulary's order, so a derivation may
// read one declared before it.
struct Derivation {
  enum class WhenRecorded : uint8_t {
    kRecorded,  // a recorded value stands; only an unrecorded finding is filled in
    kHigher,    // the value declared later in the finding's values wins (an ordered scale)
  };
  struct Case {
    uint32_t value = 0;  // index into the finding's values
    uint32_t when = 0;   // node
  };
  std::string id;
  std::string description;
  std::string pointer;  // in the vocabulary file
  SlotId finding = kNoSlot;
  std::vector<Case> cases;
  WhenRecorded when_recorded = WhenRecorded::kRecorded;
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
  ProgressSettings progress;
  std::vector<Rule> rules;
  std::vector<CourseRule> course_rules;
  std::vector<Constraint> constraints;
  std::vector<Derivation> derivations;
  std::map<std::string, std::string> advice_texts;
  std::map<std::string, BoundModality> modalities;  // loaded plugins, by id

  // Rules written in the rule file (the rest are the plugins' declared floors and cautions).
  size_t FileRuleCount() const {
    size_t n = 0;
    for (const Rule& r : rules) n += r.plugin.empty() ? 1 : 0;
    return n;
  }

  // Truth of every rule for these findings, into `scratch` (see EvaluationScratch). Exactly the
  // same results as Evaluate(rule.root) per rule; faster, because every distinct test and group
  // is evaluated once per document by a flat program without recursion or data-dependent
  // branches (see FlatProgram).
  void EvaluateAll(const Findings& findings, EvaluationScratch* scratch) const;

  // Sets the derived findings (see Derivation) from the recorded ones, in declared order.
  void Derive(Findings* findings) const;

  // Truth of one node for these findings.
  Tri Evaluate(uint32_t node, const Findings& findings) const {
    return conditions_.Evaluate(node, findings);
  }
  // Slots of the unknown findings that keep `node` from being decided (empty when decided).
  std::vector<SlotId> MissingFor(uint32_t node, const Findings& findings) const {
    return conditions_.MissingFor(node, findings);
  }
  // Slots of the known findings under tests that hold for a true `node`.
  std::vector<SlotId> EvidenceFor(uint32_t node, const Findings& findings) const {
    return conditions_.EvidenceFor(node, findings);
  }
  // Slots of the known findings under tests that fail for a false `node`.
  std::vector<SlotId> CounterEvidenceFor(uint32_t node, const Findings& findings) const {
    return conditions_.CounterEvidenceFor(node, findings);
  }

  // The conditions of all rules, course rules and constraints as one graph: identical tests and
  // identical groups are one node. Rule::root and the other node indices point into it.
  const ConditionGraph& conditions() const { return conditions_; }
  // For the compiler only: the graph while the rule set is being built.
  ConditionGraph* mutable_conditions() { return &conditions_; }
  // Builds the program EvaluateAll runs, once every rule is compiled. Until then EvaluateAll
  // decides nothing.
  void Seal() { program_ = FlatProgram::Build(conditions_, RuleRoots()); }

  // Heap memory of the compiled conditions (graph and program).
  size_t ConditionBytes() const { return conditions_.MemoryBytes() + program_.MemoryBytes(); }

 private:
  std::vector<uint32_t> RuleRoots() const;

  ConditionGraph conditions_;
  FlatProgram program_;
};

}  // namespace modalis
