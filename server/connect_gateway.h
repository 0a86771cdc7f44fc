// Every unary RPC of the given gRPC services as a Connect unary route over HTTP: POST
// /<package.Service>/<Method> with the request as proto3 JSON (application/json) or protobuf
// (application/proto). Each call is passed to the gRPC server itself through its in-process
// channel, so one implementation serves both transports with the same authorisation, limits,
// access log and errors; only the encoding differs.
//
// Thread-safe. Calls may be in flight until Drain returns.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http_listener.h"

namespace modalis {

class ConnectGateway {
 public:
  // `max_deadline` bounds every call, whatever Connect-Timeout-Ms asks for (and is the deadline
  // of calls that name none), so no HTTP request waits for ever. `on_refused` hears of each
  // request answered without reaching gRPC (no such route, a body that is not the request in
  // JSON, …), which gRPC's access log therefore never sees: one line with the HTTP method, path
  // and status (not the error's message, which may quote what the client sent).
  ConnectGateway(std::shared_ptr<grpc::Channel> channel,
                 const std::vector<const google::protobuf::ServiceDescriptor*>& services,
                 std::chrono::milliseconds max_deadline,
                 std::function<void(const std::string&)> on_refused = nullptr);

  // The route's path for every method it serves ("/modalis.v1.PlanService/SuggestPlan").
  std::vector<std::string> Paths() const;

  // Answers `request` through `respond`, now (a bad request) or when the call completes.
  void Handle(HttpRequest request, HttpResponder respond);

  // Waits until no call is in flight and refuses new ones (503).
  void Drain();

 private:
  struct Route {
    const google::protobuf::MethodDescriptor* method;
    std::string grpc_path;
  };
  struct Call;

  void Refuse(const HttpRequest& request, HttpResponse response,
              const HttpResponder& respond) const;
  void Finish(Call* call, const grpc::Status& status);

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::map<std::string, Route, std::less<>> routes_;
  std::chrono::milliseconds max_deadline_;
  std::function<void(const std::string&)> on_refused_;
  std::mutex mu_;
  std::condition_variable idle_;
  size_t in_flight_ = 0;   // guarded by mu_
  bool draining_ = false;  // guarded by mu_
};

}  // namespace modalis
