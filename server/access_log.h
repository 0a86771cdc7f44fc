// One structured JSON log line per RPC: method, status code, latency, the calling client's name
// and its clinic ("-" for the operator and for a caller without a valid token). Never the
// findings, never a token.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth.h"

namespace spdlog {
class logger;
}

namespace modalis {

class AccessLogFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AccessLogFactory(const Authorizer& auth, std::shared_ptr<spdlog::logger> log)
      : auth_(auth), log_(std::move(log)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Authorizer& auth_;
  std::shared_ptr<spdlog::logger> log_;
};

// Who a call's authorization value names, for its log line, whether or not its role allows the
// method, so that a refused call is logged with its client too. The clinic is "-" for the
// operator and for a caller without a valid token.
struct LoggedCaller {
  std::string client = "anonymous";
  std::string clinic = "-";
};
LoggedCaller CallerForLog(const Authorizer& auth, std::optional<std::string_view> authorization);

// The access log's line for one call, whichever door it came through.
void LogCall(spdlog::logger& log, std::string_view method, grpc::StatusCode code,
             std::chrono::steady_clock::duration latency, const LoggedCaller& caller);

// A logger writing one JSON object per line to stderr ("-") or to a file created 0600.
std::shared_ptr<spdlog::logger> MakeJsonLogger(const std::string& path);

// Sends gRPC's own log lines (transport errors, handshake failures, its debug output when
// GRPC_VERBOSITY asks for it) to `log` as {"event": "grpc", ...}, so the log is JSON lines only.
// `log` is kept for the life of the process: gRPC may log from any thread until exit.
void RouteGrpcLogging(std::shared_ptr<spdlog::logger> log);

// Logs {"event": event, "message": message, ...fields} at info or warning level.
void LogEvent(spdlog::logger& log, bool warning, const std::string& event,
              const std::string& message);

}  // namespace modalis
