// modalis explain: why each referral, step, exclusion, piece of advice and course is in the plan
// for a findings file: the rule (id, description, source) and the findings that decided it, with
// their values; and which findings are missing for the rules left undecided.
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/rule_candidate.h"
#include "core/engine.h"

namespace modalis::cli {
namespace {

std::string Join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

class Explainer {
 public:
  Explainer(const Plan& plan, const CompiledRuleSet& rules, nlohmann::json values)
      : plan_(plan), rules_(rules), values_(std::move(values)) {}

  std::string Run() {
    out_ << "Plan: " << PlanStatusName(plan_.status) << " under rules " << plan_.rule_set.id << " "
         << plan_.rule_set.version << " (sha256 " << plan_.rule_set.sha256.substr(0, 12) << ")\n";
    if (plan_.referral.urgency != Urgency::kNone) {
      out_ << "\nReferral " << UrgencyName(plan_.referral.urgency) << ": "
           << Join(plan_.referral.reasons, "; ") << "\n";
      for (const std::string& id : plan_.referral.rule_ids) Rule(id, "  ");
    }
    if (!plan_.steps.empty()) out_ << "\nSteps:\n";
    for (size_t i = 0; i < plan_.steps.size(); ++i) {
      const PlanStep& s = plan_.steps[i];
      out_ << "  " << i + 1 << ". " << s.modality;
      if (!s.targets.empty()) out_ << " on " << Join(s.targets);
      out_ << "\n";
      for (const std::string& id : s.rule_ids) Rule(id, "     ");
      for (const std::string& c : s.cautions) out_ << "     caution: " << c << "\n";
    }
    if (!plan_.exclusions.empty()) out_ << "\nNot suggested:\n";
    for (const Exclusion& e : plan_.exclusions) {
      out_ << "  - " << e.modality << ": " << e.reason << "\n";
      if (Find(e.source) != nullptr) {
        Rule(e.source, "     ");
      } else {
        out_ << "     by " << (e.source.rfind("plugin:", 0) == 0 ? "the safety screen of " : "")
             << e.source << "\n";
        if (!e.findings.empty()) out_ << "     on " << Values(e.findings) << "\n";
      }
    }
    Advice();
    Course();
    Undecided();
    return out_.str();
  }

 private:
  const FiredRule* Find(const std::string& rule_id) const {
    for (const FiredRule& f : plan_.explanation) {
      if (f.rule_id == rule_id) return &f;
    }
    return nullptr;
  }

  std::string Values(const std::vector<std::string>& codes) const {
    std::vector<std::string> parts;
    for (const std::string& code : codes) {
      std::string value = "not recorded";
      if (values_.contains(code)) {
        const nlohmann::json& v = values_[code];
        // 9 rather than 9.0: whole numbers as the therapist wrote them.
        const bool whole = v.is_number_float() && v.get<double>() == std::floor(v.get<double>());
        value = whole ? std::to_string(v.get<int64_t>()) : v.dump();
      }
      parts.push_back(code + " = " + value);
    }
    return Join(parts);
  }

  void Rule(const std::string& id, const std::string& indent) {
    const FiredRule* f = Find(id);
    if (f == nullptr) {
      out_ << indent << "rule " << id << "\n";
      return;
    }
    out_ << indent << "rule " << f->rule_id << ": " << f->description << "\n"
         << indent << "  source: " << f->source << "\n";
    if (!f->findings.empty()) out_ << indent << "  because " << Values(f->findings) << "\n";
  }

  // Advice comes from fired rules with an advise action for that code.
  void Advice() {
    if (plan_.advice.empty()) return;
    out_ << "\nAdvice:\n";
    for (const AdviceItem& a : plan_.advice) {
      out_ << "  - " << a.code << "\n";
      for (const modalis::Rule& rule : rules_.rules) {
        if (Find(rule.id) == nullptr || Find(rule.id)->outcome != "fired") continue;
        for (const Action& action : rule.actions) {
          if (action.kind == Action::Kind::kAdvise && action.advice == a.code) {
            Rule(rule.id, "     ");
            break;
          }
        }
      }
    }
  }

  void Course() {
    for (const CourseRule& c : rules_.course_rules) {
      if (Find(c.id) == nullptr) continue;
      out_ << "\nCourse: ";
      if (plan_.course) {
        out_ << FrequencyName(plan_.course->frequency) << ", " << plan_.course->sessions_min << "-"
             << plan_.course->sessions_max << " sessions\n";
      } else {
        out_ << "none to book\n";
      }
      Rule(c.id, "  ");
    }
  }

  void Undecided() {
    bool any = false;
    for (const FiredRule& f : plan_.explanation) {
      if (f.outcome != "undecided") continue;
      if (!any) out_ << "\nUndecided (ask before treating):\n";
      any = true;
      out_ << "  - rule " << f.rule_id << ": " << f.description << "\n"
           << "     needs " << Join(f.findings) << "\n";
    }
  }

  const Plan& plan_;
  const CompiledRuleSet& rules_;
  nlohmann::json values_;
  std::ostringstream out_;
};

int Explain(const Common& common, const std::string& file) {
  FindingsFile input;
  if (!ReadFindingsFile(file, &input)) return 1;
  const nlohmann::json& findings = input.findings;
  const PlanRequest& request = input.request;
  auto engine = EngineForReading(common);
  if (engine == nullptr) return 1;
  auto plan = engine->Suggest(findings, request);
  if (!plan.ok()) {
    std::cerr << "modalis: " << plan.status().message() << "\n";
    return 1;
  }
  auto rules = engine->rules();
  // The values as the engine read them (after decoding), not as the file spelt them.
  auto decoded = DecodeFindings(findings, rules->vocabulary);
  std::cout << Explainer(*plan, *rules, decoded.ok() ? decoded->ToJson() : findings).Run();
  return 0;
}

}  // namespace

void AddExplainCommands(CLI::App& app, Common* common, Runner* run) {
  auto file = std::make_shared<std::string>();
  CLI::App* explain = app.add_subcommand(
      "explain",
      "why each referral, step, exclusion and advice is in the plan for a findings file");
  AddCommonOptions(explain, common);
  explain->add_option("FILE", *file, "findings JSON file (or a request with \"findings\")")
      ->required();
  explain->callback([=] { *run = [=] { return Explain(*common, *file); }; });
}

}  // namespace modalis::cli
