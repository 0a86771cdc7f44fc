#include "core/store/plan_codec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

#include "core/plan/plan_json.h"

namespace modalis {
namespace {

class JsonCodec final : public PlanCodec {
 public:
  std::string_view format() const override { return kJsonPlanFormat; }

  std::string Encode(const Plan& plan) const override { return PlanToJson(plan).dump(); }

  absl::StatusOr<Plan> Decode(std::string_view bytes) const override {
    auto j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return absl::DataLossError("stored plan is not valid JSON");
    return PlanFromJson(j);
  }
};

}  // namespace

std::shared_ptr<const PlanCodec> JsonPlanCodec() {
  static const std::shared_ptr<const PlanCodec> codec = std::make_shared<const JsonCodec>();
  return codec;
}

absl::Status PlanCodec::DecodeEvidence(std::string_view bytes, EvidencePlan* out) const {
  auto plan = Decode(bytes);
  if (!plan.ok()) return plan.status();
  out->steps.clear();
  out->steps.reserve(plan->steps.size());
  for (PlanStep& step : plan->steps) {
    out->steps.push_back(EvidenceStep{std::move(step.modality), std::move(step.rule_ids)});
  }
  out->course = plan->course;
  return absl::OkStatus();
}

namespace {

absl::Status UnreadableFormat(const PlanCodec& configured, std::string_view format) {
  return absl::FailedPreconditionError(
      "the plan is stored in format '" + std::string(format) +
      "', which this program cannot read (it reads '" + std::string(kJsonPlanFormat) + "'" +
      (configured.format() == kJsonPlanFormat ? std::string()
                                              : " and '" + std::string(configured.format()) + "'") +
      "); read it with the program that wrote it (modalisd, or the modalis CLI)");
}

}  // namespace

absl::StatusOr<Plan> DecodeStoredPlan(const PlanCodec& configured, std::string_view format,
                                      std::string_view bytes) {
  if (format == configured.format()) return configured.Decode(bytes);
  if (format == kJsonPlanFormat) return JsonPlanCodec()->Decode(bytes);
  return UnreadableFormat(configured, format);
}

absl::Status DecodeStoredEvidence(const PlanCodec& configured, std::string_view format,
                                  std::string_view bytes, EvidencePlan* out) {
  if (format == configured.format()) return configured.DecodeEvidence(bytes, out);
  if (format == kJsonPlanFormat) return JsonPlanCodec()->DecodeEvidence(bytes, out);
  return UnreadableFormat(configured, format);
}

}  // namespace modalis
