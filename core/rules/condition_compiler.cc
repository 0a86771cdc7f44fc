#include "core/rules/rule_compiler.h"

#include <algorithm>
#include <cmath>

#include "core/common/did_you_mean.h"

namespace modalis {
namespace {

using Json = RuleCompiler::Json;

struct OpName {
  const char* name;
  Op op;
};
constexpr OpName kOps[] = {
    {"equals", Op::kEquals},
    {"one_of", Op::kOneOf},
    {"contains", Op::kContains},
    {"contains_any", Op::kContainsAny},
    {"contains_all", Op::kContainsAll},
    {"above", Op::kAbove},
    {"at_least", Op::kAtLeast},
    {"below", Op::kBelow},
    {"at_most", Op::kAtMost},
    {"between", Op::kBetween},
    {"known", Op::kKnown},
};

std::vector<std::string> OpNames() {
  std::vector<std::string> out;
  for (const OpName& o : kOps) out.emplace_back(o.name);
  return out;
}

// 4 rather than 4.0: numbers as a therapist writes them.
std::string Number(double d) {
  std::string s = nlohmann::json(d).dump();
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

}  // namespace

// Consistency constraints between findings, from the vocabulary's "constraints" list.
void RuleCompiler::CompileConstraints() {
  const Json& root = doc_.root();
  if (!root.is_object() || !root.contains("constraints")) return;
  if (!root["constraints"].is_array()) {
    Error("/constraints", "wrong-type", "'constraints' is a list");
    return;
  }
  for (size_t i = 0; i < root["constraints"].size(); ++i) {
    const std::string p = "/constraints/" + std::to_string(i);
    const Json& j = root["constraints"][i];
    if (!j.is_object()) {
      Error(p, "wrong-type", "a constraint is an object");
      continue;
    }
    CheckKeys(j, p, {"id", "description", "not_both", "if", "then"});
    Constraint c;
    c.pointer = p;
    c.id = RequireString(j, p, "id");
    c.description = RequireString(j, p, "description");
    CheckUniqueId("constraint:" + c.id, p + "/id");
    if (j.contains("not_both")) {
      const Json& both = j["not_both"];
      if (!both.is_array() || both.size() != 2) {
        Error(p + "/not_both", "wrong-type", "'not_both' takes two tests that cannot both hold");
        continue;
      }
      auto a = Side(both[0], p + "/not_both/0");
      auto b = Side(both[1], p + "/not_both/1");
      if (!a || !b) continue;
      c.violated = GroupNode(Node::Kind::kAll, {a->node, b->node});
      c.findings = {a->test.slot, b->test.slot};
      // Believe one answer, then the other; the first reading is the one steps are built from,
      // so the second answer's negation (e.g. consent withdrawn) comes first.
      c.readings = {{Negated(*b)}, {Negated(*a)}};
    } else if (j.contains("if") && j.contains("then")) {
      auto a = Side(j["if"], p + "/if");
      auto b = Side(j["then"], p + "/then");
      if (!a || !b) continue;
      std::vector<Assignment> values = Values(*b, p + "/then");
      if (values.empty()) continue;
      const uint32_t not_b = GroupNode(Node::Kind::kNot, {b->node});
      c.violated = GroupNode(Node::Kind::kAll, {a->node, not_b});
      c.findings = {a->test.slot, b->test.slot};
      for (const Assignment& v : values) c.readings.push_back({v});  // believe the detail
      c.readings.push_back({Negated(*a)});                           // or the parent
      if (values.size() == 1) {
        const uint32_t b_unknown = TestNode(Test{b->test.slot, Op::kUnknown, 0, 0, 0});
        c.fill_when = GroupNode(Node::Kind::kAll, {a->node, b_unknown});
        c.fill = values.front();
      }
    } else {
      Error(p, "missing-field",
            "a constraint is {\"not_both\": [test, test]} or {\"if\": test, \"then\": test}");
      continue;
    }
    out_->constraints.push_back(std::move(c));
  }
}

// One side of a constraint: a single test of equals, one_of or known on one finding.
std::optional<RuleCompiler::ConstraintSide> RuleCompiler::Side(const Json& j,
                                                               const std::string& pointer) {
  const size_t errors = diagnostics_->size();
  const uint32_t node = CompileCondition(j, pointer, 1);
  if (diagnostics_->size() != errors) return std::nullopt;
  const ConditionGraph& graph = out_->conditions();
  const Node& n = graph.node(node);
  if (n.kind == Node::Kind::kTest) {
    const Test& t = graph.test(n);
    if (t.op == Op::kEquals || t.op == Op::kOneOf || t.op == Op::kKnown) {
      return ConstraintSide{node, t};
    }
  }
  Error(pointer, "wrong-type",
        "a side of a constraint is one test of one finding: equals, one_of or known");
  return std::nullopt;
}

// The values a side says its finding has; what a reading that believes it assigns.
std::vector<Assignment> RuleCompiler::Values(const ConstraintSide& side,
                                             const std::string& pointer) {
  std::vector<Assignment> out;
  if (side.test.op == Op::kEquals) {
    out.push_back(Assignment{side.test.slot, false, FindingValue{side.test.a, 0}});
  } else if (side.test.op == Op::kOneOf) {
    for (uint32_t v = 0; v < 64; ++v) {
      if (side.test.mask & (uint64_t{1} << v)) {
        out.push_back(Assignment{side.test.slot, false, FindingValue{static_cast<double>(v), 0}});
      }
    }
  } else {
    Error(pointer, "wrong-type", "'then' must say the value: equals or one_of");
  }
  return out;
}

// What a reading that disbelieves a side assigns: the other answer of a yes/no finding,
// otherwise "not recorded".
Assignment RuleCompiler::Negated(const ConstraintSide& side) const {
  const FindingDef& def = vocab_.at(side.test.slot);
  if (side.test.op == Op::kEquals && def.type == FindingType::kBoolean) {
    return Assignment{side.test.slot, false, FindingValue{1 - side.test.a, 0}};
  }
  return Assignment{side.test.slot, true, FindingValue{}};
}

uint32_t RuleCompiler::CompileCondition(const Json& j, const std::string& pointer, int depth) {
  if (depth > limits_.max_condition_depth) {
    Error(pointer, "too-deep",
          "conditions are nested more than " + std::to_string(limits_.max_condition_depth) +
              " levels deep; simplify the rule");
    return Always();
  }
  if (j.is_string() && j.get_ref<const std::string&>() == "always") return Always();
  if (!j.is_object()) {
    Error(pointer, "wrong-type",
          "a condition is \"always\" or an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": "
          "{...}} or "
          "{\"finding\": ..., \"<test>\": ...}");
    return Always();
  }
  for (const char* group : {"all", "any"}) {
    if (!j.contains(group)) continue;
    const std::string p = pointer + "/" + group;
    CheckKeys(j, pointer, {group});
    const Json& items = j[group];
    if (!items.is_array()) {
      Error(p, "wrong-type", std::string("'") + group + "' takes a list of conditions");
      return Always();
    }
    if (items.empty()) {
      Error(p, "empty-group", std::string("'") + group + "' has no conditions; add at least one");
      return Always();
    }
    std::vector<uint32_t> kids;
    for (size_t i = 0; i < items.size(); ++i) {
      kids.push_back(CompileCondition(items[i], p + "/" + std::to_string(i), depth + 1));
    }
    return GroupNode(group[1] == 'l' ? Node::Kind::kAll : Node::Kind::kAny, kids);
  }
  if (j.contains("not")) {
    CheckKeys(j, pointer, {"not"});
    const uint32_t kid = CompileCondition(j["not"], pointer + "/not", depth + 1);
    return GroupNode(Node::Kind::kNot, {kid});
  }
  if (j.contains("finding")) return CompileTest(j, pointer);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  const std::string first = keys.empty() ? std::string() : keys.front();
  Error(pointer, "unknown-condition",
        "this condition has no 'all', 'any', 'not' or 'finding'" +
            (first.empty() ? std::string()
                           : DidYouMeanSuffix(first, {"all", "any", "not", "finding"})));
  return Always();
}

uint32_t RuleCompiler::CompileTest(const Json& j, const std::string& pointer) {
  const FindingDef* def = ResolveFinding(j["finding"], pointer + "/finding");
  std::string op_key;
  for (const auto& [k, v] : j.items()) {
    if (k == "finding") continue;
    if (!op_key.empty()) {
      Error(pointer + "/" + PointerToken(k), "extra-test",
            "one test per condition: combine '" + op_key + "' and '" + k + "' with \"all\"");
      return Always();
    }
    op_key = k;
  }
  if (op_key.empty()) {
    Error(pointer, "missing-test",
          "say what to test, e.g. \"equals\": true or \"at_least\": 4 (tests: " +
              Quoted(OpNames()) + ")");
    return Always();
  }
  const std::string p = pointer + "/" + PointerToken(op_key);
  const OpName* op = nullptr;
  for (const OpName& o : kOps) {
    if (op_key == o.name) op = &o;
  }
  if (op == nullptr) {
    Error(p, "unknown-operator",
          "'" + op_key + "' is not a test" + DidYouMeanSuffix(op_key, OpNames()) +
              "; tests: " + Quoted(OpNames()));
    return Always();
  }
  if (def == nullptr) return Always();
  const Json& v = j[op_key];
  Test t;
  t.slot = def->slot;
  t.op = op->op;
  const std::string type(FindingTypeName(def->type));
  auto mismatch = [&](const std::string& expected) {
    Error(p, "type-mismatch",
          "'" + def->code + "' is " + type + "; '" + op_key + "' here needs " + expected);
    return Always();
  };
  auto value_index = [&](const Json& item, const std::string& ip) -> std::optional<uint32_t> {
    if (!item.is_string()) {
      Error(ip, "wrong-type",
            "expected one of the values of '" + def->code + "': " + Quoted(def->values));
      return std::nullopt;
    }
    const auto& s = item.get_ref<const std::string&>();
    auto index = def->ValueIndex(s);
    if (!index) {
      Error(ip, "unknown-value",
            "'" + s + "' is not a value of '" + def->code + "'" + DidYouMeanSuffix(s, def->values) +
                "; values: " + Quoted(def->values));
    }
    return index;
  };
  auto number_in_range = [&](const Json& item, const std::string& ip) -> std::optional<double> {
    if (!item.is_number()) {
      Error(ip, "wrong-type", "'" + def->code + "' is a number; compare it with a number");
      return std::nullopt;
    }
    const double d = item.get<double>();
    if (def->has_range && (d < def->min || d > def->max)) {
      Error(ip, "out-of-range",
            Number(d) + " is outside the range of '" + def->code + "', which is from " +
                Number(def->min) + " to " + Number(def->max));
      return std::nullopt;
    }
    return d;
  };
  const bool numeric = def->type == FindingType::kInteger || def->type == FindingType::kNumber;

  switch (op->op) {
    case Op::kKnown:
      if (!v.is_boolean()) {
        Error(p, "wrong-type", "'known' takes true (recorded) or false (not recorded)");
        return Always();
      }
      t.op = v.get<bool>() ? Op::kKnown : Op::kUnknown;
      return TestNode(t);
    case Op::kEquals:
      if (def->type == FindingType::kBoolean) {
        if (!v.is_boolean()) return mismatch("true or false");
        t.a = v.get<bool>() ? 1 : 0;
      } else if (numeric) {
        auto d = number_in_range(v, p);
        if (!d) return Always();
        t.a = *d;
      } else if (def->type == FindingType::kEnum) {
        auto index = value_index(v, p);
        if (!index) return Always();
        t.a = *index;
      } else {
        return mismatch(def->type == FindingType::kSet ? "'contains' or 'contains_all'"
                                                       : "only 'known'");
      }
      return TestNode(t);
    case Op::kOneOf:
      if (def->type != FindingType::kEnum) return mismatch("a finding with one value");
      if (!v.is_array() || v.empty()) {
        Error(p, "wrong-type", "'one_of' takes a non-empty list of values");
        return Always();
      }
      for (size_t i = 0; i < v.size(); ++i) {
        auto index = value_index(v[i], p + "/" + std::to_string(i));
        if (index) t.mask |= uint64_t{1} << *index;
      }
      return TestNode(t);
    case Op::kContains: {
      if (def->type != FindingType::kSet) return mismatch("a set finding (a list of values)");
      auto index = value_index(v, p);
      if (!index) return Always();
      t.mask = uint64_t{1} << *index;
      return TestNode(t);
    }
    case Op::kContainsAny:
    case Op::kContainsAll:
      if (def->type != FindingType::kSet) return mismatch("a set finding (a list of values)");
      if (!v.is_array() || v.empty()) {
        Error(p, "wrong-type", "'" + op_key + "' takes a non-empty list of values");
        return Always();
      }
      for (size_t i = 0; i < v.size(); ++i) {
        auto index = value_index(v[i], p + "/" + std::to_string(i));
        if (index) t.mask |= uint64_t{1} << *index;
      }
      return TestNode(t);
    case Op::kAbove:
    case Op::kAtLeast:
    case Op::kBelow:
    case Op::kAtMost: {
      if (!numeric) return mismatch("a number finding");
      auto d = number_in_range(v, p);
      if (!d) return Always();
      t.a = *d;
      return TestNode(t);
    }
    case Op::kBetween: {
      if (!numeric) return mismatch("a number finding");
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
        Error(p, "wrong-type", "'between' takes [low, high], e.g. [4, 6]");
        return Always();
      }
      t.a = v[0].get<double>();
      t.b = v[1].get<double>();
      if (t.a > t.b) {
        Error(p, "empty-range", "'between' needs the low bound first: [low, high]");
        return Always();
      }
      return TestNode(t);
    }
    case Op::kUnknown:
      break;
  }
  return Always();
}

}  // namespace modalis
