// A method the HTTP doors call without the in-process gRPC hop keeps what gRPC gives a call:
// authorisation, the deadline, one access log line, and a drain at shutdown that waits for it.
#include "server/direct_calls.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <sstream>
#include <thread>

#include "core/common/sha256.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {
namespace {

const google::protobuf::MethodDescriptor* SuggestPlan() {
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "modalis.v1.PlanService.SuggestPlan");
}

constexpr std::string_view kPath = "/modalis.v1.PlanService/SuggestPlan";

struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string plan_id;  // of the response, when OK
};

class DirectCallsTest : public ::testing::Test {
 protected:
  DirectCallsTest()
      : log_(std::make_shared<spdlog::logger>(
            "direct-calls-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_))) {
    log_->set_pattern("%v");
  }

  // Starts a call and returns what it finished with, once it has.
  std::future<Outcome> Start(DirectCalls& calls, std::optional<std::string_view> authorization,
                             std::optional<std::chrono::milliseconds> timeout) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto call = calls.NewCall(kPath);
    static_cast<v1::SuggestPlanRequest*>(call->request())->set_patient_ref("P-1");
    calls.Start(call, authorization, timeout,
                [promise](const grpc::Status& status, const google::protobuf::Message& response) {
                  Outcome outcome{status.error_code(), ""};
                  if (status.ok()) {
                    outcome.plan_id =
                        static_cast<const v1::SuggestPlanResponse&>(response).plan().plan_id();
                  }
                  promise->set_value(outcome);
                });
    return promise->get_future();
  }

  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> log_;
};

TEST_F(DirectCallsTest, TheMethodGetsTheAuthorisedCallerAndItsAnswerIsLogged) {
  Authorizer auth({TokenEntry{"booking-app", Role::kBooking,
                              Sha256Hex("tok-booking-0123456789abcdef"), "clinic-a"}});
  DirectCalls calls(auth, log_, std::chrono::seconds(10));
  std::string seen_clinic;
  calls.Add(SuggestPlan(), [&](const Caller& caller, const google::protobuf::Message& request,
                               google::protobuf::Message* response, DirectCalls::Done done) {
    seen_clinic = caller.clinic_id;
    static_cast<v1::SuggestPlanResponse*>(response)->mutable_plan()->set_plan_id(
        static_cast<const v1::SuggestPlanRequest&>(request).patient_ref());
    done(grpc::Status::OK);
  });
  ASSERT_TRUE(calls.Serves(kPath));
  EXPECT_FALSE(calls.Serves("/modalis.v1.PlanService/GetPlan"));

  const Outcome ok = Start(calls, "Bearer tok-booking-0123456789abcdef", std::nullopt).get();
  EXPECT_EQ(ok.code, grpc::StatusCode::OK);
  EXPECT_EQ(ok.plan_id, "P-1");  // the method saw the request
  EXPECT_EQ(seen_clinic, "clinic-a");

  EXPECT_EQ(Start(calls, std::nullopt, std::nullopt).get().code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Start(calls, "Bearer wrong", std::nullopt).get().code,
            grpc::StatusCode::UNAUTHENTICATED);
  calls.Drain();

  const std::string log = lines_.str();
  EXPECT_NE(log.find(R"("method":"/modalis.v1.PlanService/SuggestPlan","code":"OK")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("client":"booking-app","clinic":"clinic-a")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("code":"UNAUTHENTICATED")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"invalid-token")"), std::string::npos) << log;
  EXPECT_EQ(log.find("tok-booking"), std::string::npos) << "a token reached the log: " << log;
}

TEST_F(DirectCallsTest, PastItsDeadlineACallIsAnsweredAndDrainWaitsForTheMethod) {
  Authorizer auth;  // development mode
  DirectCalls calls(auth, log_, std::chrono::seconds(10));
  std::promise<DirectCalls::Done> held;
  calls.Add(SuggestPlan(), [&](const Caller&, const google::protobuf::Message&,
                               google::protobuf::Message*, DirectCalls::Done done) {
    held.set_value(std::move(done));  // answered later, as a slow store would
  });
  const auto started = std::chrono::steady_clock::now();
  std::future<Outcome> outcome = Start(calls, std::nullopt, std::chrono::milliseconds(100));
  DirectCalls::Done done = held.get_future().get();
  EXPECT_EQ(outcome.get().code, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));

  // The method is still running: Drain waits for it, and its late answer goes nowhere.
  std::future<void> drained = std::async(std::launch::async, [&] { calls.Drain(); });
  EXPECT_EQ(drained.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  done(grpc::Status::OK);
  EXPECT_EQ(drained.wait_for(std::chrono::seconds(10)), std::future_status::ready);

  // After the drain, calls are refused at once.
  EXPECT_EQ(Start(calls, std::nullopt, std::nullopt).get().code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(lines_.str().find(R"("code":"DEADLINE_EXCEEDED")"), std::string::npos) << lines_.str();
}

TEST_F(DirectCallsTest, NoCallWaitsLongerThanTheServersBound) {
  Authorizer auth;
  DirectCalls calls(auth, log_, std::chrono::milliseconds(100));
  std::vector<DirectCalls::Done> held;
  std::mutex mu;
  calls.Add(SuggestPlan(), [&](const Caller&, const google::protobuf::Message&,
                               google::protobuf::Message*, DirectCalls::Done done) {
    std::lock_guard<std::mutex> lock(mu);
    held.push_back(std::move(done));
  });
  // Asking for an hour gets the server's bound; a later, shorter deadline is kept too.
  std::future<Outcome> long_one = Start(calls, std::nullopt, std::chrono::hours(1));
  std::future<Outcome> short_one = Start(calls, std::nullopt, std::chrono::milliseconds(20));
  EXPECT_EQ(short_one.get().code, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(long_one.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(long_one.get().code, grpc::StatusCode::DEADLINE_EXCEEDED);
  std::lock_guard<std::mutex> lock(mu);
  for (auto& done : held) done(grpc::Status::OK);
}

// Each call here is the earliest deadline when it starts, so the deadline thread is waiting on it
// when it is answered: that wait must not outlive the entry it waits for (ASan and TSan run this).
TEST_F(DirectCallsTest, CallsAnsweredWhileTheirDeadlineIsWatchedLeaveNothingBehind) {
  Authorizer auth;
  DirectCalls calls(auth, log_, std::chrono::seconds(30));
  calls.Add(SuggestPlan(), [](const Caller&, const google::protobuf::Message&,
                              google::protobuf::Message*, DirectCalls::Done done) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    done(grpc::Status::OK);
  });
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Start(calls, std::nullopt, std::chrono::milliseconds(20000 - i)).get().code,
              grpc::StatusCode::OK);
  }
  calls.Drain();
}

}  // namespace
}  // namespace modalis
