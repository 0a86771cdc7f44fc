#include "server/transport_limits.h"

#include <grpcpp/resource_quota.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace modalis {

void ApplyTransportLimits(const TransportLimits& limits, grpc::ServerBuilder* builder) {
  grpc::ResourceQuota quota("modalisd");
  quota.Resize(static_cast<size_t>(limits.max_memory_mb) * 1024 * 1024);
  quota.SetMaxThreads(limits.max_threads);
  builder->SetResourceQuota(quota);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits.max_streams_per_connection);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, limits.max_connection_idle_ms);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, limits.max_connection_age_ms);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, limits.connection_age_grace_ms);
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, limits.handshake_timeout_ms);
  builder->AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, limits.max_header_bytes);
}

std::string RaiseOpenFileLimit(unsigned long wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return std::string("cannot read the open-file limit: ") + std::strerror(errno);
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    return "the open-file limit is " + std::to_string(limit.rlim_cur) +
           " (raise the hard limit, e.g. LimitNOFILE= in the systemd unit): a few hundred idle "
           "connections could use every descriptor and keep new clients out";
  }
  return "";
}

}  // namespace modalis
