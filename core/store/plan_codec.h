// How plans are kept at rest: the store holds an encoded plan as bytes with the name of the codec
// that wrote it, so a database can hold plans of several encodings and each reads back by its own.
// Core knows only the JSON form; a front end may supply another (modalisd's is the public API's
// protobuf message, adapters/plan_codec_proto.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/plan/plan.h"
#include "core/store/evidence.h"

namespace modalis {

class PlanCodec {
 public:
  virtual ~PlanCodec() = default;
  // Stored beside each plan, e.g. "json" or "modalis.v1.Plan".
  virtual std::string_view format() const = 0;
  // The same plan always gives the same bytes.
  virtual std::string Encode(const Plan& plan) const = 0;
  // DATA_LOSS naming the problem when `bytes` are not a plan this codec wrote.
  virtual absl::StatusOr<Plan> Decode(std::string_view bytes) const = 0;
  // What the evidence report reads of a plan (each step's modality and rule ids, and the course),
  // into `out`'s steps and course; its other members are left as they are. This default decodes
  // the whole plan. A codec may read just those parts, much faster over a year of plans, provided
  // it gives the same parts for every plan Decode accepts; it may then check less of the rest of
  // the bytes than Decode does.
  virtual absl::Status DecodeEvidence(std::string_view bytes, EvidencePlan* out) const;
};

// The format name of JsonPlanCodec.
inline constexpr std::string_view kJsonPlanFormat = "json";

// Today's form, PlanToJson / PlanFromJson (core/plan/plan_json.h); format "json".
std::shared_ptr<const PlanCodec> JsonPlanCodec();

// Decodes a plan stored by the codec named `format`: "json" always, `configured`'s format with
// `configured`. Any other format is FAILED_PRECONDITION naming it: the plan was written by a
// program with a codec this one lacks.
absl::StatusOr<Plan> DecodeStoredPlan(const PlanCodec& configured, std::string_view format,
                                      std::string_view bytes);
// The same choice of codec for DecodeEvidence.
absl::Status DecodeStoredEvidence(const PlanCodec& configured, std::string_view format,
                                  std::string_view bytes, EvidencePlan* out);

}  // namespace modalis
