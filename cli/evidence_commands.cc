// modalis evidence: what the clinic's therapists did with the suggestions and how their patients
// did (core/store/evidence.h), as a table for a person or as the GetEvidence JSON. The report
// comes from modalisd (the token's clinic), from a database file, or from a synthetic year made
// on the spot (--demo) so a newcomer sees one at once.
#include <grpcpp/grpcpp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "adapters/evidence_proto.h"
#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "cli/commands.h"
#include "cli/remote.h"
#include "core/common/clinic_id.h"
#include "core/demo/synthetic_clinic.h"
#include "core/engine.h"
#include "core/store/sqlite/sqlite_store.h"
#include "modalis/v1/plan_service.grpc.pb.h"

namespace modalis::cli {
namespace {

struct EvidenceArgs {
  RemoteArgs remote;
  bool remote_given = false;
  std::string db;
  std::string clinic;
  std::string since, until;
  std::string rule_set;
  uint32_t min_follow_ups = 0;
  bool json = false;
  bool demo = false;
  uint64_t seed = 1;
  uint32_t patients = 300;
};

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
// Wide enough for the shipped rules' ids and the course labels.
constexpr int kNameWidth = 40;

// "2026-03-01" as milliseconds at 00:00 UTC that day; false when it is not such a date.
bool ParseDay(const std::string& text, int64_t* ms) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%d");
  if (in.fail() || in.peek() != EOF) return false;
  const int month = tm.tm_mon, day = tm.tm_mday;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1) || tm.tm_mon != month || tm.tm_mday != day) return false;
  *ms = static_cast<int64_t>(t) * 1000;
  return true;
}

std::string Day(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
  return out;
}

std::string Percent(double share) { return std::to_string(std::lround(share * 100)) + " %"; }

// "64 % (43-80 %)"
std::string RateText(const v1::Rate& r) {
  if (r.total() == 0) return "-";
  return Percent(r.value()) + " (" + std::to_string(std::lround(r.low() * 100)) + "-" +
         Percent(r.high()) + ")";
}

std::string Change(double v) {
  std::ostringstream out;
  out << std::showpos << std::fixed << std::setprecision(1) << v;
  return out.str();
}

void PrintDecisions(const std::string& name, const v1::DecisionSummary& d) {
  std::cout << "  " << std::left << std::setw(kNameWidth) << name << std::right;
  if (d.suppressed()) {
    std::cout << "  withheld: fewer than 5 patients\n";
    return;
  }
  std::cout << std::setw(9) << d.suggested() << std::setw(9) << d.accepted() << std::setw(9)
            << d.modified() << std::setw(9) << d.declined() << std::setw(9) << d.without_feedback()
            << "  " << std::left << std::setw(16) << RateText(d.declined_rate()) << std::right
            << std::setw(6) << d.patients() << "\n";
}

void PrintOutcomes(const std::string& name, const v1::OutcomeSummary& o) {
  std::cout << "  " << std::left << std::setw(kNameWidth) << name << std::right;
  if (o.suppressed()) {
    std::cout << "  withheld: fewer than 5 patients\n";
    return;
  }
  std::cout << std::setw(9) << o.patients();
  for (const v1::OutcomeAtSession& s : o.sessions()) {
    std::cout << std::setw(10)
              << (s.suppressed() ? std::string("-") : Change(s.mean_pain_nprs_change()));
  }
  std::cout << "  " << RateText(o.reaches_mic()) << "\n";
}

void PrintReadable(const v1::GetEvidenceResponse& r, const std::string& range) {
  std::cout << "Evidence for clinic " << r.clinic_id() << ": " << r.plans() << " plans for "
            << r.patients() << " patients, " << range << "\n"
            << "Minimal important change as rule set " << r.thresholds_from().id() << " "
            << r.thresholds_from().version() << " measures it. Figures resting on fewer than "
            << r.min_patients() << " patients are withheld; rates show their 95 % interval.\n";

  std::cout << "\nTo look at\n";
  if (r.flags().empty()) std::cout << "  nothing stands out\n";
  for (const v1::EvidenceFlag& f : r.flags()) std::cout << "  ? " << f.question() << "\n";

  const auto header = [](const char* first) {
    std::cout << "  " << std::left << std::setw(kNameWidth) << first << std::right << std::setw(9)
              << "suggested" << std::setw(9) << "accepted" << std::setw(9) << "modified"
              << std::setw(9) << "declined" << std::setw(9) << "no note"
              << "  " << std::left << std::setw(16) << "declined share" << std::right
              << std::setw(6) << "pts"
              << "\n";
  };
  std::cout << "\nWhat therapists did, by modality\n";
  header("modality");
  for (const auto& m : r.modalities()) PrintDecisions(m.modality(), m.decisions());
  std::cout << "\nWhat therapists did, by rule\n";
  header("rule");
  for (const auto& rule : r.rules()) PrintDecisions(rule.rule_id(), rule.decisions());

  std::cout << "\nReasons given when modifying or declining\n";
  bool any = false;
  for (const auto& m : r.modalities()) {
    for (const v1::ReasonCount& reason : m.decisions().reasons()) {
      std::cout << "  " << m.modality() << ": \"" << reason.reason() << "\" " << reason.count()
                << "\n";
      any = true;
    }
    if (m.decisions().other_reasons() > 0) {
      std::cout << "  " << m.modality() << ": " << m.decisions().other_reasons()
                << " more, each given for fewer than " << r.min_patients() << " patients\n";
      any = true;
    }
  }
  if (!any) std::cout << "  none recorded\n";

  std::cout << "\nHow patients did: change in pain (NPRS, baseline minus session; + is better)\n"
            << "  " << std::left << std::setw(kNameWidth) << "patients who received" << std::right
            << std::setw(9) << "pts" << std::setw(10) << "session 2" << std::setw(10) << "session 4"
            << std::setw(10) << "session 6"
            << "  reached MIC\n";
  PrintOutcomes("(all patients)", r.all_patients());
  for (const auto& m : r.modalities()) PrintOutcomes(m.modality(), m.outcomes());
  std::cout << "\nHow patients did, by the course booked\n";
  for (const auto& c : r.courses()) PrintOutcomes(c.label(), c.outcomes());
}

// The range as the report states it.
std::string RangeText(const EvidenceArgs& a) {
  std::string range = a.since.empty() ? "from the first plan" : "from " + a.since;
  range += a.until.empty() ? " to now" : " to " + a.until;
  range += a.rule_set.empty() ? ", every rule set" : ", rule set " + a.rule_set.substr(0, 12);
  return range;
}

int Print(const EvidenceArgs& a, const v1::GetEvidenceResponse& response) {
  if (a.json) {
    std::cout << MessageToJson(response) << "\n";
  } else {
    PrintReadable(response, RangeText(a));
  }
  return 0;
}

int FromServer(const EvidenceArgs& a, const v1::GetEvidenceRequest& request) {
  auto channel = Connect(a.remote);
  if (channel == nullptr) return 1;
  auto stub = v1::PlanService::NewStub(channel);
  v1::GetEvidenceResponse response;
  auto context = CallContext(a.remote);
  const grpc::Status status = stub->GetEvidence(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError(a.remote, "read the evidence", status);
    return 1;
  }
  return Print(a, response);
}

int FromStore(const Common& common, const EvidenceArgs& a, const v1::GetEvidenceRequest& request,
              const std::string& path, bool fill_with_demo) {
  auto query = EvidenceQueryFromProto(request);
  if (!query.ok()) {
    std::cerr << "modalis: " << query.status().message() << "\n";
    return 2;
  }
  // The rules directory's thresholds measure the minimal important change (a store file does
  // not say which rule set a clinic runs), and plan the demo's patients.
  auto engine = EngineForReading(common);
  if (engine == nullptr) return 1;
  const std::string clinic = a.clinic.empty() ? std::string(kDefaultClinic) : a.clinic;
  auto rules = engine->Resolve(clinic, "");
  if (!rules.ok()) {
    std::cerr << "modalis: " << rules.status().message() << "\n";
    return 1;
  }
  SqliteStoreOptions options;
  options.read_only = !fill_with_demo;
  options.readers = 1;
  options.plan_codec = ProtoPlanCodec();
  auto store = OpenSqliteStore(path, options);
  if (!store.ok()) {
    std::cerr << "modalis: " << store.status().message() << "\n";
    return 1;
  }
  if (fill_with_demo) {
    if (clinic != kDefaultClinic) {
      ClinicRecord record;
      record.clinic_id = clinic;
      record.created_at_ms = std::time(nullptr) * int64_t{1000};
      if (absl::Status created = (*store)->CreateClinic(record); !created.ok()) {
        std::cerr << "modalis: " << created.message() << "\n";
        return 1;
      }
    }
    SyntheticClinicOptions demo;
    demo.clinic_id = clinic;
    demo.seed = a.seed;
    demo.patients = a.patients;
    const int64_t today = std::time(nullptr) * int64_t{1000} / kDayMs * kDayMs;
    demo.start_ms = today - int64_t{365} * kDayMs;
    auto made = GenerateSyntheticClinic(*engine, **store, demo);
    if (!made.ok()) {
      std::cerr << "modalis: cannot make the demo clinic: " << made.status().message() << "\n";
      return 1;
    }
    if (!a.json) {
      std::cout << "A synthetic year (seed " << a.seed << ", not real patients): " << made->plans
                << " plans, " << made->feedback << " feedback notes and " << made->outcomes
                << " outcomes for " << made->patients << " patients, from " << Day(demo.start_ms)
                << ".\n\n";
    }
  }
  if (!fill_with_demo) {
    // An unknown clinic would read as one without plans: say so instead.
    auto clinics = (*store)->ListClinics();
    if (!clinics.ok()) {
      std::cerr << "modalis: " << clinics.status().message() << "\n";
      return 1;
    }
    std::string known;
    bool found = false;
    for (const ClinicRecord& c : *clinics) {
      found = found || c.clinic_id == clinic;
      known += (known.empty() ? "" : ", ") + c.clinic_id;
    }
    if (!found) {
      std::cerr << "modalis: '" << path << "' has no clinic '" << clinic << "' (it has: " << known
                << ")\n";
      return 1;
    }
  }
  auto inputs = (*store)->ReadEvidence(clinic, *query);
  if (!inputs.ok()) {
    std::cerr << "modalis: cannot read the evidence from '" << path
              << "': " << inputs.status().message() << "\n";
    return 1;
  }
  EvidencePolicy policy;
  policy.progress.mic_points = (*rules)->progress.mic_points;
  policy.progress.mic_fraction = (*rules)->progress.mic_percent / 100;
  if (request.min_follow_ups() > 0) policy.min_follow_ups = request.min_follow_ups();
  v1::GetEvidenceResponse response;
  EvidenceToProto(ComputeEvidence(*query, *inputs, policy), clinic, &response);
  response.mutable_thresholds_from()->set_id((*rules)->id);
  response.mutable_thresholds_from()->set_version((*rules)->version);
  response.mutable_thresholds_from()->set_sha256((*rules)->sha256);
  return Print(a, response);
}

int Run(const Common& common, const EvidenceArgs& a) {
  v1::GetEvidenceRequest request;
  int64_t ms = 0;
  if (!a.since.empty()) {
    if (!ParseDay(a.since, &ms)) {
      std::cerr << "modalis: --since '" << a.since << "' is not a date like 2026-03-01\n";
      return 2;
    }
    request.set_since_ms(ms);
  }
  if (!a.until.empty()) {
    if (!ParseDay(a.until, &ms)) {
      std::cerr << "modalis: --until '" << a.until << "' is not a date like 2026-12-31\n";
      return 2;
    }
    request.set_until_ms(ms + kDayMs);  // the whole of that day
  }
  request.set_rule_set_sha256(a.rule_set);
  request.set_min_follow_ups(a.min_follow_ups);

  if (a.demo) {
    if (a.remote_given) {
      std::cerr << "modalis: --demo makes its own database; it does not ask modalisd\n";
      return 2;
    }
    if (!a.db.empty()) {
      if (std::filesystem::exists(a.db)) {
        std::cerr << "modalis: --demo will not write into '" << a.db
                  << "', which exists; name a new file\n";
        return 2;
      }
      return FromStore(common, a, request, a.db, /*fill_with_demo=*/true);
    }
    char dir_template[] = "/tmp/modalis-evidence-demo-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir == nullptr) {
      std::cerr << "modalis: cannot make a temporary directory for the demo\n";
      return 1;
    }
    const int rc = FromStore(common, a, request, std::string(dir) + "/demo.db", true);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return rc;
  }
  if (!a.db.empty()) {
    if (a.remote_given) {
      std::cerr << "modalis: give --db FILE or --server ADDRESS, not both\n";
      return 2;
    }
    return FromStore(common, a, request, a.db, /*fill_with_demo=*/false);
  }
  if (!a.clinic.empty()) {
    std::cerr << "modalis: --clinic is for --db; modalisd reports the clinic of the token\n";
    return 2;
  }
  return FromServer(a, request);
}

}  // namespace

void AddEvidenceCommand(CLI::App& app, Common* common, Runner* run) {
  auto args = std::make_shared<EvidenceArgs>();
  CLI::App* sub = app.add_subcommand(
      "evidence",
      "what therapists did with the suggestions and how patients did (a clinic's aggregates)");
  AddCommonOptions(sub, common);
  AddRemoteOptions(sub, &args->remote, "the notes app's or the clinic admin's");
  sub->add_option("--db", args->db,
                  "read this store file instead of asking modalisd (with --demo: make it)");
  sub->add_option("--clinic", args->clinic, "with --db or --demo: the clinic (default: default)");
  sub->add_option("--since", args->since, "plans from this day on (YYYY-MM-DD, UTC)");
  sub->add_option("--until", args->until, "plans up to and including this day (YYYY-MM-DD, UTC)");
  sub->add_option("--rule-set", args->rule_set, "only plans made by this rule set (its sha256)");
  sub->add_option("--min-follow-ups", args->min_follow_ups,
                  "outcomes after the baseline a patient needs to count (default 1)")
      ->check(CLI::Range(1, 100));
  sub->add_flag("--json", args->json, "print the proto3 JSON of GetEvidenceResponse");
  sub->add_flag("--demo", args->demo,
                "report on a synthetic year of a clinic made on the spot (not real patients)");
  sub->add_option("--seed", args->seed, "with --demo: the seed (the same seed, the same year)");
  sub->add_option("--patients", args->patients, "with --demo: new patients in the year")
      ->check(CLI::Range(1, 100000));
  sub->callback([common, args, run, sub] {
    args->remote_given = sub->count("--server") > 0 || sub->count("--address") > 0;
    *run = [common, args] { return Run(*common, *args); };
  });
}

}  // namespace modalis::cli
