// modalis_load: how fast modalisd answers SuggestPlan, next to a bare gRPC echo that moves the
// same bytes, and how long a hot reload of a large rule set takes and what modalisd then holds in
// memory.
//
// It starts the real modalisd (the default rules copied to a temp dir, the built plugins, a SQLite
// file in that temp dir) and modalis_echo_server, then measures every (target, streams) cell a few
// times, alternating targets so a slow moment of a shared machine does not land on one target
// only, and reports medians. Every durable SuggestPlan carries a fresh request_id, so each one is
// planned and committed rather than answered from the idempotency record.
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include "adapters/plan_proto.h"
#include "bench/load/driver.h"
#include "bench/load/echo.grpc.pb.h"
#include "bench/load/echo_size.h"
#include "bench/load/http_driver.h"
#include "bench/load/process.h"
#include "bench/load/rule_set.h"
#include "core/common/status_macros.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"

namespace modalis::load {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr const char* kDurable = "modalis_durable";
constexpr const char* kDryRun = "modalis_dry_run";
// The same dry run as proto3 JSON over HTTP/1.1 (modalisd's Connect door), keep-alive.
constexpr const char* kConnectJson = "modalis_connect_json";
constexpr const char* kEcho = "echo";

struct Settings {
  std::string modalisd;
  std::string echo_server;
  std::string plugins;  // empty: modalisd's default, the plugins built beside it
  std::string rules = std::string(MODALIS_SOURCE_DIR) + "/rules";
  std::string request = std::string(MODALIS_SOURCE_DIR) + "/tests/data/desk-worker-request.json";
  std::string work_dir;  // empty: a fresh directory under the system temp dir
  bool keep_work_dir = false;
  std::vector<std::string> targets = {kDurable, kDryRun, kEcho};
  std::vector<size_t> streams = {1, 16, 64};
  int warmup_ms = 500;
  int measure_ms = 3000;
  int repeats = 3;
  int deadline_ms = 10000;
  size_t reload_rules = 2000;  // 0: skip the reload and memory part
  int reloads = 7;
  size_t reload_load_streams = 16;
  int reload_load_ms = 3000;
  std::string out;
};

std::string ExeDir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : self.parent_path().string();
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string FileSystemType(const std::string& path) {
  struct statfs info {};
  if (::statfs(path.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    default: {
      std::ostringstream hex;
      hex << "0x" << std::hex << info.f_type;
      return hex.str();
    }
  }
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Median time of a 4 KiB write plus fdatasync in `dir`: the floor under every durable commit, so
// the durable figures can be read against the disk they ran on.
double FsyncMsMedian(const std::string& dir, int samples) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  const std::string block(4096, 'x');
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto begin = std::chrono::steady_clock::now();
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) < 0) break;
    if (::fdatasync(fd) != 0) break;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                     .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  return Median(ms);
}

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A scratch directory for databases, rules and logs; removed at the end unless kept.
class WorkDir {
 public:
  static absl::StatusOr<WorkDir> Create(const std::string& wanted, bool keep) {
    WorkDir dir;
    dir.keep_ = keep;
    if (!wanted.empty()) {
      std::error_code ec;
      fs::create_directories(wanted, ec);
      if (ec) return absl::InternalError("cannot create " + wanted + ": " + ec.message());
      dir.path_ = fs::absolute(wanted).string();
      dir.keep_ = true;  // the caller's directory: never delete it
      return dir;
    }
    std::string pattern = (fs::temp_directory_path() / "modalis-load-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError("cannot create a directory under " +
                                 fs::temp_directory_path().string());
    }
    dir.path_ = pattern;
    return dir;
  }
  WorkDir(WorkDir&& other) noexcept : path_(std::exchange(other.path_, "")), keep_(other.keep_) {}
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    if (path_.empty() || keep_) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  WorkDir() = default;
  std::string path_;
  bool keep_ = false;
};

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  // Each target gets its own connection, as separate clients would.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

template <class Call>
grpc::Status Once(Call call, int deadline_ms) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + milliseconds(deadline_ms));
  return call(&context);
}

absl::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      what + ": " + s.error_message());
}

// Fixed width, so every request of a run has the same serialized size.
std::string RequestId(uint64_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "load-%012llu", static_cast<unsigned long long>(n));
  return text;
}

struct Figures {
  double qps = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  uint64_t calls = 0;
  uint64_t errors = 0;
  std::string first_error;
};

Figures Summarize(CellResult cell) {
  std::sort(cell.latencies_ns.begin(), cell.latencies_ns.end());
  Figures f;
  f.qps = cell.qps();
  f.p50_us = static_cast<double>(Percentile(cell.latencies_ns, 50)) / 1000.0;
  f.p99_us = static_cast<double>(Percentile(cell.latencies_ns, 99)) / 1000.0;
  f.p999_us = static_cast<double>(Percentile(cell.latencies_ns, 99.9)) / 1000.0;
  f.calls = cell.latencies_ns.size();
  f.errors = cell.errors;
  f.first_error = cell.first_error;
  return f;
}

double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

Json ToJson(const Figures& f) {
  Json j = {{"qps", Round(f.qps, 1)},
            {"p50_us", Round(f.p50_us, 1)},
            {"p99_us", Round(f.p99_us, 1)},
            {"p999_us", Round(f.p999_us, 1)},
            {"calls", f.calls},
            {"errors", f.errors}};
  if (!f.first_error.empty()) j["first_error"] = f.first_error;
  return j;
}

Json ToJson(const MemoryUse& m) {
  return {{"vm_rss_kib", m.rss_kib},
          {"vm_hwm_kib", m.hwm_kib},
          {"vm_rss_mib", Round(static_cast<double>(m.rss_kib) / 1024.0, 1)},
          {"vm_hwm_mib", Round(static_cast<double>(m.hwm_kib) / 1024.0, 1)}};
}

using PlanStub = v1::PlanService::Stub;
using SuggestTarget = UnaryTarget<PlanStub, v1::SuggestPlanRequest, v1::SuggestPlanResponse>;
using EchoStub = bench::v1::Echo::Stub;
using EchoTarget = UnaryTarget<EchoStub, bench::v1::EchoRequest, bench::v1::EchoResponse>;

// SuggestPlan with `requests` in turn, each call with a fresh request_id from `counter`.
std::unique_ptr<CallTarget> MakeSuggestTarget(std::shared_ptr<grpc::Channel> channel,
                                              std::vector<v1::SuggestPlanRequest> requests,
                                              uint64_t* counter, int deadline_ms) {
  auto next = [requests = std::move(requests), counter](size_t, v1::SuggestPlanRequest* r) {
    const uint64_t n = (*counter)++;
    r->CopyFrom(requests[n % requests.size()]);
    r->set_request_id(RequestId(n));
  };
  return std::make_unique<SuggestTarget>(v1::PlanService::NewStub(channel),
                                         &PlanStub::PrepareAsyncSuggestPlan, std::move(next),
                                         milliseconds(deadline_ms));
}

std::unique_ptr<CallTarget> MakeEchoTarget(std::shared_ptr<grpc::Channel> channel,
                                           bench::v1::EchoRequest request, int deadline_ms) {
  auto next = [request = std::move(request)](size_t, bench::v1::EchoRequest* r) {
    if (r->reply_bytes() == 0) r->CopyFrom(request);  // the same bytes every call
  };
  return std::make_unique<EchoTarget>(bench::v1::Echo::NewStub(channel),
                                      &EchoStub::PrepareAsyncEcho, std::move(next),
                                      milliseconds(deadline_ms));
}

// modalisd on its own copy of `rules` (so the reload part can rewrite it) with the directory
// watcher off, so only ReloadRules swaps rule sets while it is being timed.
absl::StatusOr<ServerProcess> StartModalisd(const Settings& settings, const WorkDir& work,
                                            const std::string& name,
                                            const std::string& rules_from) {
  const std::string rules = work.file(name + "-rules");
  std::error_code ec;
  if (fs::absolute(rules_from, ec) != fs::absolute(rules, ec)) {
    fs::remove_all(rules, ec);
    fs::copy(rules_from, rules, fs::copy_options::recursive, ec);
    if (ec) return absl::InternalError("cannot copy " + rules_from + ": " + ec.message());
  }
  std::vector<std::string> argv = {settings.modalisd,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--rules",
                                   rules,
                                   "--db",
                                   work.file(name + ".db"),
                                   "--log-file",
                                   work.file(name + ".log"),
                                   "--watch-quiet-ms",
                                   "0",
                                   "--http-listen",
                                   "127.0.0.1:0"};
  if (!settings.plugins.empty()) argv.insert(argv.end(), {"--plugins", settings.plugins});
  return ServerProcess::Start(argv, work.file(name + ".stderr"), std::chrono::seconds(60));
}

struct Payload {
  size_t suggest_request_bytes = 0;
  size_t suggest_response_bytes = 0;
  size_t dry_run_request_bytes = 0;
  size_t dry_run_response_bytes = 0;
  bench::v1::EchoRequest echo_request;
  size_t echo_response_bytes = 0;
};

// One call of each kind before timing: checks every target answers and measures the real sizes
// the echo has to match.
absl::StatusOr<Payload> Probe(const std::shared_ptr<grpc::Channel>& modalis,
                              const std::shared_ptr<grpc::Channel>& echo,
                              v1::SuggestPlanRequest request, uint64_t* counter, int deadline_ms) {
  Payload p;
  auto stub = v1::PlanService::NewStub(modalis);
  request.set_request_id(RequestId((*counter)++));
  p.suggest_request_bytes = request.ByteSizeLong();
  v1::SuggestPlanResponse response;
  RETURN_IF_ERROR(FromGrpc(
      Once([&](grpc::ClientContext* c) { return stub->SuggestPlan(c, request, &response); },
           deadline_ms),
      "SuggestPlan"));
  p.suggest_response_bytes = response.ByteSizeLong();

  request.set_dry_run(true);
  p.dry_run_request_bytes = request.ByteSizeLong();
  RETURN_IF_ERROR(FromGrpc(
      Once([&](grpc::ClientContext* c) { return stub->SuggestPlan(c, request, &response); },
           deadline_ms),
      "SuggestPlan (dry run)"));
  p.dry_run_response_bytes = response.ByteSizeLong();

  p.echo_request.set_reply_bytes(static_cast<uint32_t>(p.suggest_response_bytes));
  const size_t other = p.echo_request.ByteSizeLong();
  p.echo_request.set_payload(std::string(FillerBytes(p.suggest_request_bytes, other), 'x'));
  auto echo_stub = bench::v1::Echo::NewStub(echo);
  bench::v1::EchoResponse echo_response;
  RETURN_IF_ERROR(FromGrpc(Once(
                               [&](grpc::ClientContext* c) {
                                 return echo_stub->Echo(c, p.echo_request, &echo_response);
                               },
                               deadline_ms),
                           "Echo"));
  p.echo_response_bytes = echo_response.ByteSizeLong();
  return p;
}

absl::StatusOr<v1::SuggestPlanRequest> ReadRequest(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("findings")) {
    return absl::InvalidArgumentError(path + ": a JSON object with \"findings\" is required");
  }
  v1::SuggestPlanRequest request;
  ASSIGN_OR_RETURN(*request.mutable_findings(), JsonToStruct(j["findings"]));
  request.set_patient_ref(j.value("patient_ref", std::string("P-LOAD")));
  if (j.contains("session_minutes") && j["session_minutes"].is_number_unsigned()) {
    request.set_session_minutes(j["session_minutes"].get<uint32_t>());
  }
  if (j.contains("practitioner") && j["practitioner"].is_object()) {
    auto* practitioner = request.mutable_practitioner();
    for (const auto& q : j["practitioner"].value("qualifications", nlohmann::json::array())) {
      if (q.is_string()) practitioner->add_qualifications(q.get<std::string>());
    }
  }
  return request;
}

struct Cell {
  std::string target;
  size_t streams = 0;
  int repeat = 0;
  Figures figures;
};

Json Medians(const std::vector<const Cell*>& cells) {
  std::vector<double> qps, p50, p99, p999;
  uint64_t calls = 0, errors = 0;
  for (const Cell* c : cells) {
    qps.push_back(c->figures.qps);
    p50.push_back(c->figures.p50_us);
    p99.push_back(c->figures.p99_us);
    p999.push_back(c->figures.p999_us);
    calls += c->figures.calls;
    errors += c->figures.errors;
  }
  return {{"qps", Round(Median(qps), 1)},
          {"p50_us", Round(Median(p50), 1)},
          {"p99_us", Round(Median(p99), 1)},
          {"p999_us", Round(Median(p999), 1)},
          {"qps_min", Round(*std::min_element(qps.begin(), qps.end()), 1)},
          {"qps_max", Round(*std::max_element(qps.begin(), qps.end()), 1)},
          {"repeats", cells.size()},
          {"calls", calls},
          {"errors", errors}};
}

// The server's own figure for each ReloadRules call: latency_ms from modalisd's access log.
std::vector<double> ServerReloadMs(const std::string& log_path) {
  std::vector<double> out;
  std::ifstream in(log_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("/modalis.v1.RulesAdmin/ReloadRules") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("latency_ms") && j["latency_ms"].is_number()) {
      out.push_back(j["latency_ms"].get<double>());
    }
  }
  return out;
}

// Hot reload of a generated rule set into a fresh modalisd, its memory before and after, a load
// run on the generated set, and the memory of a modalisd started directly on it.
absl::StatusOr<Json> MeasureReload(const Settings& settings, const WorkDir& work,
                                   uint64_t* counter) {
  Json out;
  ASSIGN_OR_RETURN(ServerProcess server,
                   StartModalisd(settings, work, "reload-modalisd", settings.rules));
  std::this_thread::sleep_for(milliseconds(200));  // let start-up allocations settle
  ASSIGN_OR_RETURN(MemoryUse at_start, server.Memory());
  out["memory_default_rules_at_start"] = ToJson(at_start);

  auto channel = Connect(server.address());
  auto admin = v1::RulesAdmin::NewStub(channel);
  v1::ListModalitiesResponse modalities;
  RETURN_IF_ERROR(FromGrpc(
      Once([&](grpc::ClientContext* c) { return admin->ListModalities(c, {}, &modalities); },
           settings.deadline_ms),
      "ListModalities"));
  std::vector<std::string> loaded;
  for (const auto& m : modalities.modalities()) loaded.push_back(m.id());

  const std::string rules_dir = work.file("reload-modalisd-rules");
  ASSIGN_OR_RETURN(GeneratedRuleDir generated,
                   WriteGeneratedRuleSet(rules_dir, settings.reload_rules, 256, loaded));
  out["rules"] = generated.rules;
  out["rules_file_bytes"] = generated.rules_bytes;
  out["plugins_loaded"] = loaded;
  out["modality_actions_rewritten"] = generated.modalities_rewritten;

  std::vector<double> client_ms;
  std::string rule_set;
  for (int i = 0; i < settings.reloads; ++i) {
    v1::ReloadRulesResponse response;
    const auto begin = std::chrono::steady_clock::now();
    const grpc::Status s =
        Once([&](grpc::ClientContext* c) { return admin->ReloadRules(c, {}, &response); }, 120000);
    const auto end = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(FromGrpc(s, "ReloadRules of the generated set"));
    client_ms.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
    rule_set = response.rule_set().id() + " " + response.rule_set().version() + " sha256 " +
               response.rule_set().sha256();
  }
  const std::vector<double> server_ms = ServerReloadMs(work.file("reload-modalisd.log"));
  out["active_rule_set"] = rule_set;
  out["reloads"] = settings.reloads;
  Json rounded_client = Json::array(), rounded_server = Json::array();
  for (double v : client_ms) rounded_client.push_back(Round(v, 2));
  for (double v : server_ms) rounded_server.push_back(Round(v, 2));
  out["client_ms"] = rounded_client;
  out["client_ms_median"] = Round(Median(client_ms), 2);
  // The first reload also swaps out the default set; later ones recompile the same files.
  out["client_ms_first"] = client_ms.empty() ? 0 : Round(client_ms.front(), 2);
  out["server_ms"] = rounded_server;
  out["server_ms_median"] = Round(Median(server_ms), 2);
  ASSIGN_OR_RETURN(MemoryUse after_reload, server.Memory());
  out["memory_after_reloads"] = ToJson(after_reload);

  // Plans on the generated set, every call its own findings document.
  std::vector<v1::SuggestPlanRequest> requests;
  for (size_t i = 0; i < generated.documents.size(); ++i) {
    v1::SuggestPlanRequest r;
    ASSIGN_OR_RETURN(*r.mutable_findings(), JsonToStruct(generated.documents[i]));
    char ref[16];
    std::snprintf(ref, sizeof ref, "P-GEN-%04zu", i % 1000);
    r.set_patient_ref(ref);
    requests.push_back(std::move(r));
  }
  {
    auto stub = v1::PlanService::NewStub(channel);
    v1::SuggestPlanRequest first = requests.front();
    first.set_request_id(RequestId((*counter)++));
    v1::SuggestPlanResponse response;
    RETURN_IF_ERROR(FromGrpc(
        Once([&](grpc::ClientContext* c) { return stub->SuggestPlan(c, first, &response); },
             settings.deadline_ms),
        "SuggestPlan on the generated set"));
    // Plans here explain far more rules than the default set's, which the figures reflect.
    out["suggest_response_bytes_first_document"] = response.ByteSizeLong();
    out["explanation_entries_first_document"] = response.plan().explanation_size();
  }
  auto target =
      MakeSuggestTarget(Connect(server.address()), requests, counter, settings.deadline_ms);
  const Figures load =
      Summarize(RunCell(*target, settings.reload_load_streams, milliseconds(settings.warmup_ms),
                        milliseconds(settings.reload_load_ms)));
  out["load_on_generated_set"] = ToJson(load);
  out["load_on_generated_set"]["target"] = kDurable;
  out["load_on_generated_set"]["streams"] = settings.reload_load_streams;
  ASSIGN_OR_RETURN(MemoryUse after_load, server.Memory());
  out["memory_after_load"] = ToJson(after_load);
  if (load.errors > 0) {
    return absl::InternalError("SuggestPlan on the generated set failed: " + load.first_error);
  }
  RETURN_IF_ERROR(server.Stop());

  // A modalisd that starts on the generated set never held the default one.
  ASSIGN_OR_RETURN(ServerProcess fresh,
                   StartModalisd(settings, work, "generated-modalisd", rules_dir));
  std::this_thread::sleep_for(milliseconds(200));
  ASSIGN_OR_RETURN(MemoryUse fresh_start, fresh.Memory());
  out["memory_started_on_generated_set"] = ToJson(fresh_start);
  RETURN_IF_ERROR(fresh.Stop());
  return out;
}

struct Check {
  const char* name;
  double value;
  double limit;
  bool below;  // met when value < limit; otherwise when value >= limit
};

absl::Status Run(const Settings& settings) {
  ASSIGN_OR_RETURN(WorkDir work, WorkDir::Create(settings.work_dir, settings.keep_work_dir));
  Json report;
  report["tool"] = "modalis_load";
  {
    utsname host{};
    ::uname(&host);
    report["machine"] = {{"cpus", std::thread::hardware_concurrency()},
                         {"kernel", std::string(host.release)},
                         {"loadavg_at_start", LoadAverage()},
                         {"work_dir", work.path()},
                         {"work_dir_filesystem", FileSystemType(work.path())},
                         {"fsync_4k_ms_median", Round(FsyncMsMedian(work.path(), 50), 3)}};
  }
  report["settings"] = {{"targets", settings.targets},
                        {"streams", settings.streams},
                        {"warmup_ms", settings.warmup_ms},
                        {"measure_ms", settings.measure_ms},
                        {"repeats", settings.repeats},
                        {"request", settings.request},
                        {"rules", settings.rules},
                        {"modalisd", settings.modalisd},
                        {"reload_rules", settings.reload_rules},
                        {"reloads", settings.reloads},
                        {"fresh_request_id_per_call", true}};

  ASSIGN_OR_RETURN(v1::SuggestPlanRequest request, ReadRequest(settings.request));
  ASSIGN_OR_RETURN(ServerProcess modalisd,
                   StartModalisd(settings, work, "modalisd", settings.rules));
  ASSIGN_OR_RETURN(ServerProcess echo,
                   ServerProcess::Start({settings.echo_server, "--listen", "127.0.0.1:0"},
                                        work.file("echo.stderr"), std::chrono::seconds(30)));
  std::this_thread::sleep_for(milliseconds(200));
  ASSIGN_OR_RETURN(MemoryUse modalisd_start, modalisd.Memory());

  uint64_t counter = 0;
  auto modalis_channel = Connect(modalisd.address());
  auto echo_channel = Connect(echo.address());
  ASSIGN_OR_RETURN(Payload payload,
                   Probe(modalis_channel, echo_channel, request, &counter, settings.deadline_ms));
  report["payload_bytes"] = {{"suggest_request", payload.suggest_request_bytes},
                             {"suggest_response", payload.suggest_response_bytes},
                             {"dry_run_request", payload.dry_run_request_bytes},
                             {"dry_run_response", payload.dry_run_response_bytes},
                             {"echo_request", payload.echo_request.ByteSizeLong()},
                             {"echo_response", payload.echo_response_bytes}};

  std::map<std::string, std::unique_ptr<CallTarget>> targets;
  for (const std::string& t : settings.targets) {
    if (t == kDurable || t == kDryRun) {
      v1::SuggestPlanRequest r = request;
      r.set_dry_run(t == kDryRun);
      targets[t] =
          MakeSuggestTarget(Connect(modalisd.address()), {r}, &counter, settings.deadline_ms);
    } else if (t == kConnectJson) {
      if (modalisd.http_address().empty()) {
        return absl::FailedPreconditionError(settings.modalisd + " has no HTTP listener for " +
                                             kConnectJson);
      }
    } else if (t == kEcho) {
      targets[t] =
          MakeEchoTarget(Connect(echo.address()), payload.echo_request, settings.deadline_ms);
    } else {
      return absl::InvalidArgumentError("unknown target '" + t + "' (" + kDurable + ", " + kDryRun +
                                        ", " + kConnectJson + " or " + kEcho + ")");
    }
  }

  // A dry run stores nothing, so one JSON body serves every HTTP call.
  std::string dry_run_json;
  {
    v1::SuggestPlanRequest dry = request;
    dry.set_dry_run(true);
    if (!google::protobuf::util::MessageToJsonString(dry, &dry_run_json).ok()) {
      return absl::InternalError("the request cannot be written as JSON");
    }
  }

  // Repeat-major with the target order rotated, so each target sees early and late moments.
  std::vector<Cell> cells;
  for (int repeat = 0; repeat < settings.repeats; ++repeat) {
    for (size_t si = 0; si < settings.streams.size(); ++si) {
      const size_t streams = settings.streams[si];
      for (size_t ti = 0; ti < settings.targets.size(); ++ti) {
        const std::string& name =
            settings.targets[(ti + static_cast<size_t>(repeat) + si) % settings.targets.size()];
        Cell cell{
            name, streams, repeat,
            Summarize(name == kConnectJson
                          ? RunHttpCell(
                                modalisd.http_address(), "/modalis.v1.PlanService/SuggestPlan",
                                [&](size_t) { return dry_run_json; }, streams,
                                milliseconds(settings.warmup_ms), milliseconds(settings.measure_ms))
                          : RunCell(*targets[name], streams, milliseconds(settings.warmup_ms),
                                    milliseconds(settings.measure_ms)))};
        std::fprintf(stderr, "repeat %d  streams %3zu  %-16s %10.0f qps  p99 %9.1f us%s\n",
                     repeat + 1, streams, name.c_str(), cell.figures.qps, cell.figures.p99_us,
                     cell.figures.errors ? "  ERRORS" : "");
        cells.push_back(std::move(cell));
      }
    }
  }
  ASSIGN_OR_RETURN(MemoryUse modalisd_after, modalisd.Memory());

  Json cells_json = Json::array();
  for (const Cell& c : cells) {
    Json j = {{"target", c.target}, {"streams", c.streams}, {"repeat", c.repeat + 1}};
    j.update(ToJson(c.figures));
    cells_json.push_back(j);
  }
  report["cells"] = cells_json;

  Json summary = Json::array();
  std::map<std::pair<std::string, size_t>, Json> medians;
  for (size_t streams : settings.streams) {
    Json row = {{"streams", streams}};
    for (const std::string& t : settings.targets) {
      std::vector<const Cell*> mine;
      for (const Cell& c : cells) {
        if (c.target == t && c.streams == streams) mine.push_back(&c);
      }
      medians[{t, streams}] = Medians(mine);
      row[t] = medians[{t, streams}];
    }
    for (const char* t : {kDurable, kDryRun}) {
      if (!row.contains(t) || !row.contains(kEcho)) continue;
      const double echo_qps = row[kEcho]["qps"].get<double>();
      row[std::string("ratio_") + (t == kDurable ? "durable" : "dry_run") + "_to_echo_qps"] =
          echo_qps > 0 ? Round(row[t]["qps"].get<double>() / echo_qps, 3) : 0.0;
    }
    if (row.contains(kConnectJson) && row.contains(kDryRun)) {
      const double grpc_qps = row[kDryRun]["qps"].get<double>();
      row["ratio_connect_json_to_dry_run_qps"] =
          grpc_qps > 0 ? Round(row[kConnectJson]["qps"].get<double>() / grpc_qps, 3) : 0.0;
    }
    summary.push_back(row);
  }
  report["summary"] = summary;
  report["memory"] = {{"modalisd_at_start", ToJson(modalisd_start)},
                      {"modalisd_after_load", ToJson(modalisd_after)}};

  echo_channel.reset();
  modalis_channel.reset();
  targets.clear();
  RETURN_IF_ERROR(echo.Stop());
  RETURN_IF_ERROR(modalisd.Stop());

  if (settings.reload_rules > 0) {
    ASSIGN_OR_RETURN(report["reload"], MeasureReload(settings, work, &counter));
  }
  report["machine"]["loadavg_at_end"] = LoadAverage();

  // The goals this benchmark answers to.
  std::vector<Check> checks;
  if (report.contains("reload")) {
    const Json& r = report["reload"];
    checks.push_back({"reload_ms_median", r["client_ms_median"].get<double>(), 50, true});
    checks.push_back({"rss_mib_with_generated_rules",
                      std::max(r["memory_after_reloads"]["vm_rss_mib"].get<double>(),
                               r["memory_after_load"]["vm_rss_mib"].get<double>()),
                      64, true});
  }
  if (medians.count({kDurable, 16}) && medians.count({kEcho, 16})) {
    const double echo_qps = medians[{kEcho, 16}]["qps"].get<double>();
    checks.push_back({"durable_to_echo_qps_at_16",
                      echo_qps > 0 ? medians[{kDurable, 16}]["qps"].get<double>() / echo_qps : 0,
                      0.6, false});
    checks.push_back(
        {"durable_p99_us_at_16", medians[{kDurable, 16}]["p99_us"].get<double>(), 5000, true});
  }
  Json goals = Json::array();
  for (const Check& c : checks) {
    const bool met = c.below ? c.value < c.limit : c.value >= c.limit;
    goals.push_back({{"name", c.name},
                     {"value", Round(c.value, 3)},
                     {c.below ? "below" : "at_least", c.limit},
                     {"met", met}});
  }
  report["goals"] = goals;

  // The table people read.
  std::printf("%-8s %-16s %10s %10s %10s %10s %7s\n", "streams", "target", "qps", "p50 us",
              "p99 us", "p99.9 us", "errors");
  for (const Json& row : summary) {
    for (const std::string& t : settings.targets) {
      const Json& m = row[t];
      std::printf("%-8zu %-16s %10.0f %10.1f %10.1f %10.1f %7llu\n", row["streams"].get<size_t>(),
                  t.c_str(), m["qps"].get<double>(), m["p50_us"].get<double>(),
                  m["p99_us"].get<double>(), m["p999_us"].get<double>(),
                  static_cast<unsigned long long>(m["errors"].get<uint64_t>()));
    }
    for (const char* key : {"ratio_durable_to_echo_qps", "ratio_dry_run_to_echo_qps",
                            "ratio_connect_json_to_dry_run_qps"}) {
      if (row.contains(key)) {
        std::printf("%-8s %-27s %.3f\n", "", key, row[key].get<double>());
      }
    }
  }
  const Json& mem = report["memory"];
  std::printf("modalisd VmRSS/VmHWM MiB: at start %.1f/%.1f, after the load run %.1f/%.1f\n",
              mem["modalisd_at_start"]["vm_rss_mib"].get<double>(),
              mem["modalisd_at_start"]["vm_hwm_mib"].get<double>(),
              mem["modalisd_after_load"]["vm_rss_mib"].get<double>(),
              mem["modalisd_after_load"]["vm_hwm_mib"].get<double>());
  if (report.contains("reload")) {
    const Json& r = report["reload"];
    std::printf(
        "reload of %zu generated rules: median %.1f ms at the client, %.1f ms in modalisd (%d "
        "reloads)\n",
        r["rules"].get<size_t>(), r["client_ms_median"].get<double>(),
        r["server_ms_median"].get<double>(), settings.reloads);
    std::printf(
        "modalisd VmRSS/VmHWM MiB with them: after reloads %.1f/%.1f, after %zu-stream load "
        "%.1f/%.1f (%.0f qps), started on them %.1f/%.1f\n",
        r["memory_after_reloads"]["vm_rss_mib"].get<double>(),
        r["memory_after_reloads"]["vm_hwm_mib"].get<double>(), settings.reload_load_streams,
        r["memory_after_load"]["vm_rss_mib"].get<double>(),
        r["memory_after_load"]["vm_hwm_mib"].get<double>(),
        r["load_on_generated_set"]["qps"].get<double>(),
        r["memory_started_on_generated_set"]["vm_rss_mib"].get<double>(),
        r["memory_started_on_generated_set"]["vm_hwm_mib"].get<double>());
  }
  for (const Json& g : goals) {
    std::printf("goal %-30s %12.3f  %s\n", g["name"].get<std::string>().c_str(),
                g["value"].get<double>(), g["met"].get<bool>() ? "met" : "MISSED");
  }
  std::printf("work dir on %s, 4 KiB write + fdatasync median %.2f ms\n",
              report["machine"]["work_dir_filesystem"].get<std::string>().c_str(),
              report["machine"]["fsync_4k_ms_median"].get<double>());
  std::printf("load average: %s at start, %s at end\n",
              report["machine"]["loadavg_at_start"].get<std::string>().c_str(),
              report["machine"]["loadavg_at_end"].get<std::string>().c_str());

  if (!settings.out.empty()) {
    std::ofstream out(settings.out, std::ios::trunc);
    out << report.dump(2) << "\n";
    out.close();
    if (!out) return absl::InternalError("cannot write " + settings.out);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace modalis::load

int main(int argc, char** argv) {
  using modalis::load::Settings;
  Settings s;
  s.modalisd = modalis::load::ExeDir() + "/modalisd";
  s.echo_server = modalis::load::ExeDir() + "/modalis_echo_server";
  CLI::App app{
      "modalis_load: SuggestPlan throughput and latency on a real modalisd next to a gRPC echo "
      "of the same sizes; hot reload time and memory with a large generated rule set"};
  app.add_option("--modalisd", s.modalisd, "modalisd binary")->capture_default_str();
  app.add_option("--echo-server", s.echo_server, "modalis_echo_server binary")
      ->capture_default_str();
  app.add_option("--plugins", s.plugins, "plugins directory (default: modalisd's own default)");
  app.add_option("--rules", s.rules, "rules directory to serve (copied first)")
      ->capture_default_str();
  app.add_option("--request", s.request, "SuggestPlan request as JSON (findings, patient_ref)")
      ->capture_default_str();
  app.add_option("--work-dir", s.work_dir,
                 "directory for the databases, rules copies and logs (kept); default: a fresh "
                 "temp directory, removed at the end");
  app.add_flag("--keep-work-dir", s.keep_work_dir, "keep the temp directory");
  app.add_option("--targets", s.targets,
                 "modalis_durable, modalis_dry_run, modalis_connect_json, echo")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--streams", s.streams, "concurrent streams, one cell each")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--warmup-ms", s.warmup_ms, "warm-up per cell, not measured")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--measure-ms", s.measure_ms, "measured time per cell")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600000));
  app.add_option("--repeats", s.repeats, "times each cell is measured (medians reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--deadline-ms", s.deadline_ms, "deadline of each call")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--reload-rules", s.reload_rules, "rules in the generated set (0: no reload part)")
      ->capture_default_str();
  app.add_option("--reloads", s.reloads, "ReloadRules calls timed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--reload-load-streams", s.reload_load_streams,
                 "streams of the load run on the generated set")
      ->capture_default_str();
  app.add_option("--reload-load-ms", s.reload_load_ms, "length of that load run")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600000));
  app.add_option("--out", s.out, "write the full report as JSON here");
  CLI11_PARSE(app, argc, argv);
  if (s.streams.empty() || std::find(s.streams.begin(), s.streams.end(), 0u) != s.streams.end() ||
      s.reload_load_streams == 0 || s.targets.empty()) {
    std::cerr << "modalis_load: give at least one target and stream counts of 1 or more\n";
    return 2;
  }
  const absl::Status status = modalis::load::Run(s);
  if (!status.ok()) {
    std::cerr << "modalis_load: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
