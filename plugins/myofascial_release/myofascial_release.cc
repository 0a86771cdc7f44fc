// Myofascial release and deep-tissue work (clinical brief §3 and §3a).
#include <modalis/plugin_sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::ScreenResult;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

bool is_pressure(std::string_view p) { return p == "light" || p == "moderate" || p == "deep"; }

class MyofascialRelease final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "myofascial_release";
    m.display_name = "Myofascial release";
    m.version = "1.0.0";
    m.phase = 20;
    m.default_minutes = 20;
    m.reads = {"dvt_suspected", "rf_fever_or_unwell",  "anticoagulant_therapy", "bleeding_disorder",
               "osteoporosis",  "skin_lesion_at_site", "recent_surgery_site"};
    m.required_known = {"dvt_suspected"};
    m.targets_allowed = {"quadratus_lumborum", "gluteus_medius", "gluteus_minimus",
                         "piriformis",         "erector_spinae", "thoracolumbar_fascia",
                         "hip_flexors",        "hamstrings",     "upper_back"};
    m.param_schema_json = R"({"type":"object","additionalProperties":false,)"
                          R"("properties":{"pressure":{"enum":["light","moderate","deep"]}}})";
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "pressure") return "unknown param '" + it.key() + "' (known: pressure)";
      if (!it->is_string() || !is_pressure(it->get_ref<const std::string&>())) {
        return "pressure must be one of light, moderate, deep";
      }
    }
    return {};
  }

  void screen(const Findings& f, const ScreenResult& out) const override {
    if (f.is("dvt_suspected", true)) {
      out.contraindication("suspected deep vein thrombosis: no hands-on work until cleared",
                           "dvt_suspected");
    }
    if (f.is("rf_fever_or_unwell", true)) {
      out.contraindication("acutely unwell or feverish", "rf_fever_or_unwell");
    }
    if (f.is("skin_lesion_at_site", true)) {
      out.caution("skin lesion: avoid that site", "skin_lesion_at_site");
    }
    auto surgery = f.code("recent_surgery_site");
    if (surgery && *surgery != "none") {
      out.caution("recent surgery (" + std::string(*surgery) + "): avoid the operated site",
                  "recent_surgery_site");
    }
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    for (std::string_view t : req.targets) out.add_target(t);
    out.minutes(req.minutes != 0 ? req.minutes : 20);

    std::string pressure = "moderate";
    auto params = nlohmann::json::parse(req.params_json, nullptr, false);
    if (params.is_object() && params.contains("pressure")) {
      pressure = params["pressure"].get<std::string>();
    }
    // Vigorous pressure is unsafe with a bleeding risk or fragile bone; when any of them is
    // unrecorded, assume it until the therapist confirms.
    std::string capped_by;
    bool unconfirmed = false;
    for (const char* code : {"anticoagulant_therapy", "bleeding_disorder", "osteoporosis"}) {
      auto v = f.boolean(code);
      if (v.value_or(false)) capped_by += std::string(capped_by.empty() ? "" : ", ") + code;
      unconfirmed = unconfirmed || !v.has_value();
    }
    if (!capped_by.empty()) {
      pressure = "light";
      out.caution("pressure capped at light: " + capped_by);
    } else if (unconfirmed && pressure != "light") {
      pressure = "light";
      out.caution(
          "pressure capped at light until anticoagulants, bleeding disorder and osteoporosis are "
          "confirmed absent");
    }
    out.pressure(pressure);
    out.instruction("Release the listed regions, working from superficial to deep layers.");
  }
};

}  // namespace

MODALIS_PLUGIN(MyofascialRelease)
