#include "server/grpc_status.h"

#include <algorithm>

#include "core/findings/findings.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace modalis {

namespace {

// The message travels in a trailer, and clients refuse trailers beyond their metadata limit
// (gRPC's default is 8 KiB), turning a rule set's long list of problems into "metadata size
// exceeds limit" with none of them. Whole lines are kept, and the count of those left out.
std::string Bounded(std::string_view message) {
  if (message.size() <= kMaxStatusMessageBytes) return std::string(message);
  size_t cut = message.rfind('\n', kMaxStatusMessageBytes);
  if (cut == std::string_view::npos) cut = kMaxStatusMessageBytes;
  size_t more = 0;
  for (size_t i = cut; i < message.size(); ++i) more += message[i] == '\n' ? 1 : 0;
  return std::string(message.substr(0, cut)) + "\n… and " +
         std::to_string(std::max<size_t>(more, 1)) + " more lines, left out of this message";
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message = Bounded(std::string_view(status.message().data(), status.message().size()));
  const std::vector<FieldViolation> findings = FieldViolationsOf(status);
  const std::vector<FieldViolation> fields = RequestFieldViolationsOf(status);
  if (findings.empty() && fields.empty()) return grpc::Status(code, message);

  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : fields) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  for (const FieldViolation& v : findings) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field == "findings" ? "findings" : "findings." + v.field);
    out->set_description(v.description);
  }
  google::rpc::Status details;
  details.set_code(static_cast<int32_t>(code));
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(code, message, details.SerializeAsString());
}

grpc::ServerUnaryReactor* FinishedWith(grpc::CallbackServerContext* context,
                                       const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace modalis
