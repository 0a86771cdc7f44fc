// What the commands that talk to a running modalisd share: where it is, how to authenticate, and
// how an RPC failure is told to a person.
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace modalis::cli {

struct RemoteArgs {
  std::string address;  // $MODALIS_ADDRESS, else 127.0.0.1:50051
  std::string token;    // $MODALIS_TOKEN
  std::string ca, cert, key;
  int timeout_ms = 5000;
};

// --server (alias --address), --token, --ca, --cert, --key, --timeout-ms, with `who` saying whose
// token the command needs.
void AddRemoteOptions(CLI::App* sub, RemoteArgs* args, const std::string& who);

// A channel to modalisd; null, having said why on standard error, when the TLS files cannot be
// used.
std::shared_ptr<grpc::Channel> Connect(const RemoteArgs& args);

// A context with the deadline and the bearer token.
std::unique_ptr<grpc::ClientContext> CallContext(const RemoteArgs& args);

// "modalis: cannot <doing> at ADDRESS: ..." with a hint when modalisd is not reachable.
void PrintRpcError(const RemoteArgs& args, const std::string& doing, const grpc::Status& status);

// Milliseconds since the epoch as "YYYY-MM-DD HH:MM:SS UTC" ("never" for 0).
std::string Utc(int64_t ms);

}  // namespace modalis::cli
