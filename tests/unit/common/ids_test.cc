// Plan ids: 128 random bits from the system's generator, so they neither repeat across threads
// nor can be guessed from one another.
#include "core/common/ids.h"

#include <gtest/gtest.h>

#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

namespace modalis {
namespace {

TEST(IdsTest, PrefixAnd32HexDigits) {
  auto id = NewId("pl_");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_TRUE(std::regex_match(*id, std::regex("pl_[0-9a-f]{32}"))) << *id;
}

TEST(IdsTest, ManyThreadsNeverRepeatAnId) {
  std::set<std::string> seen;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 5000; ++i) mine.push_back(*NewId("pl_"));
      std::lock_guard lock(mu);
      seen.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.size(), 40000u);
}

// Every bit position takes both values across ids: a generator stuck on part of its output (a
// 32-bit seed spread over 128 bits, a byte never filled) shows here.
TEST(IdsTest, EveryBitVaries) {
  std::vector<int> ones(128, 0);
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const std::string hex = NewId("").value();
    for (int d = 0; d < 32; ++d) {
      const int v = std::stoi(hex.substr(static_cast<size_t>(d), 1), nullptr, 16);
      for (int b = 0; b < 4; ++b) ones[static_cast<size_t>(d * 4 + b)] += (v >> b) & 1;
    }
  }
  for (int bit = 0; bit < 128; ++bit) {
    EXPECT_GT(ones[static_cast<size_t>(bit)], n / 4) << "bit " << bit;
    EXPECT_LT(ones[static_cast<size_t>(bit)], 3 * n / 4) << "bit " << bit;
  }
}

}  // namespace
}  // namespace modalis
