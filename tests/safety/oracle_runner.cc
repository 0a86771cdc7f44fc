#include "tests/safety/oracle_runner.h"

#include <algorithm>
#include <sstream>

#include "core/plan/plan_json.h"
#include "core/plan/planner.h"
#include "tests/safety/findings_generator.h"

namespace modalis::safety {
namespace {

using nlohmann::json;

// The plan for a document, or nullopt when the planner refuses it (`error` says why).
std::optional<Plan> PlanOf(const CompiledRuleSet& rules, const json& document, std::string* error) {
  absl::StatusOr<Plan> plan = PlanForFindings(rules, document, PlanRequest{});
  if (!plan.ok()) {
    if (error != nullptr) *error = std::string(plan.status().message());
    return std::nullopt;
  }
  return *std::move(plan);
}

std::vector<Violation> Of(const std::vector<Violation>& all, const std::string& invariant) {
  std::vector<Violation> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const Violation& v) { return v.invariant == invariant; });
  return out;
}

}  // namespace

json ShrinkDocument(const json& document, const std::function<bool(const json&)>& still_fails) {
  json current = document;
  bool changed = true;
  while (changed) {
    changed = false;
    std::vector<std::string> keys;
    for (const auto& item : current.items()) keys.push_back(item.key());
    for (const std::string& key : keys) {
      json candidate = current;
      candidate.erase(key);
      if (still_fails(candidate)) {
        current = std::move(candidate);
        changed = true;
      }
    }
    for (const std::string& key : keys) {
      if (!current.contains(key) || !current.at(key).is_array()) continue;
      for (size_t i = current.at(key).size(); i-- > 0;) {
        json candidate = current;
        candidate.at(key).erase(i);
        if (still_fails(candidate)) {
          current = std::move(candidate);
          changed = true;
        }
      }
    }
  }
  return current;
}

OracleRun RunOracle(const SafetyTable& table, const CompiledRuleSet& rules, const json& vocabulary,
                    uint64_t documents, uint64_t seed) {
  OracleRun run;
  run.documents = documents;
  FindingsGenerator generator(vocabulary, seed);
  std::map<std::string, json> first_example;
  for (uint64_t i = 0; i < documents; ++i) {
    const json document = generator.Next();
    std::string error;
    std::optional<Plan> plan = PlanOf(rules, document, &error);
    if (!plan) {
      if (run.invalid_documents++ == 0) {
        run.first_invalid = error + "\ndocument: " + document.dump();
      }
      continue;
    }
    ++run.statuses[std::string(PlanStatusName(plan->status))];
    for (const PlanStep& s : plan->steps) ++run.steps[s.modality];
    for (const Contradiction& c : table.contradictions) {
      if (Evaluate(c.when, document) == Truth::kTrue) {
        ++run.with_contradiction;
        break;
      }
    }

    const std::vector<Violation> violations = FindViolations(table, document, *plan);
    if (violations.empty()) continue;
    run.violations += violations.size();
    ++run.documents_with_violations;
    std::set<std::string> seen;
    for (const Violation& v : violations) {
      InvariantSummary& summary = run.by_invariant[v.invariant];
      ++summary.violations;
      ++summary.message_counts[v.message];
      if (!seen.insert(v.invariant).second) continue;
      ++summary.documents_by_status[std::string(PlanStatusName(plan->status))];
      if (summary.documents++ == 0) {
        summary.first_document = i;
        first_example[v.invariant] = document;
      }
    }
  }

  for (auto& [invariant, summary] : run.by_invariant) {
    const std::string name = invariant;  // a structured binding cannot be captured
    auto fails = [&](const json& d) {
      std::optional<Plan> p = PlanOf(rules, d, nullptr);
      return p && !Of(FindViolations(table, d, *p), name).empty();
    };
    summary.example = ShrinkDocument(first_example[invariant], fails);
    if (std::optional<Plan> p = PlanOf(rules, summary.example, nullptr)) {
      for (const Violation& v : Of(FindViolations(table, summary.example, *p), invariant)) {
        summary.messages.push_back(v.message);
      }
      summary.plan = PlanToJson(*p);
    }
  }
  return run;
}

std::string FormatRun(const OracleRun& run) {
  std::ostringstream out;
  out << "documents: " << run.documents << ", violations: " << run.violations << "\n";
  out << "documents with violations: " << run.documents_with_violations
      << ", refused by the planner: " << run.invalid_documents
      << ", with a declared contradiction: " << run.with_contradiction << "\n";
  out << "plans by status:";
  for (const auto& [status, n] : run.statuses) out << " " << status << " " << n << ";";
  out << "\nplans with a step of:";
  for (const auto& [modality, n] : run.steps) out << " " << modality << " " << n << ";";
  out << "\n";
  if (run.invalid_documents > 0) out << "first refused document: " << run.first_invalid << "\n";
  if (!run.by_invariant.empty()) {
    out << "violations per invariant:\n";
    for (const auto& [invariant, s] : run.by_invariant) {
      out << "  " << invariant << ": " << s.violations << " in " << s.documents
          << " documents (plans:";
      for (const auto& [status, n] : s.documents_by_status) out << " " << status << " " << n << ";";
      out << ")\n";
      // The most frequent messages, most frequent first.
      std::vector<std::pair<size_t, std::string>> common;
      for (const auto& [message, n] : s.message_counts) common.emplace_back(n, message);
      std::stable_sort(common.begin(), common.end(),
                       [](const auto& x, const auto& y) { return x.first > y.first; });
      const size_t shown = std::min<size_t>(common.size(), 8);
      for (size_t i = 0; i < shown; ++i) {
        out << "      " << common[i].first << "x " << common[i].second << "\n";
      }
      if (common.size() > shown) {
        out << "      ... and " << common.size() - shown << " other messages\n";
      }
    }
  }
  for (const auto& [invariant, s] : run.by_invariant) {
    out << "\n== " << invariant << " (first seen in document #" << s.first_document
        << "), shrunk example:\n";
    out << "findings: " << s.example.dump() << "\n";
    for (const std::string& m : s.messages) out << "violation: " << m << "\n";
    out << "plan: " << s.plan.dump() << "\n";
  }
  return out.str();
}

}  // namespace modalis::safety
