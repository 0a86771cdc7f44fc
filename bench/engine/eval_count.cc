// Evaluates a fixed generated rule set a given number of times, for instruction counting under
// valgrind --tool=callgrind: the regression guard runs it twice with different counts, so the
// difference is the cost of the extra evaluations alone, without generation and compilation.
#include <charconv>
#include <iostream>
#include <string_view>

#include "bench/engine/compile_generated.h"
#include "core/findings/findings.h"
#include "core/rules/compiler.h"

namespace {

bool ParseCount(std::string_view text, size_t* out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace modalis;
  size_t rule_count = 0, evaluations = 0;
  if (argc != 3 || !ParseCount(argv[1], &rule_count) || !ParseCount(argv[2], &evaluations)) {
    std::cerr << "usage: modalis_eval_count RULES EVALUATIONS\n";
    return 2;
  }
  const bench::GeneratedSet set = bench::Generate(rule_count, 100);
  std::vector<Diagnostic> diagnostics;
  auto rules = bench::CompileGenerated(set, &diagnostics);
  if (rules == nullptr) {
    std::cerr << FormatDiagnostics(diagnostics);
    return 1;
  }
  std::vector<Findings> documents;
  for (const auto& doc : set.documents) {
    auto findings = DecodeFindings(doc, rules->vocabulary);
    if (!findings.ok()) {
      std::cerr << "generated document did not decode: " << findings.status().message() << "\n";
      return 1;
    }
    documents.push_back(*std::move(findings));
  }
  EvaluationScratch scratch;
  size_t fired = 0;
  for (size_t i = 0; i < evaluations; ++i) {
    rules->EvaluateAll(documents[i % documents.size()], &scratch);
    fired += scratch.fired().size();
  }
  // Printing the total keeps the evaluations from being optimised away.
  std::cout << "evaluations " << evaluations << " fired " << fired << "\n";
  return 0;
}
