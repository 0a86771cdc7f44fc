#include "adapters/replay_input.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>
#include <limits>
#include <string>

#include "adapters/request_hash.h"

namespace modalis {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

// A message field as protobuf writes it: its tag, its length, its encoding.
void WriteEncodedField(int number, std::string_view encoding, CodedOutputStream& out) {
  out.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<uint32_t>(encoding.size()));
  out.WriteRaw(encoding.data(), static_cast<int>(encoding.size()));
}

// The same, encoding `message` as `out` is set to (deterministically here).
void WriteMessageField(int number, const google::protobuf::MessageLite& message,
                       CodedOutputStream& out) {
  const size_t size = message.ByteSizeLong();  // SerializeWithCachedSizes reads it back
  out.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<uint32_t>(size));
  message.SerializeWithCachedSizes(&out);
}

// The same accessors on the API's message and on the wire's, and the same field numbers.
template <class Request>
std::string EncodeQuestion(const Request& request, std::string_view findings_encoding) {
  std::string out;
  out.reserve(findings_encoding.size() + 64);
  {
    google::protobuf::io::StringOutputStream raw(&out);
    CodedOutputStream coded(&raw);
    // Map entries in key order: the same question is the same bytes (the findings' encoding, of
    // Structs at any depth, is deterministic already).
    coded.SetSerializationDeterministic(true);
    // Field by field in the order of their numbers, as protobuf writes a request that holds only
    // these (the same bytes), without copying the findings into one. The findings always, even
    // when none were sent, so that the encoding is never empty.
    WriteEncodedField(Request::kFindingsFieldNumber, findings_encoding, coded);
    if (request.session_minutes() != 0) {
      WireFormatLite::WriteUInt32(Request::kSessionMinutesFieldNumber, request.session_minutes(),
                                  &coded);
    }
    if (request.has_practitioner()) {
      WriteMessageField(Request::kPractitionerFieldNumber, request.practitioner(), coded);
    }
    if (!request.condition().empty()) {
      WireFormatLite::WriteString(Request::kConditionFieldNumber, request.condition(), &coded);
    }
  }
  return out;
}

}  // namespace

std::string EncodeReplayInput(const v1::SuggestPlanRequest& request,
                              std::string_view findings_encoding) {
  return EncodeQuestion(request, findings_encoding);
}

std::string EncodeReplayInput(const wire::SuggestPlanRequest& request,
                              std::string_view findings_encoding) {
  return EncodeQuestion(request, findings_encoding);
}

std::string EncodeReplayInput(const v1::SuggestPlanRequest& request) {
  return EncodeReplayInput(request, FindingsEncoding(request));
}

absl::StatusOr<v1::SuggestPlanRequest> DecodeReplayInput(std::string_view format,
                                                         std::string_view bytes) {
  if (format.empty() && bytes.empty()) {
    return absl::FailedPreconditionError(
        "the plan kept no question: it was stored before plans kept theirs");
  }
  if (format != kReplayInputFormat) {
    return absl::FailedPreconditionError(
        "the plan's question is kept in the format '" + std::string(format) +
        "', which this program cannot read (it reads '" + std::string(kReplayInputFormat) + "')");
  }
  v1::SuggestPlanRequest request;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("the plan's question is not a readable " +
                               std::string(kReplayInputFormat) + " message (" +
                               std::to_string(bytes.size()) + " bytes)");
  }
  return request;
}

}  // namespace modalis
