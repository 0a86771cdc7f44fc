// An independent safety oracle: checks one plan against the clinical brief's safety table
// (tests/safety/safety_table.json: §1 triage, §3a per-modality safety, §5 R0, R1, R5), written
// as data and evaluated here with its own small three-valued evaluator.
//
// Deliberately simple and separate from the planner: it shares no code with core/plan or
// core/rules. Its only inputs are the findings document as JSON and the plain Plan struct.
//
// Invariants (each violation names one):
//   a.triage-level      an emergency condition true -> EMERGENCY; urgent -> at least URGENT;
//                       routine -> at least ROUTINE
//   a.referred-plan     emergency/urgent: status REFERRED, no steps, no course
//   a.referral-advice   the advice carries exactly the referral level's own code (none without a
//                       referral); emergency/urgent plans carry no other advice but safety_net_ces
//   a.safety-net        safety_net_ces whenever the R5 condition is true; on emergency/urgent
//                       plans only then
//   b.required-screen   no emergency/urgent and a required-screen finding unknown: status
//                       SCREEN_REQUIRED, no steps, no course, the unknown ones asked
//   c.unknown-modality  a step for a modality the table does not know
//   c.required-known    a step while one of its required-known findings is unknown
//   c.declined          a step for a modality the client declined
//   c.floor             a step while a whole-modality plugin floor is true
//   c.rule-exclusion    a step while a whole-modality rule exclusion is true
//   c.region            a target in a region removed by a true region-specific cell
//   c.targets-allowed   a target the modality may not treat
//   c.pressure          myofascial pressure above light while a cap finding is true or unknown
//   d.undecided-cell    a floor or exclusion of a stepped modality undecided: the plan is not
//                       COMPLETE and asks for each unknown finding of the cell
//   e.rf-unknown        a red flag unknown on a COMPLETE plan with steps
//   e.triage-undecided  a triage condition undecided on a COMPLETE plan, or not asked on a
//                       treatment plan
//   f.contradiction     a declared contradiction in the document: the plan is not COMPLETE and
//                       asks for both findings
//
// Conflicting records are read the most restrictive way: every declared contradiction that holds
// splits the document into its consistent readings, and a cell counts as true when it is true in
// any reading (unknown when unknown in some and true in none).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/plan/plan.h"

namespace modalis::safety {

// Kleene three-valued truth.
enum class Truth { kFalse, kTrue, kUnknown };

// One cell of the table: a condition, and for a region-specific cell the finding that names the
// region (empty: the cell covers the whole modality).
struct Cell {
  std::string id;
  nlohmann::json when;
  std::string region_finding;
};

struct PressureCap {
  std::string pressure;  // the highest pressure allowed while the condition is not false
  nlohmann::json unless_false;
};

struct ModalitySafety {
  std::vector<std::string> required_known;
  std::vector<Cell> floors;
  std::vector<Cell> rule_exclusions;
  std::vector<Cell> cautions;  // data only: step cautions are free text, not checked
  std::vector<std::string> targets_allowed;
  std::optional<PressureCap> pressure_cap;
};

// A finding value and the body regions it affects.
struct RegionRule {
  std::string finding;
  nlohmann::json value;
  std::vector<std::string> regions;
};

// Records that cannot all be true; each reading is an object of overrides (null: not recorded).
struct Contradiction {
  std::string id;
  std::string description;
  nlohmann::json when;
  std::vector<std::string> findings;
  std::vector<nlohmann::json> readings;
};

// A record that implies another: when `when` holds, the document is read with `reading` applied.
struct Inference {
  std::string id;
  nlohmann::json when;
  nlohmann::json reading;
};

struct SafetyTable {
  std::map<std::string, ModalitySafety> modalities;
  std::map<std::string, std::string> target_region;
  std::vector<RegionRule> finding_regions;
  std::string declined_finding;
  std::vector<std::string> required_screen;
  std::vector<std::string> red_flags;
  std::vector<Cell> emergency;
  std::vector<Cell> urgent;
  std::vector<Cell> routine;
  std::string advice_emergency;
  std::string advice_urgent;
  std::string advice_routine;
  std::string safety_net_advice;
  nlohmann::json safety_net_when;
  std::vector<Contradiction> contradictions;
  std::vector<Inference> inferences;
};

// Throws std::runtime_error naming the problem when the table is malformed (including any
// condition the evaluator does not understand).
SafetyTable ParseSafetyTable(const nlohmann::json& table);
SafetyTable LoadSafetyTable(const std::string& path);

// Evaluates a condition on a findings document; a finding absent (or null) is unknown.
Truth Evaluate(const nlohmann::json& condition, const nlohmann::json& findings);

// The unknown findings that keep an undecided condition undecided (empty when it is decided):
// the tests reached through undecided all/any nodes only.
std::set<std::string> UndecidedFindings(const nlohmann::json& condition,
                                        const nlohmann::json& findings);

// The consistent readings of a document: the document itself when no contradiction or inference
// applies, else one document per combination of their readings.
std::vector<nlohmann::json> Readings(const SafetyTable& table, const nlohmann::json& findings);

struct Violation {
  std::string invariant;  // e.g. "c.region"
  std::string message;
};

std::vector<Violation> FindViolations(const SafetyTable& table, const nlohmann::json& findings,
                                      const Plan& plan);

// The same, each as "<invariant>: <message>".
std::vector<std::string> CheckPlan(const SafetyTable& table, const nlohmann::json& findings,
                                   const Plan& plan);

}  // namespace modalis::safety
