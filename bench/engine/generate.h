// Synthetic rule sets shaped like the default one, for benchmarks and for tests that compare the
// indexed evaluation with the plain one: ~60 findings of every type; rules of 2-6 tests on
// distinct findings, mostly "all" with nested any/all groups and some negations (indications),
// the rest "any" over rare values (screens, which refer); findings documents in which each
// finding is missing one time in ten by default. Deterministic for a given seed.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace modalis::bench {

struct GeneratedSet {
  std::string vocabulary;  // vocabulary.json text
  std::string rules;       // rule-set file text
  std::vector<nlohmann::json> documents;
};

namespace detail {

struct Finding {
  std::string code;
  enum Kind { kNumber, kBoolean, kEnum, kSet } kind;
  int lo = 0, hi = 0;
  std::vector<std::string> values;
};

inline std::vector<Finding> Findings() {
  std::vector<Finding> out;
  for (int i = 0; i < 20; ++i) {
    out.push_back({"score_" + std::to_string(i), Finding::kNumber, 0, i % 2 ? 10 : 100, {}});
  }
  for (int i = 0; i < 22; ++i)
    out.push_back({"flag_" + std::to_string(i), Finding::kBoolean, 0, 0, {}});
  for (int i = 0; i < 12; ++i) {
    Finding f{"kind_" + std::to_string(i), Finding::kEnum, 0, 0, {}};
    for (int v = 0; v < 3 + i % 4; ++v) f.values.push_back("v" + std::to_string(v));
    out.push_back(f);
  }
  for (int i = 0; i < 8; ++i) {
    Finding f{"set_" + std::to_string(i), Finding::kSet, 0, 0, {}};
    for (int v = 0; v < 5 + i % 4; ++v) f.values.push_back("m" + std::to_string(v));
    out.push_back(f);
  }
  return out;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  nlohmann::json Test(const Finding& f, bool rare) {
    nlohmann::json t = {{"finding", f.code}};
    switch (f.kind) {
      case Finding::kNumber: {
        const int span = f.hi - f.lo;
        const int pick = rare ? f.hi - span / 10 : Int(f.lo + span / 5, f.hi - span / 5);
        const char* ops[] = {"above", "at_least", "below", "at_most"};
        t[rare ? "at_least" : ops[Int(0, 3)]] = pick;
        break;
      }
      case Finding::kBoolean:
        t["equals"] = rare ? true : Chance(0.5);
        break;
      case Finding::kEnum:
        if (Chance(0.5) || rare) {
          t["equals"] =
              f.values[static_cast<size_t>(Int(0, static_cast<int>(f.values.size()) - 1))];
        } else {
          t["one_of"] = {f.values[0], f.values[1]};
        }
        break;
      case Finding::kSet:
        t["contains"] =
            f.values[static_cast<size_t>(Int(0, static_cast<int>(f.values.size()) - 1))];
        break;
    }
    return t;
  }

  // Groups a run of tests: runs of 2-3 become a nested any/all; some are negated.
  nlohmann::json Group(std::vector<nlohmann::json> tests) {
    std::vector<nlohmann::json> members;
    size_t i = 0;
    while (i < tests.size()) {
      const size_t run = std::min<size_t>(tests.size() - i, static_cast<size_t>(Int(1, 3)));
      nlohmann::json m;
      if (run == 1) {
        m = tests[i];
      } else {
        nlohmann::json inner = nlohmann::json::array();
        for (size_t k = 0; k < run; ++k) inner.push_back(tests[i + k]);
        m = {{Chance(0.5) ? "any" : "all", inner}};
      }
      if (Chance(0.12)) m = {{"not", m}};
      members.push_back(m);
      i += run;
    }
    return {{"all", members}};
  }

  std::mt19937 rng_;
};

}  // namespace detail

// How often a finding is left out of a document unless the caller says otherwise.
inline constexpr double kDefaultMissing = 0.1;

// The rules depend only on rule_count and seed, so documents generated with another
// missing_probability are run against the same rules; 0 records every finding in every document.
inline GeneratedSet Generate(size_t rule_count, size_t document_count, uint32_t seed = 20240601,
                             double missing_probability = kDefaultMissing) {
  using nlohmann::json;
  const std::vector<detail::Finding> findings = detail::Findings();
  detail::Gen g(seed);
  GeneratedSet out;

  json vocab = {{"id", "generated"}, {"version", "1"}, {"findings", json::object()}};
  for (const auto& f : findings) {
    json spec;
    switch (f.kind) {
      case detail::Finding::kNumber:
        spec = {{"type", "integer"}, {"min", f.lo}, {"max", f.hi}};
        break;
      case detail::Finding::kBoolean:
        spec = {{"type", "boolean"}};
        break;
      case detail::Finding::kEnum:
        spec = {{"type", "enum"}, {"values", f.values}};
        break;
      case detail::Finding::kSet:
        spec = {{"type", "set"}, {"values", f.values}};
        break;
    }
    vocab["findings"][f.code] = spec;
  }
  out.vocabulary = vocab.dump(1);

  json advice = json::object();
  for (int i = 0; i < 22; ++i) advice["advice_" + std::to_string(i)] = "text";
  json rules = json::array();
  for (size_t r = 0; r < rule_count; ++r) {
    const bool screen = g.Chance(0.1);
    const int n = g.Int(2, 6);
    std::vector<size_t> picked;
    while (picked.size() < static_cast<size_t>(n)) {
      const size_t f = static_cast<size_t>(g.Int(0, static_cast<int>(findings.size()) - 1));
      if (std::find(picked.begin(), picked.end(), f) == picked.end()) picked.push_back(f);
    }
    std::vector<json> tests;
    for (size_t f : picked) tests.push_back(g.Test(findings[f], screen));
    json when = screen ? json{{"any", tests}} : g.Group(tests);
    json then = screen ? json::array({{{"refer", {{"urgency", "urgent"}, {"reason", "screen"}}}}})
                       : json::array({{{"advise", "advice_" + std::to_string(g.Int(0, 21))}}});
    rules.push_back({{"id", "rule-" + std::to_string(r)},
                     {"description", "generated"},
                     {"source", "generated"},
                     {"when", when},
                     {"then", then}});
  }
  out.rules =
      json{{"id", "generated"}, {"version", "1"}, {"advice", advice}, {"rules", rules}}.dump(1);

  for (size_t d = 0; d < document_count; ++d) {
    json doc = json::object();
    for (const auto& f : findings) {
      if (g.Chance(missing_probability)) continue;  // not recorded
      switch (f.kind) {
        case detail::Finding::kNumber:
          doc[f.code] = g.Int(f.lo, f.hi);
          break;
        case detail::Finding::kBoolean:
          doc[f.code] = g.Chance(f.code < "flag_5" ? 0.1 : 0.5);
          break;
        case detail::Finding::kEnum:
          doc[f.code] =
              f.values[static_cast<size_t>(g.Int(0, static_cast<int>(f.values.size()) - 1))];
          break;
        case detail::Finding::kSet: {
          json members = json::array();
          for (const auto& v : f.values) {
            if (g.Chance(0.3)) members.push_back(v);
          }
          doc[f.code] = members;
          break;
        }
      }
    }
    out.documents.push_back(doc);
  }
  return out;
}

}  // namespace modalis::bench
