#include "core/plan/golden_cases.h"

#include <algorithm>
#include <cmath>

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
  if (!root.is_object() || !root.contains("cases") || !root["cases"].is_array()) {
    error("", "a golden-case file is an object with a \"cases\" list");
    return;
  }
  std::vector<std::string> seen;
  for (size_t i = 0; i < root["cases"].size(); ++i) {
    const Json& c = root["cases"][i];
    const std::string pointer = "/cases/" + std::to_string(i);
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string() || !c.contains("findings") ||
        !c.contains("expect") || !c["expect"].is_object()) {
      error(pointer, "a case needs an \"id\", \"findings\" and an \"expect\" object");
      continue;
    }
    if (c.contains("description") && !c["description"].is_string()) {
      error(pointer + "/description", "a case's \"description\" is a text");
      continue;
    }
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
      const Json& minutes = r.is_object() ? r.value("session_minutes", Json(60)) : Json();
      if (!minutes.is_number() || minutes.get<double>() != std::floor(minutes.get<double>()) ||
          minutes.get<double>() < 5 || minutes.get<double>() > 480) {
        error(pointer + "/request",
              "a case's \"request\" is an object; its session_minutes a whole number from 5 "
              "to 480");
        continue;
      }
      const Json& practitioner = r.value("practitioner", Json::object());
      if (!practitioner.is_object() ||
          !practitioner.value("qualifications", Json::array()).is_array()) {
        error(pointer + "/request/practitioner",
              "practitioner is an object with a \"qualifications\" list");
        continue;
      }
      if (r.contains("session_minutes")) request.session_minutes = minutes.get<uint32_t>();
      if (r.contains("practitioner")) {
        request.qualifications = Strings(practitioner.value("qualifications", Json::array()));
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
