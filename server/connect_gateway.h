// Every unary RPC of the given gRPC services as a Connect unary route over HTTP: POST
// /<package.Service>/<Method> with the request as proto3 JSON (application/json) or protobuf
// (application/proto). Each call is passed to the gRPC server itself (InProcessCalls), so one
// implementation serves both transports with the same authorisation, limits, access log and
// errors; only the encoding differs.
//
// Thread-safe.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

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
                 std::function<void(const std::string&)> on_refused = nullptr);

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

  InProcessCalls& calls_;
  std::map<std::string, Route, std::less<>> routes_;
  std::function<void(const std::string&)> on_refused_;
};

}  // namespace modalis
