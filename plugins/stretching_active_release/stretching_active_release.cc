// Stretching and active release (clinical brief §3 and §3a).
#include <modalis/plugin_sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::ScreenResult;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

class StretchingActiveRelease final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "stretching_active_release";
    m.display_name = "Stretching / active release";
    m.version = "1.0.0";
    m.phase = 30;  // after needling and hands-on work
    m.default_minutes = 10;
    m.reads = {"acute_soft_tissue_injury",
               "recent_surgery_site",
               "osteoporosis",
               "hypermobility",
               "anticoagulant_therapy",
               "age"};
    m.required_known = {"acute_soft_tissue_injury"};
    m.targets_allowed = {"hip_flexors",    "hamstrings",      "erector_spinae",
                         "gluteus_medius", "gluteus_minimus", "piriformis"};
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty())
      return "stretching_active_release takes no params (found '" + j.begin().key() + "')";
    return {};
  }

  void screen(const Findings& f, const ScreenResult& out) const override {
    if (f.is("acute_soft_tissue_injury", true)) {
      out.contraindication("acute soft-tissue injury (under 72 hours)", "acute_soft_tissue_injury");
    }
    auto surgery = f.code("recent_surgery_site");
    if (surgery && (*surgery == "lumbar" || *surgery == "hip")) {
      out.contraindication("within 12 weeks of " + std::string(*surgery) + " surgery",
                           "recent_surgery_site");
    }
    if (f.is("osteoporosis", true))
      out.caution("osteoporosis: gentle range, no end-range force", "osteoporosis");
    if (f.is("hypermobility", true))
      out.caution("hypermobility: do not push past normal range", "hypermobility");
    if (f.is("anticoagulant_therapy", true)) {
      out.caution("anticoagulants: avoid forceful stretches (bruising risk)",
                  "anticoagulant_therapy");
    }
    auto age = f.number("age");
    if (age && *age >= 75) out.caution("aged 75 or over: gentle, supported stretches", "age");
  }

  void build_step(const StepRequest& req, const Findings&, const StepBuilder& out) const override {
    static const char* const kAllowed[] = {"hip_flexors",    "hamstrings",      "erector_spinae",
                                           "gluteus_medius", "gluteus_minimus", "piriformis"};
    for (std::string_view t : req.targets) {
      bool allowed = false;
      for (const char* a : kAllowed) allowed = allowed || t == a;
      if (allowed) {
        out.add_target(t);
      } else {
        out.skip_target(t, "not a stretching target");
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 10);
    out.caution("confirm before treating: no unhealed fracture, haematoma or bony block");
    out.instruction("Hold each stretch 30 seconds, 3 times; active release on tight bands.");
  }
};

}  // namespace

MODALIS_PLUGIN(StretchingActiveRelease)
