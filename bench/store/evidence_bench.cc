// The evidence report over a busy clinic's year: how long the SQLite store takes to read what the
// report needs (ReadEvidence), how long the report takes to compute (ComputeEvidence), and both
// together, as GetEvidence runs them, over a synthetic year (core/demo: about 50,000 plans,
// 200,000 feedback rows and 100,000 outcomes by default) with a second, smaller clinic beside it so
// that scoping to one clinic matters. Plans are stored as modalisd stores them (the
// modalis.v1.Plan encoding). Prints the row counts, the median (and range) of each timing over
// --runs runs after one warm-up, and SQLite's EXPLAIN QUERY PLAN of the report's three queries.
//
//   modalis_evidence_bench [--db FILE] [--patients N] [--other-patients N] [--runs N]
//                          [--dump PREFIX]
//
// --db keeps the database (and reuses it when it already holds the clinics: the year takes a
// while to generate); without it the year is generated into a temporary directory. --dump writes
// every field of what was read and of the report to PREFIX.inputs.txt and PREFIX.report.txt, so a
// change meant to make the report faster can be shown to leave both exactly as they were.
#include <SQLiteCpp/SQLiteCpp.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/plan_codec_proto.h"
#include "core/demo/synthetic_clinic.h"
#include "core/engine.h"
#include "core/store/sqlite/sqlite_reads.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/evidence_text.h"

namespace modalis {
namespace {

constexpr char kBusy[] = "busy";
constexpr char kQuiet[] = "quiet";
constexpr int64_t kYear2026Ms = 1767225600000;  // 2026-01-01T00:00:00Z

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double CpuMs() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1000 + static_cast<double>(t.tv_nsec) / 1e6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Wall time, and the process's CPU time (user and system): on a machine shared with other work
// the second moves less.
struct Timing {
  std::vector<double> wall, cpu;
  struct Run {
    Timing* timing;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double cpu_start = CpuMs();
    ~Run() {
      timing->wall.push_back(Seconds(std::chrono::steady_clock::now() - start) * 1000);
      timing->cpu.push_back(CpuMs() - cpu_start);
    }
  };
  Run Start() { return Run{this}; }
  std::string Describe() const {
    char out[160];
    std::snprintf(out, sizeof out,
                  "median %7.1f ms (min %.1f, max %.1f), CPU median %7.1f ms, %zu runs",
                  Median(wall), *std::min_element(wall.begin(), wall.end()),
                  *std::max_element(wall.begin(), wall.end()), Median(cpu), wall.size());
    return out;
  }
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::unique_ptr<Store> Open(const std::string& path) {
  SqliteStoreOptions options;
  options.plan_codec = ProtoPlanCodec();  // as modalisd keeps plans
  auto store = OpenSqliteStore(path, options);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), store.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(store);
}

bool HasClinic(Store& store, const std::string& clinic) {
  auto clinics = store.ListClinics();
  if (!clinics.ok()) return false;
  return std::any_of(clinics->begin(), clinics->end(),
                     [&](const ClinicRecord& c) { return c.clinic_id == clinic; });
}

void Generate(const Engine& engine, Store& store, SyntheticClinicOptions options) {
  const std::string& clinic = options.clinic_id;
  if (absl::Status s = store.CreateClinic(ClinicRecord{clinic, "", kYear2026Ms}); !s.ok()) {
    std::fprintf(stderr, "cannot create clinic %s: %s\n", clinic.c_str(), s.ToString().c_str());
    std::exit(1);
  }
  const auto start = std::chrono::steady_clock::now();
  auto summary = GenerateSyntheticClinic(engine, store, options);
  if (!summary.ok()) {
    std::fprintf(stderr, "generating %s failed: %s\n", clinic.c_str(),
                 summary.status().ToString().c_str());
    std::exit(1);
  }
  std::printf("generated %-6s %6lld patients %7lld plans %7lld feedback %7lld outcomes in %.1f s\n",
              clinic.c_str(), static_cast<long long>(summary->patients),
              static_cast<long long>(summary->plans), static_cast<long long>(summary->feedback),
              static_cast<long long>(summary->outcomes),
              Seconds(std::chrono::steady_clock::now() - start));
}

void PrintRows(const char* clinic, const EvidenceInputs& in) {
  std::set<std::string> patients;
  for (const EvidencePlan& p : in.plans) patients.insert(p.patient_ref);
  std::printf("read      %-6s %6zu patients %7zu plans %7zu feedback %7zu outcomes\n", clinic,
              patients.size(), in.plans.size(), in.feedback.size(), in.outcomes.size());
}

void PrintLines(const char* title, const std::vector<std::string>& lines) {
  std::printf("  %s\n", title);
  for (const std::string& line : lines) std::printf("    %s\n", line.c_str());
}

int Main(int argc, char** argv) {
  std::string db;
  uint32_t patients = 22400;
  uint32_t other_patients = 2000;
  int runs = 7;
  uint64_t seed = 1;
  std::string dump;
  SyntheticClinicOptions year;
  year.start_ms = kYear2026Ms;
  // About 50,000 plans, 200,000 feedback rows and 90,000 outcomes from 22,400 patients.
  year.reassess_every = 3;
  year.feedback_share = 0.92;
  CLI::App app{"the evidence report over a busy clinic's synthetic year"};
  app.add_option("--db", db, "database to keep (and reuse when it holds the clinics)");
  app.add_option("--patients", patients, "patients of the busy clinic")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--other-patients", other_patients, "patients of the other clinic")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--runs", runs, "timed runs of each measurement")->check(CLI::Range(1, 1000));
  app.add_option("--seed", seed, "the busy clinic's seed (the other's is seed + 1)");
  app.add_option("--reassess-every", year.reassess_every,
                 "follow-ups planned again every this many sessions")
      ->check(CLI::Range(1, 100));
  app.add_option("--feedback-share", year.feedback_share,
                 "share of the steps delivered whose decision is recorded")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--dump", dump, "write what was read and the report to PREFIX.*.txt");
  CLI11_PARSE(app, argc, argv);

  std::printf("machine: %u hardware threads, %s\n", std::thread::hardware_concurrency(),
              CpuModel().c_str());
  std::string temp;
  if (db.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "modalis-evidence-XXXXXX").string();
    temp = ::mkdtemp(pattern.data());
    db = temp + "/evidence.db";
  }
  {
    std::unique_ptr<Store> store = Open(db);
    if (HasClinic(*store, kBusy)) {
      std::printf("reusing %s\n", db.c_str());
    } else {
      EngineConfig config;
      config.rules_dir = std::string(MODALIS_SOURCE_DIR) + "/rules";
      config.plugins_dir = MODALIS_PLUGIN_DIR;
      std::vector<Diagnostic> diagnostics;
      auto engine = Engine::Create(config, &diagnostics);
      if (!engine.ok()) {
        std::fprintf(stderr, "engine: %s\n", engine.status().ToString().c_str());
        return 1;
      }
      SyntheticClinicOptions busy = year, quiet = year;
      busy.clinic_id = kBusy;
      busy.patients = patients;
      busy.seed = seed;
      quiet.clinic_id = kQuiet;
      quiet.patients = other_patients;
      quiet.seed = seed + 1;
      Generate(**engine, *store, busy);
      Generate(**engine, *store, quiet);
    }
  }  // closed, so the report is read from a store opened afresh, as after a restart

  std::unique_ptr<Store> store = Open(db);
  const EvidenceQuery query;  // the whole year
  const EvidencePolicy policy;
  auto read = [&] {
    auto in = store->ReadEvidence(kBusy, query);
    if (!in.ok()) {
      std::fprintf(stderr, "ReadEvidence: %s\n", in.status().ToString().c_str());
      std::exit(1);
    }
    return *std::move(in);
  };
  const EvidenceInputs inputs = read();  // also the warm-up
  PrintRows(kBusy, inputs);
  {
    auto other = store->ReadEvidence(kQuiet, query);
    if (other.ok()) PrintRows(kQuiet, *other);
  }
  EvidenceReport report = ComputeEvidence(query, inputs, policy);
  if (!dump.empty()) {
    std::ofstream(dump + ".inputs.txt") << testing::EvidenceInputsText(inputs);
    std::ofstream(dump + ".report.txt") << testing::EvidenceReportText(report);
  }

  Timing read_only, compute_only, whole;
  // What GetEvidence does: read, compute, and let go of what was read.
  for (int i = 0; i < runs; ++i) {
    Timing::Run run = whole.Start();
    report = ComputeEvidence(query, read(), policy);
  }
  for (int i = 0; i < runs; ++i) {
    EvidenceInputs in;
    Timing::Run run = read_only.Start();
    in = read();
  }
  for (int i = 0; i < runs; ++i) {
    Timing::Run run = compute_only.Start();
    report = ComputeEvidence(query, inputs, policy);
  }
  std::printf("ReadEvidence             %s\n", read_only.Describe().c_str());
  std::printf("ComputeEvidence          %s\n", compute_only.Describe().c_str());
  std::printf("ReadEvidence + Compute   %s\n", whole.Describe().c_str());

  std::printf(
      "report: %lld plans, %lld patients, %zu rules, %zu modalities, %zu courses, %zu "
      "flags\n",
      static_cast<long long>(report.plans), static_cast<long long>(report.patients),
      report.rules.size(), report.modalities.size(), report.courses.size(), report.flags.size());
  for (const ModalityEvidence& m : report.modalities) {
    std::printf("  %-26s suggested %6lld declined %5.1f %%  reaches MIC %5.1f %% of %lld\n",
                m.modality.c_str(), static_cast<long long>(m.decisions.suggested),
                m.decisions.declined_rate.value * 100, m.outcomes.reaches_mic.value * 100,
                static_cast<long long>(m.outcomes.patients));
  }
  for (const EvidenceFlag& f : report.flags) {
    std::printf("  flag %s: %s\n", f.kind.c_str(), f.subject.c_str());
  }

  SQLite::Database sqlite(db, SQLite::OPEN_READONLY);
  auto plans = store_sqlite::ExplainEvidence(sqlite, kBusy, query);
  if (!plans.ok()) {
    std::fprintf(stderr, "explain: %s\n", plans.status().ToString().c_str());
    return 1;
  }
  std::printf("EXPLAIN QUERY PLAN\n");
  PrintLines("plans:", plans->plans);
  PrintLines("feedback:", plans->feedback);
  PrintLines("outcomes:", plans->outcomes);

  store.reset();
  if (!temp.empty()) std::filesystem::remove_all(temp);
  return 0;
}

}  // namespace
}  // namespace modalis

int main(int argc, char** argv) { return modalis::Main(argc, argv); }
