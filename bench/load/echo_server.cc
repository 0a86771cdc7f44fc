// modalis_echo_server: a bare gRPC echo service on the same stack as modalisd (callback API, one
// process), replying with as many bytes as each request asks for. The baseline for modalis_load.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "bench/load/echo.grpc.pb.h"
#include "bench/load/echo_size.h"

namespace {

// Replies larger than this are refused: the echo never needs more than a plan's size.
constexpr uint32_t kMaxReplyBytes = 16u << 20;

class EchoService final : public modalis::bench::v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const modalis::bench::v1::EchoRequest* request,
                                 modalis::bench::v1::EchoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->reply_bytes() > kMaxReplyBytes) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "reply_bytes too large"));
      return reactor;
    }
    response->mutable_payload()->assign(modalis::load::FillerBytes(request->reply_bytes(), 0), 'x');
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  CLI::App app{"modalis_echo_server: echo baseline for modalis_load"};
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Signals are taken by sigwait below; block them before gRPC starts its threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  EchoService service;
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "modalis_echo_server: cannot listen on " << listen << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("modalis_echo_server listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}
