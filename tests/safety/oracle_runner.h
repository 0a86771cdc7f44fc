// Plans generated findings documents with a compiled rule set and checks every plan with the
// safety oracle; keeps counts per invariant and, for each invariant that was violated, the first
// document that showed it, shrunk to a small document that still shows it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/plan/plan.h"
#include "core/rules/rule_set.h"
#include "tests/safety/oracle.h"

namespace modalis::safety {

struct InvariantSummary {
  size_t violations = 0;  // violations reported (a document can show several)
  size_t documents = 0;   // documents with at least one
  std::map<std::string, size_t> documents_by_status;  // those documents, by the plan's status
  std::map<std::string, size_t> message_counts;       // how often each violation message occurs
  uint64_t first_document = 0;                        // index of the first document that showed it
  nlohmann::json example;                             // that document, shrunk
  std::vector<std::string> messages;  // the shrunk document's violations of this invariant
  nlohmann::json plan;                // the shrunk document's plan, as JSON
};

struct OracleRun {
  uint64_t documents = 0;
  size_t violations = 0;
  size_t documents_with_violations = 0;
  size_t invalid_documents = 0;  // the planner refused a generated document (must be 0)
  std::string first_invalid;     // the first refusal, with its document
  std::map<std::string, InvariantSummary> by_invariant;
  std::map<std::string, size_t> statuses;  // plans per status
  std::map<std::string, size_t> steps;     // plans with a step of each modality
  size_t with_contradiction = 0;           // documents with a declared contradiction
};

// Removes findings one at a time (then list items one at a time), keeping each removal after
// which `still_fails` holds, until no single removal keeps it. `still_fails(document)` must hold.
nlohmann::json ShrinkDocument(const nlohmann::json& document,
                              const std::function<bool(const nlohmann::json&)>& still_fails);

// Plans `documents` documents from a FindingsGenerator seeded with `seed` (vocabulary: the rule
// set's own vocabulary file as JSON) and checks each plan.
OracleRun RunOracle(const SafetyTable& table, const CompiledRuleSet& rules,
                    const nlohmann::json& vocabulary, uint64_t documents, uint64_t seed);

// A readable report: "documents: N, violations: V", the counts per invariant, and each
// invariant's shrunk example with its plan.
std::string FormatRun(const OracleRun& run);

}  // namespace modalis::safety
