#include "server/connect_protocol.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include <memory>

#include "absl/strings/escaping.h"
#include "google/rpc/status.pb.h"

namespace modalis {

std::string_view ConnectCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "canceled";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

unsigned ConnectHttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;  // unknown, internal, data_loss
  }
}

namespace {

// The detail's proto3 JSON, or null when this binary does not know its type (the client still
// has `type` and `value`).
nlohmann::ordered_json DebugJson(const google::protobuf::Any& any) {
  const std::string type = std::string(any.type_url().substr(any.type_url().rfind('/') + 1));
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (descriptor == nullptr) return nullptr;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
  if (prototype == nullptr) return nullptr;
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!message->ParseFromString(any.value())) return nullptr;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*message, &json).ok()) return nullptr;
  return nlohmann::ordered_json::parse(json, nullptr, false);
}

}  // namespace

std::string ConnectErrorBody(const grpc::Status& status) {
  nlohmann::ordered_json body = {{"code", ConnectCodeName(status.error_code())},
                                 {"message", status.error_message()}};
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const google::protobuf::Any& any : details.details()) {
      std::string value = absl::Base64Escape(any.value());
      // Connect's clients accept base64 with or without padding; its servers send none.
      while (!value.empty() && value.back() == '=') value.pop_back();
      nlohmann::ordered_json detail = {
          {"type", std::string(any.type_url().substr(any.type_url().rfind('/') + 1))},
          {"value", value}};
      if (nlohmann::ordered_json debug = DebugJson(any);
          !debug.is_null() && !debug.is_discarded()) {
        detail["debug"] = std::move(debug);
      }
      list.push_back(std::move(detail));
    }
    if (!list.empty()) body["details"] = std::move(list);
  }
  // A message cut inside a UTF-8 sequence must not make the whole body unreadable.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::optional<std::chrono::milliseconds> ParseConnectTimeout(std::string_view header) {
  if (header.empty() || header.size() > 10) return std::nullopt;
  int64_t ms = 0;
  for (const char c : header) {
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace modalis
