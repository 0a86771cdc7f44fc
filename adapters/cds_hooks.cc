#include "adapters/cds_hooks.h"

#include <fstream>
#include <sstream>

#include "adapters/fhir_plan.h"
#include "adapters/plan_words.h"
#include "core/common/did_you_mean.h"
#include "core/common/sha256.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxSummary = 140;  // CDS Hooks: a card's summary is under 140 characters

std::string Summary(std::string text) {
  if (text.size() < kMaxSummary) return text;
  size_t cut = kMaxSummary - 4;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

// 32 hex digits as a UUID's 8-4-4-4-12.
std::string UuidOf(const std::string& hex) {
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string PlanHex(const std::string& plan_id) {
  const std::string hex = plan_id.size() > 3 ? plan_id.substr(3) : "";
  return hex.size() == 32 ? hex : Sha256Hex(plan_id).substr(0, 32);
}

Json Source(const v1::Plan& plan) {
  return {{"label", "Modalis rules " + plan.rule_set().id() + " " + plan.rule_set().version()},
          {"topic",
           {{"system", "https://modalis.dev/fhir/CodeSystem/rule-set"},
            {"code", plan.rule_set().sha256()},
            {"display", plan.rule_set().id() + " " + plan.rule_set().version()}}}};
}

std::string AskList(const v1::Plan& plan) {
  std::string text;
  for (const v1::MissingFinding& m : plan.missing_findings()) {
    text += "\n- " + m.code() + (m.why().empty() ? "" : ": " + m.why());
  }
  return text;
}

// A JSON value of a FHIR element that holds a finding's value, or null when it holds none we read.
nlohmann::json ValueOf(const nlohmann::json& element, const std::string& prefix) {
  auto has = [&](const char* name) { return element.contains(prefix + name); };
  auto at = [&](const char* name) { return element[prefix + name]; };
  if (has("Boolean") && at("Boolean").is_boolean()) return at("Boolean");
  if (has("Integer") && at("Integer").is_number()) return at("Integer");
  if (has("Decimal") && at("Decimal").is_number()) return at("Decimal");
  if (has("String") && at("String").is_string()) return at("String");
  if (has("Quantity") && at("Quantity").is_object() && at("Quantity").contains("value")) {
    return at("Quantity")["value"];
  }
  if (has("Coding") && at("Coding").is_object() && at("Coding").contains("code")) {
    return at("Coding")["code"];
  }
  if (has("CodeableConcept") && at("CodeableConcept").is_object()) {
    const nlohmann::json& cc = at("CodeableConcept");
    if (cc.contains("coding") && cc["coding"].is_array()) {
      for (const auto& coding : cc["coding"]) {
        if (coding.is_object() && coding.contains("code") && coding["code"].is_string()) {
          return coding["code"];
        }
      }
    }
  }
  return nullptr;
}

class Gatherer {
 public:
  Gatherer(const FhirFindingMap& map, const Vocabulary& vocabulary, PrefetchedFindings* out)
      : map_(map), vocabulary_(vocabulary), out_(out) {}

  void Resource(const nlohmann::json& r) {
    if (!r.is_object()) return;
    const std::string type = r.value("resourceType", "");
    if (type == "Bundle" && r.contains("entry") && r["entry"].is_array()) {
      for (const auto& e : r["entry"]) {
        if (e.is_object() && e.contains("resource")) Resource(e["resource"]);
      }
    } else if (type == "Observation") {
      Observation(r);
    } else if (type == "QuestionnaireResponse") {
      Items(r.value("item", nlohmann::json::array()));
    }
  }

 private:
  void Observation(const nlohmann::json& o) {
    const std::string status = o.value("status", "");
    if (status == "entered-in-error" || status == "cancelled") return;
    const std::string code = FindingOfCode(o.value("code", nlohmann::json::object()));
    if (code.empty()) return;
    const std::string when = o.value("effectiveDateTime", o.value("issued", ""));
    Add(code, ValueOf(o, "value"), when, "Observation " + o.value("id", "?"));
  }

  void Items(const nlohmann::json& items) {
    if (!items.is_array()) return;
    for (const auto& item : items) {
      if (!item.is_object()) continue;
      const std::string link = item.value("linkId", "");
      if (vocabulary_.Find(link) != nullptr && item.contains("answer") &&
          item["answer"].is_array()) {
        for (const auto& answer : item["answer"]) {
          if (answer.is_object()) Add(link, ValueOf(answer, "value"), "", "item " + link);
        }
      }
      if (item.contains("item")) Items(item["item"]);  // groups
    }
  }

  std::string FindingOfCode(const nlohmann::json& codeable) const {
    if (!codeable.is_object() || !codeable.contains("coding") || !codeable["coding"].is_array()) {
      return "";
    }
    for (const auto& coding : codeable["coding"]) {
      if (!coding.is_object()) continue;
      const std::string system = coding.value("system", "");
      const std::string code = coding.value("code", "");
      if (system == kFhirFindingSystem && vocabulary_.Find(code) != nullptr) return code;
      if (auto it = map_.codes.find({system, code}); it != map_.codes.end()) return it->second;
    }
    return "";
  }

  void Add(const std::string& code, const nlohmann::json& value, const std::string& when,
           const std::string& where) {
    if (value.is_null()) {
      out_->unread.push_back(where + ": no value Modalis reads (" + code + ")");
      return;
    }
    const FindingDef* def = vocabulary_.Find(code);
    if (def == nullptr) return;
    nlohmann::json& findings = out_->findings;
    if (def->type == FindingType::kSet || def->type == FindingType::kTextList) {
      if (!findings.contains(code)) findings[code] = nlohmann::json::array();
      if (std::find(findings[code].begin(), findings[code].end(), value) == findings[code].end()) {
        findings[code].push_back(value);
      }
      return;
    }
    // The most recent observation wins; ISO 8601 times in one zone compare as text.
    auto seen = when_.find(code);
    if (seen != when_.end() && !when.empty() && when < seen->second) return;
    findings[code] = value;
    when_[code] = when;
  }

  const FhirFindingMap& map_;
  const Vocabulary& vocabulary_;
  PrefetchedFindings* out_;
  std::map<std::string, std::string> when_;
};

}  // namespace

Json CdsDiscovery() {
  const Json prefetch = {
      {"observations", "Observation?patient={{context.patientId}}"},
      {"intake", "QuestionnaireResponse?subject={{context.patientId}}&_sort=-authored&_count=1"}};
  return {{"services",
           Json::array({{{"hook", "appointment-book"},
                         {"id", kCdsAppointmentService},
                         {"title", "Modalis: course of care to book"},
                         {"description",
                          "How many manual-therapy sessions to book, how often, and with which "
                          "qualification; red flags refer instead of booking."},
                         {"prefetch", prefetch}},
                        {{"hook", "encounter-start"},
                         {"id", kCdsEncounterService},
                         {"title", "Modalis: session plan"},
                         {"description",
                          "A session plan from the assessment's findings: modalities in order with "
                          "minutes, exclusions with reasons, referral on red flags, what to ask."},
                         {"prefetch", prefetch}}})}};
}

std::string CdsHookOf(const std::string& service_id) {
  if (service_id == kCdsAppointmentService) return "appointment-book";
  if (service_id == kCdsEncounterService) return "encounter-start";
  return "";
}

absl::StatusOr<FhirFindingMap> ReadFhirFindingMap(const std::string& path,
                                                  const Vocabulary& vocabulary) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || !doc.value("observation_codes", nlohmann::json()).is_array()) {
    return absl::InvalidArgumentError(path + ": must be an object with observation_codes: [...]");
  }
  FhirFindingMap map;
  const nlohmann::json& codes = doc["observation_codes"];
  for (size_t i = 0; i < codes.size(); ++i) {
    const std::string where = path + ": /observation_codes/" + std::to_string(i);
    const nlohmann::json& c = codes[i];
    if (!c.is_object() || !c.value("system", nlohmann::json()).is_string() ||
        !c.value("code", nlohmann::json()).is_string() ||
        !c.value("finding", nlohmann::json()).is_string()) {
      return absl::InvalidArgumentError(where + ": needs system, code and finding, as text");
    }
    const std::string finding = c["finding"];
    if (vocabulary.Find(finding) == nullptr) {
      return absl::InvalidArgumentError(where + "/finding: '" + finding +
                                        "' is not a finding of the vocabulary" +
                                        DidYouMeanSuffix(finding, vocabulary.codes()));
    }
    map.codes[{c["system"].get<std::string>(), c["code"].get<std::string>()}] = finding;
  }
  return map;
}

PrefetchedFindings FindingsFromPrefetch(const nlohmann::json& prefetch, const FhirFindingMap& map,
                                        const Vocabulary& vocabulary) {
  PrefetchedFindings out;
  if (!prefetch.is_object()) return out;
  Gatherer gatherer(map, vocabulary, &out);
  for (const auto& [key, resource] : prefetch.items()) gatherer.Resource(resource);
  return out;
}

Json CdsCards(const v1::GetPlanResponse& stored, const std::string& hook) {
  const v1::Plan& plan = stored.plan();
  const std::string hex = PlanHex(plan.plan_id());
  auto derived_uuid = [&](const std::string& what) {
    return UuidOf(Sha256Hex(plan.plan_id() + ":" + what).substr(0, 32));
  };
  Json cards = Json::array();
  if (plan.referral().urgency() >= v1::URGENT) {
    std::string detail = "Do not treat. Reasons:";
    for (const std::string& r : plan.referral().reasons()) detail += "\n- " + r;
    const std::string first =
        plan.referral().reasons().empty() ? "red flags" : plan.referral().reasons(0);
    cards.push_back({{"uuid", derived_uuid("referral")},
                     {"summary", Summary(std::string("Refer (") +
                                         UrgencyWord(plan.referral().urgency()) + "): " + first)},
                     {"indicator", "critical"},
                     {"detail", detail},
                     {"source", Source(plan)}});
    return {{"cards", std::move(cards)}};
  }
  for (int i = 0; i < plan.exclusions_size(); ++i) {
    const v1::Exclusion& e = plan.exclusions(i);
    cards.push_back({{"uuid", derived_uuid("exclusion-" + std::to_string(i))},
                     {"summary", Summary("Not " + e.modality() + ": " + e.reason())},
                     {"indicator", "warning"},
                     {"detail", e.reason() + (e.source().empty() ? "" : " (" + e.source() + ")")},
                     {"source", Source(plan)}});
  }
  std::string summary;
  std::string detail;
  uint32_t minutes = 0;
  for (const v1::Step& s : plan.steps()) {
    summary += (summary.empty() ? "" : ", ") + s.display_name();
    minutes += s.minutes();
    detail += "\n1. " + s.display_name() + ", " + std::to_string(s.minutes()) + " min";
    if (!s.targets().empty()) {
      detail += ": ";
      for (int t = 0; t < s.targets_size(); ++t) detail += (t ? ", " : "") + s.targets(t);
    }
  }
  const std::string course = plan.has_course() ? CourseWords(plan.course()) : "";
  if (plan.steps().empty()) {
    summary = plan.status() == v1::SCREEN_REQUIRED ? "Complete the red-flag screen before treating"
                                                   : "No treatment suggested";
  } else if (hook == "appointment-book" && !course.empty()) {
    summary = "Book " + course + ": " + summary;
  } else {
    summary = "Plan (" + std::to_string(minutes) + " min): " + summary;
  }
  if (!course.empty()) detail += "\n\nCourse of care: " + course + ".";
  if (const std::string ask = AskList(plan); !ask.empty()) detail += "\n\nAsk:" + ask;
  if (plan.referral().urgency() == v1::ROUTINE) {
    detail += "\n\nAlso refer (routine):";
    for (const std::string& r : plan.referral().reasons()) detail += "\n- " + r;
  }
  Json card = {{"uuid", UuidOf(hex)},
               {"summary", Summary(summary)},
               {"indicator", "info"},
               {"detail",
                detail.empty() ? "Nothing to add." : detail.substr(detail.find_first_not_of('\n'))},
               {"source", Source(plan)}};
  if (!plan.steps().empty()) {
    card["selectionBehavior"] = "any";
    card["suggestions"] = Json::array(
        {{{"label", "Record this plan as a draft care plan"},
          {"uuid", derived_uuid("suggestion")},
          {"isRecommended", true},
          {"actions", Json::array({{{"type", "create"},
                                    {"description", "A draft CarePlan with the session plan"},
                                    {"resource", CarePlanResource(stored)}}})}}});
  }
  cards.push_back(std::move(card));
  return {{"cards", std::move(cards)}};
}

std::string PlanIdOfCard(const std::string& card_uuid) {
  std::string hex;
  for (char c : card_uuid) {
    if (c != '-') hex.push_back(c);
  }
  if (hex.size() != 32 || card_uuid.size() != 36) return "";
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
  }
  return "pl_" + hex;
}

}  // namespace modalis
