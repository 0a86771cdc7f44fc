// The indexes each of the evidence report's three queries goes through in SQLite
// (ExplainEvidence). What ReadEvidence answers is checked on every backend in
// tests/unit/store/conformance/evidence_reads_test.cc.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/store/sqlite/sqlite_reads.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

using testing::SamplePlan;

class SqliteEvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(path_, {});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->CreateClinic({"north", "", 0}).ok());
    ASSERT_TRUE(store_->CreateClinic({"south", "", 0}).ok());
  }

  // A plan of `patient` in `clinic` at `at_ms`, with one step, and its feedback.
  void Plan(const std::string& clinic, const std::string& id, const std::string& patient,
            int64_t at_ms, const std::string& rule_set = std::string(64, 'a')) {
    NewPlan plan = SamplePlan(id);
    plan.plan.clinic_id = clinic;
    plan.plan.patient_ref = patient;
    plan.plan.created_at_ms = at_ms;
    plan.plan.plan.rule_set.sha256 = rule_set;
    plan.rule_set.sha256 = rule_set;
    ASSERT_TRUE(store_->PutPlan(plan).ok());
    StepFeedback feedback;
    feedback.clinic_id = clinic;
    feedback.plan_id = id;
    feedback.decision = StepDecision::kDeclined;
    feedback.reason = "patient prefers no needles";
    feedback.client = "notes";
    ASSERT_TRUE(store_->RecordFeedback(feedback).ok());
  }
  void Outcome(const std::string& clinic, const std::string& patient, uint32_t session) {
    SessionOutcome o;
    o.clinic_id = clinic;
    o.patient_ref = patient;
    o.session_number = session;
    o.pain_nprs = 8 - session;
    o.pain_days_per_week = 5;
    o.client = "notes";
    ASSERT_TRUE(store_->RecordOutcome(o).ok());
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.file("m.db");
  std::unique_ptr<Store> store_;
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// No read of the report scans a whole table or sorts: plans are found by clinic and time, then
// feedback plan by plan through feedback_plan, outcomes patient by patient through their unique
// (clinic, patient, session) index, already in session order.
TEST_F(SqliteEvidenceTest, EveryQueryOfTheReportGoesThroughAnIndex) {
  Plan("north", "pl_n1", "P-1", 1000);
  Outcome("north", "P-1", 1);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  for (const EvidenceQuery& query : {EvidenceQuery{}, EvidenceQuery{1000, 2000, ""},
                                     EvidenceQuery{0, 0, std::string(64, 'a')}}) {
    auto plans = store_sqlite::ExplainEvidence(db, "north", query);
    ASSERT_TRUE(plans.ok()) << plans.status();
    SCOPED_TRACE("plans:\n" + Joined(plans->plans) + "feedback:\n" + Joined(plans->feedback) +
                 "outcomes:\n" + Joined(plans->outcomes));
    EXPECT_EQ(plans->plans, std::vector<std::string>{"SEARCH p USING INDEX plans_clinic_time "
                                                     "(clinic_id=? AND created_at_ms>? AND "
                                                     "created_at_ms<?)"});
    EXPECT_EQ(plans->feedback,
              std::vector<std::string>{"SEARCH f USING INDEX feedback_plan (plan_id=?)"});
    EXPECT_EQ(plans->outcomes, std::vector<std::string>{
                                   "SEARCH o USING INDEX sqlite_autoindex_outcomes_1 (clinic_id=? "
                                   "AND patient_ref=?)"});
  }
}

}  // namespace
}  // namespace modalis
