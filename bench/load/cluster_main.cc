// modalis_cluster_load: what several replicas on a shared PostgreSQL cost and give, beside one
// modalisd on SQLite and the bare gRPC echo, in one run. It starts a PostgreSQL 15 cluster of its
// own (tests/support/postgres_server), and for 1, 2 and 3 replicas a database, the replicas and
// nginx in front of them (deploy/nginx/modalis.conf); then measures durable SuggestPlan through
// each nginx, on the SQLite modalisd and on the echo, cell by cell with the targets rotated, and
// reports medians. Last, on the three-replica deployment, the time from an activation's reply
// until every replica serves it, over repeated activations.
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "adapters/plan_proto.h"
#include "bench/load/driver.h"
#include "bench/load/echo.grpc.pb.h"
#include "bench/load/echo_size.h"
#include "bench/load/process.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/nginx_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/rule_set_versions.h"
#include "tests/support/temp_dir.h"

namespace modalis::load {
namespace {

using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

struct Settings {
  std::string modalisd;
  std::string echo_server;
  std::string request = std::string(MODALIS_SOURCE_DIR) + "/tests/data/desk-worker-request.json";
  std::vector<size_t> replicas = {1, 2, 3};
  std::vector<size_t> streams = {16, 64};
  int warmup_ms = 500;
  int measure_ms = 3000;
  int repeats = 3;
  int activations = 10;
  std::string out;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// CPU seconds (user + system) `pid` has used, 0 when it is gone.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    if (i == 15) break;
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds of every process named `name` (postgres: the server and all its backends).
double CpuSecondsOf(const std::string& name) {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string command;
    std::getline(comm, command);
    if (command == name) total += CpuSeconds(static_cast<pid_t>(std::stol(pid)));
  }
  return total;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Replicas sharing one database, and nginx in front of them.
struct Deployment {
  std::string db;
  double empty_bytes = 0;  // the database's size once migrated, before any plan
  std::vector<ServerProcess> replicas;
  std::unique_ptr<testing::NginxProcess> nginx;
};

Deployment Deploy(const Settings& s, const testing::PostgresCluster& cluster, size_t n,
                  const std::string& dir) {
  Deployment d;
  const std::string name = "replicas" + std::to_string(n);
  {
    pqxx::connection admin(cluster.admin_uri());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE DATABASE " + name);
  }
  d.db = cluster.admin_uri().substr(0, cluster.admin_uri().rfind('/') + 1) + name;
  std::vector<std::string> upstreams;
  for (size_t i = 0; i < n; ++i) {
    const std::string id = name + "-" + std::to_string(i);
    auto replica = ServerProcess::Start(
        {s.modalisd, "--listen", "127.0.0.1:0", "--rules",
         std::string(MODALIS_SOURCE_DIR) + "/rules", "--db", d.db, "--log-file",
         dir + "/" + id + ".log", "--watch-quiet-ms", "0", "--replica-id", id},
        dir + "/" + id + ".stderr", std::chrono::seconds(60));
    if (!replica.ok()) throw std::runtime_error(std::string(replica.status().message()));
    upstreams.push_back(replica->address());
    d.replicas.push_back(*std::move(replica));
  }
  {
    pqxx::connection connection(d.db);
    pqxx::nontransaction tx(connection);
    d.empty_bytes = tx.exec1("SELECT pg_database_size(current_database())")[0].as<double>();
  }
  const std::string nginx_dir = dir + "/nginx-" + name;
  std::filesystem::create_directories(nginx_dir);
  d.nginx = std::make_unique<testing::NginxProcess>(upstreams, nginx_dir);
  return d;
}

std::unique_ptr<CallTarget> Suggest(const std::string& address, v1::SuggestPlanRequest request,
                                    uint64_t* counter) {
  using Stub = v1::PlanService::Stub;
  auto next = [request = std::move(request), counter](size_t, v1::SuggestPlanRequest* r) {
    r->CopyFrom(request);
    char id[32];
    std::snprintf(id, sizeof id, "load-%012llu", static_cast<unsigned long long>((*counter)++));
    r->set_request_id(id);
  };
  return std::make_unique<UnaryTarget<Stub, v1::SuggestPlanRequest, v1::SuggestPlanResponse>>(
      v1::PlanService::NewStub(Connect(address)), &Stub::PrepareAsyncSuggestPlan, std::move(next),
      milliseconds(10000));
}

std::unique_ptr<CallTarget> Echo(const std::string& address, size_t request_bytes,
                                 size_t reply_bytes) {
  using Stub = bench::v1::Echo::Stub;
  bench::v1::EchoRequest request;
  request.set_reply_bytes(static_cast<uint32_t>(reply_bytes));
  request.set_payload(std::string(FillerBytes(request_bytes, request.ByteSizeLong()), 'x'));
  auto next = [request](size_t, bench::v1::EchoRequest* r) {
    if (r->reply_bytes() == 0) r->CopyFrom(request);
  };
  return std::make_unique<UnaryTarget<Stub, bench::v1::EchoRequest, bench::v1::EchoResponse>>(
      bench::v1::Echo::NewStub(Connect(address)), &Stub::PrepareAsyncEcho, std::move(next),
      milliseconds(10000));
}

std::string LiveSha256(v1::RulesAdmin::Stub& admin) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::GetStatusResponse status;
  if (!admin.GetStatus(&ctx, {}, &status).ok()) return "";
  for (const auto& live : status.live()) {
    if (live.clinic_id() == "default") return live.rule_set().sha256();
  }
  return "";
}

// Publishes two versions of the shipped rule set through replica 0 and activates them in turn;
// after each activation's reply, polls every replica until it serves the new one. Milliseconds.
std::vector<double> ActivationLatencies(const Deployment& d, int activations) {
  std::vector<std::unique_ptr<v1::RulesAdmin::Stub>> admins;
  for (const auto& r : d.replicas) admins.push_back(v1::RulesAdmin::NewStub(Connect(r.address())));
  std::vector<std::string> hashes;
  for (const char* version : {"0.3.0-a", "0.3.0-b"}) {
    const v1::PublishRuleSetRequest publish = testing::ShippedRulesAsVersion(version);
    v1::PublishRuleSetResponse published;
    grpc::ClientContext ctx;
    const grpc::Status s = admins[0]->PublishRuleSet(&ctx, publish, &published);
    if (!s.ok()) throw std::runtime_error("publishing: " + s.error_message());
    hashes.push_back(published.rule_set().sha256());
  }
  std::vector<double> latencies;
  std::string live = LiveSha256(*admins[0]);
  for (int i = 0; i < activations; ++i) {
    const std::string next = hashes[static_cast<size_t>(i) % 2];
    v1::ActivateRuleSetRequest activate;
    activate.set_sha256(next);
    activate.set_expected_live_sha256(live);
    v1::ActivateRuleSetResponse activated;
    grpc::ClientContext ctx;
    const grpc::Status s = admins[0]->ActivateRuleSet(&ctx, activate, &activated);
    if (!s.ok()) throw std::runtime_error("activating: " + s.error_message());
    const auto start = std::chrono::steady_clock::now();
    const auto give_up = start + std::chrono::seconds(10);
    for (size_t r = 1; r < admins.size(); ++r) {
      while (LiveSha256(*admins[r]) != next && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    live = next;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return latencies;
}

int Run(const Settings& s) {
  testing::TempDir dir;
  testing::PostgresCluster cluster(/*durable=*/true);
  v1::SuggestPlanRequest request;
  {
    std::ifstream in(s.request);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str());
    request.set_patient_ref(json.value("patient_ref", "P-load"));
    *request.mutable_findings() = *JsonToStruct(json["findings"]);
  }
  std::map<std::string, std::unique_ptr<CallTarget>> targets;
  uint64_t counter = 0;
  std::map<size_t, Deployment> deployments;
  for (size_t n : s.replicas) {
    deployments[n] = Deploy(s, cluster, n, dir.path());
    targets["postgres_" + std::to_string(n) + "_replicas_nginx"] =
        Suggest(deployments[n].nginx->address(), request, &counter);
  }
  auto sqlite = ServerProcess::Start(
      {s.modalisd, "--listen", "127.0.0.1:0", "--rules", std::string(MODALIS_SOURCE_DIR) + "/rules",
       "--db", dir.file("sqlite.db"), "--log-file", dir.file("sqlite.log"), "--watch-quiet-ms",
       "0"},
      dir.file("sqlite.stderr"), std::chrono::seconds(60));
  auto echo = ServerProcess::Start({s.echo_server, "--listen", "127.0.0.1:0"},
                                   dir.file("echo.stderr"), std::chrono::seconds(30));
  if (!sqlite.ok() || !echo.ok()) {
    std::fprintf(stderr, "cannot start modalisd on SQLite or the echo server\n");
    return 1;
  }
  targets["sqlite_1_replica"] = Suggest(sqlite->address(), request, &counter);
  v1::SuggestPlanResponse sample;
  {
    auto stub = v1::PlanService::NewStub(Connect(sqlite->address()));
    grpc::ClientContext ctx;
    if (!stub->SuggestPlan(&ctx, request, &sample).ok()) return 1;
  }
  targets["echo"] = Echo(echo->address(), request.ByteSizeLong(), sample.ByteSizeLong());

  std::vector<std::string> names;
  for (const auto& [name, target] : targets) names.push_back(name);
  std::map<std::string, std::vector<CellResult>> cells;  // by "name/streams"
  // CPU milliseconds per call of the replicas, PostgreSQL and nginx, by "name/streams".
  std::map<std::string, std::vector<std::array<double, 3>>> cpu_per_call;
  std::map<std::string, std::vector<pid_t>> replica_pids;
  for (const auto& [n, d] : deployments) {
    for (const auto& r : d.replicas) {
      replica_pids["postgres_" + std::to_string(n) + "_replicas_nginx"].push_back(r.pid());
    }
  }
  replica_pids["sqlite_1_replica"].push_back(sqlite->pid());
  auto cpu_now = [&](const std::string& name) {
    double replicas = 0;
    for (pid_t pid : replica_pids[name]) replicas += CpuSeconds(pid);
    return std::array<double, 3>{replicas, CpuSecondsOf("postgres"), CpuSecondsOf("nginx")};
  };
  for (int repeat = 0; repeat < s.repeats; ++repeat) {
    for (size_t si = 0; si < s.streams.size(); ++si) {
      for (size_t ti = 0; ti < names.size(); ++ti) {
        const std::string& name = names[(ti + static_cast<size_t>(repeat) + si) % names.size()];
        const auto cpu_before = cpu_now(name);
        const auto started = std::chrono::steady_clock::now();
        CellResult cell = RunCell(*targets[name], s.streams[si], milliseconds(s.warmup_ms),
                                  milliseconds(s.measure_ms));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const auto cpu_after = cpu_now(name);
        // Calls over the whole cell (warm-up included), at the measured rate.
        const double calls = std::max(cell.qps() * seconds, 1.0);
        std::array<double, 3> per_call{};
        for (size_t k = 0; k < 3; ++k) per_call[k] = (cpu_after[k] - cpu_before[k]) * 1000 / calls;
        cpu_per_call[name + "/" + std::to_string(s.streams[si])].push_back(per_call);
        std::sort(cell.latencies_ns.begin(), cell.latencies_ns.end());
        std::fprintf(stderr, "repeat %d  streams %3zu  %-28s %8.0f qps  p99 %8.1f ms%s\n",
                     repeat + 1, s.streams[si], name.c_str(), cell.qps(),
                     static_cast<double>(Percentile(cell.latencies_ns, 99)) / 1e6,
                     cell.errors ? "  ERRORS" : "");
        cells[name + "/" + std::to_string(s.streams[si])].push_back(std::move(cell));
      }
    }
  }
  Json report;
  utsname host{};
  ::uname(&host);
  report["tool"] = "modalis_cluster_load";
  report["machine"] = {{"cpus", std::thread::hardware_concurrency()},
                       {"kernel", std::string(host.release)}};
  report["settings"] = {{"replicas", s.replicas},
                        {"streams", s.streams},
                        {"warmup_ms", s.warmup_ms},
                        {"measure_ms", s.measure_ms},
                        {"repeats", s.repeats},
                        {"postgres_fsync", "on"},
                        {"sqlite", "modalisd's default (WAL, synchronous=FULL)"}};
  Json medians = Json::object();
  for (const auto& [key, runs] : cells) {
    std::vector<double> qps, p50, p99;
    uint64_t errors = 0;
    for (const CellResult& c : runs) {
      qps.push_back(c.qps());
      p50.push_back(static_cast<double>(Percentile(c.latencies_ns, 50)) / 1e6);
      p99.push_back(static_cast<double>(Percentile(c.latencies_ns, 99)) / 1e6);
      errors += c.errors;
    }
    medians[key] = {
        {"qps", Median(qps)}, {"p50_ms", Median(p50)}, {"p99_ms", Median(p99)}, {"errors", errors}};
    if (key.rfind("echo", 0) != 0) {
      std::array<std::vector<double>, 3> cpu;
      for (const auto& c : cpu_per_call[key]) {
        for (size_t k = 0; k < 3; ++k) cpu[k].push_back(c[k]);
      }
      medians[key]["cpu_ms_per_call"] = {
          {"modalisd", Median(cpu[0])}, {"postgres", Median(cpu[1])}, {"nginx", Median(cpu[2])}};
    }
  }
  report["durable_suggest_plan"] = medians;
  // What a stored plan costs on disk (its row, audit record and indexes), from the deployments'
  // databases: their growth over the run divided by the plans in them.
  Json bytes = Json::object();
  for (const auto& [n, d] : deployments) {
    pqxx::connection connection(d.db);
    pqxx::nontransaction tx(connection);
    const double size = tx.exec1("SELECT pg_database_size(current_database())")[0].as<double>();
    const double plans = tx.exec1("SELECT count(*) FROM plans")[0].as<double>();
    if (plans > 0) {
      bytes["postgres_" + std::to_string(n) + "_replicas"] = {
          {"plans", plans}, {"bytes_per_plan", (size - d.empty_bytes) / plans}};
    }
  }
  report["stored_bytes"] = bytes;
  if (deployments.count(3) != 0 && s.activations > 0) {
    const std::vector<double> latencies = ActivationLatencies(deployments[3], s.activations);
    report["activation_to_all_replicas_ms"] = {
        {"median", Median(latencies)},
        {"max", *std::max_element(latencies.begin(), latencies.end())},
        {"activations", latencies.size()}};
  }
  const std::string text = report.dump(2);
  std::printf("%s\n", text.c_str());
  if (!s.out.empty()) std::ofstream(s.out) << text << "\n";
  return 0;
}

}  // namespace
}  // namespace modalis::load

int main(int argc, char** argv) {
  modalis::load::Settings s;
  const std::string bin = std::filesystem::path(argv[0]).parent_path().string();
  s.modalisd = bin + "/modalisd";
  s.echo_server = bin + "/modalis_echo_server";
  CLI::App app{
      "Durable SuggestPlan through nginx on 1-3 replicas sharing PostgreSQL, beside "
      "SQLite and the echo service; and activation-to-all-replicas latency"};
  app.add_option("--replicas", s.replicas, "deployments to measure, by number of replicas");
  app.add_option("--streams", s.streams, "concurrent streams, one cell each");
  app.add_option("--warmup-ms", s.warmup_ms, "warm-up per cell")->capture_default_str();
  app.add_option("--measure-ms", s.measure_ms, "measured time per cell")->capture_default_str();
  app.add_option("--repeats", s.repeats, "times each cell is measured")->capture_default_str();
  app.add_option("--activations", s.activations, "activations timed (0: none)")
      ->capture_default_str();
  app.add_option("--out", s.out, "write the report as JSON here");
  CLI11_PARSE(app, argc, argv);
  try {
    return modalis::load::Run(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "modalis_cluster_load: %s\n", e.what());
    return 1;
  }
}
