#include "core/rules/rule_compiler.h"

#include <algorithm>
#include <cmath>

#include "core/common/did_you_mean.h"

namespace modalis {

// A plugin's declared floors and cautions (its manifest's safety_json), compiled into rules of
// their own: so they are evaluated, explained and asked about exactly like rule exclusions.
void RuleCompiler::CompilePluginSafety(const std::string& modality) {
  const Json& root = doc_.root();
  if (!root.is_object()) {
    Error("", "wrong-type", "a plugin's safety declaration is an object with floors and cautions");
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
      out_->rules.push_back(std::move(rule));
    }
  }
}

std::optional<Urgency> RuleCompiler::ParseUrgency(const Json& v, const std::string& p) {
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

void RuleCompiler::CompileAction(const Json& j, const std::string& pointer, Rule* rule) {
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
      Error(
          v.is_string() ? p : p + "/code", "unknown-advice",
          "no advice text for '" + code + "' in 'advice'" + DidYouMeanSuffix(code, advice_codes_));
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

void RuleCompiler::CompileRule(const Json& j, const std::string& pointer) {
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
  out_->rules.push_back(std::move(rule));
}

void RuleCompiler::CompileCourseRule(const Json& j, const std::string& pointer) {
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
    for (auto [key, field] : {std::pair{"sessions_min", &course.sessions_min},
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

}  // namespace modalis
