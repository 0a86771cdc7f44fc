// modalisd's settings, each defined once: its flag, its key in the --config JSON file (the flag's
// name with underscores), its help and its range. Flags win over the file.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/transport_limits.h"

namespace modalis {

struct ServerOptions {
  std::string config;
  std::string listen = "127.0.0.1:50051";
  std::string http_listen;  // empty: no HTTP listener
  int http_deadline_ms = 60000;
  std::string cds_issuers;  // the EHRs trusted to call CDS Hooks (server/ehr_jwt.h)
  std::string console = MODALIS_CONSOLE_DIR;  // the console's build output, served at /console/
  std::string console_session_key_file;       // empty: a random key per process
  int console_session_minutes = 480;
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
  TransportLimits transport;
  int watch_quiet_ms = 1000;  // 0: do not watch the rules directory
  int db_busy_timeout_ms = 5000;
  int db_probe_ms = 1000;  // while the database cannot be written, try a probe write this often
  std::string replica_id;  // with a shared store; empty: the host's name and the gRPC port
  bool create_db = false;
  bool allow_missing_plugins = false;
  bool allow_insecure_permissions = false;
};

// One setting, as the table defines it (for tests and docs).
struct SettingInfo {
  enum class Kind { kText, kWholeNumber, kSwitch };
  std::string flag;  // "--max-findings"
  std::string key;   // "max_findings"; empty for flags that have no place in the file
  Kind kind = Kind::kText;
  int64_t min = 0, max = 0;  // whole numbers only
};

// Registers every setting's flag on `app`, writing into `*options`.
void AddServerOptions(CLI::App& app, ServerOptions* options);
// Every setting in the table, in the order of --help.
std::vector<SettingInfo> ServerSettings();
// Fills `*options` from the JSON file named by options->config (if any), except settings whose
// flag was given. INVALID_ARGUMENT naming the file and the key for an unknown key, a wrong type or
// a value out of range; the file's other settings are then not applied either.
absl::Status ApplyConfigFile(const CLI::App& app, ServerOptions* options);

}  // namespace modalis
