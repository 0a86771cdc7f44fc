// A SuggestPlanRequest as protobuf bytes -> the conversion and planning modalisd's SuggestPlan runs
// (ReadSuggestRequest, Engine::SuggestDecoded, PlanToProto, JSON printing), minus the network and
// the store.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/plan_proto.h"
#include "adapters/suggest_request.h"
#include "core/engine.h"
#include "fuzz/fuzz_support.h"
#include "modalis/v1/plan_service.pb.h"

namespace {

std::unique_ptr<modalis::Engine> MakeEngine() {
  modalis::EngineConfig config;
  config.rules_dir = modalis::fuzz::RulesDir();
  config.plugins_dir = MODALIS_PLUGIN_DIR;
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) modalis::fuzz::Die(std::string(engine.status().message()));
  return *std::move(engine);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const modalis::Engine* engine = MakeEngine().release();

  modalis::v1::SuggestPlanRequest request;
  if (size > static_cast<size_t>(INT32_MAX) ||
      !request.ParseFromArray(data, static_cast<int>(size))) {
    return 0;
  }
  const auto rules = engine->rules();
  auto input =
      modalis::ReadSuggestRequest(request, rules->vocabulary, engine->config().findings_limits);
  if (!input.ok()) return 0;
  auto plan = engine->SuggestDecoded(*rules, std::move(input->findings), input->plan_request);
  if (!plan.ok()) return 0;
  modalis::v1::SuggestPlanResponse response;
  modalis::PlanToProto(*plan, response.mutable_plan());
  (void)modalis::MessageToJson(response);
  return 0;
}
