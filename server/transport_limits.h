// Bounds on what network clients can make modalisd hold, below the request limits of limits.md:
// gRPC's memory quota, streams per HTTP/2 connection, how long a connection may stay idle or open,
// how long a new one has to finish its handshake, and the size of a request's headers. Also the
// open-file limit, so idle sockets cannot use up the descriptors every client needs.
#pragma once

#include <grpcpp/server_builder.h>

#include <string>

namespace modalis {

struct TransportLimits {
  int max_memory_mb = 256;              // gRPC's ResourceQuota: buffers of every connection
  int max_threads = 64;                 // the ResourceQuota's thread bound
  int max_streams_per_connection = 32;  // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
  int max_connection_idle_ms = 300000;  // a connection with no call for this long is closed
  int max_connection_age_ms = 3600000;  // then GOAWAY: clients reconnect (and rebalance)
  int connection_age_grace_ms = 30000;  // calls in flight get this long to finish
  int handshake_timeout_ms = 10000;     // TCP accepted but no HTTP/2 (or TLS) handshake: closed
  int max_header_bytes = 8192;          // a request's metadata
};

void ApplyTransportLimits(const TransportLimits& limits, grpc::ServerBuilder* builder);

// Raises the soft open-file limit to the hard one. Returns a warning when the result is still
// below `wanted` (each connection costs a descriptor), else "".
std::string RaiseOpenFileLimit(unsigned long wanted);

}  // namespace modalis
