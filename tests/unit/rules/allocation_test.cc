// Evaluating a rule set must not touch the heap once its scratch is warm: a server thread
// evaluates thousands of assessments a second and allocation would be its main cost.
//
// This file replaces the global operator new of the unit-test binary with one that counts calls;
// behaviour is otherwise unchanged for every other test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "bench/engine/compile_generated.h"
#include "bench/engine/generate.h"
#include "core/findings/findings.h"
#include "core/rules/compiler.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

// Not inlined: GCC would otherwise see malloc/free under new/delete and warn of a mismatch.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's temporary buffer uses it): left to the runtime, its
// memory would come back through the free() below, which AddressSanitizer reports as an
// operator new / free mismatch.
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace modalis {
namespace {

TEST(RulesAllocationTest, EvaluateAllAllocatesNothingOnceWarm) {
  const auto set = bench::Generate(300, 50, 7);
  std::vector<Diagnostic> diagnostics;
  auto rules = bench::CompileGenerated(set, &diagnostics);
  ASSERT_NE(rules, nullptr) << FormatDiagnostics(diagnostics);
  const size_t at_start = g_allocations.load();
  std::vector<Findings> documents;
  for (const auto& doc : set.documents) {
    auto findings = DecodeFindings(doc, rules->vocabulary);
    ASSERT_TRUE(findings.ok());
    documents.push_back(*std::move(findings));
  }
  ASSERT_GT(g_allocations.load(), at_start);  // the counter does see allocations
  EvaluationScratch scratch;
  rules->EvaluateAll(documents[0], &scratch);  // sizes the scratch for this rule set

  const size_t before = g_allocations.load();
  size_t fired = 0;
  for (int round = 0; round < 3; ++round) {
    for (const Findings& f : documents) {
      rules->EvaluateAll(f, &scratch);
      fired += scratch.fired().size();
    }
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(fired, 0u);
}

}  // namespace
}  // namespace modalis
