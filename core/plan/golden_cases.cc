#include "core/plan/golden_cases.h"

#include <algorithm>
#include <cmath>

#include "core/common/file_shape.h"
#include "core/common/json_document.h"
#include "core/plan/planner.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

std::string Join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& s : items) out += (out.size() > 1 ? ", " : "") + s;
  return out + "]";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> Strings(const Json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& v : j) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

const PlanStep* FindStep(const Plan& plan, const std::string& modality) {
  for (const PlanStep& s : plan.steps) {
    if (s.modality == modality) return &s;
  }
  return nullptr;
}

// Modalities an expectation names, so a case can be skipped when one has no plugin.
std::vector<std::string> NamedModalities(const Json& expect) {
  std::vector<std::string> out;
  for (const char* key : {"steps", "steps_include", "steps_in_order"}) {
    if (expect.contains(key)) {
      for (auto& m : Strings(expect[key])) out.push_back(m);
    }
  }
  for (const char* key : {"targets", "pressure", "cautions_include", "cautions_exclude"}) {
    if (expect.contains(key) && expect[key].is_object()) {
      for (const auto& [m, v] : expect[key].items()) out.push_back(m);
    }
  }
  return out;
}

// cases.schema.json, from the whole file down to each expectation: a file the schema refuses is
// refused before any case runs, with the same reason.
void CheckCourseShape(ShapeChecker& s, const Json& course, const std::string& pointer) {
  if (course.is_string()) {
    s.OneOf(course, pointer, "course", {"none"});
    return;
  }
  if (!course.is_object()) {
    s.Error(pointer, "wrong-type", "'course' is \"none\" or an object describing the course");
    return;
  }
  s.Keys(course, pointer, {"frequency", "sessions_min", "sessions_max", "review_after_sessions"});
  if (course.contains("frequency")) {
    s.OneOf(course["frequency"], pointer + "/frequency", "frequency",
            {"twice_weekly", "weekly", "fortnightly", "monthly"});
  }
  for (const char* key : {"sessions_min", "sessions_max", "review_after_sessions"}) {
    if (course.contains(key)) s.WholeNumber(course[key], pointer + "/" + key, key, 1, INT64_MAX);
  }
}

// An object from modality codes to something checked by `check`.
template <typename Check>
void CheckByModality(ShapeChecker& s, const Json& e, const std::string& pointer, const char* key,
                     Check check) {
  if (!e.contains(key) || !s.Object(e[key], pointer + "/" + key, key)) return;
  s.CodeKeys(e[key], pointer + "/" + key, key);
  for (const auto& [modality, value] : e[key].items()) {
    check(value, pointer + "/" + key + "/" + PointerToken(modality));
  }
}

void CheckExpectShape(ShapeChecker& s, const Json& e, const std::string& pointer) {
  static const std::vector<std::string> kCodeLists = {
      "steps",    "steps_in_order", "steps_include",  "steps_exclude",
      "excluded", "advice_include", "advice_exclude", "missing_include"};
  std::vector<std::string> keys = {"status", "referral",         "targets",         "pressure",
                                   "course", "cautions_include", "cautions_exclude"};
  keys.insert(keys.end(), kCodeLists.begin(), kCodeLists.end());
  s.Keys(e, pointer, keys);
  if (e.contains("status")) {
    s.OneOf(e["status"], pointer + "/status", "status",
            {"COMPLETE", "PROVISIONAL", "SCREEN_REQUIRED", "REFERRED"});
  }
  if (e.contains("referral")) {
    s.OneOf(e["referral"], pointer + "/referral", "referral",
            {"NONE", "ROUTINE", "URGENT", "EMERGENCY"});
  }
  for (const std::string& key : kCodeLists) {
    if (e.contains(key)) s.TextList(e[key], pointer + "/" + key, key, /*codes=*/true);
  }
  CheckByModality(s, e, pointer, "targets", [&](const Json& v, const std::string& p) {
    s.TextList(v, p, "targets", /*codes=*/true);
  });
  CheckByModality(s, e, pointer, "pressure", [&](const Json& v, const std::string& p) {
    s.OneOf(v, p, "pressure", {"light", "moderate", "deep"});
  });
  for (const char* key : {"cautions_include", "cautions_exclude"}) {
    CheckByModality(s, e, pointer, key, [&](const Json& v, const std::string& p) {
      s.TextList(v, p, key, /*codes=*/false);
    });
  }
  if (e.contains("course")) CheckCourseShape(s, e["course"], pointer + "/course");
}

void CheckRequestShape(ShapeChecker& s, const Json& r, const std::string& pointer) {
  if (!s.Object(r, pointer, "request")) return;
  s.Keys(r, pointer, {"session_minutes", "practitioner"});
  if (r.contains("session_minutes")) {
    s.WholeNumber(r["session_minutes"], pointer + "/session_minutes", "session_minutes", 5, 480);
  }
  const std::string p = pointer + "/practitioner";
  if (r.contains("practitioner") && s.Object(r["practitioner"], p, "practitioner")) {
    s.Keys(r["practitioner"], p, {"qualifications"});
    if (r["practitioner"].contains("qualifications")) {
      s.TextList(r["practitioner"]["qualifications"], p + "/qualifications", "qualifications",
                 /*codes=*/false);
    }
  }
}

void CheckCaseShape(ShapeChecker& s, const Json& c, const std::string& pointer) {
  if (!s.Object(c, pointer, "case")) return;
  s.Keys(c, pointer, {"id", "description", "source", "findings", "request", "expect"});
  s.Required(c, pointer, {"id", "findings", "expect"});
  if (c.contains("id")) s.Text(c["id"], pointer + "/id", "id", 1);
  for (const char* key : {"description", "source"}) {
    if (c.contains(key)) s.Text(c[key], pointer + "/" + key, key);
  }
  if (c.contains("findings") && s.Object(c["findings"], pointer + "/findings", "findings")) {
    s.CodeKeys(c["findings"], pointer + "/findings", "findings");
  }
  if (c.contains("request")) CheckRequestShape(s, c["request"], pointer + "/request");
  if (c.contains("expect") && s.Object(c["expect"], pointer + "/expect", "expect")) {
    CheckExpectShape(s, c["expect"], pointer + "/expect");
  }
}

bool CheckCaseFileShape(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics) {
  ShapeChecker s(doc, diagnostics);
  const Json& root = doc.root();
  if (!s.Object(root, "", "a golden-case file")) return false;
  s.Keys(root, "", {"$schema", "description", "cases"});
  s.Required(root, "", {"cases"});
  for (const char* key : {"$schema", "description"}) {
    if (root.contains(key)) s.Text(root[key], std::string("/") + key, key);
  }
  if (root.contains("cases") && s.Array(root["cases"], "/cases", "cases")) {
    if (root["cases"].empty()) s.Error("/cases", "missing-field", "'cases' lists no case");
    for (size_t i = 0; i < root["cases"].size(); ++i) {
      CheckCaseShape(s, root["cases"][i], "/cases/" + std::to_string(i));
    }
  }
  return s.ok();
}

class CaseChecker {
 public:
  CaseChecker(const Plan& plan, std::vector<std::string>* failures)
      : plan_(plan), failures_(failures) {}

  void Check(const Json& e) {
    if (e.contains("status")) {
      Expect("status", e["status"].get<std::string>(), std::string(PlanStatusName(plan_.status)));
    }
    if (e.contains("referral")) {
      Expect("referral", e["referral"].get<std::string>(),
             std::string(UrgencyName(plan_.referral.urgency)));
    }
    std::vector<std::string> steps;
    for (const PlanStep& s : plan_.steps) steps.push_back(s.modality);
    // "steps" is the exact list (opt-in); "steps_in_order" says these steps are there, in this
    // order, whatever else a newly installed modality adds around them.
    if (e.contains("steps")) Expect("steps", Join(Strings(e["steps"])), Join(steps));
    if (e.contains("steps_in_order")) {
      std::vector<std::string> seen;
      for (const std::string& s : steps) {
        const auto wanted = Strings(e["steps_in_order"]);
        if (std::find(wanted.begin(), wanted.end(), s) != wanted.end()) seen.push_back(s);
      }
      Expect("steps in order", Join(Strings(e["steps_in_order"])), Join(seen));
    }
    Includes("steps_include", e, steps, true);
    Includes("steps_exclude", e, steps, false);
    if (e.contains("targets")) {
      for (const auto& [modality, targets] : e["targets"].items()) {
        const PlanStep* s = FindStep(plan_, modality);
        Expect("targets of " + modality, Join(Strings(targets)),
               s == nullptr ? "no such step" : Join(s->targets));
      }
    }
    if (e.contains("pressure")) {
      for (const auto& [modality, pressure] : e["pressure"].items()) {
        const PlanStep* s = FindStep(plan_, modality);
        Expect("pressure of " + modality, pressure.get<std::string>(),
               s == nullptr ? "no such step" : s->pressure);
      }
    }
    std::vector<std::string> excluded;
    for (const Exclusion& x : plan_.exclusions) excluded.push_back(x.modality);
    Includes("excluded", e, excluded, true);
    std::vector<std::string> advice;
    for (const AdviceItem& a : plan_.advice) advice.push_back(a.code);
    Includes("advice_include", e, advice, true);
    Includes("advice_exclude", e, advice, false);
    if (e.contains("course")) CheckCourse(e["course"]);
    std::vector<std::string> missing;
    for (const MissingFinding& m : plan_.missing_findings) missing.push_back(m.code);
    Includes("missing_include", e, missing, true);
    Cautions("cautions_include", e, true);
    Cautions("cautions_exclude", e, false);
  }

 private:
  void Expect(const std::string& what, const std::string& expected, const std::string& actual) {
    if (expected != actual) {
      failures_->push_back(what + ": expected " + expected + ", got " + actual);
    }
  }

  void Includes(const char* key, const Json& e, const std::vector<std::string>& actual,
                bool present) {
    if (!e.contains(key)) return;
    for (const std::string& item : Strings(e[key])) {
      const bool found = std::find(actual.begin(), actual.end(), item) != actual.end();
      if (found != present) {
        failures_->push_back(std::string(key) + ": " + item + (present ? " missing" : " present") +
                             " in " + Join(actual));
      }
    }
  }

  // Cautions of a modality's step that mention (or, for cautions_exclude, do not mention) each
  // text. An expected caution on a step that is not there fails; an excluded one passes.
  void Cautions(const char* key, const Json& e, bool present) {
    if (!e.contains(key)) return;
    for (const auto& [modality, wanted] : e[key].items()) {
      const PlanStep* s = FindStep(plan_, modality);
      for (const std::string& text : Strings(wanted)) {
        const bool found = s != nullptr && std::any_of(s->cautions.begin(), s->cautions.end(),
                                                       [&](const std::string& c) {
                                                         return c.find(text) != std::string::npos;
                                                       });
        if (present && !found) {
          failures_->push_back("cautions of " + modality + ": expected one mentioning '" + text +
                               "', got " + (s == nullptr ? "no such step" : Join(s->cautions)));
        } else if (!present && found) {
          failures_->push_back("cautions of " + modality + ": expected none mentioning '" + text +
                               "', got " + Join(s->cautions));
        }
      }
    }
  }

  void CheckCourse(const Json& c) {
    if (c.is_string()) {
      Expect("course", c.get<std::string>(), plan_.course ? "a course" : "none");
      return;
    }
    if (!plan_.course) {
      failures_->push_back("course: expected " + Json(c).dump() + ", got none");
      return;
    }
    if (c.contains("frequency")) {
      Expect("course frequency", c["frequency"].get<std::string>(),
             Lower(FrequencyName(plan_.course->frequency)));
    }
    for (auto [key, value] :
         {std::pair{"sessions_min", plan_.course->sessions_min},
          std::pair{"sessions_max", plan_.course->sessions_max},
          std::pair{"review_after_sessions", plan_.course->review_after_sessions}}) {
      if (c.contains(key)) {
        Expect(std::string("course ") + key, c[key].dump(), std::to_string(value));
      }
    }
  }

  const Plan& plan_;
  std::vector<std::string>* failures_;
};

void RunFile(const CompiledRuleSet& rules, const RuleSource::File& file, GoldenReport* report) {
  JsonDocument doc = JsonDocument::Parse(file.text, file.path, &report->diagnostics);
  if (HasErrors(report->diagnostics)) return;
  const Json& root = doc.root();
  auto error = [&](const std::string& pointer, const std::string& message) {
    report->diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::kError, "bad-case-file", doc.Locate(pointer), message});
  };
  if (!CheckCaseFileShape(doc, &report->diagnostics)) return;
  std::vector<std::string> seen;
  for (size_t i = 0; i < root["cases"].size(); ++i) {
    const Json& c = root["cases"][i];
    const std::string pointer = "/cases/" + std::to_string(i);
    GoldenCaseResult result;
    result.id = c["id"].get<std::string>();
    result.description = c.value("description", "");
    result.where = doc.Locate(pointer);
    if (std::find(seen.begin(), seen.end(), result.id) != seen.end()) {
      error(pointer + "/id", "case id '" + result.id + "' is used twice");
      continue;
    }
    seen.push_back(result.id);

    for (const std::string& m : NamedModalities(c["expect"])) {
      if (rules.modalities.count(m) == 0) {
        result.outcome = GoldenCaseResult::Outcome::kSkipped;
        result.details.push_back("needs modality '" + m + "', which no loaded plugin provides");
      }
    }
    if (result.outcome == GoldenCaseResult::Outcome::kSkipped) {
      report->cases.push_back(std::move(result));
      continue;
    }

    PlanRequest request;
    if (c.contains("request")) {
      const Json& r = c["request"];
      if (r.contains("session_minutes")) {
        request.session_minutes = static_cast<uint32_t>(r["session_minutes"].get<double>());
      }
      if (r.contains("practitioner")) {
        request.qualifications = Strings(r["practitioner"].value("qualifications", Json::array()));
      }
    }
    auto plan = PlanForFindings(rules, nlohmann::json(c["findings"]), request);
    if (!plan.ok()) {
      result.outcome = GoldenCaseResult::Outcome::kFailed;
      result.details.push_back("findings rejected: " + std::string(plan.status().message()));
    } else {
      // The expectations are read as the checker goes; one of the wrong JSON type (a number
      // where a text belongs) would otherwise throw out of the reload, the dry run or the
      // server's start. It is the case file's error, reported at the case.
      try {
        CaseChecker(*plan, &result.details).Check(c["expect"]);
      } catch (const nlohmann::json::exception& e) {
        error(pointer + "/expect",
              "an expectation has the wrong type (texts, lists and objects as in "
              "rules/schema/cases.schema.json): " +
                  std::string(e.what()).substr(std::string(e.what()).find(']') + 2));
        continue;
      }
      if (!result.details.empty()) result.outcome = GoldenCaseResult::Outcome::kFailed;
      result.plan = *std::move(plan);
    }
    report->cases.push_back(std::move(result));
  }
}

size_t Count(const GoldenReport& r, GoldenCaseResult::Outcome outcome) {
  return static_cast<size_t>(std::count_if(r.cases.begin(), r.cases.end(),
                                           [&](const auto& c) { return c.outcome == outcome; }));
}

}  // namespace

size_t GoldenReport::passed() const { return Count(*this, GoldenCaseResult::Outcome::kPassed); }
size_t GoldenReport::failed() const { return Count(*this, GoldenCaseResult::Outcome::kFailed); }
size_t GoldenReport::skipped() const { return Count(*this, GoldenCaseResult::Outcome::kSkipped); }
bool GoldenReport::ok() const { return failed() == 0 && !HasErrors(diagnostics); }

GoldenReport RunGoldenCases(const CompiledRuleSet& rules,
                            const std::vector<RuleSource::File>& files) {
  GoldenReport report;
  for (const RuleSource::File& file : files) RunFile(rules, file, &report);
  return report;
}

std::string FormatGoldenReport(const GoldenReport& report, bool verbose) {
  std::string out;
  for (const Diagnostic& d : report.diagnostics) out += d.ToString() + "\n";
  for (const GoldenCaseResult& c : report.cases) {
    const char* label = c.outcome == GoldenCaseResult::Outcome::kFailed    ? "FAIL"
                        : c.outcome == GoldenCaseResult::Outcome::kSkipped ? "SKIP"
                                                                           : "ok  ";
    if (c.outcome == GoldenCaseResult::Outcome::kPassed && !verbose) continue;
    out += std::string(label) + " " + c.id + " (" + c.where.file + ":" +
           std::to_string(c.where.line) + ")" +
           (c.description.empty() ? "" : ": " + c.description) + "\n";
    for (const std::string& d : c.details) out += "       " + d + "\n";
  }
  out += std::to_string(report.passed()) + " passed, " + std::to_string(report.failed()) +
         " failed, " + std::to_string(report.skipped()) + " skipped\n";
  return out;
}

}  // namespace modalis
