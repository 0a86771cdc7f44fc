#include "core/rules/index.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <tuple>

namespace modalis {
namespace {

// Tests that must all be true for `node` to be true ("necessary" tests). If any of them is false
// the node is false: a false member makes an "all" false, and a test necessary for every member
// of an "any" makes each member, and so the "any", false. `not` contributes nothing: a false test
// under it would make it true.
std::vector<uint32_t> NecessaryTests(const CompiledRuleSet& rs, uint32_t index) {
  const Node& n = rs.nodes[index];
  switch (n.kind) {
    case Node::Kind::kTest:
      return {index};
    case Node::Kind::kAll: {
      std::vector<uint32_t> out;
      for (uint32_t i = 0; i < n.count; ++i) {
        for (uint32_t t : NecessaryTests(rs, rs.children[n.first + i])) out.push_back(t);
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    }
    case Node::Kind::kAny: {
      std::vector<uint32_t> out = NecessaryTests(rs, rs.children[n.first]);
      for (uint32_t i = 1; i < n.count && !out.empty(); ++i) {
        std::vector<uint32_t> next = NecessaryTests(rs, rs.children[n.first + i]);
        std::vector<uint32_t> both;
        std::set_intersection(out.begin(), out.end(), next.begin(), next.end(),
                              std::back_inserter(both));
        out = std::move(both);
      }
      return out;
    }
    case Node::Kind::kNot:
    case Node::Kind::kAlways:
      break;
  }
  return {};
}

double Fraction(double part, const FindingDef& def, double fallback) {
  if (!def.has_range || def.max <= def.min) return fallback;
  return std::clamp(part / (def.max - def.min), 0.0, 1.0);
}

// Estimated truth of every node. Children are always compiled before their parent, so one pass
// in index order sees each child's estimate before it is needed.
void OrderForEvaluation(CompiledRuleSet* rs) {
  std::vector<double> truth(rs->nodes.size(), 1.0);
  rs->eval_children = rs->children;
  for (size_t i = 0; i < rs->nodes.size(); ++i) {
    const Node& n = rs->nodes[i];
    // n.first indexes the tests for a test node and the children for a group, so the children
    // iterator is formed only for groups (past the end of the children it would be undefined).
    const auto first = [&] { return rs->eval_children.begin() + n.first; };
    switch (n.kind) {
      case Node::Kind::kAlways:
        break;
      case Node::Kind::kTest:
        truth[i] = EstimatedTruth(rs->tests[n.first], *rs->vocabulary);
        break;
      case Node::Kind::kNot:
        truth[i] = 1 - truth[rs->children[n.first]];
        break;
      case Node::Kind::kAll:
        std::stable_sort(first(), first() + n.count,
                         [&](uint32_t a, uint32_t b) { return truth[a] < truth[b]; });
        for (uint32_t k = 0; k < n.count; ++k) truth[i] *= truth[rs->children[n.first + k]];
        break;
      case Node::Kind::kAny: {
        std::stable_sort(first(), first() + n.count,
                         [&](uint32_t a, uint32_t b) { return truth[a] > truth[b]; });
        double none = 1;
        for (uint32_t k = 0; k < n.count; ++k) none *= 1 - truth[rs->children[n.first + k]];
        truth[i] = 1 - none;
        break;
      }
    }
  }
}

// Depth of `index` above the tests (tests and constants: 0), memoised in `level` (kNoLevel: not
// yet known). Children always have a smaller level than their parent.
constexpr uint32_t kNoLevel = UINT32_MAX;
uint32_t LevelOf(const CompiledRuleSet& rs, uint32_t index, std::vector<uint32_t>* level) {
  if ((*level)[index] != kNoLevel) return (*level)[index];
  const Node& n = rs.nodes[index];
  uint32_t out = 0;
  if (n.kind == Node::Kind::kAll || n.kind == Node::Kind::kAny || n.kind == Node::Kind::kNot) {
    const uint32_t count = n.kind == Node::Kind::kNot ? 1 : n.count;
    for (uint32_t i = 0; i < count; ++i) {
      out = std::max(out, LevelOf(rs, rs.children[n.first + i], level) + 1);
    }
  }
  (*level)[index] = out;
  return out;
}

void BuildProgram(CompiledRuleSet* rs) {
  EvalProgram p;
  std::vector<uint32_t> level(rs->nodes.size(), kNoLevel);
  for (const Rule& r : rs->rules) {
    LevelOf(*rs, r.root, &level);
    p.rule_roots.push_back(r.root);
  }
  // Every node reachable from a rule now has a level.
  std::vector<uint32_t> tests, groups;
  for (uint32_t i = 0; i < rs->nodes.size(); ++i) {
    if (level[i] == kNoLevel) continue;
    switch (rs->nodes[i].kind) {
      case Node::Kind::kAlways:
        p.always_nodes.push_back(i);
        break;
      case Node::Kind::kTest:
        tests.push_back(i);
        break;
      default:
        groups.push_back(i);
        break;
    }
  }
  std::stable_sort(tests.begin(), tests.end(), [&](uint32_t x, uint32_t y) {
    return rs->tests[rs->nodes[x].first].op < rs->tests[rs->nodes[y].first].op;
  });
  for (uint32_t node : tests) {
    const Test& t = rs->tests[rs->nodes[node].first];
    if (p.test_batches.empty() || p.test_batches.back().op != t.op) {
      p.test_batches.push_back({t.op, static_cast<uint32_t>(p.test_slot.size()), 0});
    }
    ++p.test_batches.back().count;
    p.test_slot.push_back(t.slot);
    p.test_a.push_back(t.a);
    p.test_b.push_back(t.b);
    p.test_mask.push_back(t.mask);
    p.test_out.push_back(node);
  }
  auto arity = [&](uint32_t node) {
    const Node& n = rs->nodes[node];
    return n.kind == Node::Kind::kNot ? 1u : n.count;
  };
  auto key = [&](uint32_t node) {
    return std::tuple(level[node], static_cast<uint8_t>(rs->nodes[node].kind), arity(node));
  };
  std::stable_sort(groups.begin(), groups.end(),
                   [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
  for (uint32_t node : groups) {
    const Node& n = rs->nodes[node];
    const uint32_t a = arity(node);
    if (p.runs.empty() || p.runs.back().kind != n.kind || p.runs.back().arity != a ||
        level[p.group_out.back()] != level[node]) {
      p.runs.push_back({n.kind, a, static_cast<uint32_t>(p.group_out.size()), 0,
                        static_cast<uint32_t>(p.group_children.size())});
    }
    ++p.runs.back().count;
    p.group_out.push_back(node);
    for (uint32_t i = 0; i < a; ++i) p.group_children.push_back(rs->eval_children[n.first + i]);
  }
  rs->program = std::move(p);
}

}  // namespace

double EstimatedTruth(const Test& t, const Vocabulary& vocabulary) {
  const FindingDef& def = vocabulary.at(t.slot);
  const double values = std::max<double>(1, static_cast<double>(def.values.size()));
  const double members = std::popcount(t.mask);
  switch (t.op) {
    case Op::kKnown:
      return 0.9;
    case Op::kUnknown:
      return 0.1;
    case Op::kEquals:
      if (def.type == FindingType::kBoolean) return 0.5;
      if (def.type == FindingType::kEnum) return 1 / values;
      return 0.1;
    case Op::kOneOf:
      return members / values;
    case Op::kContains:
    case Op::kContainsAny:
      return std::min(1.0, 0.3 * members);
    case Op::kContainsAll:
      return std::pow(0.3, members);
    case Op::kAbove:
    case Op::kAtLeast:
      return Fraction(def.max - t.a, def, 0.5);
    case Op::kBelow:
    case Op::kAtMost:
      return Fraction(t.a - def.min, def, 0.5);
    case Op::kBetween:
      return Fraction(t.b - t.a, def, 0.3);
  }
  return 1;
}

void BuildIndex(CompiledRuleSet* rs) {
  // Shared nodes: reached from more than one parent, rule or gate. Only these are memoised; a
  // node with one parent is evaluated at most once per evaluation anyway.
  std::vector<uint32_t> uses(rs->nodes.size(), 0);
  for (const Node& n : rs->nodes) {
    if (n.kind == Node::Kind::kAll || n.kind == Node::Kind::kAny || n.kind == Node::Kind::kNot) {
      for (uint32_t i = 0; i < n.count; ++i) ++uses[rs->children[n.first + i]];
    }
  }
  for (const Rule& r : rs->rules) ++uses[r.root];
  for (const CourseRule& r : rs->course_rules) ++uses[r.root];

  // The gate of a rule is its necessary test least likely to be true: it skips the rule most
  // often.
  std::map<uint32_t, std::vector<uint32_t>> by_gate;
  rs->ungated_rules.clear();
  for (uint32_t r = 0; r < rs->rules.size(); ++r) {
    std::vector<uint32_t> necessary = NecessaryTests(*rs, rs->rules[r].root);
    if (necessary.empty()) {
      rs->ungated_rules.push_back(r);
      continue;
    }
    uint32_t best = necessary.front();
    double best_truth = 2;
    for (uint32_t node : necessary) {
      const double truth = EstimatedTruth(rs->tests[rs->nodes[node].first], *rs->vocabulary);
      if (truth < best_truth) {
        best = node;
        best_truth = truth;
      }
    }
    by_gate[best].push_back(r);
  }
  rs->gate_groups.clear();
  rs->gated_rules.clear();
  for (const auto& [gate, group] : by_gate) {
    ++uses[gate];
    rs->gate_groups.push_back(GateGroup{gate, static_cast<uint32_t>(rs->gated_rules.size()),
                                        static_cast<uint32_t>(group.size())});
    rs->gated_rules.insert(rs->gated_rules.end(), group.begin(), group.end());
  }
  OrderForEvaluation(rs);
  rs->node_shared.resize(rs->nodes.size());
  for (size_t i = 0; i < uses.size(); ++i) rs->node_shared[i] = uses[i] > 1 ? 1 : 0;
  BuildProgram(rs);
}

}  // namespace modalis
