// Dry needling of active trigger points (clinical brief §3 and §3a).
//
// The plugin floor is what no rule file can switch off: phobia, declined consent, lymphoedema (in
// its region), broken skin at the site, metal allergy, uncontrolled epilepsy, acutely unwell. It is
// declared as data (kSafety). Anticoagulants, bleeding disorders, pregnancy, age under 16 and
// recent surgery are the clinic's rule exclusions (rules/), so the plugin only insists that the
// first three are known before it is suggested.
#include <modalis/plugin_sdk.hpp>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

// Muscles this modality may needle. Never upper_back (the chest wall is thin there: pneumothorax).
constexpr const char* kNeedleable[] = {"quadratus_lumborum", "gluteus_medius", "gluteus_minimus",
                                       "piriformis", "erector_spinae"};

bool Needleable(std::string_view target) {
  for (const char* t : kNeedleable) {
    if (target == t) return true;
  }
  return false;
}

// Why a requested target is not needled; the planner puts it on the step, so the therapist sees
// where those trigger points went.
std::string NotNeedled(std::string_view target) {
  if (target == "upper_back") {
    return "not needled: pneumothorax risk over the chest wall; released by hand instead";
  }
  if (target == "hip_flexors" || target == "hamstrings") {
    return "not needled: stretched and released by hand instead";
  }
  if (target == "thoracolumbar_fascia") return "not needled: fascia is released by hand instead";
  return "not a dry needling target";
}

// The floor (clinical brief §3a), evaluated by the host with the rules: a floor that is true
// excludes; one whose finding is not recorded is asked about before needling. Lymphoedema removes
// only the targets in its region.
constexpr const char* kSafety = R"json({
  "floors": [
    {"id": "needle-phobia", "when": {"finding": "needle_phobia", "equals": true},
     "reason": "needle phobia"},
    {"id": "no-consent", "when": {"finding": "needling_consent", "equals": false},
     "reason": "the client has not consented to needling"},
    {"id": "lymphoedema", "when": {"not": {"finding": "lymphoedema_region", "equals": "none"}},
     "reason": "lymphoedema: no needling in that region", "regions_from": "lymphoedema_region"},
    {"id": "skin-lesion", "when": {"finding": "skin_lesion_at_site", "equals": true},
     "reason": "broken or infected skin at the needling site"},
    {"id": "metal-allergy", "when": {"finding": "metal_allergy", "equals": true},
     "reason": "metal allergy (stainless-steel needles)"},
    {"id": "uncontrolled-epilepsy", "when": {"finding": "epilepsy", "equals": "uncontrolled"},
     "reason": "uncontrolled epilepsy"},
    {"id": "unwell", "when": {"finding": "rf_fever_or_unwell", "equals": true},
     "reason": "acutely unwell or feverish"}
  ],
  "cautions": [
    {"id": "antiplatelet", "when": {"finding": "antiplatelet_therapy", "equals": true},
     "text": "antiplatelet therapy: press firmly on each site after the needle is withdrawn"},
    {"id": "immunosuppressed", "when": {"finding": "immunosuppressed", "equals": true},
     "text": "immunosuppressed: strict asepsis, watch the sites for infection"},
    {"id": "diabetes", "when": {"finding": "diabetes", "one_of": ["controlled", "uncontrolled"]},
     "text": "diabetes: check skin and sensation at the sites; slower healing"},
    {"id": "aged-75", "when": {"finding": "age", "at_least": 75},
     "text": "aged 75 or over: fewer needles, shallower depth"}
  ]
})json";

class DryNeedling final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "dry_needling";
    m.display_name = "Dry needling";
    m.version = "1.2.0";
    m.phase = 10;  // needling comes before hands-on work on the same muscles
    m.default_minutes = 15;
    m.qualification = "dry_needling";
    m.needs_written_consent = true;
    m.reads = {"needle_phobia",
               "needling_consent",
               "anticoagulant_therapy",
               "bleeding_disorder",
               "pregnant",
               "lymphoedema_region",
               "skin_lesion_at_site",
               "metal_allergy",
               "epilepsy",
               "rf_fever_or_unwell",
               "antiplatelet_therapy",
               "immunosuppressed",
               "diabetes",
               "age",
               "trigger_points"};
    m.required_known = {"needle_phobia", "needling_consent", "anticoagulant_therapy",
                        "bleeding_disorder", "pregnant"};
    m.targets_allowed.assign(std::begin(kNeedleable), std::end(kNeedleable));
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    m.safety_json = kSafety;
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty()) return "dry_needling takes no params (found '" + j.begin().key() + "')";
    return {};
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    // Targets come from the rule; a rule that names none means "the active trigger points".
    std::vector<std::string_view> requested = req.targets;
    if (requested.empty()) requested = f.list("trigger_points");
    for (std::string_view t : requested) {
      if (Needleable(t)) {
        out.add_target(t);
      } else {
        out.skip_target(t, NotNeedled(t));
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 15);
    // What the findings vocabulary cannot tell us yet (clinical brief §3, §8).
    out.caution(
        "confirm before treating: no previous adverse reaction to needling, bleeding stops with "
        "pressure, no vascular disease, not frail");
    out.instruction(
        "Needle the active trigger points in the listed muscles, before hands-on work on them.");
    out.instruction(
        "Sterile single-use needles; dispose in a sharps bin; record sites and number.");
  }
};

}  // namespace

MODALIS_PLUGIN(DryNeedling)
