// Stretching and active release (clinical brief §3 and §3a).
//
// Floor: an acute soft-tissue injury, or lumbar or hip surgery in the last 12 weeks. Osteoporosis,
// hypermobility, anticoagulants and age 75 or over keep the step with a caution.
#include <modalis/plugin_sdk.hpp>

#include <iterator>
#include <nlohmann/json.hpp>

namespace {

using modalis::sdk::Findings;
using modalis::sdk::StepBuilder;
using modalis::sdk::StepRequest;

// Hip flexors, hamstrings, the lumbar extensors and the gluteals.
constexpr const char* kStretchable[] = {"hip_flexors", "hamstrings", "erector_spinae",
                                        "gluteus_medius", "gluteus_minimus"};

// The floor and cautions (clinical brief §3a), evaluated by the host with the rules.
constexpr const char* kSafety = R"json({
  "floors": [
    {"id": "acute-injury", "when": {"finding": "acute_soft_tissue_injury", "equals": true},
     "reason": "acute soft-tissue injury (under 72 hours): no stretching"},
    {"id": "recent-surgery", "when": {"finding": "recent_surgery_site", "one_of": ["lumbar", "hip"]},
     "reason": "within 12 weeks of lumbar or hip surgery"}
  ],
  "cautions": [
    {"id": "osteoporosis", "when": {"finding": "osteoporosis", "equals": true},
     "text": "osteoporosis: gentle range, no end-range force, no loaded flexion"},
    {"id": "hypermobility", "when": {"finding": "hypermobility", "equals": true},
     "text": "hypermobility: stop at normal range, favour active control over stretch"},
    {"id": "anticoagulant", "when": {"finding": "anticoagulant_therapy", "equals": true},
     "text": "anticoagulants: no forceful stretch or deep active release (bruising)"},
    {"id": "aged-75", "when": {"finding": "age", "at_least": 75},
     "text": "aged 75 or over: gentle, supported stretches"}
  ]
})json";

bool Stretchable(std::string_view t) {
  for (const char* s : kStretchable) {
    if (t == s) return true;
  }
  return false;
}

class StretchingActiveRelease final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = "stretching_active_release";
    m.display_name = "Stretching / active release";
    m.version = "1.2.0";
    m.phase = 30;  // after needling and hands-on work
    m.default_minutes = 10;
    m.reads = {"acute_soft_tissue_injury",
               "recent_surgery_site",
               "osteoporosis",
               "hypermobility",
               "anticoagulant_therapy",
               "age",
               "thomas_test",
               "hamstring_tight",
               "lumbar_rom"};
    m.required_known = {"acute_soft_tissue_injury"};
    m.targets_allowed.assign(std::begin(kStretchable), std::end(kStretchable));
    m.param_schema_json = R"({"type":"object","additionalProperties":false,"properties":{}})";
    m.safety_json = kSafety;
    return m;
  }

  std::string validate_params(std::string_view params) const override {
    auto j = nlohmann::json::parse(params, nullptr, false);
    if (!j.is_object()) return "params must be an object";
    if (!j.empty()) {
      return "stretching_active_release takes no params (found '" + j.begin().key() + "')";
    }
    return {};
  }

  void build_step(const StepRequest& req, const Findings& f,
                  const StepBuilder& out) const override {
    // A rule that names no targets means what the examination found tight.
    std::vector<std::string_view> requested = req.targets;
    if (requested.empty()) {
      auto thomas = f.code("thomas_test");
      if (thomas && thomas->rfind("positive", 0) == 0) requested.push_back("hip_flexors");
      if (f.is("hamstring_tight", true)) requested.push_back("hamstrings");
      auto rom = f.code("lumbar_rom");
      if (rom && *rom != "full") requested.push_back("erector_spinae");
    }
    for (std::string_view t : requested) {
      if (Stretchable(t)) {
        out.add_target(t);
      } else {
        out.skip_target(t, "not a stretching target");
      }
    }
    out.minutes(req.minutes != 0 ? req.minutes : 10);
    out.caution(
        "confirm before treating: no unhealed fracture, haematoma, acute inflammation, sharp "
        "pain on stretch or bony block");
    out.instruction("Hold each stretch 30 seconds, 3 times; active release on tight bands.");
  }
};

}  // namespace

MODALIS_PLUGIN(StretchingActiveRelease)
