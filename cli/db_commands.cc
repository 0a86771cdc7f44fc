// modalis db ... and clinic ...: operating the plan store (verify, backup, export, erase) and its
// clinics. Safe while modalisd serves the same file: reads use their own snapshot, writes queue
// behind modalisd's.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "adapters/replay_input.h"
#include "cli/commands.h"
#include "core/plan/plan_json.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/sqlite/sqlite_store.h"

namespace modalis::cli {
namespace {

struct DbOptions {
  std::string db = "var/modalis.db";
  std::string clinic = std::string(kDefaultClinic);
  std::string patient;
  std::string backup_to;
};

using nlohmann::json;

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// What the plan was asked, as proto3 JSON (field names as in the .proto file, defaults printed):
// findings, session_minutes, practitioner when it was sent, condition. The fields a kept question
// never holds (whose and which request it was, how it was asked) are left out rather than
// printed empty. nullopt for a plan stored before plans kept their question.
absl::StatusOr<std::optional<json>> Asked(const StoredPlan& plan) {
  if (plan.replay_input.empty()) return std::optional<json>();
  auto request = DecodeReplayInput(plan.replay_format, plan.replay_input);
  if (!request.ok()) {
    return absl::Status(request.status().code(),
                        "plan " + plan.plan_id + ": " + std::string(request.status().message()));
  }
  json asked = json::parse(MessageToJson(*request, /*pretty=*/false), nullptr, false);
  if (asked.is_discarded()) {
    return absl::DataLossError("plan " + plan.plan_id + ": its question cannot be printed as JSON");
  }
  for (const char* never : {"request_id", "patient_ref", "dry_run", "explain_not_fired"}) {
    asked.erase(never);
  }
  return std::optional<json>(std::move(asked));
}

std::unique_ptr<Store> OpenOrReport(const std::string& path, bool read_only) {
  if (IsPostgresLocation(path)) {
    PostgresStoreOptions options;
    options.readers = 1;
    options.plan_codec = ProtoPlanCodec();
    auto store = OpenPostgresStore(path, options);
    if (!store.ok()) {
      std::cerr << "modalis: " << store.status().message() << "\n";
      return nullptr;
    }
    return *std::move(store);
  }
  SqliteStoreOptions options;
  options.read_only = read_only;
  options.readers = 1;
  // As modalisd stores plans, so the CLI reads (and, writable, converts) them.
  options.plan_codec = ProtoPlanCodec();
  auto store = OpenSqliteStore(path, options);
  if (!store.ok()) {
    std::cerr << "modalis: " << store.status().message() << "\n";
    return nullptr;
  }
  return *std::move(store);
}

int Verify(const DbOptions& o) {
  auto store = OpenOrReport(o.db, /*read_only=*/true);
  if (store == nullptr) return 1;
  auto report = store->Verify();
  if (!report.ok()) {
    std::cerr << "modalis: cannot verify '" << o.db << "': " << report.status().message() << "\n";
    return 1;
  }
  if (!report->ok()) {
    std::cerr << "modalis: '" << o.db << "' FAILED verification:\n";
    for (const auto& p : report->problems) std::cerr << "  " << p << "\n";
    return 1;
  }
  std::cout << "ok: " << o.db << ": integrity_check ok, foreign keys ok, " << report->chains.size()
            << " audit chain(s) of " << report->audit_records << " records intact ("
            << report->audit_redacted << " redacted by erasure)\n";
  // Each head, to note elsewhere: a chain cut short after it would otherwise go unseen.
  for (const AuditChain& chain : report->chains) {
    std::cout << "  clinic " << chain.clinic_id << ": " << chain.records << " records, head "
              << chain.head << "\n";
  }
  return 0;
}

int Backup(const DbOptions& o) {
  auto store = OpenOrReport(o.db, /*read_only=*/true);
  if (store == nullptr) return 1;
  if (absl::Status s = store->Backup(o.backup_to); !s.ok()) {
    std::cerr << "modalis: " << s.message() << "\n";
    return 1;
  }
  std::cout << "backed up " << o.db << " to " << o.backup_to << "\n";
  return 0;
}

int Export(const DbOptions& o) {
  auto store = OpenOrReport(o.db, /*read_only=*/true);
  if (store == nullptr) return 1;
  auto record = store->ExportPatient(o.clinic, o.patient);
  if (!record.ok()) {
    std::cerr << "modalis: " << record.status().message() << "\n";
    return 1;
  }
  json out = {{"clinic_id", record->clinic_id}, {"patient_ref", record->patient_ref}};
  json plans = json::array();
  for (const auto& p : record->plans) {
    json plan = {{"plan_id", p.plan_id},
                 {"client", p.client},
                 {"request_id", p.request_id},
                 {"created_at_ms", p.created_at_ms},
                 {"findings_baseline",
                  {{"pain_nprs", Optional(p.baseline.pain_nprs)},
                   {"pain_days_per_week", Optional(p.baseline.pain_days_per_week)},
                   {"baseline_pain_nprs", Optional(p.baseline.baseline_pain_nprs)}}},
                 {"plan", PlanToJson(p.plan)}};
    auto asked = Asked(p);
    if (!asked.ok()) {
      std::cerr << "modalis: " << asked.status().message() << "\n";
      return 1;
    }
    if (asked->has_value()) plan["asked"] = **std::move(asked);
    plans.push_back(std::move(plan));
  }
  json feedback = json::array();
  for (const auto& f : record->feedback) {
    feedback.push_back({{"plan_id", f.plan_id},
                        {"step_index", f.step_index},
                        {"decision", StepDecisionName(f.decision)},
                        {"reason", f.reason},
                        {"client", f.client},
                        {"recorded_at_ms", f.recorded_at_ms}});
  }
  json outcomes = json::array();
  for (const auto& x : record->outcomes) {
    outcomes.push_back({{"session_number", x.session_number},
                        {"pain_nprs", x.pain_nprs},
                        {"pain_days_per_week", x.pain_days_per_week},
                        {"odi_percent", Optional(x.odi_percent)},
                        {"rmdq", Optional(x.rmdq)},
                        {"psfs_avg", Optional(x.psfs_avg)},
                        {"client", x.client},
                        {"recorded_at_ms", x.recorded_at_ms}});
  }
  json audit = json::array();
  for (const auto& a : record->audit) {
    audit.push_back(
        {{"seq", a.seq},
         {"at_ms", a.at_ms},
         {"kind", a.kind},
         {"plan_id", a.plan_id},
         {"record", a.record_json.empty() ? json(nullptr) : json::parse(a.record_json)}});
  }
  out["plans"] = std::move(plans);
  out["feedback"] = std::move(feedback);
  out["outcomes"] = std::move(outcomes);
  out["audit"] = std::move(audit);
  std::cout << out.dump(2) << "\n";
  return 0;
}

int Erase(const DbOptions& o) {
  auto store = OpenOrReport(o.db, /*read_only=*/false);
  if (store == nullptr) return 1;
  auto report = store->ErasePatient(o.clinic, o.patient);
  if (!report.ok()) {
    std::cerr << "modalis: " << report.status().message() << "\n";
    return 1;
  }
  std::cout << "erased patient " << o.patient << " of clinic " << o.clinic << ": " << report->plans
            << " plans, " << report->feedback << " feedback records, " << report->outcomes
            << " outcomes; " << report->audit_redacted
            << " audit records redacted, erasure recorded in the audit chain\n";
  return 0;
}

int AddClinic(const std::string& db, const std::string& id, const std::string& name) {
  auto store = OpenOrReport(db, /*read_only=*/false);
  if (store == nullptr) return 1;
  if (absl::Status s = store->CreateClinic(ClinicRecord{id, name, 0}); !s.ok()) {
    std::cerr << "modalis: " << s.message() << "\n";
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "added clinic " << id << " to " << db << "\n";
  return 0;
}

int ListClinics(const std::string& db) {
  auto store = OpenOrReport(db, /*read_only=*/true);
  if (store == nullptr) return 1;
  auto clinics = store->ListClinics();
  if (!clinics.ok()) {
    std::cerr << "modalis: " << clinics.status().message() << "\n";
    return 1;
  }
  for (const ClinicRecord& c : *clinics) {
    std::cout << c.clinic_id << "\t" << (c.name.empty() ? "-" : c.name) << "\n";
  }
  return 0;
}

}  // namespace

void AddClinicCommands(CLI::App& app, Common* /*common*/, Runner* run) {
  struct Args {
    std::string db = "var/modalis.db";
    std::string id;
    std::string name;
  };
  auto args = std::make_shared<Args>();
  CLI::App* clinic = app.add_subcommand("clinic", "the clinics (tenants) a store serves");
  clinic->require_subcommand(1);
  CLI::App* add = clinic->add_subcommand("add", "create a clinic; its data is its own");
  add->add_option("--db", args->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB")
      ->capture_default_str();
  add->add_option("ID", args->id, "clinic id: lower-case letters, digits and '-'")->required();
  add->add_option("--name", args->name, "a name for people, e.g. North Side Physio");
  add->callback([=] { *run = [=] { return AddClinic(args->db, args->id, args->name); }; });
  CLI::App* list = clinic->add_subcommand("list", "every clinic in the store");
  list->add_option("--db", args->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB")
      ->capture_default_str();
  list->callback([=] { *run = [=] { return ListClinics(args->db); }; });
}

void AddDbCommands(CLI::App& app, Common* /*common*/, Runner* run) {
  auto options = std::make_shared<DbOptions>();
  CLI::App* db = app.add_subcommand("db", "operate the plan store");
  db->require_subcommand(1);
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", options->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB")
        ->capture_default_str();
  };

  CLI::App* verify = db->add_subcommand("verify",
                                        "check every clinic's audit chain, SQLite's "
                                        "integrity_check and foreign keys (exit 1 if not)");
  add_db(verify);
  verify->callback([=] { *run = [=] { return Verify(*options); }; });

  CLI::App* backup = db->add_subcommand(
      "backup", "copy the store with SQLite's online backup (safe while serving)");
  add_db(backup);
  backup->add_option("file", options->backup_to, "where to write the copy")->required();
  backup->callback([=] { *run = [=] { return Backup(*options); }; });

  CLI::App* exp = db->add_subcommand("export", "everything stored about one patient, as JSON");
  add_db(exp);
  exp->add_option("--patient", options->patient, "pseudonymous patient reference")->required();
  exp->add_option("--clinic", options->clinic, "the clinic whose patient it is")
      ->capture_default_str();
  exp->callback([=] { *run = [=] { return Export(*options); }; });

  CLI::App* erase = db->add_subcommand(
      "erase", "remove one patient's plans, feedback and outcomes (the audit keeps a tombstone)");
  add_db(erase);
  erase->add_option("--patient", options->patient, "pseudonymous patient reference")->required();
  erase->add_option("--clinic", options->clinic, "the clinic whose patient it is")
      ->capture_default_str();
  erase->callback([=] { *run = [=] { return Erase(*options); }; });
}

}  // namespace modalis::cli
