#include "server/in_process_calls.h"

#include <algorithm>
#include <vector>

namespace modalis {

namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

bool IsPrintableAscii(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

struct InProcessCalls::Pending {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer reply;
  Done done;
};

InProcessCalls::InProcessCalls(std::shared_ptr<grpc::Channel> channel,
                               std::chrono::milliseconds max_deadline)
    : channel_(std::move(channel)), stub_(channel_), max_deadline_(max_deadline) {}

void InProcessCalls::Call(const std::string& grpc_path, std::string request,
                          const std::string& authorization,
                          std::optional<std::chrono::milliseconds> timeout, Done done) {
  if (!in_flight_.Enter()) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "modalisd is shutting down"), "");
    return;
  }
  auto* pending = new Pending;
  pending->done = std::move(done);
  pending->context.set_deadline(std::chrono::system_clock::now() +
                                std::min(timeout.value_or(max_deadline_), max_deadline_));
  if (!authorization.empty()) pending->context.AddMetadata("authorization", authorization);
  grpc::Slice slice(std::move(request));
  pending->request = grpc::ByteBuffer(&slice, 1);
  stub_.UnaryCall(&pending->context, grpc_path, grpc::StubOptions(), &pending->request,
                  &pending->reply, [this, pending](grpc::Status status) {
                    std::string reply = status.ok() ? Flatten(pending->reply) : std::string();
                    Done finish = std::move(pending->done);
                    delete pending;
                    finish(status, std::move(reply));
                    in_flight_.Leave();
                  });
}

void InProcessCalls::Drain() { in_flight_.Drain(); }

}  // namespace modalis
