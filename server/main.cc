// modalisd: serves modalis.v1 over gRPC with health checking and server reflection.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>
#include "core/common/ids.h"
#include "core/common/sha256.h"
#include "core/engine.h"
#include "core/publishing/rule_set_publisher.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/sqlite/sqlite_store.h"
#include "grpc/health/v1/health.pb.h"
#include "server/options.h"
#include "server/store_follower.h"
#include "server/store_health.h"
#include "server/transport_limits.h"

#include "adapters/paths.h"
#include "adapters/plan_codec_proto.h"
#include "server/access_log.h"
#include "server/auth.h"
#include "server/cds_hooks_gateway.h"
#include "server/connect_gateway.h"
#include "server/console_site.h"
#include "server/ehr_jwt.h"
#include "server/fhir_gateway.h"
#include "server/file_checks.h"
#include "server/http_listener.h"
#include "server/plan_service.h"
#include "server/platform_admin_service.h"
#include "server/rules_admin_service.h"
#include "server/rules_watcher.h"

namespace {

// Where plugin failures while serving are logged (the host takes a plain function).
std::shared_ptr<spdlog::logger> g_plugin_log;
void LogPluginError(std::string_view line) {
  if (g_plugin_log) modalis::LogEvent(*g_plugin_log, true, "plugin_error", std::string(line));
}

bool IsLoopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

// Checked before anything listens: a problem names its flag and file (server/file_checks.h).
// `*material` keeps what was read, for the HTTP listener's TLS.
std::shared_ptr<grpc::ServerCredentials> Credentials(const modalis::ServerOptions& o,
                                                     modalis::TlsMaterial* material,
                                                     std::string* error) {
  auto tls = modalis::LoadTlsFiles({o.tls_cert, o.tls_key, o.client_ca});
  if (!tls.ok()) {
    *error = std::string(tls.status().message());
    return nullptr;
  }
  *material = *tls;
  if (o.tls_cert.empty()) return grpc::InsecureServerCredentials();
  std::vector<std::string> warnings;
  if (absl::Status mode = modalis::CheckSecretFileMode("--tls-key", o.tls_key,
                                                       o.allow_insecure_permissions, &warnings);
      !mode.ok()) {
    *error = std::string(mode.message());
    return nullptr;
  }
  for (const std::string& w : warnings) std::cerr << "modalisd: warning: " << w << "\n";
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({tls->key_pem, tls->cert_pem});
  if (!o.client_ca.empty()) {
    ssl.pem_root_certs = tls->ca_pem;
    // mTLS: every client must present a certificate signed by this CA.
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

int Run(const modalis::ServerOptions& options) {
  // Signals are taken by sigwait below; block them before anything can start a thread (gRPC
  // starts its own at its first use, credentials included), or a SIGTERM delivered to such a
  // thread would kill the process without draining the writes in flight.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // First, so that gRPC's own lines, from its first use on, are JSON lines in the same log.
  auto log = modalis::MakeJsonLogger(options.log_file);
  g_plugin_log = log;
  modalis::RouteGrpcLogging(log);
  if (const std::string low = modalis::RaiseOpenFileLimit(4096); !low.empty()) {
    modalis::LogEvent(*log, true, "open_file_limit", low);
  }
  const bool tls = !options.tls_cert.empty();
  // Without TLS and tokens anyone who can reach the port could read plans: loopback only.
  if (!IsLoopback(options.listen) && (!tls || options.token_file.empty())) {
    std::cerr << "modalisd: refusing to listen on " << options.listen
              << ": without TLS and a token file modalisd only listens on loopback "
                 "(127.0.0.1, [::1] or localhost); give --tls-cert, --tls-key and --token-file\n";
    return 2;
  }
  // The HTTP listener follows gRPC's rule: plaintext and development mode on loopback only.
  if (!options.http_listen.empty() && !IsLoopback(options.http_listen) &&
      (!tls || options.token_file.empty())) {
    std::cerr << "modalisd: refusing to listen for HTTP on " << options.http_listen
              << ": without TLS and a token file modalisd only listens on loopback "
                 "(127.0.0.1, [::1] or localhost); give --tls-cert, --tls-key and --token-file\n";
    return 2;
  }
  std::string credentials_error;
  modalis::TlsMaterial tls_material;
  auto credentials = Credentials(options, &tls_material, &credentials_error);
  if (credentials == nullptr) {
    std::cerr << "modalisd: " << credentials_error << "\n";
    return 2;
  }
  // The EHRs trusted to call CDS Hooks, each made a caller of its clinic (role notes) with a
  // token that exists only in this process, for the calls the hooks make in-process.
  std::unique_ptr<modalis::EhrJwtVerifier> ehr_verifier;
  std::map<std::string, std::string> issuer_tokens;
  std::vector<modalis::TokenEntry> issuer_entries;
  if (!options.cds_issuers.empty()) {
    auto verifier = modalis::EhrJwtVerifier::Load(options.cds_issuers);
    if (!verifier.ok()) {
      std::cerr << "modalisd: " << verifier.status().message() << "\n";
      return 2;
    }
    ehr_verifier = *std::move(verifier);
    for (const auto& issuer : ehr_verifier->issuers()) {
      auto token = modalis::NewId("cds_");
      if (!token.ok()) {
        std::cerr << "modalisd: " << token.status().message() << "\n";
        return 1;
      }
      issuer_tokens[issuer.iss] = *token;
      issuer_entries.push_back(modalis::TokenEntry{"cds:" + issuer.iss, modalis::Role::kNotes,
                                                   modalis::Sha256Hex(*token), issuer.clinic});
    }
  }
  modalis::Authorizer auth;
  if (!options.token_file.empty()) {
    std::vector<std::string> warnings;
    if (absl::Status mode = modalis::CheckSecretFileMode(
            "--token-file", options.token_file, options.allow_insecure_permissions, &warnings);
        !mode.ok()) {
      std::cerr << "modalisd: " << mode.message() << "\n";
      return 2;
    }
    for (const std::string& w : warnings) std::cerr << "modalisd: warning: " << w << "\n";
    auto tokens = modalis::ReadTokenFile(options.token_file);
    if (!tokens.ok()) {
      std::cerr << "modalisd: " << tokens.status().message() << "\n";
      return 2;
    }
    tokens->insert(tokens->end(), issuer_entries.begin(), issuer_entries.end());
    auth = modalis::Authorizer(*std::move(tokens));
  }
  // The console's sign-ins: signed by a key every replica behind one proxy can share.
  if (!options.console_session_key_file.empty()) {
    std::vector<std::string> warnings;
    if (absl::Status mode = modalis::CheckSecretFileMode(
            "--console-session-key-file", options.console_session_key_file,
            options.allow_insecure_permissions, &warnings);
        !mode.ok()) {
      std::cerr << "modalisd: " << mode.message() << "\n";
      return 2;
    }
    for (const std::string& w : warnings) std::cerr << "modalisd: warning: " << w << "\n";
  }
  auto session_key = options.console_session_key_file.empty()
                         ? modalis::ConsoleSessions::RandomKey()
                         : modalis::ConsoleSessions::ReadKey(options.console_session_key_file);
  if (!session_key.ok()) {
    std::cerr << "modalisd: --console-session-key-file: " << session_key.status().message() << "\n";
    return 2;
  }
  const modalis::ConsoleSessions console_sessions(
      *std::move(session_key), std::chrono::minutes(options.console_session_minutes));
  auth.UseSessions(&console_sessions);

  const bool shared_store = modalis::IsPostgresLocation(options.db);
  absl::StatusOr<std::unique_ptr<modalis::Store>> store;
  if (shared_store) {
    modalis::PostgresStoreOptions store_options;
    store_options.queue_capacity = static_cast<size_t>(options.max_queued_writes);
    store_options.plan_codec = modalis::ProtoPlanCodec();
    store = modalis::OpenPostgresStore(options.db, store_options);
  } else {
    const std::filesystem::path db_path(options.db);
    if (db_path.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(db_path.parent_path(), ec);
    }
    modalis::SqliteStoreOptions store_options;
    store_options.busy_timeout_ms = options.db_busy_timeout_ms;
    store_options.queue_capacity = static_cast<size_t>(options.max_queued_writes);
    store_options.create_even_if_expected = options.create_db;
    store_options.plan_codec = modalis::ProtoPlanCodec();
    store = modalis::OpenSqliteStore(options.db, store_options);
  }
  if (!store.ok()) {
    std::cerr << "modalisd: " << store.status().message() << "\n";
    if (modalis::IsMissingDatabase(store.status())) {
      std::cerr << "modalisd: to begin again with a new, empty database on purpose, start once "
                   "with --create-db\n";
    }
    if (store.status().code() == absl::StatusCode::kUnavailable && !shared_store) {
      std::cerr << "modalisd: gave up after waiting " << options.db_busy_timeout_ms
                << " ms for the lock (--db-busy-timeout-ms); start again once the other process "
                   "has finished\n";
    }
    return 1;
  }

  modalis::EngineConfig config;
  config.rules_dir = options.rules;
  config.findings_limits.max_findings = static_cast<size_t>(options.max_findings);
  config.findings_limits.max_list_items = static_cast<size_t>(options.max_list_items);
  config.findings_limits.max_string_bytes = static_cast<size_t>(options.max_string_bytes);
  config.plugins_dir =
      options.plugins.empty() ? modalis::DefaultPluginsDir() : modalis::Absolute(options.plugins);
  config.allow_missing_modalities = options.allow_missing_plugins;
  // What last went live, so broken rule files at start do not take the clinic down.
  auto last_served = (*store)->LastServedRuleSet();
  if (!last_served.ok()) {
    std::cerr << "modalisd: " << last_served.status().message() << "\n";
    return 1;
  }
  if (last_served->has_value()) {
    const modalis::RuleSetRecord& record = **last_served;
    auto source = modalis::RuleSourceFromCanonical(
        *record.canonical_source,
        modalis::LocationForLogs(options.db) + " (rule set " + record.sha256.substr(0, 12) + ")");
    if (source.ok()) config.last_good = *std::move(source);
  }
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << "modalisd: " << engine.status().message() << "\n";
    const bool missing_plugin =
        std::any_of(diagnostics.begin(), diagnostics.end(), [](const modalis::Diagnostic& d) {
          return d.is(modalis::diagnostic_id::kUnknownModality) &&
                 d.severity == modalis::Diagnostic::Severity::kError;
        });
    if (missing_plugin) {
      std::cerr << "modalisd: to serve plans that show such a modality as unavailable, start with "
                   "--allow-missing-plugins\n";
    }
    return 1;
  }
  for (const auto& d : diagnostics) std::cerr << d.ToString() << "\n";
  for (const auto& refusal : (*engine)->plugins().refused()) {
    std::cerr << "modalisd: plugin " << refusal.path << " refused: " << refusal.reason << "\n";
  }

  // Every rule set that goes live is recorded, so the next start can fall back to it.
  auto record_served = [&](const modalis::CompiledRuleSet& rules) {
    (*store)->RecordServedRuleSetAsync(
        modalis::RuleSetRecord{rules.sha256, rules.id, rules.version,
                               std::make_shared<const std::string>(rules.canonical_source)},
        [log](absl::Status s) {
          if (!s.ok()) {
            modalis::LogEvent(*log, true, "rules_served_not_recorded", std::string(s.message()));
          }
        });
  };
  if (const modalis::EngineStatus status = (*engine)->status(); status.serving_last_good) {
    modalis::LogEvent(*log, true, "rules_files_broken", status.last_reload_error);
    std::cerr << "modalisd: " << status.last_reload_error << "\n";
  } else {
    // Waited for, so the writes of the start (and their queue) are done one after another.
    if (absl::Status s = (*store)->RecordServedRuleSet(modalis::RuleSetRecord{
            status.rules->sha256, status.rules->id, status.rules->version,
            std::make_shared<const std::string>(status.rules->canonical_source)});
        !s.ok()) {
      modalis::LogEvent(*log, true, "rules_served_not_recorded", std::string(s.message()));
    }
  }
  // What the store says is live for every clinic and condition (the rules directory's set, when
  // its files changed since they last went live, is recorded first).
  {
    modalis::RuleSetPublisher publisher(**engine, **store);
    auto problems = publisher.StartServing();
    if (!problems.ok()) {
      std::cerr << "modalisd: cannot read the rule sets live in "
                << modalis::LocationForLogs(options.db) << ": " << problems.status().message()
                << "\n";
      return 1;
    }
    for (const std::string& problem : *problems) {
      modalis::LogEvent(*log, true, "rule_set_not_served", problem);
      std::cerr << "modalisd: " << problem << "\n";
    }
  }
  modalis::SetPluginErrorLogger(&LogPluginError);
  modalis::PlanServiceImpl plan_service(**engine, **store, auth);
  auto on_reload = [&](const absl::Status& status,
                       const std::shared_ptr<const modalis::CompiledRuleSet>& before) {
    const auto rules = (*engine)->rules();
    if (status.ok()) {
      record_served(*rules);
      if (before->sha256 != rules->sha256) {
        modalis::RuleSetPublisher(**engine, **store)
            .RecordDirectorySet(rules, [log](absl::Status s) {
              if (!s.ok()) {
                modalis::LogEvent(*log, true, "rules_activation_not_recorded",
                                  std::string(s.message()));
              }
            });
      }
      // Old -> new, so the log shows what changed even when the version was not bumped.
      modalis::LogEvent(*log, false, "rules_reloaded",
                        before->id + " " + before->version + " sha256 " + before->sha256 + " -> " +
                            rules->id + " " + rules->version + " sha256 " + rules->sha256 +
                            (before->id == rules->id && before->version == rules->version &&
                                     before->sha256 != rules->sha256
                                 ? " (content changed, version unchanged)"
                                 : ""));
    } else {
      modalis::LogEvent(*log, true, "rules_reload_refused",
                        "previous rules keep serving: " + std::string(status.message()));
    }
  };
  modalis::RulesAdminServiceImpl rules_admin(**engine, **store, auth, on_reload,
                                             options.max_rule_checks,
                                             [&] { return (*store)->write_health(); });
  modalis::PlatformAdminServiceImpl platform_admin(**store, auth);
  std::unique_ptr<modalis::RulesWatcher> watcher;
  if (options.watch_quiet_ms > 0) {
    watcher = std::make_unique<modalis::RulesWatcher>(
        **engine, std::chrono::milliseconds(options.watch_quiet_ms), on_reload);
    if (!watcher->watching()) {
      modalis::LogEvent(*log, true, "rules_watch_unavailable",
                        "cannot watch " + options.rules + "; use RulesAdmin.ReloadRules");
    }
  }
  grpc::EnableDefaultHealthCheckService(true);
  // Links health.proto's descriptors in, so reflection can describe the health service.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // A second server on the same port must fail, not silently share the traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  modalis::ApplyTransportLimits(options.transport, &builder);
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<modalis::AccessLogFactory>(auth, log));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&plan_service);
  builder.RegisterService(&rules_admin);
  builder.RegisterService(&platform_admin);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "modalisd: cannot listen on " << options.listen << "\n";
    return 1;
  }
  auto* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(modalis::v1::PlanService::service_full_name(), true);
  health->SetServingStatus(modalis::v1::RulesAdmin::service_full_name(), true);
  health->SetServingStatus(modalis::v1::PlatformAdmin::service_full_name(), true);
  modalis::StoreHealthMonitor store_health(**store, health, log,
                                           std::chrono::milliseconds(options.db_probe_ms));
  // Replicas sharing a store serve what any of them activates.
  std::unique_ptr<modalis::StoreFollower> follower;
  if (shared_store) {
    std::string replica_id = options.replica_id;
    if (replica_id.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      replica_id = std::string(host) + ":" + std::to_string(port);
    }
    follower = std::make_unique<modalis::StoreFollower>(**engine, **store, std::move(replica_id),
                                                        log, std::chrono::milliseconds(1000));
  }

  // The same services as JSON over HTTP (Connect), and plans as FHIR, each call passed to this
  // server in-process.
  std::unique_ptr<modalis::InProcessCalls> calls;
  std::unique_ptr<modalis::DirectCalls> direct;  // the hot methods, without the in-process hop
  std::unique_ptr<modalis::ConnectGateway> gateway;
  std::unique_ptr<modalis::FhirGateway> fhir;
  std::unique_ptr<modalis::CdsHooksGateway> cds;
  std::unique_ptr<modalis::ConsoleSite> console;
  std::unique_ptr<modalis::HttpListener> http;
  if (!options.http_listen.empty()) {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(-1);  // replies are bounded by the server itself
    channel_args.SetMaxSendMessageSize(options.max_message_bytes);
    std::vector<const google::protobuf::ServiceDescriptor*> services;
    for (const char* name : {"modalis.v1.PlanService", "modalis.v1.RulesAdmin",
                             "modalis.v1.PlatformAdmin", "grpc.health.v1.Health"}) {
      services.push_back(
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name));
    }
    calls = std::make_unique<modalis::InProcessCalls>(
        server->InProcessChannel(channel_args),
        std::chrono::milliseconds(options.http_deadline_ms));
    direct = std::make_unique<modalis::DirectCalls>(
        auth, log, std::chrono::milliseconds(options.http_deadline_ms));
    plan_service.ServeDirectly(*direct);
    gateway = std::make_unique<modalis::ConnectGateway>(
        *calls, services,
        [log](const std::string& line) { modalis::LogEvent(*log, false, "http_refused", line); },
        direct.get());
    fhir = std::make_unique<modalis::FhirGateway>(*calls);
    modalis::CdsHooksGateway::Options cds_options;
    cds_options.verifier = ehr_verifier.get();
    cds_options.refuse_all = ehr_verifier == nullptr && auth.enabled();
    cds_options.issuer_tokens = issuer_tokens;
    cds_options.vocabulary = [&engine] { return (*engine)->rules()->vocabulary; };
    cds_options.log = [log](bool warning, const std::string& event, const std::string& message) {
      modalis::LogEvent(*log, warning, event, message);
    };
    const std::string mapping = options.rules + "/fhir-mapping.json";
    if (std::filesystem::exists(mapping)) {
      auto map = modalis::ReadFhirFindingMap(mapping, *(*engine)->rules()->vocabulary);
      if (!map.ok()) {
        // The rest of modalisd serves; only the CDS services, which need the map, refuse.
        cds_options.unusable = std::string(map.status().message());
        modalis::LogEvent(*log, true, "fhir_mapping_refused", cds_options.unusable);
        std::cerr << "modalisd: warning: CDS Hooks refused until fixed: " << cds_options.unusable
                  << "\n";
      } else {
        cds_options.finding_map = *std::move(map);
      }
    }
    cds = std::make_unique<modalis::CdsHooksGateway>(*calls, std::move(cds_options));
    modalis::ConsoleSite::Options console_options;
    console_options.directory = options.console;
    console_options.secure_cookie = tls;
    console_options.log = [log](bool warning, const std::string& event,
                                const std::string& message) {
      modalis::LogEvent(*log, warning, event, message);
    };
    auto site = modalis::ConsoleSite::Load(std::move(console_options), auth, console_sessions);
    if (!site.ok()) {
      std::cerr << "modalisd: " << site.status().message() << "\n";
      store_health.Stop();
      if (follower != nullptr) follower->Stop();
      server->Shutdown();
      (*store)->Close();
      return 2;
    }
    console = *std::move(site);
    if (console->not_built()) {
      std::cerr << "modalisd: warning: no console build in " << options.console
                << " (run scripts/build); /console/ says so\n";
    }
    modalis::HttpLimits limits;
    limits.max_body_bytes = static_cast<size_t>(options.max_message_bytes);
    auto where = modalis::SplitHostPort(options.http_listen);
    // One listener, routed by path: the console under /console, FHIR reads under /fhir, CDS
    // Hooks under /cds-services, every
    // other path a Connect method.
    modalis::HttpHandler route = [g = gateway.get(), f = fhir.get(), c = cds.get(),
                                  site = console.get()](modalis::HttpRequest request,
                                                        modalis::HttpResponder respond) {
      if (modalis::ConsoleSite::Handles(request.target)) return site->Handle(request, respond);
      if (modalis::FhirGateway::Handles(request.target)) {
        return f->Handle(std::move(request), std::move(respond));
      }
      if (modalis::CdsHooksGateway::Handles(request.target)) {
        return c->Handle(std::move(request), std::move(respond));
      }
      if (auto refused = site->AttachSession(&request)) return respond(*std::move(refused));
      g->Handle(std::move(request), std::move(respond));
    };
    // TLS with gRPC's certificate, key and client CA, as read and checked for gRPC.
    modalis::HttpTls http_tls;
    if (tls) http_tls = {tls_material.cert_pem, tls_material.key_pem, tls_material.ca_pem};
    auto listener =
        where.ok()
            ? modalis::HttpListener::Start(where->first, where->second, limits, route, http_tls)
            : absl::StatusOr<std::unique_ptr<modalis::HttpListener>>(where.status());
    if (!listener.ok()) {
      std::cerr << "modalisd: --http-listen: " << listener.status().message() << "\n";
      store_health.Stop();
      if (follower != nullptr) follower->Stop();
      server->Shutdown();
      (*store)->Close();
      return 2;
    }
    http = *std::move(listener);
  }

  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const auto rules = (*engine)->rules();
  const std::string http_note =
      http == nullptr
          ? ""
          : "; HTTP on " + options.http_listen.substr(0, options.http_listen.rfind(':')) + ":" +
                std::to_string(http->port());
  std::printf("modalisd listening on %s:%d (%s, %s; rules %s %s, %zu plugins, db %s)%s\n",
              host.c_str(), port, tls ? (options.client_ca.empty() ? "TLS" : "mTLS") : "plaintext",
              auth.enabled() ? "tokens required" : "development mode, no tokens", rules->id.c_str(),
              rules->version.c_str(), (*engine)->plugins().modalities().size(),
              modalis::LocationForLogs(options.db).c_str(), http_note.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  modalis::LogEvent(*log, false, "shutdown",
                    signal_number == SIGINT ? "SIGINT received" : "SIGTERM received");
  // Tell load balancers first, then stop taking calls and let those in flight finish.
  store_health.Stop();
  if (follower != nullptr) follower->Stop();
  health->SetServingStatus(false);
  // HTTP first: no new calls, and those in flight answered while the server still runs.
  if (http != nullptr) http->Close();
  if (direct != nullptr) direct->Drain();
  if (calls != nullptr) calls->Drain();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // Complete every queued write while its reactor still exists; nothing acknowledged is dropped.
  (*store)->Close();
  server->Wait();
  http.reset();
  watcher.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The database, its WAL, the log and any directory made for them hold health data or name
  // clients: owner-only, whatever the umask of the shell or unit that started us.
  ::umask(077);
  modalis::ServerOptions options;
  CLI::App app{"modalisd: the Modalis clinical decision-support server"};
  modalis::AddServerOptions(app, &options);
  CLI11_PARSE(app, argc, argv);
  if (absl::Status config = modalis::ApplyConfigFile(app, &options); !config.ok()) {
    std::cerr << "modalisd: " << config.message() << "\n";
    return 2;
  }
  return Run(options);
}
