// Every unary RPC of the given gRPC services as a Connect unary route over HTTP: POST
// /<package.Service>/<Method> with the request as proto3 JSON (application/json) or protobuf
// (application/proto). Each call is passed to the gRPC server itself (InProcessCalls), or, for a
// JSON call of a method served in DirectCalls, to that method directly; either way one
// implementation serves both transports with the same authorisation, limits, access log and
// errors; only the encoding differs.
//
// Thread-safe.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/proto_json.h"
#include "server/direct_calls.h"
#include "server/http_listener.h"
#include "server/in_process_calls.h"

namespace modalis {

class ConnectGateway {
 public:
  // `calls` bounds every call's deadline, whatever Connect-Timeout-Ms asks for, so no HTTP request
  // waits for ever. `on_refused` hears of each
  // request answered without reaching gRPC (no such route, a body that is not the request in
  // JSON, …), which gRPC's access log therefore never sees: one line with the HTTP method, path
  // and status (not the error's message, which may quote what the client sent).
  ConnectGateway(InProcessCalls& calls,
                 const std::vector<const google::protobuf::ServiceDescriptor*>& services,
                 std::function<void(const std::string&)> on_refused = nullptr,
                 DirectCalls* direct = nullptr);

  // The route's path for every method it serves ("/modalis.v1.PlanService/SuggestPlan").
  std::vector<std::string> Paths() const;

  // Answers `request` through `respond`, now (a bad request) or when the call completes.
  void Handle(HttpRequest request, HttpResponder respond);

 private:
  struct Route {
    const google::protobuf::MethodDescriptor* method;
    std::string grpc_path;
  };
  void Refuse(const HttpRequest& request, HttpResponse response,
              const HttpResponder& respond) const;
  void CallDirectly(HttpRequest request, const Route& route, const std::string& authorization,
                    std::optional<std::chrono::milliseconds> timeout, HttpResponder respond);

  InProcessCalls& calls_;
  DirectCalls* direct_;
  std::map<std::string, Route, std::less<>> routes_;
  std::function<void(const std::string&)> on_refused_;
  std::unique_ptr<ProtoJson> json_;  // every route's request and response types
};

}  // namespace modalis
