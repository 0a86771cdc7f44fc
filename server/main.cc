// modalisd: serves modalis.v1 over gRPC with health checking and server reflection.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/engine.h"
#include "core/store/sqlite/sqlite_store.h"
#include "server/paths.h"
#include "server/plan_service.h"

namespace {

struct Options {
  std::string listen = "127.0.0.1:50051";
  std::string db = "var/modalis.db";
  std::string rules = "rules";
  std::string plugins;
};

bool IsLoopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

int Run(const Options& options) {
  // Development mode has no authentication, so it must not be reachable from the network.
  if (!IsLoopback(options.listen)) {
    std::cerr << "modalisd: refusing to listen on " << options.listen
              << ": without TLS and a token file modalisd only listens on loopback "
                 "(127.0.0.1, [::1] or localhost)\n";
    return 2;
  }

  // Signals are taken by sigwait below; block them before gRPC starts its threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  modalis::EngineConfig config;
  config.rules_dir = options.rules;
  config.plugins_dir =
      options.plugins.empty() ? modalis::DefaultPluginsDir() : modalis::Absolute(options.plugins);
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << "modalisd: " << engine.status().message() << "\n";
    return 1;
  }
  for (const auto& d : diagnostics) std::cerr << d.ToString() << "\n";
  for (const auto& refusal : (*engine)->plugins().refused()) {
    std::cerr << "modalisd: plugin " << refusal.path << " refused: " << refusal.reason << "\n";
  }

  const std::filesystem::path db_path(options.db);
  if (db_path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db_path.parent_path(), ec);
  }
  auto store = modalis::OpenSqliteStore(options.db);
  if (!store.ok()) {
    std::cerr << "modalisd: " << store.status().message() << "\n";
    return 1;
  }

  modalis::PlanServiceImpl plan_service(**engine, **store);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // A second server on the same port must fail, not silently share the traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&plan_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "modalisd: cannot listen on " << options.listen << "\n";
    return 1;
  }
  auto* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(modalis::v1::PlanService::service_full_name(), true);

  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const auto rules = (*engine)->rules();
  std::printf("modalisd listening on %s:%d (rules %s %s, %zu plugins, db %s)\n", host.c_str(), port,
              rules->id.c_str(), rules->version.c_str(), (*engine)->plugins().modalities().size(),
              options.db.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "modalisd: %s received, shutting down\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // Complete every queued write while its reactor still exists; nothing acknowledged is dropped.
  (*store)->Close();
  server->Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"modalisd: the Modalis clinical decision-support server"};
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--db", options.db, "SQLite database file")->capture_default_str();
  app.add_option("--rules", options.rules, "rules directory (holds modalis.json)")
      ->capture_default_str();
  app.add_option("--plugins", options.plugins,
                 "modality plugins directory (default: the plugins built beside modalisd)");
  CLI11_PARSE(app, argc, argv);
  return Run(options);
}
