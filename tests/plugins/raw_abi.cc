// A plugin written against the raw C ABI, without the SDK, so a test can build descriptors the SDK
// would never produce: another ABI major, a newer minor, a truncated struct, no descriptor at all,
// inconsistent declarations, or a screen that fails with an error code and no message.
//
// Knobs (compile definitions): TEST_ID, TEST_ABI_MAJOR, TEST_ABI_MINOR, TEST_STRUCT_SIZE,
// TEST_NULL_DESCRIPTOR, TEST_REQUIRED_NOT_READ, TEST_WORKING_1_0 (a plugin as built against ABI
// 1.0, before floors could be declared as data: its screen is its whole floor, contraindicated
// when the client is pregnant, and it builds a step for its requested targets).
#include <modalis/plugin_abi.h>

#include <boost/dll/alias.hpp>
#include <cstdint>
#include <cstring>

#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR MODALIS_PLUGIN_ABI_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR MODALIS_PLUGIN_ABI_MINOR
#endif
#ifndef TEST_STRUCT_SIZE
#define TEST_STRUCT_SIZE sizeof(modalis_plugin_v1)
#endif

namespace {

modalis_str Str(const char* s) { return modalis_str{s, std::strlen(s)}; }

int instance_token = 0;

int Init(void** instance, modalis_error_sink_v1) {
  *instance = &instance_token;
  return MODALIS_OK;
}
void Destroy(void*) {}
int ValidateParams(void*, modalis_str, modalis_error_sink_v1) { return MODALIS_OK; }
#ifdef TEST_WORKING_1_0
modalis_str Lit(const char* s) { return modalis_str{s, std::strlen(s)}; }
int Screen(void*, const modalis_findings_v1* f, const modalis_screen_sink_v1* sink,
           modalis_error_sink_v1) {
  int pregnant = 0;
  if (f->get_bool(f->ctx, 0, &pregnant) == MODALIS_OK && pregnant != 0) {
    sink->contraindication(sink->ctx, Lit("pregnant: not with this modality"), Lit("pregnant"));
  }
  return MODALIS_OK;
}
int BuildStep(void*, const modalis_step_request_v1* request, const modalis_findings_v1*,
              const modalis_step_sink_v1* sink, modalis_error_sink_v1) {
  for (size_t i = 0; i < request->targets_count; ++i)
    sink->add_target(sink->ctx, request->targets[i]);
  sink->set_minutes(sink->ctx, 5);
  return MODALIS_OK;
}
#else
// Fails without saying why: the host must still report a plugin error, not crash or drop it.
int Screen(void*, const modalis_findings_v1*, const modalis_screen_sink_v1*,
           modalis_error_sink_v1) {
  return MODALIS_ERROR;
}
int BuildStep(void*, const modalis_step_request_v1*, const modalis_findings_v1*,
              const modalis_step_sink_v1*, modalis_error_sink_v1) {
  return MODALIS_ERROR;
}
#endif

const modalis_str kReads[] = {Str("pregnant")};
#ifdef TEST_REQUIRED_NOT_READ
const modalis_str kRequired[] = {Str("needle_phobia")};
#else
const modalis_str kRequired[] = {Str("pregnant")};
#endif

modalis_plugin_v1 MakeDescriptor() {
  modalis_plugin_v1 d{};
  d.struct_size = static_cast<uint32_t>(TEST_STRUCT_SIZE);
  d.abi_major = static_cast<uint16_t>(TEST_ABI_MAJOR);
  d.abi_minor = static_cast<uint16_t>(TEST_ABI_MINOR);
  d.id = Str(TEST_ID);
  d.display_name = Str("Raw ABI test plugin");
  d.version = Str("0.0.1");
  d.phase = 50;
  d.default_minutes = 5;
  d.qualification = Str("");
  d.reads = kReads;
  d.reads_count = 1;
  d.required_known = kRequired;
  d.required_known_count = 1;
  d.param_schema_json = Str("{}");
  d.init = &Init;
  d.destroy = &Destroy;
  d.validate_params = &ValidateParams;
  d.screen = &Screen;
  d.build_step = &BuildStep;
  return d;
}

const modalis_plugin_v1 kDescriptor = MakeDescriptor();

const modalis_plugin_v1* Entry() noexcept {
#ifdef TEST_NULL_DESCRIPTOR
  return nullptr;
#else
  return &kDescriptor;
#endif
}

}  // namespace

BOOST_DLL_ALIAS(Entry, modalis_plugin_entry_v1)
