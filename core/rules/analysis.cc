#include "core/rules/analysis.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace modalis {
namespace {

std::string Num(double d) {
  std::string s = nlohmann::json(d).dump();
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

// What the members of one "all" require of one finding, gathered from its tests and negated
// tests; a contradiction means the "all" can never be true.
struct SlotConstraint {
  double lo = -INFINITY, hi = INFINITY;
  bool lo_open = false, hi_open = false;
  uint64_t allowed = ~uint64_t{0};  // enum values still possible
  uint64_t required = 0;            // set members that must be present
  uint64_t forbidden = 0;           // set members that must be absent
  bool needs_known = false;
  bool needs_unknown = false;
};

class Checker {
 public:
  explicit Checker(const CompiledRuleSet& rs) : rs_(rs), graph_(rs.conditions()) {}

  std::string NeverTrue(uint32_t index) const {
    const Node& n = graph_.node(index);
    switch (n.kind) {
      case Node::Kind::kAlways:
        return {};
      case Node::Kind::kTest:
        return TestNeverTrue(graph_.test(n));
      case Node::Kind::kNot:
        return NeverFalse(graph_.children(n)[0]);
      case Node::Kind::kAny: {
        std::string why;
        for (uint32_t child : graph_.children(n)) {
          std::string w = NeverTrue(child);
          if (w.empty()) return {};
          why = std::move(w);
        }
        return why;
      }
      case Node::Kind::kAll: {
        for (uint32_t child : graph_.children(n)) {
          if (std::string w = NeverTrue(child); !w.empty()) return w;
        }
        return Contradiction(index);
      }
    }
    return {};
  }

 private:
  std::string NeverFalse(uint32_t index) const {
    const Node& n = graph_.node(index);
    if (n.kind == Node::Kind::kAlways) return "'not' of \"always\" is never true";
    if (n.kind == Node::Kind::kNot) return NeverTrue(graph_.children(n)[0]);
    return {};
  }

  const FindingDef& Def(SlotId slot) const { return rs_.vocabulary->at(slot); }

  std::string TestNeverTrue(const Test& t) const {
    const FindingDef& def = Def(t.slot);
    if (!def.has_range) return {};
    const std::string range =
        "'" + def.code + "' is from " + Num(def.min) + " to " + Num(def.max) + ", so it is never ";
    switch (t.op) {
      case Op::kAbove:
        if (t.a >= def.max) return range + "above " + Num(t.a);
        break;
      case Op::kBelow:
        if (t.a <= def.min) return range + "below " + Num(t.a);
        break;
      case Op::kEquals:
        if (def.type == FindingType::kInteger && t.a != std::floor(t.a)) {
          return "'" + def.code + "' is a whole number, so it never equals " + Num(t.a);
        }
        break;
      default:
        break;
    }
    return {};
  }

  // Adds what test `t` (negated when `negated`) requires to `c`. Tests that cannot be summarised
  // add nothing, so the check stays conservative.
  static void Constrain(const Test& t, bool negated, const FindingDef& def, SlotConstraint* c) {
    if (t.op == Op::kKnown || t.op == Op::kUnknown) {
      ((t.op == Op::kKnown) != negated ? c->needs_known : c->needs_unknown) = true;
      return;
    }
    // Any other test is true or false only on a recorded finding.
    c->needs_known = true;
    const bool numeric = def.type == FindingType::kInteger || def.type == FindingType::kNumber;
    auto at_least = [&](double v, bool open) {
      if (v > c->lo || (v == c->lo && open)) c->lo = v, c->lo_open = open;
    };
    auto at_most = [&](double v, bool open) {
      if (v < c->hi || (v == c->hi && open)) c->hi = v, c->hi_open = open;
    };
    switch (t.op) {
      case Op::kEquals:
        if (numeric && !negated) {
          at_least(t.a, false);
          at_most(t.a, false);
        } else if (def.type == FindingType::kBoolean || def.type == FindingType::kEnum) {
          const uint64_t bit = uint64_t{1} << static_cast<uint32_t>(t.a);
          c->allowed &= negated ? ~bit : bit;
        }
        break;
      case Op::kOneOf:
        c->allowed &= negated ? ~t.mask : t.mask;
        break;
      case Op::kAbove:
        negated ? at_most(t.a, false) : at_least(t.a, true);
        break;
      case Op::kAtLeast:
        negated ? at_most(t.a, true) : at_least(t.a, false);
        break;
      case Op::kBelow:
        negated ? at_least(t.a, false) : at_most(t.a, true);
        break;
      case Op::kAtMost:
        negated ? at_least(t.a, true) : at_most(t.a, false);
        break;
      case Op::kBetween:
        if (!negated) {
          at_least(t.a, false);
          at_most(t.b, false);
        }
        break;
      case Op::kContains:
      case Op::kContainsAll:
        if (!negated) c->required |= t.mask;
        if (negated && t.op == Op::kContains) c->forbidden |= t.mask;
        break;
      case Op::kContainsAny:
        if (negated) c->forbidden |= t.mask;
        break;
      case Op::kKnown:
      case Op::kUnknown:
        break;
    }
  }

  // Members of nested "all" groups count as members of the outer one.
  void Gather(uint32_t index, std::map<SlotId, SlotConstraint>* out, std::map<uint32_t, bool>* seen,
              std::string* clash) const {
    const Node& n = graph_.node(index);
    if (n.kind == Node::Kind::kAll) {
      for (uint32_t child : graph_.children(n)) Gather(child, out, seen, clash);
      return;
    }
    bool negated = false;
    uint32_t test_node = index;
    if (n.kind == Node::Kind::kNot) {
      negated = true;
      test_node = graph_.children(n)[0];
    }
    if (auto [it, inserted] = seen->emplace(test_node, negated);
        !inserted && it->second != negated) {
      *clash = "it asks for a condition and for its opposite at the same time";
    }
    const Node& tn = graph_.node(test_node);
    if (tn.kind != Node::Kind::kTest) return;
    const Test& t = graph_.test(tn);
    Constrain(t, negated, Def(t.slot), &(*out)[t.slot]);
  }

  std::string Contradiction(uint32_t all) const {
    std::map<SlotId, SlotConstraint> by_slot;
    std::map<uint32_t, bool> seen;
    std::string clash;
    Gather(all, &by_slot, &seen, &clash);
    if (!clash.empty()) return clash;
    for (const auto& [slot, c] : by_slot) {
      const FindingDef& def = Def(slot);
      const std::string code = "'" + def.code + "'";
      if (c.needs_known && c.needs_unknown) {
        return code + " must be both recorded and not recorded";
      }
      if (c.lo > c.hi || (c.lo == c.hi && (c.lo_open || c.hi_open))) {
        return "no value of " + code + " passes all its tests";
      }
      const uint64_t all_values =
          def.values.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << def.values.size()) - 1;
      const uint64_t domain = def.type == FindingType::kBoolean ? uint64_t{3} : all_values;
      if ((def.type == FindingType::kEnum || def.type == FindingType::kBoolean) &&
          (c.allowed & domain) == 0) {
        return code + " cannot have all the values these tests ask for at once";
      }
      if ((c.required & c.forbidden) != 0) {
        return code + " must both contain and not contain the same value";
      }
    }
    return {};
  }

  const CompiledRuleSet& rs_;
  const ConditionGraph& graph_;
};

bool SameActions(const Rule& a, const Rule& b) {
  if (a.actions.size() != b.actions.size()) return false;
  for (size_t i = 0; i < a.actions.size(); ++i) {
    const Action& x = a.actions[i];
    const Action& y = b.actions[i];
    if (x.kind != y.kind || x.urgency != y.urgency || x.modality != y.modality ||
        x.targets != y.targets || x.targets_from != y.targets_from ||
        x.params_json != y.params_json || x.priority != y.priority || x.advice != y.advice) {
      return false;
    }
  }
  return true;
}

}  // namespace

void AnalyseRules(const CompiledRuleSet& rs, const JsonDocument& doc,
                  std::vector<Diagnostic>* diagnostics) {
  auto warn = [&](const std::string& pointer, const char* id, std::string message) {
    diagnostics->push_back(
        Diagnostic{Diagnostic::Severity::kWarning, id, doc.Locate(pointer), std::move(message)});
  };
  const Checker checker(rs);
  std::map<uint32_t, size_t> first_with_root;
  for (size_t i = 0; i < rs.rules.size(); ++i) {
    const Rule& r = rs.rules[i];
    if (std::string why = checker.NeverTrue(r.root); !why.empty()) {
      warn(r.pointer + "/when", "never-fires", "rule '" + r.id + "' can never fire: " + why);
    }
    auto [it, inserted] = first_with_root.emplace(r.root, i);
    if (!inserted && SameActions(rs.rules[it->second], r)) {
      const Rule& first = rs.rules[it->second];
      warn(r.pointer, "repeated-rule",
           "rule '" + r.id + "' repeats rule '" + first.id + "' (line " +
               std::to_string(doc.Locate(first.pointer).line) +
               "): the same condition and the same actions; keep one");
    }
  }
  // Course rules are tried in order and the first that matches wins, so a rule after one that
  // always matches, or after one with the same condition, is never used.
  for (size_t i = 0; i < rs.course_rules.size(); ++i) {
    const CourseRule& r = rs.course_rules[i];
    if (std::string why = checker.NeverTrue(r.root); !why.empty()) {
      warn(r.pointer + "/when", "never-fires",
           "course rule '" + r.id + "' can never apply: " + why);
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      const CourseRule& earlier = rs.course_rules[j];
      if (earlier.root == r.root ||
          rs.conditions().node(earlier.root).kind == Node::Kind::kAlways) {
        warn(r.pointer + "/when", "never-fires",
             "course rule '" + r.id + "' can never apply: course rule '" + earlier.id +
                 "' comes first and matches whenever this one does");
        break;
      }
    }
  }
}

}  // namespace modalis
