#include "core/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

StoredPlan Sample(const std::string& id, const std::string& request_id = "") {
  StoredPlan p;
  p.plan_id = id;
  p.patient_ref = "P-0001";
  p.client = "notes";
  p.request_id = request_id;
  p.request_hash = "h";
  p.created_at_ms = 1700000000000;
  p.plan.plan_id = id;
  p.plan.rule_set = {"lbp", "1", std::string(64, 'a')};
  p.plan.status = PlanStatus::kProvisional;
  p.plan.steps.push_back(PlanStep{"dry_needling",
                                  "Dry needling",
                                  {"piriformis"},
                                  15,
                                  "",
                                  {},
                                  {"c"},
                                  {"i"},
                                  "dry_needling",
                                  true,
                                  "why",
                                  {"r1"}});
  p.plan.course = Course{Frequency::kWeekly, 4, 6, 4};
  p.plan.missing_findings.push_back({"pregnant", "needed for dry_needling"});
  return p;
}

TEST(SqliteStoreTest, PlanSurvivesReopenUnchanged) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutPlan(Sample("pl_1")).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok());
  auto got = (*store)->GetPlan("pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->patient_ref, "P-0001");
  EXPECT_EQ(got->plan.status, PlanStatus::kProvisional);
  ASSERT_EQ(got->plan.steps.size(), 1u);
  EXPECT_EQ(got->plan.steps[0].targets[0], "piriformis");
  ASSERT_TRUE(got->plan.course.has_value());
  EXPECT_EQ(got->plan.course->sessions_max, 6u);
  EXPECT_EQ(got->plan.missing_findings[0].code, "pregnant");
}

TEST(SqliteStoreTest, MissingPlanIsNotFound) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.file("m.db"));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetPlan("pl_nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStoreTest, RequestIdIsUniquePerClient) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.file("m.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutPlan(Sample("pl_1", "req-1")).ok());
  EXPECT_EQ((*store)->PutPlan(Sample("pl_2", "req-1")).code(), absl::StatusCode::kAlreadyExists);
  StoredPlan other = Sample("pl_3", "req-1");
  other.client = "booking";
  EXPECT_TRUE((*store)->PutPlan(other).ok());
}

TEST(SqliteStoreTest, RefusesDatabaseFromNewerVersion) {
  testing::TempDir dir;
  const std::string path = dir.file("m.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(store.status().message()).find("newer"), std::string::npos);
}

}  // namespace
}  // namespace modalis
