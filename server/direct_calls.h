// Methods the HTTP doors call without the in-process gRPC hop. On the hot path (SuggestPlan
// over JSON) that hop, which serialises the request and the reply twice and runs gRPC's call
// machinery on both sides, cost more than the method itself. A method served here keeps what a
// call through gRPC gets: the same implementation (the gRPC method calls it too), authorisation by
// the same Authorizer, a deadline bounded as for InProcessCalls, the same access log line, and a
// drain at shutdown.
//
// Thread-safe. A call's `finished` may run on any thread, once, until Drain returns.
#pragma once

#include <google/protobuf/arena.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "server/auth.h"
#include "server/calls_in_flight.h"

namespace spdlog {
class logger;
}

namespace modalis {

class DirectCalls {
 public:
  // `max_deadline` bounds every call (and is the deadline of one that asks for none).
  DirectCalls(const Authorizer& auth, std::shared_ptr<spdlog::logger> log,
              std::chrono::milliseconds max_deadline);
  ~DirectCalls();
  DirectCalls(const DirectCalls&) = delete;
  DirectCalls& operator=(const DirectCalls&) = delete;

  // A method: `done` is called once, when `response` is final.
  using Done = std::function<void(grpc::Status)>;
  using Method = std::function<void(const Caller& caller, const google::protobuf::Message& request,
                                    google::protobuf::Message* response, Done done)>;
  // Serves `grpc_path` ("/modalis.v1.PlanService/SuggestPlan") with `method`, whose request and
  // response types are those of `descriptor`. Before the first call only.
  void Add(const google::protobuf::MethodDescriptor* descriptor, Method method);
  bool Serves(std::string_view grpc_path) const;

  // One call in the making: its request and response, on an arena that lives as long as it.
  class Call;
  // A new call of a served method, whose request the caller fills before Start.
  std::shared_ptr<Call> NewCall(std::string_view grpc_path) const;

  // The status, and the response when OK.
  using Finished =
      std::function<void(const grpc::Status& status, const google::protobuf::Message& response)>;
  // Runs `call`, sending `authorization` (nullopt when the request had none). After Drain,
  // UNAVAILABLE at once; past the deadline, DEADLINE_EXCEEDED, as gRPC answers, while the method
  // runs on to its end (a plan it stores is kept, and a retry with its request_id finds it).
  void Start(std::shared_ptr<Call> call, std::optional<std::string_view> authorization,
             std::optional<std::chrono::milliseconds> timeout, Finished finished);

  // Waits until no method is running; later calls are refused.
  void Drain();

 private:
  struct Served {
    const google::protobuf::MethodDescriptor* descriptor;
    std::string path;
    Method method;
  };
  using Deadlines = std::multimap<std::chrono::steady_clock::time_point, std::weak_ptr<Call>>;

  void Answer(const std::shared_ptr<Call>& call, const grpc::Status& status);
  void WatchDeadlines();

  const Authorizer& auth_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds max_deadline_;
  std::map<std::string, Served, std::less<>> methods_;

  CallsInFlight running_;  // methods not yet done
  std::mutex mu_;
  std::condition_variable deadline_changed_;
  bool stopping_ = false;  // guarded by mu_
  Deadlines deadlines_;    // calls not yet answered, by deadline; guarded by mu_
  std::thread watcher_;
};

class DirectCalls::Call {
 public:
  google::protobuf::Message* request() { return request_; }

 private:
  friend class DirectCalls;
  google::protobuf::Arena arena_;
  const Served* served_ = nullptr;
  google::protobuf::Message* request_ = nullptr;
  google::protobuf::Message* response_ = nullptr;
  Finished finished_;
  std::chrono::steady_clock::time_point start_;
  std::string client_;
  std::string clinic_;
  bool answered_ = false;                     // guarded by DirectCalls::mu_
  std::optional<Deadlines::iterator> watch_;  // guarded by DirectCalls::mu_
};

}  // namespace modalis
