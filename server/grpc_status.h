// From the engine's absl::Status to what a gRPC client sees.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace modalis {

// Same code (absl and gRPC share the numbering) and message. An INVALID_ARGUMENT about findings
// also carries google.rpc.BadRequest with one field violation per bad finding, in the standard
// grpc-status-details-bin trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace modalis
