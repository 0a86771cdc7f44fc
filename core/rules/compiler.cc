#include "core/rules/compiler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/common/canonical_json.h"
#include "core/common/did_you_mean.h"
#include "core/common/file_shape.h"
#include "core/common/json_document.h"
#include "core/common/sha256.h"
#include "core/rules/analysis.h"
#include "core/rules/index.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

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

std::string Quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class RuleCompiler {
 public:
  RuleCompiler(const JsonDocument& doc, const ModalitySet& modalities, const RuleLimits& limits,
               std::vector<Diagnostic>* diagnostics, CompiledRuleSet* out)
      : doc_(doc),
        modalities_(modalities),
        limits_(limits),
        diagnostics_(diagnostics),
        out_(out),
        vocab_(*out->vocabulary) {}

  void Compile() {
    const Json& root = doc_.root();
    if (!root.is_object()) {
      Error("", "wrong-type", "a rule set file must be a JSON object");
      return;
    }
    CheckKeys(root, "",
              {"$schema", "id", "version", "description", "clinic", "progress", "advice", "rules",
               "course_rules"});
    out_->id = RequireString(root, "", "id");
    out_->version = RequireString(root, "", "version");
    CompileAdvice(root);
    CompileClinic(root);
    CompileProgress(root);
    if (!root.contains("rules") || !root["rules"].is_array()) {
      Error("/rules", "missing-field", "a rule set needs a 'rules' list");
    } else {
      const Json& rules = root["rules"];
      if (rules.size() > limits_.max_rules) {
        Error("/rules", "too-many-rules",
              "this file has " + std::to_string(rules.size()) + " rules; the limit is " +
                  std::to_string(limits_.max_rules));
        return;
      }
      for (size_t i = 0; i < rules.size(); ++i)
        CompileRule(rules[i], "/rules/" + std::to_string(i));
    }
    if (root.contains("course_rules")) {
      if (!root["course_rules"].is_array()) {
        Error("/course_rules", "wrong-type", "'course_rules' must be a list");
      } else {
        const Json& rules = root["course_rules"];
        for (size_t i = 0; i < rules.size(); ++i) {
          CompileCourseRule(rules[i], "/course_rules/" + std::to_string(i));
        }
      }
    }
  }

  // A plugin's declared floors and cautions (its manifest's safety_json), compiled into rules of
  // their own: so they are evaluated, explained and asked about exactly like rule exclusions.
  void CompilePluginSafety(const std::string& modality) {
    const Json& root = doc_.root();
    if (!root.is_object()) {
      Error("", "wrong-type",
            "a plugin's safety declaration is an object with floors and cautions");
      return;
    }
    CheckKeys(root, "", {"floors", "cautions"});
    for (const char* key : {"floors", "cautions"}) {
      if (!root.contains(key)) continue;
      if (!root[key].is_array()) {
        Error(std::string("/") + key, "wrong-type", std::string("'") + key + "' is a list");
        continue;
      }
      const bool floor = key[0] == 'f';
      for (size_t i = 0; i < root[key].size(); ++i) {
        const std::string p = std::string("/") + key + "/" + std::to_string(i);
        const Json& j = root[key][i];
        if (!j.is_object()) {
          Error(p, "wrong-type", "each entry is an object with id, when and its text");
          continue;
        }
        const char* text_key = floor ? "reason" : "text";
        CheckKeys(j, p,
                  floor ? std::vector<std::string>{"id", "when", "reason", "regions_from"}
                        : std::vector<std::string>{"id", "when", "text"});
        Rule rule;
        rule.plugin = modality;
        rule.pointer = p;
        rule.id = "plugin:" + modality + ":" + RequireString(j, p, "id");
        rule.source = "plugin:" + modality;
        Action a;
        a.kind = floor ? Action::Kind::kExclude : Action::Kind::kCaution;
        a.modality = modality;
        a.reason = RequireString(j, p, text_key);
        rule.description = a.reason;
        if (floor) a.regions_from = RegionsFrom(j, p);
        CheckUniqueId(rule.id, p + "/id");
        if (!j.contains("when")) {
          Error(p, "missing-field", "'when' is required: the condition");
          rule.root = Always();
        } else {
          rule.root = CompileCondition(j["when"], p + "/when", 1);
        }
        rule.actions.push_back(std::move(a));
        rule.acts_when_undecided = floor;
        out_->rules.push_back(std::move(rule));
      }
    }
  }

  // Consistency constraints between findings, from the vocabulary's "constraints" list.
  void CompileConstraints() {
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

 private:
  void Add(Diagnostic::Severity severity, const std::string& pointer, std::string id,
           std::string message) {
    diagnostics_->push_back(
        Diagnostic{severity, std::move(id), doc_.Locate(pointer), std::move(message)});
  }
  void Error(const std::string& pointer, std::string id, std::string message) {
    Add(Diagnostic::Severity::kError, pointer, std::move(id), std::move(message));
  }
  void Warning(const std::string& pointer, std::string id, std::string message) {
    Add(Diagnostic::Severity::kWarning, pointer, std::move(id), std::move(message));
  }

  void CheckKeys(const Json& object, const std::string& pointer,
                 const std::vector<std::string>& allowed) {
    CheckAllowedKeys(doc_, object, pointer, allowed, diagnostics_);
  }

  std::string RequireString(const Json& object, const std::string& pointer, const char* key) {
    if (!object.contains(key)) {
      Error(pointer, "missing-field", std::string("'") + key + "' is required here");
      return {};
    }
    if (!object[key].is_string() || object[key].get_ref<const std::string&>().empty()) {
      Error(pointer + "/" + key, "wrong-type",
            std::string("'") + key + "' must be a non-empty text");
      return {};
    }
    return object[key].get<std::string>();
  }

  std::string OptionalString(const Json& object, const std::string& pointer, const char* key) {
    if (!object.contains(key)) return {};
    if (!object[key].is_string()) {
      Error(pointer + "/" + key, "wrong-type", std::string("'") + key + "' must be a text");
      return {};
    }
    return object[key].get<std::string>();
  }

  bool WholeNumber(const Json& v, double lo, double hi) {
    if (!v.is_number()) return false;
    const double d = v.get<double>();
    return d == std::floor(d) && d >= lo && d <= hi;
  }

  void CompileAdvice(const Json& root) {
    if (!root.contains("advice")) return;
    if (!root["advice"].is_object()) {
      Error("/advice", "wrong-type", "'advice' must map advice codes to the text the client gets");
      return;
    }
    for (const auto& [code, text] : root["advice"].items()) {
      if (!text.is_string() || text.get_ref<const std::string&>().empty()) {
        Error("/advice/" + PointerToken(code), "wrong-type",
              "advice '" + code + "' needs its text as a non-empty string");
        continue;
      }
      out_->advice_texts[code] = text.get<std::string>();
      advice_codes_.push_back(code);
    }
  }

  void CompileClinic(const Json& root) {
    if (!root.contains("clinic")) return;
    const Json& c = root["clinic"];
    if (!c.is_object()) {
      Error("/clinic", "wrong-type", "'clinic' must be an object of clinic settings");
      return;
    }
    CheckKeys(c, "/clinic",
              {"session_minutes", "qualifications", "modality_minutes", "required_screen",
               "ask_before_treating"});
    if (c.contains("session_minutes")) {
      if (!WholeNumber(c["session_minutes"], 5, 480)) {
        Error("/clinic/session_minutes", "out-of-range",
              "session_minutes must be a whole number of minutes from 5 to 480");
      } else {
        out_->clinic.session_minutes = c["session_minutes"].get<uint32_t>();
      }
    }
    if (c.contains("qualifications")) {
      if (!c["qualifications"].is_array()) {
        Error("/clinic/qualifications", "wrong-type", "qualifications must be a list of texts");
      } else {
        for (size_t i = 0; i < c["qualifications"].size(); ++i) {
          const Json& q = c["qualifications"][i];
          if (!q.is_string()) {
            Error("/clinic/qualifications/" + std::to_string(i), "wrong-type",
                  "a qualification is a text");
          } else {
            out_->clinic.qualifications.push_back(q.get<std::string>());
          }
        }
      }
    }
    if (c.contains("modality_minutes")) {
      if (!c["modality_minutes"].is_object()) {
        Error("/clinic/modality_minutes", "wrong-type",
              "modality_minutes must map modality ids to minutes");
      } else {
        for (const auto& [id, minutes] : c["modality_minutes"].items()) {
          const std::string p = "/clinic/modality_minutes/" + PointerToken(id);
          CheckModality(id, p);
          if (!WholeNumber(minutes, 1, 480)) {
            Error(p, "out-of-range", "minutes must be a whole number from 1 to 480");
          } else {
            out_->clinic.modality_minutes[id] = minutes.get<uint32_t>();
          }
        }
      }
    }
    FindingList(c, "required_screen", &out_->clinic.required_screen);
    FindingList(c, "ask_before_treating", &out_->clinic.ask_before_treating);
  }

  void CompileProgress(const Json& root) {
    if (!root.contains("progress")) return;
    const Json& p = root["progress"];
    if (!p.is_object()) {
      Error("/progress", "wrong-type", "'progress' must be an object of progress settings");
      return;
    }
    CheckKeys(p, "/progress",
              {"pain", "baseline_pain", "pain_days", "sessions_completed",
               "minimal_important_change", "not_improved_advice"});
    ProgressSettings& out = out_->progress;
    out.enabled = true;
    out.pain = NumberFinding(p, "pain", true);
    out.baseline_pain = NumberFinding(p, "baseline_pain", true);
    out.pain_days = NumberFinding(p, "pain_days", false);
    out.sessions_completed = NumberFinding(p, "sessions_completed", true);
    if (p.contains("minimal_important_change")) {
      const Json& mic = p["minimal_important_change"];
      const std::string pointer = "/progress/minimal_important_change";
      if (!mic.is_object()) {
        Error(pointer, "wrong-type",
              "minimal_important_change must be an object such as {\"points\": 2, "
              "\"percent\": 30}");
      } else {
        CheckKeys(mic, pointer, {"points", "percent"});
        if (mic.contains("points")) {
          if (!mic["points"].is_number() || mic["points"].get<double>() <= 0) {
            Error(pointer + "/points", "out-of-range", "points must be a number above 0");
          } else {
            out.mic_points = mic["points"].get<double>();
          }
        }
        if (mic.contains("percent")) {
          if (!mic["percent"].is_number() || mic["percent"].get<double>() <= 0 ||
              mic["percent"].get<double>() > 100) {
            Error(pointer + "/percent", "out-of-range",
                  "percent must be a number above 0 and at most 100");
          } else {
            out.mic_percent = mic["percent"].get<double>();
          }
        }
      }
    }
    if (p.contains("not_improved_advice")) {
      const Json& a = p["not_improved_advice"];
      const std::string pointer = "/progress/not_improved_advice";
      if (!a.is_string()) {
        Error(pointer, "wrong-type", "not_improved_advice is an advice code, a text");
      } else if (out_->advice_texts.count(a.get<std::string>()) == 0) {
        Error(pointer, "unknown-advice",
              "'" + a.get<std::string>() + "' is not in this file's \"advice\"" +
                  DidYouMeanSuffix(a.get<std::string>(), advice_codes_));
      } else {
        out.not_improved_advice = a.get<std::string>();
      }
    }
  }

  // A progress setting that names a finding holding a number (a score, a count).
  SlotId NumberFinding(const Json& progress, const char* key, bool required) {
    const std::string pointer = std::string("/progress/") + key;
    if (!progress.contains(key)) {
      if (required) {
        Error(pointer, "missing-field",
              std::string("progress needs '") + key + "', the finding that holds it");
      }
      return kNoSlot;
    }
    const FindingDef* def = ResolveFinding(progress[key], pointer);
    if (def == nullptr) return kNoSlot;
    if (def->type != FindingType::kNumber && def->type != FindingType::kInteger) {
      Error(pointer, "wrong-type",
            "'" + def->code + "' is not a number finding; " + key + " needs a score or a count");
      return kNoSlot;
    }
    return def->slot;
  }

  void FindingList(const Json& clinic, const char* key, std::vector<SlotId>* out) {
    if (!clinic.contains(key)) return;
    const std::string pointer = std::string("/clinic/") + key;
    if (!clinic[key].is_array()) {
      Error(pointer, "wrong-type", std::string(key) + " must be a list of finding codes");
      return;
    }
    for (size_t i = 0; i < clinic[key].size(); ++i) {
      if (const FindingDef* def =
              ResolveFinding(clinic[key][i], pointer + "/" + std::to_string(i))) {
        out->push_back(def->slot);
      }
    }
  }

  const FindingDef* ResolveFinding(const Json& code, const std::string& pointer) {
    if (!code.is_string()) {
      Error(pointer, "wrong-type", "a finding code is a text, e.g. \"pain_nprs\"");
      return nullptr;
    }
    const auto& s = code.get_ref<const std::string&>();
    const FindingDef* def = vocab_.Find(s);
    if (def == nullptr) {
      Error(pointer, "unknown-finding",
            "'" + s + "' is not a finding in the vocabulary" + DidYouMeanSuffix(s, vocab_.codes()));
    }
    return def;
  }

  bool CheckModality(const std::string& id, const std::string& pointer) {
    if (modalities_.Find(id) != nullptr) return true;
    Warning(pointer, std::string(diagnostic_id::kUnknownModality),
            "no loaded plugin provides the modality '" + id + "'" +
                DidYouMeanSuffix(id, modalities_.ids()) + "; known: " + Quoted(modalities_.ids()));
    diagnostics_->back().consequence = ". Plans will show it as unavailable";
    return false;
  }

  SlotId RegionsFrom(const Json& v, const std::string& p) {
    if (!v.contains("regions_from")) return kNoSlot;
    const FindingDef* def = ResolveFinding(v["regions_from"], p + "/regions_from");
    if (def == nullptr) return kNoSlot;
    if (def->value_regions.empty()) {
      Error(p + "/regions_from", "no-regions",
            "'" + def->code +
                "' names no regions; give it \"regions\" in the vocabulary, or leave "
                "regions_from out to exclude the whole modality");
      return kNoSlot;
    }
    return def->slot;
  }

  struct ConstraintSide {
    uint32_t node = 0;
    Test test;
  };

  // One side of a constraint: a single test of equals, one_of or known on one finding.
  std::optional<ConstraintSide> Side(const Json& j, const std::string& pointer) {
    const size_t errors = diagnostics_->size();
    const uint32_t node = CompileCondition(j, pointer, 1);
    if (diagnostics_->size() != errors) return std::nullopt;
    const Node& n = out_->nodes[node];
    if (n.kind == Node::Kind::kTest) {
      const Test& t = out_->tests[n.first];
      if (t.op == Op::kEquals || t.op == Op::kOneOf || t.op == Op::kKnown) {
        return ConstraintSide{node, t};
      }
    }
    Error(pointer, "wrong-type",
          "a side of a constraint is one test of one finding: equals, one_of or known");
    return std::nullopt;
  }

  // The values a side says its finding has; what a reading that believes it assigns.
  std::vector<Assignment> Values(const ConstraintSide& side, const std::string& pointer) {
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
  Assignment Negated(const ConstraintSide& side) const {
    const FindingDef& def = vocab_.at(side.test.slot);
    if (side.test.op == Op::kEquals && def.type == FindingType::kBoolean) {
      return Assignment{side.test.slot, false, FindingValue{1 - side.test.a, 0}};
    }
    return Assignment{side.test.slot, true, FindingValue{}};
  }

  uint32_t AddNode(Node node) {
    out_->nodes.push_back(node);
    return static_cast<uint32_t>(out_->nodes.size() - 1);
  }

  uint32_t Always() { return AddNode(Node{Node::Kind::kAlways, 0, 0}); }

  // Identical tests are compiled once and shared between rules.
  uint32_t TestNode(const Test& t) {
    // The key is the test's fields byte for byte: equal tests, equal keys.
    char key[sizeof t.slot + sizeof t.op + sizeof t.a + sizeof t.b + sizeof t.mask];
    char* k = key;
    for (auto [field, size] : {std::pair<const void*, size_t>{&t.slot, sizeof t.slot},
                               {&t.op, sizeof t.op},
                               {&t.a, sizeof t.a},
                               {&t.b, sizeof t.b},
                               {&t.mask, sizeof t.mask}}) {
      std::memcpy(k, field, size);
      k += size;
    }
    auto [it, inserted] = test_nodes_.emplace(std::string(key, sizeof key), 0);
    if (inserted) {
      out_->tests.push_back(t);
      it->second =
          AddNode(Node{Node::Kind::kTest, static_cast<uint32_t>(out_->tests.size() - 1), 1});
    }
    return it->second;
  }

  // Identical groups (same kind, same members in any order) are one node, so a condition that
  // several rules repeat is evaluated once per evaluation and repeated rules can be recognised.
  uint32_t GroupNode(Node::Kind kind, const std::vector<uint32_t>& kids) {
    std::vector<uint32_t> members = kids;
    if (kind != Node::Kind::kNot) std::sort(members.begin(), members.end());
    std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
    for (uint32_t m : members) key += "," + std::to_string(m);
    auto [it, inserted] = group_nodes_.emplace(std::move(key), 0);
    if (inserted) {
      const uint32_t first = static_cast<uint32_t>(out_->children.size());
      out_->children.insert(out_->children.end(), kids.begin(), kids.end());
      it->second = AddNode(Node{kind, first, static_cast<uint32_t>(kids.size())});
    }
    return it->second;
  }

  uint32_t CompileCondition(const Json& j, const std::string& pointer, int depth) {
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

  uint32_t CompileTest(const Json& j, const std::string& pointer) {
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
              "'" + s + "' is not a value of '" + def->code + "'" +
                  DidYouMeanSuffix(s, def->values) + "; values: " + Quoted(def->values));
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

  std::optional<Urgency> ParseUrgency(const Json& v, const std::string& p) {
    static const std::vector<std::string> kNames = {"routine", "urgent", "emergency"};
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "routine") return Urgency::kRoutine;
      if (s == "urgent") return Urgency::kUrgent;
      if (s == "emergency") return Urgency::kEmergency;
      Error(p, "unknown-value",
            "'" + s + "' is not an urgency" + DidYouMeanSuffix(s, kNames) +
                "; use routine, urgent or emergency");
      return std::nullopt;
    }
    Error(p, "wrong-type", "urgency is one of routine, urgent, emergency");
    return std::nullopt;
  }

  void CompileAction(const Json& j, const std::string& pointer, Rule* rule) {
    static const std::vector<std::string> kKinds = {"refer", "exclude", "suggest", "advise"};
    if (!j.is_object() || j.size() != 1) {
      Error(pointer, "wrong-type",
            "each action is an object with one key: refer, exclude, suggest or advise");
      return;
    }
    const std::string kind = j.begin().key();
    const Json& v = j.begin().value();
    const std::string p = pointer + "/" + PointerToken(kind);
    Action a;
    if (kind == "refer") {
      a.kind = Action::Kind::kRefer;
      if (!v.is_object()) {
        Error(p, "wrong-type", "refer takes {\"urgency\": ..., \"reason\": ...}");
        return;
      }
      CheckKeys(v, p, {"urgency", "reason"});
      if (!v.contains("urgency")) {
        Error(p, "missing-field", "'urgency' is required here");
        return;
      }
      auto urgency = ParseUrgency(v["urgency"], p + "/urgency");
      if (!urgency) return;
      a.urgency = *urgency;
      a.reason = RequireString(v, p, "reason");
    } else if (kind == "exclude") {
      a.kind = Action::Kind::kExclude;
      if (!v.is_object()) {
        Error(p, "wrong-type", "exclude takes {\"modality\": ..., \"reason\": ...}");
        return;
      }
      CheckKeys(v, p, {"modality", "reason", "regions_from"});
      a.modality = RequireString(v, p, "modality");
      a.reason = RequireString(v, p, "reason");
      if (!a.modality.empty()) CheckModality(a.modality, p + "/modality");
      a.regions_from = RegionsFrom(v, p);
    } else if (kind == "suggest") {
      a.kind = Action::Kind::kSuggest;
      if (!v.is_object()) {
        Error(p, "wrong-type", "suggest takes {\"modality\": ..., \"targets\": [...]}");
        return;
      }
      CheckKeys(v, p, {"modality", "targets", "targets_from", "params", "priority"});
      a.modality = RequireString(v, p, "modality");
      std::shared_ptr<const Modality> plugin;
      if (!a.modality.empty() && CheckModality(a.modality, p + "/modality")) {
        plugin = modalities_.Find(a.modality);
      }
      if (v.contains("targets")) {
        if (!v["targets"].is_array()) {
          Error(p + "/targets", "wrong-type", "targets is a list of target names");
        } else {
          std::vector<std::string> known = vocab_.List("targets");
          if (plugin) {
            for (const auto& t : plugin->info().targets_allowed) {
              if (std::find(known.begin(), known.end(), t) == known.end()) known.push_back(t);
            }
          }
          for (size_t i = 0; i < v["targets"].size(); ++i) {
            const Json& t = v["targets"][i];
            const std::string tp = p + "/targets/" + std::to_string(i);
            if (!t.is_string()) {
              Error(tp, "wrong-type", "a target is a text");
            } else if (std::find(known.begin(), known.end(), t.get<std::string>()) == known.end()) {
              Error(tp, "unknown-target",
                    "'" + t.get<std::string>() + "' is not a known target" +
                        DidYouMeanSuffix(t.get<std::string>(), known));
            } else {
              a.targets.push_back(t.get<std::string>());
            }
          }
        }
      }
      if (v.contains("targets_from")) {
        const FindingDef* def = ResolveFinding(v["targets_from"], p + "/targets_from");
        if (def != nullptr && def->type != FindingType::kSet) {
          Error(p + "/targets_from", "type-mismatch",
                "targets_from needs a set finding such as trigger_points");
        } else if (def != nullptr) {
          a.targets_from = def->slot;
        }
      }
      if (v.contains("priority")) {
        if (!WholeNumber(v["priority"], -1000, 1000)) {
          Error(p + "/priority", "out-of-range", "priority is a whole number from -1000 to 1000");
        } else {
          a.priority = v["priority"].get<int32_t>();
        }
      }
      if (v.contains("params")) {
        if (!v["params"].is_object()) {
          Error(p + "/params", "wrong-type", "params is an object");
        } else {
          a.params_json = nlohmann::json(v["params"]).dump();
        }
      }
      if (plugin) {
        if (std::string problem = plugin->ValidateParams(a.params_json); !problem.empty()) {
          Error(p + "/params", "bad-params", a.modality + ": " + problem);
        }
      }
    } else if (kind == "advise") {
      a.kind = Action::Kind::kAdvise;
      std::string code;
      if (v.is_string()) {
        code = v.get<std::string>();
      } else if (v.is_object()) {
        CheckKeys(v, p, {"code", "also_when_referred"});
        code = RequireString(v, p, "code");
        if (v.contains("also_when_referred")) {
          if (!v["also_when_referred"].is_boolean()) {
            Error(p + "/also_when_referred", "wrong-type", "also_when_referred is true or false");
          } else {
            a.also_when_referred = v["also_when_referred"].get<bool>();
          }
        }
      } else {
        Error(p, "wrong-type", "advise takes an advice code, e.g. \"stay_active\"");
        return;
      }
      if (!code.empty() && out_->advice_texts.count(code) == 0) {
        Error(v.is_string() ? p : p + "/code", "unknown-advice",
              "no advice text for '" + code + "' in 'advice'" +
                  DidYouMeanSuffix(code, advice_codes_));
      }
      a.advice = code;
    } else {
      Error(p, "unknown-action",
            "'" + kind + "' is not an action" + DidYouMeanSuffix(kind, kKinds) +
                "; actions: refer, exclude, suggest, advise");
      return;
    }
    rule->actions.push_back(std::move(a));
  }

  void CompileRule(const Json& j, const std::string& pointer) {
    if (!j.is_object()) {
      Error(pointer, "wrong-type", "a rule is an object with id, description, source, when, then");
      return;
    }
    CheckKeys(j, pointer, {"id", "description", "source", "when", "then"});
    Rule rule;
    rule.pointer = pointer;
    rule.id = RequireString(j, pointer, "id");
    rule.description = RequireString(j, pointer, "description");
    rule.source = RequireString(j, pointer, "source");
    CheckUniqueId(rule.id, pointer + "/id");
    if (!j.contains("when")) {
      Error(pointer, "missing-field", "'when' is required: the condition for this rule");
      rule.root = Always();
    } else {
      rule.root = CompileCondition(j["when"], pointer + "/when", 1);
    }
    if (!j.contains("then") || !j["then"].is_array() || j["then"].empty()) {
      Error(j.contains("then") ? pointer + "/then" : pointer, "missing-field",
            "'then' must list at least one action");
    } else {
      for (size_t i = 0; i < j["then"].size(); ++i) {
        CompileAction(j["then"][i], pointer + "/then/" + std::to_string(i), &rule);
      }
    }
    rule.acts_when_undecided =
        std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
          return a.kind == Action::Kind::kRefer || a.kind == Action::Kind::kExclude;
        });
    out_->rules.push_back(std::move(rule));
  }

  void CompileCourseRule(const Json& j, const std::string& pointer) {
    static const std::vector<std::string> kFrequencies = {"twice_weekly", "weekly", "fortnightly",
                                                          "monthly"};
    if (!j.is_object()) {
      Error(pointer, "wrong-type",
            "a course rule is an object with id, description, source, "
            "when and course");
      return;
    }
    CheckKeys(j, pointer, {"id", "description", "source", "when", "course"});
    CourseRule rule;
    rule.pointer = pointer;
    rule.id = RequireString(j, pointer, "id");
    rule.description = RequireString(j, pointer, "description");
    rule.source = RequireString(j, pointer, "source");
    CheckUniqueId(rule.id, pointer + "/id");
    rule.root = j.contains("when") ? CompileCondition(j["when"], pointer + "/when", 1) : Always();
    const std::string p = pointer + "/course";
    if (!j.contains("course")) {
      Error(pointer, "missing-field", "'course' is required (or \"none\" for no course)");
    } else if (j["course"].is_string() && j["course"] == "none") {
      rule.course = std::nullopt;
    } else if (!j["course"].is_object()) {
      Error(p, "wrong-type",
            "course is an object with frequency, sessions_min, sessions_max, "
            "review_after_sessions, or \"none\"");
    } else {
      const Json& c = j["course"];
      CheckKeys(c, p, {"frequency", "sessions_min", "sessions_max", "review_after_sessions"});
      Course course;
      const std::string f = RequireString(c, p, "frequency");
      auto it = std::find(kFrequencies.begin(), kFrequencies.end(), f);
      if (!f.empty() && it == kFrequencies.end()) {
        Error(p + "/frequency", "unknown-value",
              "'" + f + "' is not a frequency" + DidYouMeanSuffix(f, kFrequencies) +
                  "; use twice_weekly, weekly, fortnightly or monthly");
      } else if (!f.empty()) {
        course.frequency = static_cast<Frequency>(it - kFrequencies.begin());
      }
      for (auto [key, field] :
           {std::pair{"sessions_min", &course.sessions_min},
            std::pair{"sessions_max", &course.sessions_max},
            std::pair{"review_after_sessions", &course.review_after_sessions}}) {
        if (!c.contains(key) || !WholeNumber(c[key], 1, 100)) {
          Error(c.contains(key) ? p + "/" + key : p, "out-of-range",
                std::string("'") + key + "' must be a whole number of sessions from 1 to 100");
        } else {
          *field = c[key].get<uint32_t>();
        }
      }
      if (course.sessions_min > course.sessions_max) {
        Error(p, "empty-range", "sessions_min is more than sessions_max");
      }
      rule.course = course;
    }
    out_->course_rules.push_back(std::move(rule));
  }

  void CheckUniqueId(const std::string& id, const std::string& pointer) {
    if (id.empty()) return;
    auto [it, inserted] = rule_ids_.emplace(id, pointer);
    if (!inserted) {
      const SourceLocation first = doc_.Locate(it->second);
      Error(pointer, "duplicate-rule-id",
            "rule id '" + id + "' is already used at line " + std::to_string(first.line) +
                "; rule ids must be unique");
    }
  }

  const JsonDocument& doc_;
  const ModalitySet& modalities_;
  const RuleLimits& limits_;
  std::vector<Diagnostic>* diagnostics_;
  CompiledRuleSet* out_;
  const Vocabulary& vocab_;
  std::vector<std::string> advice_codes_;
  std::unordered_map<std::string, uint32_t> test_nodes_;
  std::unordered_map<std::string, uint32_t> group_nodes_;
  std::unordered_map<std::string, std::string> rule_ids_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError("error reading '" + path + "'");
  return text.str();
}

// 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st.
std::string Ordinal(size_t n) {
  const size_t tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

// Opens each message about one rule with the rule's id and its place counted from 1 ("rule
// `exclude.dry-needling.pregnancy` (16th): ..."), as a therapist finds it in the file; the JSON
// pointer (counted from 0) stays for tools.
void NameRules(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics, size_t first) {
  for (size_t i = first; i < diagnostics->size(); ++i) {
    Diagnostic& d = (*diagnostics)[i];
    for (const char* list : {"rules", "course_rules"}) {
      const std::string prefix = std::string("/") + list + "/";
      if (d.where.pointer.rfind(prefix, 0) != 0) continue;
      const std::string rest = d.where.pointer.substr(prefix.size());
      const size_t digits = rest.find_first_not_of("0123456789");
      if (rest.empty() || digits == 0 || std::min(digits, rest.size()) > 9) continue;
      const size_t index = std::stoul(rest.substr(0, digits));
      const auto& root = doc.root();
      if (!root.is_object() || !root.contains(list) || !root[list].is_array() ||
          index >= root[list].size()) {
        continue;
      }
      const auto& rule = root[list][index];
      const std::string kind = list[0] == 'r' ? "rule" : "course rule";
      const std::string id = rule.is_object() && rule.contains("id") && rule["id"].is_string()
                                 ? " `" + rule["id"].get<std::string>() + "`"
                                 : "";
      d.message = kind + id + " (" + Ordinal(index + 1) + "): " + d.message;
    }
  }
}

// Findings a refer, exclude or caution tests, by slot.
std::set<SlotId> SafetyFindings(const CompiledRuleSet& rs) {
  std::set<SlotId> out;
  std::vector<uint32_t> stack;
  for (const Rule& rule : rs.rules) {
    const bool safety = std::any_of(rule.actions.begin(), rule.actions.end(), [](const Action& a) {
      return a.kind != Action::Kind::kSuggest && a.kind != Action::Kind::kAdvise;
    });
    if (safety) stack.push_back(rule.root);
  }
  while (!stack.empty()) {
    const Node& n = rs.nodes[stack.back()];
    stack.pop_back();
    if (n.kind == Node::Kind::kTest) {
      out.insert(rs.tests[n.first].slot);
    } else if (n.kind != Node::Kind::kAlways) {
      for (uint32_t i = 0; i < n.count; ++i) stack.push_back(rs.children[n.first + i]);
    }
  }
  return out;
}

// A finding named like a safety finding (pregnancy_trimester beside pregnant) is usually its detail
// or its counterpart; if no constraint links the two, a contradiction between them would be read
// the permissive way. Warn so the author declares one (or decides none applies).
void WarnUnlinkedSafetyFindings(const CompiledRuleSet& rs, const JsonDocument& vocabulary,
                                std::vector<Diagnostic>* diagnostics) {
  constexpr size_t kStem = 5;
  const Vocabulary& v = *rs.vocabulary;
  auto linked = [&](SlotId a, SlotId b) {
    return std::any_of(rs.constraints.begin(), rs.constraints.end(), [&](const Constraint& c) {
      return std::count(c.findings.begin(), c.findings.end(), a) &&
             std::count(c.findings.begin(), c.findings.end(), b);
    });
  };
  const std::set<SlotId> safety = SafetyFindings(rs);
  for (SlotId s : safety) {
    const std::string& code = v.at(s).code;
    for (SlotId o = 0; o < v.size(); ++o) {
      const std::string& other = v.at(o).code;
      // A pair of safety findings is reported once, from its first member.
      if (o == s || (safety.count(o) != 0 && o < s) || other.size() < kStem ||
          code.size() < kStem || other.compare(0, kStem, code, 0, kStem) != 0 || linked(s, o)) {
        continue;
      }
      diagnostics->push_back(Diagnostic{
          Diagnostic::Severity::kWarning, "unlinked-safety-finding",
          vocabulary.Locate("/findings/" + PointerToken(code)),
          "safety finding '" + code + "' and '" + other +
              "' look related but no constraint in the vocabulary links them; a record that "
              "contradicts itself across the two would not be caught (declare \"not_both\" or "
              "\"if\"/\"then\" in 'constraints')"});
    }
  }
}

// Everything manifest.schema.json says: the file names a vocabulary and a rule file, and may list
// golden-case files.
void CheckManifestShape(const JsonDocument& manifest, std::vector<Diagnostic>* diagnostics) {
  ShapeChecker s(manifest, diagnostics);
  const Json& root = manifest.root();
  if (!s.Object(root, "", "the manifest")) return;
  s.Keys(root, "", {"$schema", "vocabulary", "rules", "cases"});
  s.Required(root, "", {"vocabulary", "rules"});
  if (root.contains("$schema")) s.Text(root["$schema"], "/$schema", "$schema");
  for (const char* key : {"vocabulary", "rules"}) {
    if (root.contains(key)) s.Text(root[key], std::string("/") + key, key, 1);
  }
  if (root.contains("cases") && s.Array(root["cases"], "/cases", "cases")) {
    for (size_t i = 0; i < root["cases"].size(); ++i) {
      s.Text(root["cases"][i], "/cases/" + std::to_string(i), "cases", 1);
    }
  }
}

}  // namespace

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.ToString() + "\n";
  return out;
}

absl::StatusOr<RuleSource> ReadRuleSource(const std::string& directory,
                                          const std::string& manifest_name) {
  RuleSource source;
  source.manifest.path = directory + "/" + manifest_name;
  auto manifest_text = ReadFile(source.manifest.path);
  if (!manifest_text.ok()) return manifest_text.status();
  source.manifest.text = *std::move(manifest_text);

  std::vector<Diagnostic> diagnostics;
  JsonDocument manifest =
      JsonDocument::Parse(source.manifest.text, source.manifest.path, &diagnostics);
  if (!HasErrors(diagnostics)) CheckManifestShape(manifest, &diagnostics);
  if (HasErrors(diagnostics)) return absl::InvalidArgumentError(FormatDiagnostics(diagnostics));
  const Json& root = manifest.root();
  const std::string vocabulary = root["vocabulary"].get<std::string>();
  const std::string rules = root["rules"].get<std::string>();
  std::vector<std::string> cases;
  for (const auto& c : root.value("cases", Json::array())) cases.push_back(c.get<std::string>());

  for (auto [file, rel] :
       {std::pair{&source.vocabulary, vocabulary}, std::pair{&source.rules, rules}}) {
    file->path = directory + "/" + rel;
    auto text = ReadFile(file->path);
    if (!text.ok()) return text.status();
    file->text = *std::move(text);
  }
  for (const std::string& rel : cases) {
    RuleSource::File file{directory + "/" + rel, {}};
    auto text = ReadFile(file.path);
    if (!text.ok()) return text.status();
    file.text = *std::move(text);
    source.cases.push_back(std::move(file));
  }
  return source;
}

namespace {
constexpr std::string_view kCanonicalVocabulary = "vocabulary:";
constexpr std::string_view kCanonicalRules = "\nrules:";
}  // namespace

absl::StatusOr<RuleSource> RuleSourceFromCanonical(const std::string& canonical_source,
                                                   const std::string& label) {
  // Canonical JSON has no raw newline, so the first "\nrules:" is the separator.
  const size_t rules_at = canonical_source.find(kCanonicalRules);
  if (!canonical_source.starts_with(kCanonicalVocabulary) || rules_at == std::string::npos) {
    return absl::DataLossError(label + " is not a stored rule set's canonical form");
  }
  RuleSource source;
  source.manifest.path = label;
  source.vocabulary = {
      label + " (vocabulary)",
      canonical_source.substr(kCanonicalVocabulary.size(), rules_at - kCanonicalVocabulary.size())};
  source.rules = {label + " (rules)", canonical_source.substr(rules_at + kCanonicalRules.size())};
  return source;
}

std::shared_ptr<const CompiledRuleSet> CompileRuleSet(const RuleSource& source,
                                                      const ModalitySet& modalities,
                                                      std::vector<Diagnostic>* diagnostics,
                                                      const RuleLimits& limits) {
  const size_t first_new = diagnostics->size();
  auto has_new_errors = [&] {
    return std::any_of(
        diagnostics->begin() + static_cast<std::ptrdiff_t>(first_new), diagnostics->end(),
        [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; });
  };
  const JsonLimits json_limits{limits.max_file_bytes, limits.max_json_depth};
  JsonDocument vocab_doc =
      JsonDocument::Parse(source.vocabulary.text, source.vocabulary.path, diagnostics, json_limits);
  JsonDocument rules_doc =
      JsonDocument::Parse(source.rules.text, source.rules.path, diagnostics, json_limits);
  if (has_new_errors()) return nullptr;

  auto rule_set = std::make_shared<CompiledRuleSet>();
  rule_set->vocabulary = Vocabulary::FromDocument(vocab_doc, modalities.ids(), diagnostics);
  if (rule_set->vocabulary == nullptr || has_new_errors()) return nullptr;

  const size_t first_rule_diagnostic = diagnostics->size();
  RuleCompiler(rules_doc, modalities, limits, diagnostics, rule_set.get()).Compile();
  if (has_new_errors()) {
    NameRules(rules_doc, diagnostics, first_rule_diagnostic);
    return nullptr;
  }
  // Warnings that need the whole compiled set (never-firing and repeated rules). They run only
  // on an error-free set: a rule with an error has a placeholder condition that would mislead.
  AnalyseRules(*rule_set, rules_doc, diagnostics);
  NameRules(rules_doc, diagnostics, first_rule_diagnostic);

  // Modalities the rules can suggest: their safety declarations must compile against this
  // vocabulary, since a floor that cannot be evaluated would be a floor silently not applied.
  std::set<std::string> suggested;
  for (const Rule& rule : rule_set->rules) {
    for (const Action& a : rule.actions) {
      if (a.kind == Action::Kind::kSuggest) suggested.insert(a.modality);
    }
  }
  RuleCompiler(vocab_doc, modalities, limits, diagnostics, rule_set.get()).CompileConstraints();
  for (const auto& modality : modalities.modalities()) {
    const ModalityInfo& info = modality->info();
    const bool used = suggested.count(info.id) != 0;
    BoundModality bound;
    bound.modality = modality;
    std::vector<std::string> unresolved;
    bound.slots = modality->Bind(*rule_set->vocabulary, &unresolved);
    for (const std::string& code : unresolved) {
      const bool required = std::find(info.required_known.begin(), info.required_known.end(),
                                      code) != info.required_known.end();
      // A required-known finding the vocabulary lacks could never be known: the modality would
      // vanish from every plan with no exclusion and no question. Refuse the rule set instead.
      diagnostics->push_back(Diagnostic{
          required && used ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning,
          required ? "plugin-requires-unknown-finding" : "plugin-reads-unknown-finding",
          SourceLocation{info.path, 0, 0, ""},
          "plugin " + info.id + (required ? " must know '" : " reads '") + code +
              "', which is not in the vocabulary" +
              (required ? "; add it to the vocabulary, or the modality could never be suggested"
                        : "; it will always be unknown")});
    }
    for (const std::string& code : info.required_known) {
      const FindingDef* def = rule_set->vocabulary->Find(code);
      bound.required_known.push_back(def == nullptr ? kNoSlot : def->slot);
    }
    if (used && !info.safety_json.empty()) {
      JsonDocument safety = JsonDocument::Parse(info.safety_json, info.path + " (safety_json)",
                                                diagnostics, json_limits);
      if (!has_new_errors()) {
        RuleCompiler(safety, modalities, limits, diagnostics, rule_set.get())
            .CompilePluginSafety(info.id);
      }
    }
    rule_set->modalities.emplace(info.id, std::move(bound));
  }
  if (has_new_errors()) return nullptr;
  WarnUnlinkedSafetyFindings(*rule_set, vocab_doc, diagnostics);
  BuildIndex(rule_set.get());

  // Canonical form: keys sorted, no whitespace; independent of formatting and key order.
  const std::string canonical = std::string(kCanonicalVocabulary) +
                                CanonicalJson(vocab_doc.root()) + std::string(kCanonicalRules) +
                                CanonicalJson(rules_doc.root());
  rule_set->sha256 = Sha256Hex(canonical);
  rule_set->canonical_source = canonical;
  return rule_set;
}

}  // namespace modalis
