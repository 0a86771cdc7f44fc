// modalis_tenant_memory: what clinics cost in memory, in a process that holds the real engine
// with the real plugins (as modalisd does), the figures issue "clinics as tenants" asks for:
//
//   shared:  N clinics served one platform rule set hold one compiled copy (shared by hash);
//   own:     N clinics each with its own R-rule generated set (distinct content per clinic).
//
// Prints one JSON object: VmRSS before and after each step, and the count of distinct compiled
// sets live. Run: modalis_tenant_memory [--clinics 100] [--rules 200].
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "bench/engine/generate.h"
#include "bench/load/rule_set.h"
#include "core/engine.h"

namespace {

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double Mib(long kib) { return static_cast<double>(kib) / 1024.0; }

}  // namespace

int main(int argc, char** argv) {
  int clinics = 100;
  size_t rules = 200;
  CLI::App app{"memory of clinics sharing one rule set, and of clinics with their own"};
  app.add_option("--clinics", clinics)->check(CLI::Range(1, 10000));
  app.add_option("--rules", rules)->check(CLI::Range(1, 20000));
  CLI11_PARSE(app, argc, argv);

  modalis::EngineConfig config;
  config.rules_dir = std::string(MODALIS_SOURCE_DIR) + "/rules";
  config.plugins_dir = MODALIS_PLUGIN_DIR;
  std::vector<modalis::Diagnostic> diagnostics;
  auto engine = modalis::Engine::Create(config, &diagnostics);
  if (!engine.ok()) {
    std::cerr << engine.status().message() << "\n";
    return 1;
  }
  modalis::LiveRuleSets& live = (*engine)->live();
  const long at_start = RssKib();

  // Shared: every clinic resolves to the platform's compiled set.
  const auto platform = (*engine)->rules();
  for (int i = 0; i < clinics; ++i) {
    live.Put("shared-" + std::to_string(i), live.FindCompiled(platform->sha256));
  }
  std::set<const modalis::CompiledRuleSet*> distinct;
  for (int i = 0; i < clinics; ++i) {
    distinct.insert(live.Resolve("shared-" + std::to_string(i), "")->get());
  }
  const long after_shared = RssKib();

  // Own: a distinct generated set per clinic, compiled as activation compiles it.
  std::vector<std::string> loaded;
  for (const auto& m : (*engine)->plugins().modalities()) loaded.push_back(m->info().id);
  size_t own_distinct = 0;
  for (int i = 0; i < clinics; ++i) {
    modalis::bench::GeneratedSet set =
        modalis::bench::Generate(rules, 0, 20240601u + static_cast<uint32_t>(i));
    auto rule_file = nlohmann::json::parse(set.rules);
    modalis::load::UseLoadedModalities(&rule_file, loaded);
    modalis::RuleSource source;
    source.vocabulary = {"vocabulary.json", set.vocabulary};
    source.rules = {"rules.json", rule_file.dump()};
    modalis::RuleSetCandidate compiled = (*engine)->Validate(source);
    if (!compiled.ok()) {
      std::cerr << compiled.Describe();
      return 1;
    }
    live.Put("own-" + std::to_string(i), compiled.rules);
    ++own_distinct;
  }
  const long after_own = RssKib();

  nlohmann::json out = {
      {"clinics", clinics},
      {"rules_per_own_set", rules},
      {"rss_mib_at_start", Mib(at_start)},
      {"shared",
       {{"distinct_compiled_sets", distinct.size()},
        {"rss_mib_after", Mib(after_shared)},
        {"rss_mib_added", Mib(after_shared - at_start)}}},
      {"own",
       {{"distinct_compiled_sets", own_distinct},
        {"rss_mib_after", Mib(after_own)},
        {"rss_mib_added", Mib(after_own - after_shared)}}},
  };
  std::cout << out.dump(2) << "\n";
  return 0;
}
