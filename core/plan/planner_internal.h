// The planner's working state for one plan, shared by the files that do each stage of the work:
// planner.cc (the order of the stages, advice and explanation), planner_readings.cc (readings of
// contradictory records and each rule's truth over them), planner_safety.cc (referral, required
// screen and exclusions), planner_steps.cc (suggestions, steps, session order and time budget) and
// planner_course.cc (course of care and its review). Internal to core/plan: MakePlan (planner.h)
// is the interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/findings/findings.h"
#include "core/plan/plan.h"
#include "core/plan/planner.h"
#include "core/rules/rule_set.h"

namespace modalis {

class Planner {
 public:
  Planner(const CompiledRuleSet& rules, const Findings& findings, const PlanRequest& request)
      : rules_(rules), findings_(findings), request_(request) {}

  Plan Run();

 private:
  struct Candidate {
    std::string modality;
    std::vector<std::string> targets;
    std::string params_json = "{}";
    int32_t priority = 0;
    std::vector<std::string> rule_ids;
    std::vector<std::string> rationale;
  };

  // A true region-specific floor or exclusion: the targets in `regions` are not treated.
  struct RegionCell {
    const Rule* rule = nullptr;
    const Action* action = nullptr;
    std::string value;  // the finding's value, e.g. "trunk"
    std::set<std::string> regions;
    std::vector<std::string> findings;
  };

  static void AddUnique(std::vector<std::string>* list, const std::string& item);

  // Readings and the truth of rules over them (planner_readings.cc)
  std::string Code(SlotId slot) const { return rules_.vocabulary->at(slot).code; }
  const Findings& Reading(size_t r) const { return *readings_[r]; }
  // The reading a rule's result was found in: its evidence and missing findings come from it.
  const Findings& Witness(size_t rule) const { return Reading(witness_[rule]); }
  void Missing(SlotId slot, const std::string& why);
  bool KnownInEveryReading(SlotId slot) const;
  void BuildReadings();
  static void Apply(const Assignment& a, Findings* f);
  void EvaluateRules();
  static int Rank(Tri t, bool any);
  static Tri MoreRestrictive(Tri a, Tri b) { return Rank(b, true) > Rank(a, true) ? b : a; }
  static Tri LessPermissive(Tri a, Tri b) { return Rank(b, false) > Rank(a, false) ? b : a; }
  Tri EvaluateInAll(uint32_t node, size_t* witness) const;

  // Referral, required screen and exclusions (planner_safety.cc)
  void Refer();
  bool CheckRequiredScreen();
  void AskBeforeTreating();
  bool Excluded(const std::string& modality) const;
  Exclusion::Severity SeverityOf(const Rule& rule) const;
  std::string SourceOf(const Rule& rule) const;
  void Exclude();
  void AddRegionCell(size_t rule_index, const Action& a, std::vector<std::string> codes);
  std::optional<Exclusion> ApplyRegionCells(const std::string& modality, StepOutcome* built);

  // Suggestions, steps, session order and time budget (planner_steps.cc)
  bool IsCandidate(const std::string& modality) const;
  std::vector<Candidate> CollectSuggestions() const;
  void BuildSteps();
  void OpenQuestionsOnSteps();
  void FitTimeBudget();

  // Course of care and its review (planner_course.cc)
  void ChooseCourse();
  std::optional<double> Known(SlotId slot) const;
  void Review();
  static std::string FormatScore(double d);

  // Advice and explanation (planner.cc)
  void AddAdvice(const std::string& code);
  void Advise();
  void Explain();

  const CompiledRuleSet& rules_;
  const Findings& findings_;
  const PlanRequest& request_;
  Plan plan_;
  // The readings of the findings (one unless records contradict each other) and, per rule, its
  // combined truth and the reading it was found in.
  std::vector<Findings> owned_;
  std::vector<const Findings*> readings_;
  std::vector<Tri> results_;
  std::vector<uint32_t> witness_;
  std::vector<Candidate> candidates_;
  std::map<std::string, std::vector<std::string>> cautions_;
  std::map<std::string, std::vector<RegionCell>> region_cells_;
  std::set<std::string> open_questions_;  // modalities with an undecided floor or exclusion
  bool safety_open_ = false;
  std::map<std::string, int32_t> priorities_;
  std::map<std::string, int32_t> phases_;
  const CourseRule* course_rule_ = nullptr;
  std::optional<FiredRule> review_;
  bool review_referral_ = false;
};

}  // namespace modalis
