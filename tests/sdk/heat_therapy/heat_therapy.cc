// Heat therapy: a superficial heat pack or wrap over the lower back and gluteals before hands-on
// work. An example of a modality added without rebuilding Modalis.
#include <modalis/plugin_sdk.hpp>

#include <string>
#include <string_view>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

constexpr const char* kAreas[] = {"erector_spinae", "quadratus_lumborum", "thoracolumbar_fascia",
                                  "gluteus_medius"};

// The safety floor and cautions, as conditions in the rule files' language. Modalis evaluates them
// with the rules: a floor that holds excludes heat; one whose finding was not recorded is asked
// about before heat is given.
constexpr const char* kSafety = R"json({
  "floors": [
    {"id": "dvt", "when": {"finding": "dvt_suspected", "equals": true},
     "reason": "suspected deep vein thrombosis: no heat"},
    {"id": "acute-injury", "when": {"finding": "acute_soft_tissue_injury", "equals": true},
     "reason": "acute soft-tissue injury: heat increases bleeding and swelling"}
  ],
  "cautions": [
    {"id": "skin-lesion", "when": {"finding": "skin_lesion_at_site", "equals": true},
     "text": "skin lesion: no heat over it"},
    {"id": "diabetes", "when": {"finding": "diabetes", "one_of": ["controlled", "uncontrolled"]},
     "text": "diabetes: sensation may be reduced; check the skin every 5 minutes"},
    {"id": "aged-75", "when": {"finding": "age", "at_least": 75},
     "text": "aged 75 or over: thinner skin, lower heat"}
  ]
})json";

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
    m.safety_json = kSafety;
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
