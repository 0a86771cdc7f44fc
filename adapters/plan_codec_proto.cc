#include "adapters/plan_codec_proto.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "adapters/plan_proto.h"

namespace modalis {
namespace {

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
