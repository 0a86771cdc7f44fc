// The access log's line is written directly for speed; it must be the very line a JSON document
// would have made, for every latency and every caller.
#include "server/access_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace modalis {
namespace {

std::string Logged(grpc::StatusCode code, std::chrono::nanoseconds latency,
                   const LoggedCaller& caller, std::string_view method) {
  std::ostringstream out;
  spdlog::logger log("access-log-test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  log.set_pattern("%v");
  LogCall(log, method, code, latency, caller);
  std::string line = out.str();
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

std::string AsDocument(grpc::StatusCode code, std::chrono::nanoseconds latency,
                       const LoggedCaller& caller, std::string_view method,
                       const std::string& code_name) {
  const double ms =
      std::round(std::chrono::duration<double, std::milli>(latency).count() * 1000) / 1000;
  const nlohmann::ordered_json line = {{"event", "rpc"},          {"method", method},
                                       {"code", code_name},       {"latency_ms", ms},
                                       {"client", caller.client}, {"clinic", caller.clinic}};
  (void)code;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.substr(1, text.size() - 2);
}

TEST(AccessLogTest, TheLineIsTheOneAJsonDocumentMakes) {
  const LoggedCaller booking{"booking-app", "clinic-a"};
  const LoggedCaller odd{"na\"me \\ with \xc3\xa9", "-"};
  for (const auto latency :
       {std::chrono::nanoseconds(0), std::chrono::nanoseconds(400), std::chrono::nanoseconds(500),
        std::chrono::nanoseconds(123456), std::chrono::nanoseconds(12000000),
        std::chrono::nanoseconds(1234567891), std::chrono::nanoseconds(86400000000000)}) {
    for (const LoggedCaller& caller : {booking, odd}) {
      SCOPED_TRACE(latency.count());
      EXPECT_EQ(Logged(grpc::StatusCode::OK, latency, caller, "/modalis.v1.PlanService/GetPlan"),
                AsDocument(grpc::StatusCode::OK, latency, caller, "/modalis.v1.PlanService/GetPlan",
                           "OK"));
      EXPECT_EQ(Logged(grpc::StatusCode::UNAUTHENTICATED, latency, caller, "/x/\"y\""),
                AsDocument(grpc::StatusCode::UNAUTHENTICATED, latency, caller, "/x/\"y\"",
                           "UNAUTHENTICATED"));
    }
  }
}

}  // namespace
}  // namespace modalis
