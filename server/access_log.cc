#include "server/access_log.h"

#include <grpc/support/log.h>

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/common/clinic_id.h"

namespace modalis {
namespace {

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// The pattern supplies the braces around each message, after the time and level.
std::string Body(const nlohmann::ordered_json& object) {
  std::string text = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.substr(1, text.size() - 2);
}

class AccessLog final : public grpc::experimental::Interceptor {
 public:
  AccessLog(grpc::experimental::ServerRpcInfo* info, const Authorizer& auth,
            std::shared_ptr<spdlog::logger> log)
      : method_(info->method()),
        auth_(auth),
        log_(std::move(log)),
        start_(std::chrono::steady_clock::now()) {
    handed_over_.store(true, std::memory_order_release);
  }
  ~AccessLog() override { (void)handed_over_.load(std::memory_order_acquire); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    (void)handed_over_.load(std::memory_order_acquire);
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto& metadata = *methods->GetRecvInitialMetadata();
      const auto it = metadata.find("authorization");
      caller_ = CallerForLog(auth_, it == metadata.end()
                                        ? std::nullopt
                                        : std::optional<std::string_view>(std::string_view(
                                              it->second.data(), it->second.size())));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      LogCall(*log_, method_, methods->GetSendStatus().error_code(),
              std::chrono::steady_clock::now() - start_, caller_);
    }
    handed_over_.store(true, std::memory_order_release);
    methods->Proceed();
  }

 private:
  std::string method_;
  const Authorizer& auth_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::steady_clock::time_point start_;
  LoggedCaller caller_;
  // gRPC builds an interceptor on one thread, runs its hooks on others and destroys it on yet
  // another, handing it over through its completion queue. That hand-over synchronises, but
  // inside libgrpc, which ThreadSanitizer does not instrument, so the fields above looked raced.
  // This release/acquire pair states the same order where TSan sees it (plain moves on x86-64).
  std::atomic<bool> handed_over_{false};
};

}  // namespace

LoggedCaller CallerForLog(const Authorizer& auth, std::optional<std::string_view> authorization) {
  if (!auth.enabled()) return {"local", std::string(kDefaultClinic)};
  if (!authorization) return {"anonymous", "-"};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization->substr(0, kBearer.size()) != kBearer) return {"anonymous", "-"};
  auto caller = auth.Identify(authorization->substr(kBearer.size()));
  if (!caller) return {"invalid-token", "-"};
  return {caller->client, caller->clinic_id.empty() ? "-" : caller->clinic_id};
}

namespace {

// Printable ASCII but for the two characters JSON escapes: such text is its own JSON string.
bool PlainJsonText(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; });
}

}  // namespace

void LogCall(spdlog::logger& log, std::string_view method, grpc::StatusCode code,
             std::chrono::steady_clock::duration latency, const LoggedCaller& caller) {
  const double ms =
      std::round(std::chrono::duration<double, std::milli>(latency).count() * 1000) / 1000;
  const auto index = static_cast<size_t>(code);
  const char* code_name = index < std::size(kCodeNames) ? kCodeNames[index] : "?";
  if (!PlainJsonText(method) || !PlainJsonText(caller.client) || !PlainJsonText(caller.clinic)) {
    const nlohmann::ordered_json line = {{"event", "rpc"},          {"method", method},
                                         {"code", code_name},       {"latency_ms", ms},
                                         {"client", caller.client}, {"clinic", caller.clinic}};
    log.info(Body(line));
    return;
  }
  // The same line, written directly: one per call, and a JSON document for it cost more than a
  // tenth of a dry run's instructions. Numbers as nlohmann writes them (a whole number ends in .0).
  char number[32];
  const auto end = std::to_chars(number, number + sizeof number, ms).ptr;
  std::string_view latency_text(number, static_cast<size_t>(end - number));
  const bool whole = latency_text.find_first_of(".e") == std::string_view::npos;
  std::string line;
  line.reserve(128 + method.size() + caller.client.size() + caller.clinic.size());
  line.append(R"("event":"rpc","method":")").append(method).append(R"(","code":")");
  line.append(code_name).append(R"(","latency_ms":)").append(latency_text);
  if (whole) line.append(".0");
  line.append(R"(,"client":")").append(caller.client).append(R"(","clinic":")");
  line.append(caller.clinic).append("\"");
  log.info(line);
}

grpc::experimental::Interceptor* AccessLogFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new AccessLog(info, auth_, log_);
}

std::shared_ptr<spdlog::logger> MakeJsonLogger(const std::string& path) {
  std::shared_ptr<spdlog::logger> log;
  if (path.empty() || path == "-") {
    log = spdlog::stderr_logger_mt("modalisd");
  } else {
    // Logs name clients and rule sets: owner-only, like the database.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    log = spdlog::basic_logger_mt("modalisd", path);
  }
  // Each message is already a JSON object; add time and level around it.
  log->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  log->flush_on(spdlog::level::info);
  return log;
}

namespace {

std::shared_ptr<spdlog::logger>& GrpcLog() {
  static auto* log = new std::shared_ptr<spdlog::logger>();  // never destroyed: see the header
  return *log;
}

void LogFromGrpc(gpr_log_func_args* args) {
  const std::shared_ptr<spdlog::logger>& log = GrpcLog();
  if (!log) return;
  const std::string text =
      Body(nlohmann::ordered_json{{"event", "grpc"},
                                  {"message", args->message == nullptr ? "" : args->message},
                                  {"source", std::string(args->file == nullptr ? "" : args->file) +
                                                 ":" + std::to_string(args->line)}});
  // gRPC emits info and debug lines only when GRPC_VERBOSITY asks for them: keep what was asked.
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    log->error(text);
  } else {
    log->info(text);
  }
}

}  // namespace

void RouteGrpcLogging(std::shared_ptr<spdlog::logger> log) {
  GrpcLog() = std::move(log);
  gpr_set_log_function(&LogFromGrpc);
}

void LogEvent(spdlog::logger& log, bool warning, const std::string& event,
              const std::string& message) {
  const std::string text = Body(nlohmann::ordered_json{{"event", event}, {"message", message}});
  if (warning) {
    log.warn(text);
  } else {
    log.info(text);
  }
}

}  // namespace modalis
