// Calls this server's own gRPC methods in-process, for the HTTP doors (Connect, FHIR): each call
// passes through the same interceptors (access log), authorisation, clinic scoping and limits as
// a call from the network, so a door adds an encoding, never a second implementation.
//
// Thread-safe. Calls may complete on any thread until Drain returns.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "server/calls_in_flight.h"

namespace modalis {

class InProcessCalls {
 public:
  // `max_deadline` bounds every call (and is the deadline of one that asks for none).
  InProcessCalls(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds max_deadline);

  using Done = std::function<void(const grpc::Status& status, std::string reply)>;

  // Calls `grpc_path` ("/modalis.v1.PlanService/GetPlan") with the serialised request, sending
  // `authorization` (when not empty) as the call's authorization metadata, which the caller has
  // checked is printable ASCII. `done` gets the status and, when OK, the serialised reply; after
  // Drain, UNAVAILABLE at once.
  void Call(const std::string& grpc_path, std::string request, const std::string& authorization,
            std::optional<std::chrono::milliseconds> timeout, Done done);

  // Waits until no call is in flight; later calls are refused.
  void Drain();

 private:
  struct Pending;

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::chrono::milliseconds max_deadline_;
  CallsInFlight in_flight_;
};

// What gRPC accepts as a metadata value: printable ASCII. An Authorization header with anything
// else cannot hold a token.
bool IsPrintableAscii(const std::string& value);

}  // namespace modalis
