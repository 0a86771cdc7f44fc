#include "server/direct_calls.h"

#include <spdlog/spdlog.h>

#include "server/access_log.h"
#include "server/grpc_status.h"

namespace modalis {

DirectCalls::DirectCalls(const Authorizer& auth, std::shared_ptr<spdlog::logger> log,
                         std::chrono::milliseconds max_deadline)
    : auth_(auth), log_(std::move(log)), max_deadline_(max_deadline) {
  watcher_ = std::thread([this] { WatchDeadlines(); });
}

DirectCalls::~DirectCalls() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  deadline_changed_.notify_all();
  watcher_.join();
}

void DirectCalls::Add(const google::protobuf::MethodDescriptor* descriptor, Method method) {
  std::string path = "/" + descriptor->service()->full_name() + "/" + descriptor->name();
  methods_.insert_or_assign(path, Served{descriptor, path, std::move(method)});
}

bool DirectCalls::Serves(std::string_view grpc_path) const {
  return methods_.find(grpc_path) != methods_.end();
}

std::shared_ptr<DirectCalls::Call> DirectCalls::NewCall(std::string_view grpc_path) const {
  const auto served = methods_.find(grpc_path);
  if (served == methods_.end()) return nullptr;
  auto call = std::make_shared<Call>();
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  call->served_ = &served->second;
  call->request_ =
      factory->GetPrototype(served->second.descriptor->input_type())->New(&call->arena_);
  call->response_ =
      factory->GetPrototype(served->second.descriptor->output_type())->New(&call->arena_);
  return call;
}

void DirectCalls::Start(std::shared_ptr<Call> call, std::optional<std::string_view> authorization,
                        std::optional<std::chrono::milliseconds> timeout, Finished finished) {
  call->finished_ = std::move(finished);
  call->start_ = std::chrono::steady_clock::now();
  LoggedCaller who = CallerForLog(auth_, authorization);
  call->client_ = std::move(who.client);
  call->clinic_ = std::move(who.clinic);
  absl::StatusOr<Caller> caller = auth_.AuthorizeHeader(authorization, call->served_->path);
  if (!running_.Enter()) {
    return Answer(call, grpc::Status(grpc::StatusCode::UNAVAILABLE, "modalisd is shutting down"));
  }
  if (!caller.ok()) {
    running_.Leave();
    return Answer(call, ToGrpcStatus(caller.status()));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto deadline = call->start_ + std::min(timeout.value_or(max_deadline_), max_deadline_);
    call->watch_ = deadlines_.emplace(deadline, call);
    if (*call->watch_ == deadlines_.begin()) deadline_changed_.notify_one();
  }
  call->served_->method(*caller, *call->request_, call->response_,
                        [this, call](grpc::Status status) {
                          Answer(call, status);
                          running_.Leave();
                        });
}

void DirectCalls::Answer(const std::shared_ptr<Call>& call, const grpc::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (call->answered_) return;  // the deadline came first
    call->answered_ = true;
    if (call->watch_) {
      deadlines_.erase(*call->watch_);
      call->watch_.reset();
    }
  }
  LogCall(*log_, call->served_->path, status.error_code(),
          std::chrono::steady_clock::now() - call->start_, {call->client_, call->clinic_});
  Finished finished = std::move(call->finished_);
  finished(status, *call->response_);
}

void DirectCalls::Drain() { running_.Drain(); }

void DirectCalls::WatchDeadlines() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      deadline_changed_.wait(lock);
      continue;
    }
    const auto first = deadlines_.begin();
    // A copy: while this waits, the call may be answered and its entry erased.
    const std::chrono::steady_clock::time_point earliest = first->first;
    if (earliest > std::chrono::steady_clock::now()) {
      deadline_changed_.wait_until(lock, earliest);
      continue;
    }
    std::shared_ptr<Call> call = first->second.lock();
    deadlines_.erase(first);
    if (call == nullptr) continue;
    call->watch_.reset();
    lock.unlock();
    Answer(call, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"));
    lock.lock();
  }
}

}  // namespace modalis
