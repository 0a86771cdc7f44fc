#include "server/options.h"

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

namespace modalis {
namespace {

struct Setting {
  SettingInfo info;
  std::string help;
  std::string* text = nullptr;
  int* number = nullptr;
  bool* on = nullptr;
  bool show_default = true;
};

Setting Text(const char* flag, std::string* field, std::string help, bool in_file = true,
             bool show_default = false) {
  Setting s;
  s.info = {flag, in_file ? std::string(flag + 2) : "", SettingInfo::Kind::kText, 0, 0};
  s.help = std::move(help);
  s.text = field;
  s.show_default = show_default;
  return s;
}

Setting Number(const char* flag, int* field, int64_t min, int64_t max, std::string help) {
  Setting s;
  s.info = {flag, std::string(flag + 2), SettingInfo::Kind::kWholeNumber, min, max};
  s.help = std::move(help);
  s.number = field;
  return s;
}

Setting Switch(const char* flag, bool* field, std::string help, bool in_file = true) {
  Setting s;
  s.info = {flag, in_file ? std::string(flag + 2) : "", SettingInfo::Kind::kSwitch, 0, 0};
  s.help = std::move(help);
  s.on = field;
  return s;
}

// The one table. Keys are the flags' names with '-' written '_'.
std::vector<Setting> Table(ServerOptions* o) {
  std::vector<Setting> t = {
      Text("--config", &o->config, "JSON config file; flags override its settings", false),
      Text("--listen", &o->listen, "HOST:PORT to listen on (port 0 picks a free one)", true, true),
      Text("--http-listen", &o->http_listen,
           "HOST:PORT to also serve the API on as Connect JSON over HTTP/1.1 (port 0 picks a "
           "free one; default: off)"),
      Number("--http-deadline-ms", &o->http_deadline_ms, 100, 600000,
             "longest an HTTP call may take, whatever its Connect-Timeout-Ms asks"),
      Text("--console", &o->console,
           "directory of the therapist's console build, served at /console/ on the HTTP "
           "listener (default: the build's)"),
      Text("--console-session-key-file", &o->console_session_key_file,
           "file whose first line is the hex key (64+ digits) that signs console sessions; "
           "replicas behind one proxy share it (default: a random key, so sessions end when "
           "modalisd does)"),
      Number("--console-session-minutes", &o->console_session_minutes, 5, 24 * 60,
             "how long a console sign-in lasts"),
      Text("--cds-issuers", &o->cds_issuers,
           "JSON file of the electronic health records trusted to call CDS Hooks: each one's "
           "iss, clinic and JWKS file, and the URL they call (docs/http.md)"),
      Text("--db", &o->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB", true, true),
      Text("--rules", &o->rules, "rules directory (holds modalis.json)", true, true),
      Text("--plugins", &o->plugins,
           "modality plugins directory (default: the plugins built beside modalisd)"),
      Text("--token-file", &o->token_file,
           "bearer tokens (hashes, client names, roles); none: development mode"),
      Text("--tls-cert", &o->tls_cert, "server certificate (PEM)"),
      Text("--tls-key", &o->tls_key, "server private key (PEM)"),
      Text("--client-ca", &o->client_ca, "CA that client certificates must chain to (mTLS)"),
      Number("--watch-quiet-ms", &o->watch_quiet_ms, 0, 600000,
             "reload rules this long after the last change in the rules directory (0: off)"),
      Text("--log-file", &o->log_file, "JSON log file (default: standard error)"),
      Number("--db-busy-timeout-ms", &o->db_busy_timeout_ms, 0, 600000,
             "how long to wait for a database lock held by another process before failing a "
             "write (UNAVAILABLE) or start-up"),
      Number("--db-probe-ms", &o->db_probe_ms, 50, 600000,
             "while the database cannot be written (health NOT_SERVING), try a probe write this "
             "often, to serve again as soon as writes succeed"),
      Text("--replica-id", &o->replica_id,
           "with a PostgreSQL store: this replica's name in RulesAdmin.GetStatus (default: the "
           "host's name and the gRPC port)"),
      // Only ever on purpose, once: never kept in a file.
      Switch("--create-db", &o->create_db,
             "create a new, empty database even though one is expected at --db (its '.created' "
             "marker is there): only to begin again on purpose after losing it",
             false),
      Switch("--allow-missing-plugins", &o->allow_missing_plugins,
             "serve a rule set that names a modality no loaded plugin provides (plans show it as "
             "unavailable) instead of refusing it"),
      Switch("--allow-insecure-permissions", &o->allow_insecure_permissions,
             "start even when the TLS key or the token file is readable by every user (they are "
             "refused otherwise)"),
      Number("--max-message-bytes", &o->max_message_bytes, 1024, 64 << 20,
             "largest request accepted"),
      Number("--max-findings", &o->max_findings, 1, 4096, "most findings in one request"),
      Number("--max-list-items", &o->max_list_items, 1, 1024, "most items in one list finding"),
      Number("--max-string-bytes", &o->max_string_bytes, 16, 65536, "longest text in a finding"),
      Number("--max-queued-writes", &o->max_queued_writes, 1, 1 << 20,
             "most writes waiting for the database; beyond it writes are RESOURCE_EXHAUSTED"),
      Number("--max-memory-mb", &o->transport.max_memory_mb, 32, 1 << 20,
             "memory gRPC may hold for all connections (its ResourceQuota); past it, reads slow "
             "down and new streams are refused"),
      Number("--max-streams-per-connection", &o->transport.max_streams_per_connection, 1, 1000,
             "calls one HTTP/2 connection may have open at once"),
      Number("--max-connection-idle-ms", &o->transport.max_connection_idle_ms, 1000, 86400000,
             "close a connection with no call for this long"),
      Number("--max-connection-age-ms", &o->transport.max_connection_age_ms, 1000, 2147483647,
             "ask a client to reconnect after this long (GOAWAY; calls in flight get 30 s)"),
      Number("--max-rule-checks", &o->max_rule_checks, 1, 64,
             "most ValidateRuleSet and ReloadRules calls running at once; beyond it they are "
             "RESOURCE_EXHAUSTED"),
  };
  for (Setting& s : t) {
    for (char& c : s.info.key) c = c == '-' ? '_' : c;
  }
  return t;
}

}  // namespace

void AddServerOptions(CLI::App& app, ServerOptions* options) {
  for (Setting& s : Table(options)) {
    if (s.on != nullptr) {
      app.add_flag(s.info.flag, *s.on, s.help);
    } else if (s.number != nullptr) {
      app.add_option(s.info.flag, *s.number, s.help)
          ->capture_default_str()
          ->check(CLI::Range(s.info.min, s.info.max));
    } else {
      CLI::Option* opt = app.add_option(s.info.flag, *s.text, s.help);
      if (s.show_default) opt->capture_default_str();
    }
  }
}

std::vector<SettingInfo> ServerSettings() {
  ServerOptions scratch;
  std::vector<SettingInfo> out;
  for (const Setting& s : Table(&scratch)) out.push_back(s.info);
  return out;
}

absl::Status ApplyConfigFile(const CLI::App& app, ServerOptions* o) {
  if (o->config.empty()) return absl::OkStatus();
  std::ifstream in(o->config, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!in || !j.is_object()) {
    return absl::InvalidArgumentError("cannot read the config file '" + o->config +
                                      "' (it must be one JSON object)");
  }
  const std::string where = o->config + ": ";
  // Check every key before applying any, so a bad file changes nothing.
  std::vector<std::function<void()>> apply;
  const std::vector<Setting> table = Table(o);
  for (const auto& [key, value] : j.items()) {
    const Setting* s = nullptr;
    for (const Setting& candidate : table) {
      if (!candidate.info.key.empty() && candidate.info.key == key) s = &candidate;
    }
    if (s == nullptr) return absl::InvalidArgumentError(where + "unknown setting '" + key + "'");
    const bool flag_given = app.count(s->info.flag) > 0;
    if (s->text != nullptr) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(where + "'" + key + "' must be a string");
      }
      if (!flag_given) apply.push_back([s, v = value.get<std::string>()] { *s->text = v; });
    } else if (s->number != nullptr) {
      if (!value.is_number_integer() || value.get<int64_t>() < s->info.min ||
          value.get<int64_t>() > s->info.max) {
        return absl::InvalidArgumentError(where + key + " must be a whole number from " +
                                          std::to_string(s->info.min) + " to " +
                                          std::to_string(s->info.max));
      }
      if (!flag_given) {
        apply.push_back([s, v = static_cast<int>(value.get<int64_t>())] { *s->number = v; });
      }
    } else {
      if (!value.is_boolean()) {
        return absl::InvalidArgumentError(where + key + " must be true or false");
      }
      if (!flag_given) apply.push_back([s, v = value.get<bool>()] { *s->on = v; });
    }
  }
  for (auto& f : apply) f();
  return absl::OkStatus();
}

}  // namespace modalis
