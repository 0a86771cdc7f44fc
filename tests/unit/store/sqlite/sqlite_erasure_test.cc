// Erasure in SQLite files: what a patient's plans were asked, and the plans themselves, are gone
// from the database file and its write-ahead log once ErasePatient returns, not left in free pages
// for whoever reads the file's bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

std::string Bytes(const std::string& path) {
  if (!std::filesystem::exists(path)) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(SqliteErasureTest, AnErasedPatientsQuestionsAreNotLeftInTheFiles) {
  testing::TempDir dir;
  const std::string path = dir.file("e.db");
  auto opened = OpenSqliteStore(path, {});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  // A question that cannot occur by chance in the file's bytes, and a patient kept to compare.
  const std::string marker = "erase-me-4f1c9a2b7d";
  const std::string kept = "keep-me-8e3d2c1b0a";
  NewPlan erased_plan = testing::AskedPlan("pl_erased", marker);
  erased_plan.plan.patient_ref = "P-ERASED";
  NewPlan kept_plan = testing::AskedPlan("pl_kept", kept);
  kept_plan.plan.patient_ref = "P-KEPT";
  // Between other patients' plans, so its rows share pages that stay in use.
  for (int i = 0; i < 10; ++i) {
    NewPlan other = testing::AskedPlan("pl_before_" + std::to_string(i), "other");
    other.plan.patient_ref = "P-OTHER";
    ASSERT_TRUE(store.PutPlan(other).ok());
  }
  ASSERT_TRUE(store.PutPlan(erased_plan).ok());
  ASSERT_TRUE(store.PutPlan(kept_plan).ok());
  ASSERT_NE((Bytes(path) + Bytes(path + "-wal")).find(marker), std::string::npos)
      << "the test's marker is not where a question is kept";

  auto erased = store.ErasePatient("default", "P-ERASED");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->plans, 1);
  const std::string files = Bytes(path) + Bytes(path + "-wal");
  EXPECT_EQ(files.find(marker), std::string::npos) << "the erased question is still in the files";
  EXPECT_NE(files.find(kept), std::string::npos) << "another patient's question went too";
  auto recent = store.RecentReplayInputs("default", 20);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 11u);
  EXPECT_EQ((*recent)[0].plan_id, "pl_kept");
}

}  // namespace
}  // namespace modalis
