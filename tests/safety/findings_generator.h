// Seeded, reproducible findings documents for the safety oracle.
//
// Every document is valid against the vocabulary (types and ranges) it is built from. The draws
// favour what the safety table is about: every red flag and every §3a finding is true, false or
// unknown (absent); age lands on the thresholds (15/16, 19/20, 50/51, 74/75/76) often; the
// indications for each modality are common so treatment steps are planned often; the required
// screen is complete in most documents; and a fraction of documents carry a conflicting record.
//
// The same seed gives the same documents on every platform: draws use std::mt19937_64's output
// directly, never the standard distributions (their algorithms differ between libraries).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace modalis::safety {

struct GeneratorOptions {
  double screen_complete = 0.85;  // documents with all six required-screen findings known
  double contradiction = 0.08;    // documents with a conflicting record injected
};

class FindingsGenerator {
 public:
  // `vocabulary` is rules/vocabulary.json. Throws std::runtime_error when it lacks a finding the
  // generator draws specially.
  FindingsGenerator(const nlohmann::json& vocabulary, uint64_t seed, GeneratorOptions options = {});

  nlohmann::json Next();

 private:
  // A uniform double in [0, 1).
  double Unit();
  bool Chance(double p) { return Unit() < p; }
  // A uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi);
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Between(0, static_cast<int64_t>(items.size()) - 1))];
  }
  nlohmann::json Subset(const std::vector<std::string>& values, double each);
  std::vector<std::string> Values(const std::string& code) const;

  void DrawGeneric(const std::string& code, const nlohmann::json& def, nlohmann::json* doc);
  void InjectContradiction(nlohmann::json* doc);

  nlohmann::json findings_;  // the vocabulary's "findings"
  nlohmann::json lists_;     // the vocabulary's "lists"
  std::mt19937_64 rng_;
  GeneratorOptions options_;

  // Per-document rates, drawn for each document.
  double unknown_ = 0;   // a safety finding is not recorded
  double adverse_ = 0;   // a safety finding is present (true / not none)
  double red_flag_ = 0;  // a red flag is present
};

}  // namespace modalis::safety
