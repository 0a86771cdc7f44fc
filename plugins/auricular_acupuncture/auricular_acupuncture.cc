// Auricular acupuncture for stress and sleep (clinical brief §3, §3a and §6).
#include <modalis/plugin_sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::ScreenResult;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

class AuricularAcupuncture final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "auricular_acupuncture";
    m.display_name = "Auricular acupuncture";
    m.version = "1.0.0";
    m.phase = 40;  // ear work last
    m.default_minutes = 20;
    m.qualification = "acupuncture";
    m.needs_written_consent = true;
    m.reads = {"ear_infection", "needle_phobia", "needling_consent",
               "pregnant",      "stress_level",  "sleep_quality"};
    m.required_known = {"needle_phobia", "needling_consent", "ear_infection"};
    m.targets_allowed = {"ear_nada", "ear_shen_men", "ear_point_zero", "ear_sleep_points"};
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty())
      return "auricular_acupuncture takes no params (found '" + j.begin().key() + "')";
    return {};
  }

  void screen(const Findings& f, const ScreenResult& out) const override {
    if (f.is("ear_infection", true)) {
      out.contraindication("inflamed or infected ear", "ear_infection");
    }
    if (f.is("needle_phobia", true)) out.contraindication("needle phobia", "needle_phobia");
    if (f.is("needling_consent", false)) {
      out.contraindication("client has not consented to needling", "needling_consent");
    }
    if (f.is("pregnant", true)) {
      out.caution("pregnant: avoid the traditionally forbidden points; consider seeds", "pregnant");
    }
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    // The rule may name points; otherwise choose them from what brought the client here.
    bool any = false;
    for (std::string_view t : req.targets) {
      if (t == "ear_nada" || t == "ear_shen_men" || t == "ear_point_zero" ||
          t == "ear_sleep_points") {
        out.add_target(t);
        any = true;
      } else {
        out.skip_target(t, "not an ear point");
      }
    }
    if (!any) {
      if (f.code_is("stress_level", "high")) {
        out.add_target("ear_nada");
        out.add_target("ear_point_zero");
      }
      if (f.code_is("sleep_quality", "poor")) {
        out.add_target("ear_shen_men");
        out.add_target("ear_sleep_points");
      }
      if (!f.code_is("stress_level", "high") && !f.code_is("sleep_quality", "poor")) {
        out.add_target("ear_shen_men");
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 20);
    out.caution("confirm before treating: no metal allergy, no bleeding disorder");
    out.instruction("Both ears; needles or seeds, retained while the client rests.");
  }
};

}  // namespace

MODALIS_PLUGIN(AuricularAcupuncture)
