#include "server/connect_gateway.h"

#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>

#include "core/common/did_you_mean.h"
#include "server/connect_protocol.h"

namespace modalis {

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kProto = "application/proto";

HttpResponse ErrorResponse(const grpc::Status& status) {
  HttpResponse r;
  r.status = ConnectHttpStatus(status.error_code());
  r.content_type = std::string(kJson);
  r.body = ConnectErrorBody(status);
  return r;
}

// The media type of a Content-Type header, lower case, without parameters ("; charset=utf-8").
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

const google::protobuf::Message* Prototype(const google::protobuf::Descriptor* type) {
  return google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
}

// Reads the JSON body into `message`: nullopt, or the refusal to send.
std::optional<HttpResponse> ReadJsonBody(const ProtoJson& codec, HttpRequest& request,
                                         google::protobuf::Message* message) {
  if (request.body.empty()) request.body = "{}";
  const absl::Status parsed = codec.Read(request.body, message);
  if (parsed.ok()) return std::nullopt;
  return ErrorResponse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "the body is not a " + message->GetDescriptor()->full_name() +
                                        " in proto3 JSON: " + std::string(parsed.message())));
}

// The reply's message as JSON, or an INTERNAL error should the codec refuse it.
HttpResponse JsonReply(const ProtoJson& codec, const google::protobuf::Message& message) {
  HttpResponse r;
  if (!codec.Write(message, &r.body).ok()) {
    return ErrorResponse(
        grpc::Status(grpc::StatusCode::INTERNAL, "the reply could not be written as JSON"));
  }
  return r;
}

// The HTTP reply to a call that reached its method through gRPC.
HttpResponse Reply(const ProtoJson& codec, const google::protobuf::MethodDescriptor& method,
                   bool json, const grpc::Status& status, std::string bytes) {
  if (!status.ok()) return ErrorResponse(status);
  if (!json) {
    HttpResponse r;
    r.content_type = std::string(kProto);
    r.body = std::move(bytes);
    return r;
  }
  std::unique_ptr<google::protobuf::Message> message(Prototype(method.output_type())->New());
  if (!message->ParseFromString(bytes)) {
    return ErrorResponse(
        grpc::Status(grpc::StatusCode::INTERNAL, "the reply could not be written as JSON"));
  }
  return JsonReply(codec, *message);
}

}  // namespace

ConnectGateway::ConnectGateway(
    InProcessCalls& calls, const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    std::function<void(const std::string&)> on_refused, DirectCalls* direct)
    : calls_(calls), direct_(direct), on_refused_(std::move(on_refused)) {
  std::vector<const google::protobuf::Descriptor*> types;
  for (const auto* service : services) {
    if (service == nullptr) continue;  // not linked into this binary
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (method->client_streaming() || method->server_streaming()) continue;  // unary only
      std::string path = "/" + service->full_name() + "/" + method->name();
      routes_.emplace(path, Route{method, path});
      types.push_back(method->input_type());
      types.push_back(method->output_type());
    }
  }
  json_ = std::make_unique<ProtoJson>(types);
}

std::vector<std::string> ConnectGateway::Paths() const {
  std::vector<std::string> paths;
  for (const auto& [path, route] : routes_) paths.push_back(path);
  return paths;
}

void ConnectGateway::Handle(HttpRequest request, HttpResponder respond) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  const auto route = routes_.find(path);
  if (route == routes_.end()) {
    HttpResponse r = ErrorResponse(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        "no method at " + path + DidYouMeanSuffix(path, Paths()) +
            "; every method is POST /<package.Service>/<Method>, as in the .proto files"));
    r.status = 404;  // Connect: a route that does not exist is a 404
    return Refuse(request, std::move(r), respond);
  }
  if (request.method != "POST") {
    HttpResponse r = ErrorResponse(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                                request.method + " is not allowed here; use POST"));
    r.status = 405;
    r.headers.emplace_back("Allow", "POST");
    return Refuse(request, std::move(r), respond);
  }
  const std::string media = MediaType(request.header("content-type"));
  if (media != kJson && media != kProto) {
    HttpResponse r = ErrorResponse(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        "Content-Type '" + request.header("content-type") +
            "' is not supported; send application/json (proto3 JSON) or application/proto"));
    r.status = 415;
    r.headers.emplace_back("Accept-Post", "application/json, application/proto");
    return Refuse(request, std::move(r), respond);
  }
  if (const std::string& encoding = request.header("content-encoding");
      !encoding.empty() && encoding != "identity") {
    HttpResponse r = ErrorResponse(
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                     "Content-Encoding '" + encoding + "' is not supported; send it uncompressed"));
    r.status = 415;
    return Refuse(request, std::move(r), respond);
  }
  if (const std::string& version = request.header("connect-protocol-version");
      !version.empty() && version != "1") {
    return Refuse(request,
                  ErrorResponse(grpc::Status(
                      grpc::StatusCode::INVALID_ARGUMENT,
                      "Connect-Protocol-Version '" + version + "' is not supported; it must be 1")),
                  respond);
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (const std::string& header = request.header("connect-timeout-ms"); !header.empty()) {
    const auto asked = ParseConnectTimeout(header);
    if (!asked) {
      return Refuse(request,
                    ErrorResponse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                               "Connect-Timeout-Ms '" + header +
                                                   "' is not a whole number of milliseconds")),
                    respond);
    }
    timeout = *asked;
  }
  const std::string& authorization = request.header("authorization");
  if (!IsPrintableAscii(authorization)) {
    return Refuse(request,
                  ErrorResponse(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                             "the Authorization header is not a bearer token")),
                  respond);
  }

  const bool json = media == kJson;
  if (json && direct_ != nullptr && direct_->Serves(route->second.grpc_path)) {
    return CallDirectly(std::move(request), route->second, authorization, timeout,
                        std::move(respond));
  }
  std::string bytes;
  if (json) {
    std::unique_ptr<google::protobuf::Message> message(
        Prototype(route->second.method->input_type())->New());
    if (auto refused = ReadJsonBody(*json_, request, message.get())) {
      return Refuse(request, *std::move(refused), respond);
    }
    bytes = message->SerializeAsString();
  } else {
    bytes = std::move(request.body);
  }

  const Route* called = &route->second;
  calls_.Call(called->grpc_path, std::move(bytes), authorization, timeout,
              [this, called, json, respond = std::move(respond)](const grpc::Status& status,
                                                                 std::string reply) {
                respond(Reply(*json_, *called->method, json, status, std::move(reply)));
              });
}

void ConnectGateway::CallDirectly(HttpRequest request, const Route& route,
                                  const std::string& authorization,
                                  std::optional<std::chrono::milliseconds> timeout,
                                  HttpResponder respond) {
  std::shared_ptr<DirectCalls::Call> call = direct_->NewCall(route.grpc_path);
  if (auto refused = ReadJsonBody(*json_, request, call->request())) {
    return Refuse(request, *std::move(refused), respond);
  }
  direct_->Start(
      std::move(call),
      authorization.empty() ? std::nullopt : std::optional<std::string_view>(authorization),
      timeout,
      [this, respond = std::move(respond)](const grpc::Status& status,
                                           const google::protobuf::Message& response) {
        respond(status.ok() ? JsonReply(*json_, response) : ErrorResponse(status));
      });
}

void ConnectGateway::Refuse(const HttpRequest& request, HttpResponse response,
                            const HttpResponder& respond) const {
  if (on_refused_) {
    on_refused_(request.method + " " + request.target.substr(0, request.target.find('?')) + ": " +
                std::to_string(response.status));
  }
  respond(std::move(response));
}

}  // namespace modalis
