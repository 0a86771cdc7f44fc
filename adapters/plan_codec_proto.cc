#include "adapters/plan_codec_proto.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>
#include <string>
#include <utility>

#include "adapters/plan_proto.h"

namespace modalis {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Field numbers of modalis.v1.Plan, Step and Course (proto/modalis/v1/plan_service.proto) that
// the evidence report reads.
constexpr int kPlanSteps = 5;
constexpr int kPlanCourse = 8;
constexpr int kStepModality = 1;
constexpr int kStepRuleIds = 12;
constexpr int kCourseFrequency = 1;
constexpr int kCourseSessionsMin = 2;
constexpr int kCourseSessionsMax = 3;
constexpr int kCourseReviewAfter = 4;

bool Is(uint32_t tag, int field, WireFormatLite::WireType type) {
  return WireFormatLite::GetTagFieldNumber(tag) == field &&
         WireFormatLite::GetTagWireType(tag) == type;
}

// Reads the fields of the message whose length the stream stands at, through `field`, which
// reads the fields it wants and returns false for the others, which are skipped. False when the
// bytes are not a well-formed message; as a message parser does, a field of the wrong wire type
// is skipped like an unknown one.
template <typename ReadField>
bool ReadMessage(CodedInputStream& in, ReadField field) {
  uint32_t length = 0;
  if (!in.ReadVarint32(&length)) return false;
  const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
  while (in.BytesUntilLimit() > 0) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;
    bool read = true;
    if (!field(tag, &read)) return false;
    if (!read && !WireFormatLite::SkipField(&in, tag)) return false;
  }
  in.PopLimit(limit);
  return true;
}

class ProtoCodec final : public PlanCodec {
 public:
  std::string_view format() const override { return kProtoPlanFormat; }

  std::string Encode(const Plan& plan) const override {
    v1::Plan message;
    PlanToProto(plan, &message);
    return EncodePlanMessage(message);
  }

  absl::StatusOr<Plan> Decode(std::string_view bytes) const override {
    v1::Plan message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError("stored plan is not a readable " + std::string(kProtoPlanFormat) +
                                 " message (" + std::to_string(bytes.size()) + " bytes)");
    }
    auto plan = ProtoToPlan(message);
    if (!plan.ok()) {
      return absl::DataLossError("stored plan holds a value this program cannot read: " +
                                 std::string(plan.status().message()));
    }
    return plan;
  }

  // Walks the encoded message and reads only the steps' modality and rule ids and the course,
  // skipping every other field without decoding it: what ProtoToPlan would give for them, for a
  // small part of the work.
  absl::Status DecodeEvidence(std::string_view bytes, EvidencePlan* out) const override {
    auto unreadable = [&] {
      return absl::DataLossError("stored plan is not a readable " + std::string(kProtoPlanFormat) +
                                 " message (" + std::to_string(bytes.size()) + " bytes)");
    };
    CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    out->steps.clear();
    out->course.reset();
    // As a parser merges repeated occurrences of a message field, the last value of each wins.
    bool has_course = false;
    uint32_t frequency = 0, sessions_min = 0, sessions_max = 0, review_after = 0;
    while (in.CurrentPosition() < static_cast<int>(bytes.size())) {
      const uint32_t tag = in.ReadTag();
      if (tag == 0) return unreadable();
      bool ok = true;
      if (Is(tag, kPlanSteps, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        EvidenceStep& step = out->steps.emplace_back();
        ok = ReadMessage(in, [&](uint32_t t, bool* read) {
          if (Is(t, kStepModality, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
            return WireFormatLite::ReadString(&in, &step.modality);
          }
          if (Is(t, kStepRuleIds, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
            return WireFormatLite::ReadString(&in, &step.rule_ids.emplace_back());
          }
          *read = false;
          return true;
        });
      } else if (Is(tag, kPlanCourse, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        has_course = true;
        ok = ReadMessage(in, [&](uint32_t t, bool* read) {
          for (auto [field, value] : {std::pair{kCourseFrequency, &frequency},
                                      std::pair{kCourseSessionsMin, &sessions_min},
                                      std::pair{kCourseSessionsMax, &sessions_max},
                                      std::pair{kCourseReviewAfter, &review_after}}) {
            if (Is(t, field, WireFormatLite::WIRETYPE_VARINT)) return in.ReadVarint32(value);
          }
          *read = false;
          return true;
        });
      } else {
        ok = WireFormatLite::SkipField(&in, tag);
      }
      if (!ok) return unreadable();
    }
    if (has_course) {
      auto f = FromProto(static_cast<v1::Frequency>(static_cast<int32_t>(frequency)));
      if (!f.ok()) {
        return absl::DataLossError("stored plan holds a value this program cannot read: " +
                                   std::string(f.status().message()));
      }
      out->course = Course{*f, sessions_min, sessions_max, review_after};
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::shared_ptr<const PlanCodec> ProtoPlanCodec() {
  static const std::shared_ptr<const PlanCodec> codec = std::make_shared<const ProtoCodec>();
  return codec;
}

std::string EncodePlanMessage(const v1::Plan& message) {
  std::string out;
  out.reserve(message.ByteSizeLong());  // also caches the sizes SerializeWithCachedSizes uses
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }  // the coded stream trims `out` to what it wrote when it goes
  return out;
}

}  // namespace modalis
