// Plans stored per second by the SQLite store (WAL, synchronous=FULL), side by side:
//   max_batch:1  one transaction and fsync per plan
//   max_batch:64 group commit: whatever queued during the last commit shares the next one
// at 1, 8 and 32 concurrent writers, each waiting for its own acknowledgement (like gRPC
// clients). Every plan is a full insert: rule set lookup, plan row and hash-chained audit record,
// the plan kept as modalisd keeps it (the deterministic modalis.v1.Plan encoding).
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "adapters/plan_codec_proto.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

constexpr int kPlansPerIteration = 256;

void BM_StorePlans(benchmark::State& state) {
  const auto max_batch = static_cast<size_t>(state.range(0));
  const auto writers = static_cast<int>(state.range(1));
  std::string pattern = (std::filesystem::temp_directory_path() / "modalis-bench-XXXXXX").string();
  const std::string dir = ::mkdtemp(pattern.data());
  SqliteStoreOptions options;
  options.max_batch = max_batch;
  options.plan_codec = ProtoPlanCodec();
  auto store = OpenSqliteStore(dir + "/bench.db", options);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failures{0};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = w; i < kPlansPerIteration; i += writers) {
          const std::string id = "pl_" + std::to_string(next++);
          if (!(*store)->PutPlan(testing::SamplePlan(id, id)).ok()) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  state.SetItemsProcessed(state.iterations() * kPlansPerIteration);
  state.counters["failures"] = static_cast<double>(failures.load());
  store->reset();
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_StorePlans)
    ->ArgNames({"max_batch", "writers"})
    ->ArgsProduct({{1, 64}, {1, 8, 32}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace modalis

BENCHMARK_MAIN();
