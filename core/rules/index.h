// Builds the evaluation index of a compiled rule set: which nodes are shared, a gate test per rule
// (a test the rule needs to be true), and the flat program EvaluateAll runs.
#pragma once

#include "core/rules/rule_set.h"

namespace modalis {

// Fills rules->node_shared, gate_groups, gated_rules, ungated_rules and the flat evaluation
// program (EvalProgram) from the rules and nodes.
void BuildIndex(CompiledRuleSet* rules);

// How likely `test` is to be true for a typical assessment, from the vocabulary alone (ranges,
// numbers of values); used to choose the gate that skips the most rules.
double EstimatedTruth(const Test& test, const Vocabulary& vocabulary);

}  // namespace modalis
