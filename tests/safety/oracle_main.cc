// modalis_safety_oracle: the long run of the safety oracle.
//
//   modalis_safety_oracle [--documents N] [--seed S] [--rules DIR] [--plugins DIR] [--table FILE]
//
// Generates N findings documents (default 200000) from seed S, plans each with the rule set in
// DIR and the plugins in DIR, checks every plan against the safety table, and prints
// "documents: N, violations: V", the counts per invariant and a shrunk example of each violated
// invariant. Exit code 0 when no invariant is violated, 1 when one is, 2 on a usage or load
// error.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"
#include "tests/safety/oracle.h"
#include "tests/safety/oracle_runner.h"

namespace {

constexpr const char kUsage[] =
    "usage: modalis_safety_oracle [--documents N] [--seed S] [--rules DIR] [--plugins DIR] "
    "[--table FILE]\n";

struct Options {
  uint64_t documents = 200000;
  uint64_t seed = 1;
  std::string rules = std::string(MODALIS_SOURCE_DIR) + "/rules";
  std::string plugins = MODALIS_PLUGIN_DIR;
  std::string table = std::string(MODALIS_SOURCE_DIR) + "/tests/safety/safety_table.json";
};

// A whole number, no sign (std::stoull would wrap "-1" round to a huge count).
uint64_t Count(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument(value);
  }
  return std::stoull(value);
}

bool ParseOptions(int argc, char** argv, Options* options, bool* help) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return false;
    }
    if (i + 1 >= argc) {
      std::cerr << flag << " needs a value\n";
      return false;
    }
    const std::string value = argv[++i];
    try {
      if (flag == "--documents") {
        options->documents = Count(value);
      } else if (flag == "--seed") {
        options->seed = Count(value);
      } else if (flag == "--rules") {
        options->rules = value;
      } else if (flag == "--plugins") {
        options->plugins = value;
      } else if (flag == "--table") {
        options->table = value;
      } else {
        std::cerr << "unknown option " << flag << "\n";
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << flag << ": not a whole number: " << value << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool help = false;
  if (!ParseOptions(argc, argv, &options, &help)) {
    (help ? std::cout : std::cerr) << kUsage;
    return help ? 0 : 2;
  }
  try {
    const modalis::safety::SafetyTable table = modalis::safety::LoadSafetyTable(options.table);
    auto plugins = modalis::LoadPlugins(options.plugins);
    if (!plugins.ok()) {
      std::cerr << "cannot load plugins from " << options.plugins << ": " << plugins.status()
                << "\n";
      return 2;
    }
    auto source = modalis::ReadRuleSource(options.rules);
    if (!source.ok()) {
      std::cerr << "cannot read rules from " << options.rules << ": " << source.status() << "\n";
      return 2;
    }
    std::vector<modalis::Diagnostic> diagnostics;
    auto rules = modalis::CompileRuleSet(*source, **plugins, &diagnostics);
    if (rules == nullptr) {
      std::cerr << modalis::FormatDiagnostics(diagnostics);
      return 2;
    }
    const nlohmann::json vocabulary = nlohmann::json::parse(source->vocabulary.text);

    const auto start = std::chrono::steady_clock::now();
    const modalis::safety::OracleRun run =
        modalis::safety::RunOracle(table, *rules, vocabulary, options.documents, options.seed);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::cout << modalis::safety::FormatRun(run);
    std::printf("\nseed: %llu, rules: %s, elapsed: %.1f s\n",
                static_cast<unsigned long long>(options.seed), options.rules.c_str(), seconds);
    return run.violations > 0 || run.invalid_documents > 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "modalis_safety_oracle: " << e.what() << "\n";
    return 2;
  }
}
