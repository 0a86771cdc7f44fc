// The Connect protocol's unary form (connectrpc.com/docs/protocol) as far as it differs from
// gRPC: how a status reads as an HTTP status and a JSON error body, and the request headers a
// Connect client sends. Pure functions.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace modalis {

// "invalid_argument" for INVALID_ARGUMENT, and so on; "unknown" for a code Connect lacks.
std::string_view ConnectCodeName(grpc::StatusCode code);

// The HTTP status Connect gives each code (400 for invalid_argument, 503 for unavailable, …).
unsigned ConnectHttpStatus(grpc::StatusCode code);

// {"code": …, "message": …, "details": [{"type": "google.rpc.BadRequest", "value": base64,
// "debug": {…}}]}: the details are those of the status's google.rpc.Status (grpc-status-details-
// bin), `debug` their proto3 JSON when this binary knows the type.
std::string ConnectErrorBody(const grpc::Status& status);

// The value of Connect-Timeout-Ms: at most 10 digits; nullopt when it is not that.
std::optional<std::chrono::milliseconds> ParseConnectTimeout(std::string_view header);

}  // namespace modalis
