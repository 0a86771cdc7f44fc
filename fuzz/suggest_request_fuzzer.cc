// A SuggestPlanRequest as protobuf bytes -> the reading and planning modalisd's SuggestPlan runs
// (the wire form and its findings read directly, ReadSuggestRequest, Engine::SuggestDecoded,
// PlanToProto, JSON printing), minus the network and the store. The reading is checked against
// protobuf's own: the API's message parsed from the same bytes must be refused or accepted alike,
// and read through the Struct path to the same findings or the same refusal, and the findings'
// deterministic encoding must be the same bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/plan_proto.h"
#include "adapters/request_hash.h"
#include "adapters/suggest_request.h"
#include "adapters/wire_findings.h"
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

  if (size > static_cast<size_t>(INT32_MAX)) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  modalis::v1::SuggestPlanRequest api;
  const bool protobuf_reads = api.ParseFromArray(data, static_cast<int>(size));
  modalis::wire::SuggestPlanRequest request;
  absl::StatusOr<modalis::WireFindings> findings =
      modalis::ParseWireRequest(bytes, &request).ok()
          ? modalis::WireFindings::Read(request.findings())
          : absl::InvalidArgumentError("unreadable");
  if (findings.ok() != protobuf_reads) {
    modalis::fuzz::Die("the wire reading and protobuf disagree on whether the request reads");
  }
  if (!protobuf_reads) return 0;
  if (findings->DeterministicEncoding() != modalis::FindingsEncoding(api)) {
    modalis::fuzz::Die("the findings' deterministic encoding differs from protobuf's");
  }
  const auto rules = engine->rules();
  const auto& limits = engine->config().findings_limits;
  auto input = modalis::ReadSuggestRequest(request, *findings, rules->vocabulary, limits);
  auto reference = modalis::ReadSuggestRequest(modalis::WithoutFindings(api),
                                               modalis::WireFindings::Of(api.findings()),
                                               rules->vocabulary, limits);
  if (input.ok() != reference.ok() ||
      (input.ok() ? input->findings.ToJson() != reference->findings.ToJson()
                  : input.status() != reference.status())) {
    modalis::fuzz::Die("the findings read directly differ from the Struct's");
  }
  if (!input.ok()) return 0;
  auto plan = engine->SuggestDecoded(*rules, std::move(input->findings), input->plan_request);
  if (!plan.ok()) return 0;
  modalis::v1::SuggestPlanResponse response;
  modalis::PlanToProto(*plan, response.mutable_plan());
  (void)modalis::MessageToJson(response);
  return 0;
}
