// Dry needling of active trigger points (clinical brief §3 and §3a).
#include <modalis/plugin_sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::ScreenResult;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

class DryNeedling final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "dry_needling";
    m.display_name = "Dry needling";
    m.version = "1.0.0";
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
               "age"};
    m.required_known = {"needle_phobia", "needling_consent", "anticoagulant_therapy",
                        "bleeding_disorder", "pregnant"};
    // Never upper_back (pneumothorax risk); hip flexors and hamstrings are stretched, not needled.
    m.targets_allowed = {"quadratus_lumborum", "gluteus_medius", "gluteus_minimus", "piriformis",
                         "erector_spinae"};
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty()) return "dry_needling takes no params (found '" + j.begin().key() + "')";
    return {};
  }

  void screen(const Findings& f, const ScreenResult& out) const override {
    if (f.is("needle_phobia", true)) out.contraindication("needle phobia", "needle_phobia");
    if (f.is("needling_consent", false)) {
      out.contraindication("client has not consented to needling", "needling_consent");
    }
    auto lymph = f.code("lymphoedema_region");
    if (lymph && *lymph != "none" && *lymph != "arm") {
      out.contraindication("lymphoedema in the treatment region (" + std::string(*lymph) + ")",
                           "lymphoedema_region");
    }
    if (f.is("skin_lesion_at_site", true)) {
      out.contraindication("broken or infected skin at the needling site", "skin_lesion_at_site");
    }
    if (f.is("metal_allergy", true)) out.contraindication("metal allergy", "metal_allergy");
    if (f.code_is("epilepsy", "uncontrolled")) {
      out.contraindication("uncontrolled epilepsy", "epilepsy");
    }
    if (f.is("rf_fever_or_unwell", true)) {
      out.contraindication("acutely unwell or feverish", "rf_fever_or_unwell");
    }

    if (lymph && *lymph == "arm")
      out.caution("lymphoedema of the arm: do not needle the arm", "lymphoedema_region");
    if (f.is("antiplatelet_therapy", true)) {
      out.caution("antiplatelet therapy: apply firm pressure after each needle",
                  "antiplatelet_therapy");
    }
    if (f.is("immunosuppressed", true)) {
      out.caution("immunosuppressed: strict asepsis, watch for infection", "immunosuppressed");
    }
    auto diabetes = f.code("diabetes");
    if (diabetes && *diabetes != "none") {
      out.caution("diabetes: check skin and sensation at the sites", "diabetes");
    }
    auto age = f.number("age");
    if (age && *age >= 75) out.caution("aged 75 or over: fewer needles, shallow depth", "age");
  }

  void build_step(const StepRequest& req, const Findings&, const StepBuilder& out) const override {
    static const char* const kAllowed[] = {"quadratus_lumborum", "gluteus_medius",
                                           "gluteus_minimus", "piriformis", "erector_spinae"};
    for (std::string_view t : req.targets) {
      bool allowed = false;
      for (const char* a : kAllowed) allowed = allowed || t == a;
      if (allowed) {
        out.add_target(t);
      } else if (t == "upper_back") {
        out.skip_target(t, "not needled: pneumothorax risk over the thorax");
      } else {
        out.skip_target(t, "not a dry needling target here; treated by hands-on work instead");
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 15);
    out.caution(
        "confirm before treating: no previous adverse reaction to needling, no bleeding that "
        "pressure cannot stop, not acutely ill");
    out.instruction(
        "Needle the active trigger points in the listed muscles, before hands-on work.");
  }
};

}  // namespace

MODALIS_PLUGIN(DryNeedling)
