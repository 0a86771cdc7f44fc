#include "tests/safety/oracle.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace modalis::safety {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("safety table: " + what);
}

const json& Member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) Fail(where + ": missing \"" + key + "\"");
  return object.at(key);
}

std::string String(const json& object, const char* key, const std::string& where) {
  const json& v = Member(object, key, where);
  if (!v.is_string()) Fail(where + "." + key + ": expected a string");
  return v.get<std::string>();
}

std::vector<std::string> Strings(const json& object, const char* key, const std::string& where) {
  const json& v = Member(object, key, where);
  if (!v.is_array()) Fail(where + "." + key + ": expected a list of strings");
  std::vector<std::string> out;
  for (const json& s : v) {
    if (!s.is_string()) Fail(where + "." + key + ": expected a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

constexpr const char* kOps[] = {"equals",   "one_of", "below",   "above",
                                "at_least", "known",  "contains"};

// Every node is {"all": [...]}, {"any": [...]} or {"finding": code, <one op>: operand}.
void CheckCondition(const json& c, const std::string& where) {
  if (!c.is_object()) Fail(where + ": a condition must be an object");
  if (c.contains("all") || c.contains("any")) {
    const char* kind = c.contains("all") ? "all" : "any";
    if (c.size() != 1 || !c.at(kind).is_array())
      Fail(where + ": expected {\"" + kind + "\": [...]}");
    for (size_t i = 0; i < c.at(kind).size(); ++i) {
      CheckCondition(c.at(kind)[i], where + "." + kind + "[" + std::to_string(i) + "]");
    }
    return;
  }
  if (c.size() != 2 || !c.contains("finding") || !c.at("finding").is_string()) {
    Fail(where + ": expected {\"finding\": code, <op>: operand}, got " + c.dump());
  }
  const auto op =
      std::find_if(std::begin(kOps), std::end(kOps), [&](const char* o) { return c.contains(o); });
  if (op == std::end(kOps)) Fail(where + ": unknown operator in " + c.dump());
  const json& operand = c.at(*op);
  const std::string name = *op;
  if (name == "one_of" && !operand.is_array()) Fail(where + ": one_of needs a list");
  if ((name == "below" || name == "above" || name == "at_least") && !operand.is_number()) {
    Fail(where + ": " + name + " needs a number");
  }
  if (name == "known" && !operand.is_boolean()) Fail(where + ": known needs true or false");
}

Cell ParseCell(const json& j, const std::string& where) {
  Cell cell;
  cell.id = String(j, "id", where);
  cell.when = Member(j, "when", where);
  CheckCondition(cell.when, where + "." + cell.id + ".when");
  if (j.contains("region_finding")) cell.region_finding = String(j, "region_finding", where);
  return cell;
}

std::vector<Cell> ParseCells(const json& object, const char* key, const std::string& where) {
  const json& list = Member(object, key, where);
  if (!list.is_array()) Fail(where + "." + key + ": expected a list");
  std::vector<Cell> out;
  for (const json& j : list) out.push_back(ParseCell(j, where + "." + key));
  return out;
}

bool Known(const json& findings, const std::string& code) {
  return findings.contains(code) && !findings.at(code).is_null();
}

double Number(const json& value, const json& condition) {
  if (!value.is_number()) {
    throw std::runtime_error("safety oracle: " + condition.dump() + " compares a number but the " +
                             "finding holds " + value.dump());
  }
  return value.get<double>();
}

Truth EvaluateTest(const json& c, const json& findings) {
  const std::string code = c.at("finding").get<std::string>();
  if (c.contains("known"))
    return Known(findings, code) == c.at("known").get<bool>() ? Truth::kTrue : Truth::kFalse;
  if (!Known(findings, code)) return Truth::kUnknown;
  const json& v = findings.at(code);
  bool result = false;
  if (c.contains("equals")) {
    result = v == c.at("equals");
  } else if (c.contains("one_of")) {
    const json& list = c.at("one_of");
    result = std::find(list.begin(), list.end(), v) != list.end();
  } else if (c.contains("below")) {
    result = Number(v, c) < c.at("below").get<double>();
  } else if (c.contains("above")) {
    result = Number(v, c) > c.at("above").get<double>();
  } else if (c.contains("at_least")) {
    result = Number(v, c) >= c.at("at_least").get<double>();
  } else if (c.contains("contains")) {
    result = v.is_array() && std::find(v.begin(), v.end(), c.at("contains")) != v.end();
  } else {
    throw std::runtime_error("safety oracle: unknown condition " + c.dump());
  }
  return result ? Truth::kTrue : Truth::kFalse;
}

// Over all readings: true if true in any, else unknown if unknown in any, else false.
Truth InAnyReading(const json& condition, const std::vector<json>& readings) {
  Truth out = Truth::kFalse;
  for (const json& r : readings) {
    const Truth t = Evaluate(condition, r);
    if (t == Truth::kTrue) return Truth::kTrue;
    if (t == Truth::kUnknown) out = Truth::kUnknown;
  }
  return out;
}

std::set<std::string> UndecidedInReadings(const json& condition,
                                          const std::vector<json>& readings) {
  std::set<std::string> out;
  for (const json& r : readings) out.merge(UndecidedFindings(condition, r));
  return out;
}

json ApplyReading(json document, const json& overrides) {
  for (const auto& [code, value] : overrides.items()) {
    if (value.is_null()) {
      document.erase(code);
    } else {
      document[code] = value;
    }
  }
  return document;
}

const char* StatusName(PlanStatus s) {
  switch (s) {
    case PlanStatus::kComplete:
      return "COMPLETE";
    case PlanStatus::kProvisional:
      return "PROVISIONAL";
    case PlanStatus::kScreenRequired:
      return "SCREEN_REQUIRED";
    case PlanStatus::kReferred:
      return "REFERRED";
  }
  return "?";
}

// Referral levels in the brief's order.
enum Level { kNone = 0, kRoutine = 1, kUrgent = 2, kEmergency = 3 };

Level LevelOf(Urgency u) {
  switch (u) {
    case Urgency::kNone:
      return kNone;
    case Urgency::kRoutine:
      return kRoutine;
    case Urgency::kUrgent:
      return kUrgent;
    case Urgency::kEmergency:
      return kEmergency;
  }
  return kNone;
}

const char* LevelName(Level l) {
  constexpr const char* kNames[] = {"NONE", "ROUTINE", "URGENT", "EMERGENCY"};
  return kNames[l];
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Checker {
 public:
  Checker(const SafetyTable& table, const json& findings, const Plan& plan)
      : table_(table), doc_(findings), plan_(plan), readings_(Readings(table, findings)) {}

  std::vector<Violation> Run() {
    CheckTriage();
    CheckRequiredScreen();
    for (const PlanStep& step : plan_.steps) CheckStep(step);
    CheckComplete();
    CheckContradictions();
    return std::move(out_);
  }

 private:
  void Report(const char* invariant, std::string message) {
    out_.push_back({invariant, std::move(message)});
  }

  Truth Holds(const json& condition) const { return InAnyReading(condition, readings_); }

  bool Asked(const std::string& code) const {
    return std::any_of(plan_.missing_findings.begin(), plan_.missing_findings.end(),
                       [&](const MissingFinding& m) { return m.code == code; });
  }

  bool HasAdvice(const std::string& code) const {
    return std::any_of(plan_.advice.begin(), plan_.advice.end(),
                       [&](const AdviceItem& a) { return a.code == code; });
  }

  bool Complete() const { return plan_.status == PlanStatus::kComplete; }

  // a. Triage, referral and the advice that goes with it.
  void CheckTriage() {
    Level level = kNone;
    std::string because;
    const std::pair<Level, const std::vector<Cell>*> levels[] = {
        {kEmergency, &table_.emergency}, {kUrgent, &table_.urgent}, {kRoutine, &table_.routine}};
    for (const auto& [l, cells] : levels) {
      for (const Cell& cell : *cells) {
        if (l > level && Holds(cell.when) == Truth::kTrue) {
          level = l;
          because = cell.id;
        }
      }
    }
    const Level planned = LevelOf(plan_.referral.urgency);
    if (planned < level) {
      Report("a.triage-level", std::string(LevelName(level)) + " condition '" + because +
                                   "' is true but the referral is " + LevelName(planned));
    }

    level_ = std::max(level, planned);
    const bool referred = level_ >= kUrgent;
    if (referred) {
      const std::string at = std::string(LevelName(level_)) + " referral";
      if (plan_.status != PlanStatus::kReferred) {
        Report("a.referred-plan", at + " but the status is " + StatusName(plan_.status));
      }
      if (!plan_.steps.empty()) {
        Report("a.referred-plan", at + " but the plan has " + std::to_string(plan_.steps.size()) +
                                      " treatment step(s), the first " + plan_.steps[0].modality);
      }
      if (plan_.course) Report("a.referred-plan", at + " but the plan books a course");
    }

    const std::string want = level_ == kEmergency ? table_.advice_emergency
                             : level_ == kUrgent  ? table_.advice_urgent
                             : level_ == kRoutine ? table_.advice_routine
                                                  : std::string();
    for (const std::string& code :
         {table_.advice_emergency, table_.advice_urgent, table_.advice_routine}) {
      if (code != want && HasAdvice(code)) {
        Report("a.referral-advice", "advice '" + code + "' on a plan whose referral level is " +
                                        LevelName(level_) +
                                        (want.empty() ? "" : " (its code is '" + want + "')"));
      }
    }
    if (!want.empty() && !HasAdvice(want)) {
      Report("a.referral-advice",
             std::string(LevelName(level_)) + " referral without its advice '" + want + "'");
    }
    const bool safety_net = Holds(table_.safety_net_when) == Truth::kTrue;
    if (referred) {
      for (const AdviceItem& a : plan_.advice) {
        const bool referral_code = a.code == table_.advice_emergency ||
                                   a.code == table_.advice_urgent ||
                                   a.code == table_.advice_routine;  // reported above
        if (!referral_code && a.code != table_.safety_net_advice) {
          Report("a.referral-advice", std::string(LevelName(level_)) +
                                          " referral carries other advice '" + a.code + "'");
        }
      }
      if (!safety_net && HasAdvice(table_.safety_net_advice)) {
        Report("a.safety-net", "'" + table_.safety_net_advice + "' on a " + LevelName(level_) +
                                   " referral although its condition is not true");
      }
    }
    if (safety_net && !HasAdvice(table_.safety_net_advice)) {
      Report("a.safety-net", "the CES safety-net condition is true but the advice has no '" +
                                 table_.safety_net_advice + "'");
    }
  }

  // b. The required screen.
  void CheckRequiredScreen() {
    if (level_ >= kUrgent) return;
    std::set<std::string> unknown;
    for (const std::string& code : table_.required_screen) {
      if (!Known(doc_, code)) unknown.insert(code);
    }
    if (unknown.empty()) return;
    const std::string why = "required screen unknown (" + Join(unknown) + ")";
    if (plan_.status != PlanStatus::kScreenRequired) {
      Report("b.required-screen", why + " but the status is " + StatusName(plan_.status));
    }
    if (!plan_.steps.empty()) {
      Report("b.required-screen",
             why + " but the plan has treatment step(s), the first " + plan_.steps[0].modality);
    }
    if (plan_.course) Report("b.required-screen", why + " but the plan books a course");
    for (const std::string& code : unknown) {
      if (!Asked(code)) {
        Report("b.required-screen",
               "required-screen finding " + code + " is unknown but not in missing_findings");
      }
    }
  }

  // c. and d. One treatment step.
  void CheckStep(const PlanStep& step) {
    const std::string& m = step.modality;
    auto found = table_.modalities.find(m);
    if (found == table_.modalities.end()) {
      Report("c.unknown-modality", "step for '" + m + "', which the safety table does not know");
      return;
    }
    const ModalitySafety& safety = found->second;

    for (const std::string& code : safety.required_known) {
      if (!Known(doc_, code)) Report("c.required-known", m + " step while " + code + " is unknown");
    }
    if (!table_.declined_finding.empty() &&
        Evaluate({{"finding", table_.declined_finding}, {"contains", m}}, doc_) == Truth::kTrue) {
      Report("c.declined", m + " step although the client declined it");
    }

    for (const Cell& cell : safety.floors) CheckCell(step, "floor", cell);
    for (const Cell& cell : safety.rule_exclusions) CheckCell(step, "rule-exclusion", cell);

    for (const std::string& target : step.targets) {
      if (std::find(safety.targets_allowed.begin(), safety.targets_allowed.end(), target) ==
          safety.targets_allowed.end()) {
        Report("c.targets-allowed", m + " step targets '" + target + "', which it may not treat");
      }
    }

    if (safety.pressure_cap && Holds(safety.pressure_cap->unless_false) != Truth::kFalse &&
        step.pressure != safety.pressure_cap->pressure) {
      const std::set<std::string> unknown =
          UndecidedInReadings(safety.pressure_cap->unless_false, readings_);
      const std::string which =
          unknown.empty() ? "a cap finding is true" : Join(unknown) + " unknown";
      Report("c.pressure", m + " pressure '" + step.pressure + "' but it must be '" +
                               safety.pressure_cap->pressure + "' (" + which + ")");
    }
  }

  void CheckCell(const PlanStep& step, const std::string& kind, const Cell& cell) {
    const std::string name = step.modality + " " + kind + " '" + cell.id + "'";
    const Truth truth = Holds(cell.when);
    if (truth == Truth::kTrue) {
      if (cell.region_finding.empty()) {
        Report(kind == "floor" ? "c.floor" : "c.rule-exclusion",
               name + " is true but the plan " + "has a " + step.modality + " step");
        return;
      }
      // Region-specific: only the targets in the regions it names are removed, in every reading
      // where it holds.
      std::set<std::string> removed;
      for (const json& r : readings_) {
        if (Evaluate(cell.when, r) != Truth::kTrue) continue;
        for (const std::string& region :
             RegionsOf(cell.region_finding, r.at(cell.region_finding))) {
          removed.insert(region);
        }
      }
      for (const std::string& target : step.targets) {
        auto region = table_.target_region.find(target);
        if (region != table_.target_region.end() && removed.count(region->second) != 0) {
          Report("c.region", name + " is true and removes the " + region->second +
                                 " region, but the step targets " + target);
        }
      }
      return;
    }
    if (truth == Truth::kUnknown) {
      const std::set<std::string> unknown = UndecidedInReadings(cell.when, readings_);
      if (Complete()) {
        Report("d.undecided-cell",
               name + " is undecided (" + Join(unknown) + " unknown) on a COMPLETE plan");
      }
      for (const std::string& code : unknown) {
        if (!Asked(code)) {
          Report("d.undecided-cell",
                 name + " is undecided but " + code + " is not in missing_findings");
        }
      }
    }
  }

  std::vector<std::string> RegionsOf(const std::string& finding, const json& value) const {
    for (const RegionRule& rule : table_.finding_regions) {
      if (rule.finding == finding && rule.value == value) return rule.regions;
    }
    throw std::runtime_error("safety table: no regions for " + finding + " = " + value.dump());
  }

  // e. A COMPLETE plan has no open safety question.
  void CheckComplete() {
    if (Complete() && !plan_.steps.empty()) {
      for (const std::string& code : table_.red_flags) {
        if (!Known(doc_, code)) {
          Report("e.rf-unknown",
                 "COMPLETE plan with treatment steps while " + code + " is unknown");
        }
      }
    }
    const bool treating = Complete() || plan_.status == PlanStatus::kProvisional;
    const std::pair<const char*, const std::vector<Cell>*> levels[] = {
        {"emergency", &table_.emergency}, {"urgent", &table_.urgent}, {"routine", &table_.routine}};
    for (const auto& [name, cells] : levels) {
      for (const Cell& cell : *cells) {
        if (Holds(cell.when) != Truth::kUnknown) continue;
        const std::set<std::string> unknown = UndecidedInReadings(cell.when, readings_);
        const std::string what = std::string(name) + " condition '" + cell.id + "' is undecided";
        if (Complete()) {
          Report("e.triage-undecided",
                 what + " (" + Join(unknown) + " unknown) on a COMPLETE plan");
        }
        if (!treating) continue;
        for (const std::string& code : unknown) {
          if (!Asked(code)) {
            Report("e.triage-undecided", what + " but " + code + " is not in missing_findings");
          }
        }
      }
    }
  }

  // f. Conflicting records are flagged and asked about.
  void CheckContradictions() {
    for (const Contradiction& c : table_.contradictions) {
      if (Evaluate(c.when, doc_) != Truth::kTrue) continue;
      if (Complete()) Report("f.contradiction", c.description + " on a COMPLETE plan");
      for (const std::string& code : c.findings) {
        if (!Asked(code)) {
          Report("f.contradiction", c.description + " but " + code + " is not in missing_findings");
        }
      }
    }
  }

  const SafetyTable& table_;
  const json& doc_;
  const Plan& plan_;
  const std::vector<json> readings_;
  Level level_ = kNone;
  std::vector<Violation> out_;
};

}  // namespace

SafetyTable ParseSafetyTable(const json& j) {
  SafetyTable t;
  const json& regions = Member(j, "regions", "table");
  for (const auto& [target, region] : Member(regions, "targets", "regions").items()) {
    if (!region.is_string()) Fail("regions.targets." + target + ": expected a region name");
    t.target_region[target] = region.get<std::string>();
  }
  for (const json& r : Member(regions, "findings", "regions")) {
    t.finding_regions.push_back({String(r, "finding", "regions.findings"),
                                 Member(r, "value", "regions.findings"),
                                 Strings(r, "regions", "regions.findings")});
  }

  for (const auto& [id, m] : Member(j, "modalities", "table").items()) {
    const std::string where = "modalities." + id;
    ModalitySafety s;
    s.required_known = Strings(m, "required_known", where);
    s.floors = ParseCells(m, "floors", where);
    s.rule_exclusions = ParseCells(m, "rule_exclusions", where);
    s.cautions = ParseCells(m, "cautions", where);
    s.targets_allowed = Strings(m, "targets_allowed", where);
    if (m.contains("pressure_cap")) {
      const json& cap = m.at("pressure_cap");
      s.pressure_cap = PressureCap{String(cap, "pressure", where + ".pressure_cap"),
                                   Member(cap, "unless_false", where + ".pressure_cap")};
      CheckCondition(s.pressure_cap->unless_false, where + ".pressure_cap.unless_false");
    }
    for (const std::vector<Cell>* cells : {&s.floors, &s.rule_exclusions}) {
      for (const Cell& c : *cells) {
        if (c.region_finding.empty()) continue;
        if (std::none_of(t.finding_regions.begin(), t.finding_regions.end(),
                         [&](const RegionRule& r) { return r.finding == c.region_finding; })) {
          Fail(where + "." + c.id + ": no regions are declared for " + c.region_finding);
        }
      }
    }
    t.modalities[id] = std::move(s);
  }

  t.declined_finding = String(Member(j, "declined", "table"), "finding", "declined");
  t.required_screen = Strings(j, "required_screen", "table");
  t.red_flags = Strings(j, "red_flags", "table");
  const json& triage = Member(j, "triage", "table");
  t.emergency = ParseCells(triage, "emergency", "triage");
  t.urgent = ParseCells(triage, "urgent", "triage");
  t.routine = ParseCells(triage, "routine", "triage");
  const json& advice = Member(j, "referral_advice", "table");
  t.advice_emergency = String(advice, "emergency", "referral_advice");
  t.advice_urgent = String(advice, "urgent", "referral_advice");
  t.advice_routine = String(advice, "routine", "referral_advice");
  const json& net = Member(j, "safety_net", "table");
  t.safety_net_advice = String(net, "advice", "safety_net");
  t.safety_net_when = Member(net, "when", "safety_net");
  CheckCondition(t.safety_net_when, "safety_net.when");

  for (const json& c : Member(j, "contradictions", "table")) {
    Contradiction con;
    con.id = String(c, "id", "contradictions");
    const std::string where = "contradictions." + con.id;
    con.description = String(c, "description", where);
    con.when = Member(c, "when", where);
    CheckCondition(con.when, where + ".when");
    con.findings = Strings(c, "findings", where);
    for (const json& r : Member(c, "readings", where)) {
      if (!r.is_object()) Fail(where + ".readings: each reading is an object of overrides");
      con.readings.push_back(r);
    }
    if (con.readings.empty()) Fail(where + ": needs at least one reading");
    t.contradictions.push_back(std::move(con));
  }
  for (const json& i : Member(j, "inferences", "table")) {
    Inference inf;
    inf.id = String(i, "id", "inferences");
    inf.when = Member(i, "when", "inferences." + inf.id);
    CheckCondition(inf.when, "inferences." + inf.id + ".when");
    inf.reading = Member(i, "reading", "inferences." + inf.id);
    if (!inf.reading.is_object()) Fail("inferences." + inf.id + ".reading: expected an object");
    t.inferences.push_back(std::move(inf));
  }
  return t;
}

SafetyTable LoadSafetyTable(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the safety table " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseSafetyTable(json::parse(text.str()));
}

Truth Evaluate(const json& condition, const json& findings) {
  if (condition.contains("all")) {
    Truth out = Truth::kTrue;
    for (const json& child : condition.at("all")) {
      const Truth t = Evaluate(child, findings);
      if (t == Truth::kFalse) return Truth::kFalse;
      if (t == Truth::kUnknown) out = Truth::kUnknown;
    }
    return out;
  }
  if (condition.contains("any")) {
    Truth out = Truth::kFalse;
    for (const json& child : condition.at("any")) {
      const Truth t = Evaluate(child, findings);
      if (t == Truth::kTrue) return Truth::kTrue;
      if (t == Truth::kUnknown) out = Truth::kUnknown;
    }
    return out;
  }
  return EvaluateTest(condition, findings);
}

std::set<std::string> UndecidedFindings(const json& condition, const json& findings) {
  std::set<std::string> out;
  if (Evaluate(condition, findings) != Truth::kUnknown) return out;
  if (condition.contains("all") || condition.contains("any")) {
    for (const json& child : condition.at(condition.contains("all") ? "all" : "any")) {
      out.merge(UndecidedFindings(child, findings));
    }
    return out;
  }
  out.insert(condition.at("finding").get<std::string>());
  return out;
}

std::vector<json> Readings(const SafetyTable& table, const json& findings) {
  std::vector<std::vector<json>> choices;
  for (const Inference& i : table.inferences) {
    if (Evaluate(i.when, findings) == Truth::kTrue) choices.push_back({i.reading});
  }
  for (const Contradiction& c : table.contradictions) {
    if (Evaluate(c.when, findings) == Truth::kTrue) choices.push_back(c.readings);
  }
  std::vector<json> readings = {findings};
  for (const std::vector<json>& alternatives : choices) {
    std::vector<json> next;
    for (const json& r : readings) {
      for (const json& overrides : alternatives) next.push_back(ApplyReading(r, overrides));
    }
    readings = std::move(next);
  }
  return readings;
}

std::vector<Violation> FindViolations(const SafetyTable& table, const json& findings,
                                      const Plan& plan) {
  return Checker(table, findings, plan).Run();
}

std::vector<std::string> CheckPlan(const SafetyTable& table, const json& findings,
                                   const Plan& plan) {
  std::vector<std::string> out;
  for (const Violation& v : FindViolations(table, findings, plan)) {
    out.push_back(v.invariant + ": " + v.message);
  }
  return out;
}

}  // namespace modalis::safety
