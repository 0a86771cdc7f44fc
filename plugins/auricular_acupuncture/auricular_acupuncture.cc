// Auricular acupuncture for stress and sleep (clinical brief §3, §3a and §6).
//
// Floor: ear infection, needle phobia, declined consent. Bleeding disorders, anticoagulants and
// metal allergy are the clinic's rule exclusions; when they are unrecorded the step says to
// confirm them. Pregnancy is a precaution: the step is kept, the traditionally forbidden points are
// avoided and seeds replace needles.
#include <modalis/plugin_sdk.hpp>

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

struct EarTarget {
  const char* id;
  std::initializer_list<const char*> points;  // the points that make it up, for the therapist
};

// Clinical brief §6.
const EarTarget kEarTargets[] = {
    {"ear_nada", {"Sympathetic", "Shen Men", "Kidney", "Liver", "Lung"}},  // NADA protocol
    {"ear_shen_men", {"Shen Men"}},
    {"ear_point_zero", {"Point Zero"}},
    {"ear_sleep_points",
     {"Heart", "Spleen", "Kidney", "Shen Men", "Brain", "Occipital", "Endocrine", "Sympathetic"}},
};

// The floor and the pregnancy precaution (clinical brief §3a), evaluated by the host with the
// rules.
constexpr const char* kSafety = R"json({
  "floors": [
    {"id": "ear-infection", "when": {"finding": "ear_infection", "equals": true},
     "reason": "inflamed or infected ear"},
    {"id": "needle-phobia", "when": {"finding": "needle_phobia", "equals": true},
     "reason": "needle phobia"},
    {"id": "no-consent", "when": {"finding": "needling_consent", "equals": false},
     "reason": "the client has not consented to needling"}
  ],
  "cautions": [
    {"id": "pregnant", "when": {"finding": "pregnant", "equals": true},
     "text": "pregnant: avoid the traditionally forbidden ear points; seeds, not needles"}
  ]
})json";

const EarTarget* FindEarTarget(std::string_view id) {
  for (const EarTarget& t : kEarTargets) {
    if (id == t.id) return &t;
  }
  return nullptr;
}

class AuricularAcupuncture final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "auricular_acupuncture";
    m.display_name = "Auricular acupuncture";
    m.version = "1.2.0";
    m.phase = 40;  // ear work last, while the client rests
    m.default_minutes = 20;
    m.qualification = "acupuncture";
    m.needs_written_consent = true;
    m.reads = {"ear_infection",     "needle_phobia",         "needling_consent",
               "pregnant",          "stress_level",          "sleep_quality",
               "bleeding_disorder", "anticoagulant_therapy", "metal_allergy"};
    m.required_known = {"needle_phobia", "needling_consent", "ear_infection"};
    for (const EarTarget& t : kEarTargets) m.targets_allowed.emplace_back(t.id);
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    m.safety_json = kSafety;
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty()) {
      return "auricular_acupuncture takes no params (found '" + j.begin().key() + "')";
    }
    return {};
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    // The rule may name ear points; otherwise choose them from what brought the client here.
    std::vector<std::string_view> chosen;
    for (std::string_view t : req.targets) {
      if (FindEarTarget(t) != nullptr) {
        chosen.push_back(t);
      } else {
        out.skip_target(t, "not an ear point");
      }
    }
    if (req.targets.empty()) {
      const bool stressed = f.code_is("stress_level", "high");
      const bool poor_sleep = f.code_is("sleep_quality", "poor");
      if (stressed) chosen.insert(chosen.end(), {"ear_nada", "ear_point_zero"});
      // Shen Men is also in the sleep set; it is named because it is the key point for sleep.
      if (poor_sleep) chosen.insert(chosen.end(), {"ear_shen_men", "ear_sleep_points"});
      if (!stressed && !poor_sleep) chosen.insert(chosen.end(), {"ear_shen_men", "ear_point_zero"});
    }
    // The points to use, each once, in the order the targets name them.
    std::vector<std::string_view> points;
    for (std::string_view t : chosen) {
      out.add_target(t);
      for (std::string_view p : FindEarTarget(t)->points) {
        if (std::find(points.begin(), points.end(), p) == points.end()) points.push_back(p);
      }
    }
    std::string listed;
    for (std::string_view p : points) {
      listed += (listed.empty() ? "" : ", ") + std::string(p);
    }
    // One param only: the points. Needles or seeds is said in the instruction.
    out.param("points", listed);
    out.minutes(req.minutes != 0 ? req.minutes : 20);

    std::string unconfirmed;
    for (const char* code : {"bleeding_disorder", "anticoagulant_therapy", "metal_allergy"}) {
      if (!f.known(code)) unconfirmed += std::string(unconfirmed.empty() ? "" : ", ") + code;
    }
    if (!unconfirmed.empty()) out.caution("confirm before treating: " + unconfirmed);
    if (f.is("pregnant", true)) {
      out.instruction("ear seeds on the listed points, both ears; none on the forbidden points.");
    } else {
      out.instruction(
          "needles on the listed points, both ears, retained while the client rests (up to an "
          "hour for the NADA protocol); seeds if the client prefers.");
    }
  }
};

}  // namespace

MODALIS_PLUGIN(AuricularAcupuncture)
