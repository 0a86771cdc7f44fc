// Myofascial release and deep-tissue work (clinical brief §3 and §3a).
//
// Floor: suspected DVT and acutely unwell exclude the whole session (declared as data, kSafety).
// A skin lesion or recent surgery keeps the hands off that site: the clinic's rule exclusions,
// the surgery one by region. Pressure is light / moderate / deep and is capped at light for
// anticoagulants, bleeding disorders and osteoporosis.
#include <modalis/plugin_sdk.hpp>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

constexpr const char* kRegions[] = {"quadratus_lumborum", "gluteus_medius", "gluteus_minimus",
                                    "piriformis",         "erector_spinae", "thoracolumbar_fascia",
                                    "hip_flexors",        "hamstrings",     "upper_back"};
constexpr const char* kCapFindings[] = {"anticoagulant_therapy", "bleeding_disorder",
                                        "osteoporosis"};

// The floor (clinical brief §3a), evaluated by the host with the rules.
constexpr const char* kSafety = R"json({
  "floors": [
    {"id": "dvt", "when": {"finding": "dvt_suspected", "equals": true},
     "reason": "suspected deep vein thrombosis: no hands-on work until cleared"},
    {"id": "unwell", "when": {"finding": "rf_fever_or_unwell", "equals": true},
     "reason": "acutely unwell or feverish: no session today"}
  ]
})json";

bool IsPressure(std::string_view p) { return p == "light" || p == "moderate" || p == "deep"; }

bool IsRegion(std::string_view t) {
  for (const char* r : kRegions) {
    if (t == r) return true;
  }
  return false;
}

class MyofascialRelease final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "myofascial_release";
    m.display_name = "Myofascial release";
    m.version = "1.2.0";
    m.phase = 20;  // hands-on work after needling, before stretching
    m.default_minutes = 20;
    m.reads = {"dvt_suspected",       "rf_fever_or_unwell", "anticoagulant_therapy",
               "bleeding_disorder",   "osteoporosis",       "skin_lesion_at_site",
               "recent_surgery_site", "trigger_points",     "fascial_restriction"};
    m.required_known = {"dvt_suspected"};
    m.targets_allowed.assign(std::begin(kRegions), std::end(kRegions));
    m.param_schema_json = R"({"type":"object","additionalProperties":false,)"
                          R"("properties":{"pressure":{"enum":["light","moderate","deep"]}}})";
    m.safety_json = kSafety;
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "pressure") return "unknown param '" + it.key() + "' (known: pressure)";
      if (!it->is_string() || !IsPressure(it->get_ref<const std::string&>())) {
        return "pressure must be one of light, moderate, deep";
      }
    }
    return {};
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    // A rule that names no regions means the trigger points and restricted areas found.
    std::vector<std::string_view> requested = req.targets;
    if (requested.empty()) {
      requested = f.list("trigger_points");
      for (std::string_view r : f.list("fascial_restriction")) {
        if (std::find(requested.begin(), requested.end(), r) == requested.end()) {
          requested.push_back(r);
        }
      }
    }
    for (std::string_view t : requested) {
      if (IsRegion(t)) {
        out.add_target(t);
      } else {
        out.skip_target(t, "not a region for myofascial release");
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 20);

    std::string pressure = "moderate";
    auto params = nlohmann::json::parse(req.params_json, nullptr, false);
    if (params.is_object() && params.contains("pressure") && params["pressure"].is_string() &&
        IsPressure(params["pressure"].get<std::string>())) {
      pressure = params["pressure"].get<std::string>();
    }
    // Vigorous pressure is unsafe with a bleeding risk or fragile bone. When one of them is not
    // recorded, assume it until the therapist confirms: light pressure harms no one.
    std::string capped_by;
    std::string unconfirmed;
    for (const char* code : kCapFindings) {
      auto v = f.boolean(code);
      if (v.value_or(false)) capped_by += std::string(capped_by.empty() ? "" : ", ") + code;
      if (!v.has_value()) unconfirmed += std::string(unconfirmed.empty() ? "" : ", ") + code;
    }
    if (!capped_by.empty()) {
      pressure = "light";
      out.caution("pressure capped at light: " + capped_by);
    } else if (!unconfirmed.empty() && pressure != "light") {
      pressure = "light";
      out.caution("pressure capped at light until confirmed absent: " + unconfirmed);
    }
    out.pressure(pressure);
    out.caution(
        "confirm before treating: no active malignancy, aneurysm, inflammatory arthritis flare "
        "or contagious illness; keep off open wounds and unhealed fractures");
    out.instruction("Release the listed regions, working from superficial to deep layers.");
  }
};

}  // namespace

MODALIS_PLUGIN(MyofascialRelease)
