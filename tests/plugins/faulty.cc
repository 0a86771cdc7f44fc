// An SDK plugin that throws where a compile definition says: in its constructor (init), in
// screen, in build_step, or by reading a finding it never declared; or declares a params schema
// that is not JSON. The SDK must turn each throw into an error result at the boundary; the host
// must refuse (init, schema) or report a plugin error (serving).
// Without a knob it behaves and only claims TEST_ID (used for the duplicate-id fixture).
#include <modalis/plugin_sdk.hpp>

#include <stdexcept>

namespace {

class Faulty final : public modalis::sdk::Modality {
 public:
  static modalis::sdk::Manifest Manifest() {
    modalis::sdk::Manifest m;
    m.id = TEST_ID;
    m.display_name = "Faulty test modality";
    m.version = "0.0.1";
    m.phase = 50;
    m.default_minutes = 5;
    m.reads = {"pregnant"};
    m.required_known = {};
#ifdef TEST_BAD_PARAM_SCHEMA
    m.param_schema_json = R"({"type": "object", "properties": {"method": {"enum": ["pack"]})";
#endif
    return m;
  }

  Faulty() {
#ifdef TEST_THROW_IN_INIT
    throw std::runtime_error("licence file missing");
#endif
  }

  void screen(const modalis::sdk::Findings& f,
              const modalis::sdk::ScreenResult& out) const override {
#ifdef TEST_THROW_IN_SCREEN
    throw std::runtime_error("screen table corrupt");
#endif
#ifdef TEST_UNDECLARED_READ
    (void)f.known("needle_phobia");  // not in reads: a programming error the SDK reports
#endif
    if (f.is("pregnant", true)) out.caution("pregnant", "pregnant");
  }

  void build_step(const modalis::sdk::StepRequest&, const modalis::sdk::Findings&,
                  const modalis::sdk::StepBuilder& out) const override {
#ifdef TEST_THROW_IN_BUILD_STEP
    throw std::out_of_range("step template index 7 out of range");
#endif
    out.add_target("hamstrings");
  }
};

}  // namespace

MODALIS_PLUGIN(Faulty)
