// modalisd: serves modalis.v1 over gRPC with health checking and server reflection.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>
#include "core/engine.h"
#include "core/store/sqlite/sqlite_store.h"
#include "grpc/health/v1/health.pb.h"
#include "server/store_health.h"
#include "server/transport_limits.h"

#include "server/access_log.h"
#include "server/auth.h"
#include "server/file_checks.h"
#include "server/paths.h"
#include "server/plan_service.h"
#include "server/rules_admin_service.h"
#include "server/rules_watcher.h"

namespace {

// Where plugin failures while serving are logged (the host takes a plain function).
std::shared_ptr<spdlog::logger> g_plugin_log;
void LogPluginError(std::string_view line) {
  if (g_plugin_log) modalis::LogEvent(*g_plugin_log, true, "plugin_error", std::string(line));
}

struct Options {
  std::string config;
  std::string listen = "127.0.0.1:50051";
  std::string db = "var/modalis.db";
  std::string rules = "rules";
  std::string plugins;
  std::string token_file;
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  std::string log_file;
  int max_message_bytes = 1024 * 1024;
  int max_findings = 256;
  int max_list_items = 64;
  int max_string_bytes = 256;
  int max_queued_writes = 4096;  // writes waiting for the store; one more is RESOURCE_EXHAUSTED
  int max_rule_checks = 4;       // ValidateRuleSet and ReloadRules calls running at once
  modalis::TransportLimits transport;
  int watch_quiet_ms = 1000;  // 0: do not watch the rules directory
  int db_busy_timeout_ms = 5000;
  int db_probe_ms = 1000;  // while the database cannot be written, try a probe write this often
  bool create_db = false;
  bool allow_missing_plugins = false;
  bool allow_insecure_permissions = false;
};

bool IsLoopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  *ok = static_cast<bool>(in);
  return text.str();
}

// Fills options from the JSON config file, except those given as flags: flags win.
bool ApplyConfig(const CLI::App& app, Options* o) {
  if (o->config.empty()) return true;
  bool ok = false;
  const std::string text = ReadFile(o->config, &ok);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!ok || !j.is_object()) {
    std::cerr << "modalisd: cannot read the config file '" << o->config
              << "' (it must be one JSON object)\n";
    return false;
  }
  struct Setting {
    const char* key;
    const char* flag;
    std::string* field;
  };
  const Setting strings[] = {{"listen", "--listen", &o->listen},
                             {"db", "--db", &o->db},
                             {"rules", "--rules", &o->rules},
                             {"plugins", "--plugins", &o->plugins},
                             {"token_file", "--token-file", &o->token_file},
                             {"tls_cert", "--tls-cert", &o->tls_cert},
                             {"tls_key", "--tls-key", &o->tls_key},
                             {"client_ca", "--client-ca", &o->client_ca},
                             {"log_file", "--log-file", &o->log_file}};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const Setting& setting : strings) {
      if (key != setting.key) continue;
      known = true;
      if (!value.is_string()) {
        std::cerr << "modalisd: " << o->config << ": '" << key << "' must be a string\n";
        return false;
      }
      if (app.count(setting.flag) == 0) *setting.field = value.get<std::string>();
    }
    struct Limit {
      const char* key;
      const char* flag;
      int* field;
      int min;
      int max;
    };
    const Limit limits[] = {
        {"max_message_bytes", "--max-message-bytes", &o->max_message_bytes, 1024, 64 << 20},
        {"max_findings", "--max-findings", &o->max_findings, 1, 4096},
        {"max_list_items", "--max-list-items", &o->max_list_items, 1, 1024},
        {"max_string_bytes", "--max-string-bytes", &o->max_string_bytes, 16, 65536},
        {"db_busy_timeout_ms", "--db-busy-timeout-ms", &o->db_busy_timeout_ms, 0, 600000},
        {"db_probe_ms", "--db-probe-ms", &o->db_probe_ms, 50, 600000},
        {"max_queued_writes", "--max-queued-writes", &o->max_queued_writes, 1, 1 << 20},
        {"max_rule_checks", "--max-rule-checks", &o->max_rule_checks, 1, 64},
        {"max_memory_mb", "--max-memory-mb", &o->transport.max_memory_mb, 32, 1 << 20},
        {"max_streams_per_connection", "--max-streams-per-connection",
         &o->transport.max_streams_per_connection, 1, 1000},
        {"max_connection_idle_ms", "--max-connection-idle-ms", &o->transport.max_connection_idle_ms,
         1000, 86400000},
        {"max_connection_age_ms", "--max-connection-age-ms", &o->transport.max_connection_age_ms,
         1000, 2147483647}};
    for (const Limit& limit : limits) {
      if (key != limit.key) continue;
      known = true;
      if (!value.is_number_integer() || value.get<int64_t>() < limit.min ||
          value.get<int64_t>() > limit.max) {
        std::cerr << "modalisd: " << o->config << ": " << key << " must be a whole number from "
                  << limit.min << " to " << limit.max << "\n";
        return false;
      }
      if (app.count(limit.flag) == 0) *limit.field = value.get<int>();
    }
    struct Switch {
      const char* key;
      const char* flag;
      bool* field;
    };
    const Switch switches[] = {
        {"allow_missing_plugins", "--allow-missing-plugins", &o->allow_missing_plugins},
        {"allow_insecure_permissions", "--allow-insecure-permissions",
         &o->allow_insecure_permissions}};
    for (const Switch& sw : switches) {
      if (key != sw.key) continue;
      known = true;
      if (!value.is_boolean()) {
        std::cerr << "modalisd: " << o->config << ": " << key << " must be true or false\n";
        return false;
      }
      if (app.count(sw.flag) == 0) *sw.field = value.get<bool>();
    }
    if (!known) {
      std::cerr << "modalisd: " << o->config << ": unknown setting '" << key << "'\n";
      return false;
    }
  }
  return true;
}

// Checked before anything listens: a problem names its flag and file (server/file_checks.h).
std::shared_ptr<grpc::ServerCredentials> Credentials(const Options& o, std::string* error) {
  auto tls = modalis::LoadTlsFiles({o.tls_cert, o.tls_key, o.client_ca});
  if (!tls.ok()) {
    *error = std::string(tls.status().message());
    return nullptr;
  }
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

int Run(const Options& options) {
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
  std::string credentials_error;
  auto credentials = Credentials(options, &credentials_error);
  if (credentials == nullptr) {
    std::cerr << "modalisd: " << credentials_error << "\n";
    return 2;
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
    auth = modalis::Authorizer(*std::move(tokens));
  }

  const std::filesystem::path db_path(options.db);
  if (db_path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db_path.parent_path(), ec);
  }
  modalis::SqliteStoreOptions store_options;
  store_options.busy_timeout_ms = options.db_busy_timeout_ms;
  store_options.queue_capacity = static_cast<size_t>(options.max_queued_writes);
  store_options.create_even_if_expected = options.create_db;
  auto store = modalis::OpenSqliteStore(options.db, store_options);
  if (!store.ok()) {
    std::cerr << "modalisd: " << store.status().message() << "\n";
    if (modalis::IsMissingDatabase(store.status())) {
      std::cerr << "modalisd: to begin again with a new, empty database on purpose, start once "
                   "with --create-db\n";
    }
    if (store.status().code() == absl::StatusCode::kUnavailable) {
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
        *record.canonical_source, options.db + " (rule set " + record.sha256.substr(0, 12) + ")");
    if (source.ok()) config.last_good = *std::move(source);
  }
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << "modalisd: " << engine.status().message() << "\n";
    if (engine.status().message().find("[unknown-modality]") != std::string_view::npos) {
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
    record_served(*status.rules);
  }
  modalis::SetPluginErrorLogger(&LogPluginError);
  modalis::PlanServiceImpl plan_service(**engine, **store, auth);
  auto on_reload = [&](const absl::Status& status,
                       const std::shared_ptr<const modalis::CompiledRuleSet>& before) {
    const auto rules = (*engine)->rules();
    if (status.ok()) {
      record_served(*rules);
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
  modalis::RulesAdminServiceImpl rules_admin(**engine, auth, on_reload, options.max_rule_checks,
                                             [&] { return (*store)->write_health(); });
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
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "modalisd: cannot listen on " << options.listen << "\n";
    return 1;
  }
  auto* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(modalis::v1::PlanService::service_full_name(), true);
  health->SetServingStatus(modalis::v1::RulesAdmin::service_full_name(), true);
  modalis::StoreHealthMonitor store_health(**store, health, log,
                                           std::chrono::milliseconds(options.db_probe_ms));

  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const auto rules = (*engine)->rules();
  std::printf("modalisd listening on %s:%d (%s, %s; rules %s %s, %zu plugins, db %s)\n",
              host.c_str(), port, tls ? (options.client_ca.empty() ? "TLS" : "mTLS") : "plaintext",
              auth.enabled() ? "tokens required" : "development mode, no tokens", rules->id.c_str(),
              rules->version.c_str(), (*engine)->plugins().modalities().size(), options.db.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  modalis::LogEvent(*log, false, "shutdown",
                    signal_number == SIGINT ? "SIGINT received" : "SIGTERM received");
  // Tell load balancers first, then stop taking calls and let those in flight finish.
  store_health.Stop();
  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // Complete every queued write while its reactor still exists; nothing acknowledged is dropped.
  (*store)->Close();
  server->Wait();
  watcher.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The database, its WAL, the log and any directory made for them hold health data or name
  // clients: owner-only, whatever the umask of the shell or unit that started us.
  ::umask(077);
  Options options;
  CLI::App app{"modalisd: the Modalis clinical decision-support server"};
  app.add_option("--config", options.config, "JSON config file; flags override its settings");
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--db", options.db, "SQLite database file")->capture_default_str();
  app.add_option("--rules", options.rules, "rules directory (holds modalis.json)")
      ->capture_default_str();
  app.add_option("--plugins", options.plugins,
                 "modality plugins directory (default: the plugins built beside modalisd)");
  app.add_option("--token-file", options.token_file,
                 "bearer tokens (hashes, client names, roles); none: development mode");
  app.add_option("--tls-cert", options.tls_cert, "server certificate (PEM)");
  app.add_option("--tls-key", options.tls_key, "server private key (PEM)");
  app.add_option("--client-ca", options.client_ca,
                 "CA that client certificates must chain to (mTLS)");
  app.add_option("--watch-quiet-ms", options.watch_quiet_ms,
                 "reload rules this long after the last change in the rules directory (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--log-file", options.log_file, "JSON log file (default: standard error)");
  app.add_option("--db-busy-timeout-ms", options.db_busy_timeout_ms,
                 "how long to wait for a database lock held by another process before failing "
                 "a write (UNAVAILABLE) or start-up")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--db-probe-ms", options.db_probe_ms,
                 "while the database cannot be written (health NOT_SERVING), try a probe write "
                 "this often, to serve again as soon as writes succeed")
      ->capture_default_str()
      ->check(CLI::Range(50, 600000));
  app.add_flag("--create-db", options.create_db,
               "create a new, empty database even though one is expected at --db (its "
               "'.created' marker is there): only to begin again on purpose after losing it");
  app.add_flag("--allow-missing-plugins", options.allow_missing_plugins,
               "serve a rule set that names a modality no loaded plugin provides (plans show it "
               "as unavailable) instead of refusing it");
  app.add_flag("--allow-insecure-permissions", options.allow_insecure_permissions,
               "start even when the TLS key or the token file is readable by every user (they "
               "are refused otherwise)");
  app.add_option("--max-message-bytes", options.max_message_bytes, "largest request accepted")
      ->capture_default_str()
      ->check(CLI::Range(1024, 64 * 1024 * 1024));
  app.add_option("--max-findings", options.max_findings, "most findings in one request")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--max-list-items", options.max_list_items, "most items in one list finding")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--max-string-bytes", options.max_string_bytes, "longest text in a finding")
      ->capture_default_str()
      ->check(CLI::Range(16, 65536));
  app.add_option("--max-queued-writes", options.max_queued_writes,
                 "most writes waiting for the database; beyond it writes are RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--max-memory-mb", options.transport.max_memory_mb,
                 "memory gRPC may hold for all connections (its ResourceQuota); past it, reads "
                 "slow down and new streams are refused")
      ->capture_default_str()
      ->check(CLI::Range(32, 1 << 20));
  app.add_option("--max-streams-per-connection", options.transport.max_streams_per_connection,
                 "calls one HTTP/2 connection may have open at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--max-connection-idle-ms", options.transport.max_connection_idle_ms,
                 "close a connection with no call for this long")
      ->capture_default_str()
      ->check(CLI::Range(1000, 86400000));
  app.add_option("--max-connection-age-ms", options.transport.max_connection_age_ms,
                 "ask a client to reconnect after this long (GOAWAY; calls in flight get 30 s)")
      ->capture_default_str()
      ->check(CLI::Range(1000, 2147483647));
  app.add_option("--max-rule-checks", options.max_rule_checks,
                 "most ValidateRuleSet and ReloadRules calls running at once; beyond it they are "
                 "RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  if (!ApplyConfig(app, &options)) return 2;
  return Run(options);
}
