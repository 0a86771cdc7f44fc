// Heat therapy: a superficial heat pack or wrap over the lower back and gluteals before hands-on
// work. An example of a modality added without rebuilding Modalis.
#include <modalis/plugin_sdk.hpp>

#include <string>
#include <string_view>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::ScreenResult;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

constexpr const char* kAreas[] = {"erector_spinae", "quadratus_lumborum", "thoracolumbar_fascia",
                                  "gluteus_medius"};

class HeatTherapy final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "heat_therapy";
    m.display_name = "Heat therapy";
    m.version = "1.0.0";
    m.phase = 15;  // warms the tissue after needling, before hands-on work
    m.default_minutes = 10;
    m.reads = {"dvt_suspected", "acute_soft_tissue_injury", "skin_lesion_at_site", "diabetes",
               "age"};
    m.required_known = {"dvt_suspected", "acute_soft_tissue_injury"};
    m.targets_allowed.assign(std::begin(kAreas), std::end(kAreas));
    m.param_schema_json = R"({"type":"object","additionalProperties":false,)"
                          R"("properties":{"method":{"enum":["pack","wrap"]}}})";
    return m;
  }

  // A tiny check without a JSON library: the only params are {} or {"method": "pack"|"wrap"}.
  std::string validate_params(std::string_view params) const override {
    std::string compact;
    for (char c : params) {
      if (c != ' ' && c != '\n' && c != '\t') compact += c;
    }
    if (compact == "{}" || compact == R"({"method":"pack"})" || compact == R"({"method":"wrap"})") {
      return {};
    }
    return "heat_therapy takes only {\"method\": \"pack\" or \"wrap\"}";
  }

  void screen(const Findings& f, const ScreenResult& out) const override {
    if (f.is("dvt_suspected", true)) {
      out.contraindication("suspected deep vein thrombosis: no heat", "dvt_suspected");
    }
    if (f.is("acute_soft_tissue_injury", true)) {
      out.contraindication("acute soft-tissue injury: heat increases bleeding and swelling",
                           "acute_soft_tissue_injury");
    }
    if (f.is("skin_lesion_at_site", true)) {
      out.caution("skin lesion: no heat over it", "skin_lesion_at_site");
    }
    auto diabetes = f.code("diabetes");
    if (diabetes && *diabetes != "none") {
      out.caution("diabetes: sensation may be reduced; check the skin every 5 minutes", "diabetes");
    }
    auto age = f.number("age");
    if (age && *age >= 75) out.caution("aged 75 or over: thinner skin, lower heat", "age");
  }

  void build_step(const StepRequest& req, const Findings&, const StepBuilder& out) const override {
    for (std::string_view t : req.targets) {
      bool allowed = false;
      for (const char* a : kAreas) allowed = allowed || t == a;
      if (allowed) {
        out.add_target(t);
      } else {
        out.skip_target(t, "not an area for a heat pack");
      }
    }
    const bool wrap = req.params_json.find("wrap") != std::string_view::npos;
    out.param("method", wrap ? "wrap" : "pack");
    out.minutes(req.minutes != 0 ? req.minutes : 10);
    out.caution("check the skin after 5 minutes; a towel layer between pack and skin");
    out.instruction("Warm (not hot) pack over the listed areas, client prone.");
  }
};

}  // namespace

MODALIS_PLUGIN(HeatTherapy)
