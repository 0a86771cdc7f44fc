// modalis_bench_generate: writes the generated rule sets and findings documents to files, so
// that other engines (bench/peers) and `modalis bench` run exactly what engine_bench runs.
//
// For each rule count N: OUT/N/vocabulary.json, OUT/N/rules.json, OUT/N/findings-complete.jsonl
// (every finding recorded) and OUT/N/findings-missing.jsonl (each finding missing one time in
// ten, as engine_bench uses them).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/engine/generate.h"

namespace {

namespace fs = std::filesystem;

bool Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "modalis_bench_generate: cannot write " << path << "\n";
    return false;
  }
  return true;
}

std::string Lines(const std::vector<nlohmann::json>& documents) {
  std::string text;
  for (const auto& doc : documents) text += doc.dump() + "\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> rule_counts = {20, 200, 2000};
  size_t documents = 1000;
  uint32_t seed = 20240601;
  double missing = modalis::bench::kDefaultMissing;
  std::string out_dir;
  CLI::App app("write generated rule sets and findings documents for other engines");
  app.add_option("--rules", rule_counts, "rule counts, one directory each")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--documents", documents, "findings documents per file")->capture_default_str();
  app.add_option("--seed", seed, "generator seed")->capture_default_str();
  app.add_option("--missing", missing, "chance that a finding is left out, findings-missing.jsonl")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--out", out_dir, "output directory")->required();
  CLI11_PARSE(app, argc, argv);

  for (size_t n : rule_counts) {
    const auto complete = modalis::bench::Generate(n, documents, seed, 0.0);
    const auto partial = modalis::bench::Generate(n, documents, seed, missing);
    const fs::path dir = fs::path(out_dir) / std::to_string(n);
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
      std::cerr << "modalis_bench_generate: cannot create " << dir << ": " << error.message()
                << "\n";
      return 1;
    }
    if (!Write(dir / "vocabulary.json", complete.vocabulary + "\n") ||
        !Write(dir / "rules.json", complete.rules + "\n") ||
        !Write(dir / "findings-complete.jsonl", Lines(complete.documents)) ||
        !Write(dir / "findings-missing.jsonl", Lines(partial.documents))) {
      return 1;
    }
    std::cout << dir.string() << "\n";
  }
  return 0;
}
