// From the engine's absl::Status to what a gRPC client sees.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace modalis {

// What a status message may hold; a longer one is cut at a line and says how many lines it left
// out.
inline constexpr size_t kMaxStatusMessageBytes = 6 * 1024;

// Same code (absl and gRPC share the numbering) and message (bounded, as above). An
// INVALID_ARGUMENT about findings also carries google.rpc.BadRequest with one field violation per
// bad finding, in the standard grpc-status-details-bin trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Finishes a unary callback call with `status` and returns its reactor, for the handler to return:
// `if (!caller.ok()) return FinishedWith(context, caller.status());`.
grpc::ServerUnaryReactor* FinishedWith(grpc::CallbackServerContext* context,
                                       const absl::Status& status);

}  // namespace modalis
