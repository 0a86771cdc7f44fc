// Closed-loop load: N streams, each with one unary call in flight, each starting its next call as
// soon as the previous one completes. One thread drives every stream through one CompletionQueue,
// so the client adds as little CPU as it can to the machine it shares with the server.
//
// A CallTarget is used by one RunCell at a time (not thread-safe).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace modalis::load {

class CallTarget {
 public:
  virtual ~CallTarget() = default;
  // Prepares state for `streams` streams; called before any Start.
  virtual void Resize(size_t streams) = 0;
  // Starts stream `stream`'s next call; `cq` reports its completion with `tag`.
  virtual void Start(size_t stream, grpc::CompletionQueue* cq, void* tag) = 0;
  // The status of stream `stream`'s call, once `cq` reported it.
  virtual const grpc::Status& Finished(size_t stream) const = 0;
};

// A CallTarget for one unary method of a generated stub. `next` fills a stream's next request
// (a fresh request_id, a different document); the response is discarded.
template <class Stub, class Request, class Response>
class UnaryTarget final : public CallTarget {
 public:
  using Prepare = std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> (Stub::*)(
      grpc::ClientContext*, const Request&, grpc::CompletionQueue*);
  using Next = std::function<void(size_t stream, Request* request)>;

  UnaryTarget(std::unique_ptr<Stub> stub, Prepare prepare, Next next,
              std::chrono::milliseconds deadline)
      : stub_(std::move(stub)), prepare_(prepare), next_(std::move(next)), deadline_(deadline) {}

  void Resize(size_t streams) override { calls_ = std::vector<Call>(streams); }

  void Start(size_t stream, grpc::CompletionQueue* cq, void* tag) override {
    Call& call = calls_[stream];
    call.context = std::make_unique<grpc::ClientContext>();
    call.context->set_deadline(std::chrono::system_clock::now() + deadline_);
    next_(stream, &call.request);
    call.reader = (stub_.get()->*prepare_)(call.context.get(), call.request, cq);
    call.reader->StartCall();
    call.reader->Finish(&call.response, &call.status, tag);
  }

  const grpc::Status& Finished(size_t stream) const override { return calls_[stream].status; }

 private:
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    Request request;
    Response response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
  };
  std::unique_ptr<Stub> stub_;
  Prepare prepare_;
  Next next_;
  std::chrono::milliseconds deadline_;
  std::vector<Call> calls_;
};

struct CellResult {
  double seconds = 0;                 // length of the measured window
  uint64_t errors = 0;                // failed calls, warm-up included
  std::string first_error;            // "CODE: message" of the first failure
  std::vector<int64_t> latencies_ns;  // every call that succeeded inside the window
  double qps() const {
    return seconds > 0 ? static_cast<double>(latencies_ns.size()) / seconds : 0;
  }
};

// Runs `streams` streams for `warmup` (calls completing then are not measured), then for
// `measure`; calls still in flight at the end are waited for and not counted.
CellResult RunCell(CallTarget& target, size_t streams, std::chrono::milliseconds warmup,
                   std::chrono::milliseconds measure);

// Nearest-rank percentile (0 < p <= 100) of `sorted` values, 0 when empty.
int64_t Percentile(const std::vector<int64_t>& sorted, double p);

}  // namespace modalis::load
