#include "adapters/request_hash.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "adapters/plan_proto.h"
#include "adapters/suggest_request.h"
#include "core/common/sha256.h"

namespace modalis {
namespace {

// Appends `message` in protobuf's deterministic encoding: map entries, and so the keys of every
// Struct at any depth, in key order.
void AppendDeterministic(const google::protobuf::Message& message, std::string* out) {
  google::protobuf::io::StringOutputStream raw(out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
}

// Tagged and length-prefixed, so no two different requests give one input.
void AppendPart(std::string_view tag, std::string_view value, std::string* out) {
  out->append(tag);
  out->append(std::to_string(value.size()));
  out->push_back(':');
  out->append(value);
}

// The request's parts but its findings: the same accessors on the API's message and on the wire's.
template <class Request>
std::string HashRequest(const Request& request, std::string_view findings_encoding) {
  std::string bytes;
  std::string encoded;
  bytes.reserve(512);
  AppendPart("patient_ref", request.patient_ref(), &bytes);
  AppendPart("findings", findings_encoding, &bytes);
  AppendPart("session_minutes", std::to_string(request.session_minutes()), &bytes);
  // Only when named, so the hash of a request that names none is the one stored before
  // conditions existed.
  if (!request.condition().empty()) AppendPart("condition", request.condition(), &bytes);
  if (request.has_practitioner()) {
    encoded.clear();
    AppendDeterministic(request.practitioner(), &encoded);
    AppendPart("practitioner", encoded, &bytes);
  }
  return "pb1:" + Sha256Hex(bytes);
}

}  // namespace

std::string FindingsEncoding(const v1::SuggestPlanRequest& request) {
  std::string encoded;
  AppendDeterministic(request.findings(), &encoded);
  return encoded;
}

std::string RequestHash(const v1::SuggestPlanRequest& request) {
  return RequestHash(request, FindingsEncoding(request));
}

std::string RequestHash(const v1::SuggestPlanRequest& request, std::string_view findings_encoding) {
  return HashRequest(request, findings_encoding);
}

std::string FindingsEncoding(const WireFindings& findings) {
  return findings.DeterministicEncoding();
}

std::string RequestHash(const wire::SuggestPlanRequest& request,
                        std::string_view findings_encoding) {
  return HashRequest(request, findings_encoding);
}

std::string LegacyRequestHash(const wire::SuggestPlanRequest& request,
                              const WireFindings& findings) {
  return LegacyRequestHash(ToApiRequest(request, findings));
}

std::string LegacyRequestHash(const v1::SuggestPlanRequest& request) {
  auto findings = StructToJson(request.findings());
  if (!findings.ok()) return "";
  nlohmann::json canonical = {{"patient_ref", request.patient_ref()},
                              {"findings", *std::move(findings)},
                              {"session_minutes", request.session_minutes()}};
  if (request.has_practitioner()) {
    canonical["qualifications"] =
        std::vector<std::string>(request.practitioner().qualifications().begin(),
                                 request.practitioner().qualifications().end());
  }
  return Sha256Hex(canonical.dump());
}

}  // namespace modalis
