// Clinics as tenants (platform.md §1), on every backend: one clinic never reads, changes or erases
// another's records, each keeps its own audit chain, and writes name a clinic that exists.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/store_backends.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using testing::PlanToJsonText;
using testing::SamplePlan;

class StoreClinicsTest : public testing::StoreConformance {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_TRUE(store_->CreateClinic({"north", "North Side Physio", 0}).ok());
    ASSERT_TRUE(store_->CreateClinic({"south", "", 0}).ok());
  }

  static NewPlan PlanOf(const std::string& clinic, const std::string& id,
                        const std::string& request_id = "") {
    NewPlan plan = SamplePlan(id, request_id);
    plan.plan.clinic_id = clinic;
    return plan;
  }
  static SessionOutcome OutcomeOf(const std::string& clinic, uint32_t session) {
    SessionOutcome o;
    o.patient_ref = "P-0001";
    o.session_number = session;
    o.pain_nprs = 5;
    o.pain_days_per_week = 4;
    o.client = "notes";
    o.clinic_id = clinic;
    return o;
  }
  static StepFeedback FeedbackOf(const std::string& clinic, const std::string& plan_id) {
    StepFeedback f;
    f.plan_id = plan_id;
    f.decision = StepDecision::kDeclined;
    f.reason = "patient prefers no needles";
    f.client = "notes";
    f.clinic_id = clinic;
    return f;
  }

  std::unique_ptr<Store> store_;
};

TEST_P(StoreClinicsTest, AnotherClinicsPlanIsNotFoundExactlyAsOneThatDoesNotExist) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n")).ok());
  auto own = store_->GetPlan("north", "pl_n");
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->clinic_id, "north");

  const auto other = store_->GetPlan("south", "pl_n");
  const auto missing = store_->GetPlan("south", "pl_never");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  // Nothing in the answer tells that the plan exists elsewhere.
  EXPECT_EQ(other.status().message(), "no plan with id 'pl_n'");
  EXPECT_EQ(missing.status().message(), "no plan with id 'pl_never'");
}

TEST_P(StoreClinicsTest, ReadsOfAPatientSeeOnlyTheCallersClinic) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n1")).ok());
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n2")).ok());
  ASSERT_TRUE(store_->RecordOutcome(OutcomeOf("north", 1)).ok());
  ASSERT_TRUE(store_->RecordFeedback(FeedbackOf("north", "pl_n1")).ok());

  auto page = store_->ListPlans("south", "P-0001", 20, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->plans.empty());
  EXPECT_EQ(store_->GetProgress("south", "P-0001", {}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ExportPatient("south", "P-0001").status().code(), absl::StatusCode::kNotFound);

  auto north = store_->ExportPatient("north", "P-0001");
  ASSERT_TRUE(north.ok()) << north.status();
  EXPECT_EQ(north->clinic_id, "north");
  EXPECT_EQ(north->plans.size(), 2u);
  EXPECT_EQ(north->feedback.size(), 1u);
  EXPECT_EQ(north->outcomes.size(), 1u);
  EXPECT_EQ(north->audit.size(), 2u);
}

// The console replays a clinic's recent questions against its draft rule set: never another's,
// however much newer theirs are, nor the default clinic's.
TEST_P(StoreClinicsTest, RecentReplayInputsAreOnlyTheClinicsOwn) {
  auto asked = [](const std::string& clinic, const std::string& id, int64_t at_ms) {
    NewPlan plan = testing::AskedPlan(id, "asked in " + clinic);
    plan.plan.clinic_id = clinic;
    plan.plan.created_at_ms = at_ms;
    return plan;
  };
  ASSERT_TRUE(store_->PutPlan(asked("north", "pl_n1", 1000)).ok());
  ASSERT_TRUE(store_->PutPlan(asked("south", "pl_s1", 2000)).ok());
  ASSERT_TRUE(store_->PutPlan(asked("north", "pl_n2", 3000)).ok());
  ASSERT_TRUE(store_->PutPlan(asked("south", "pl_s2", 4000)).ok());
  ASSERT_TRUE(store_->PutPlan(asked("default", "pl_d1", 5000)).ok());

  for (const std::string clinic : {"north", "south"}) {
    auto recent = store_->RecentReplayInputs(clinic, 500);
    ASSERT_TRUE(recent.ok()) << recent.status();
    ASSERT_EQ(recent->size(), 2u) << clinic;
    for (const PlanReplayInput& input : *recent) {
      EXPECT_EQ(input.replay_input, "asked in " + clinic) << input.plan_id;
    }
  }
  auto north = store_->RecentReplayInputs("north", 1);
  ASSERT_TRUE(north.ok()) << north.status();
  ASSERT_EQ(north->size(), 1u);
  EXPECT_EQ((*north)[0].plan_id, "pl_n2");
  auto nobody = store_->RecentReplayInputs("west", 500);
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_TRUE(nobody->empty());
}

TEST_P(StoreClinicsTest, WritesAgainstAnotherClinicsRecordsChangeNothingOfIt) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n")).ok());
  ASSERT_TRUE(store_->RecordOutcome(OutcomeOf("north", 1)).ok());
  auto before = store_->ExportPatient("north", "P-0001");
  ASSERT_TRUE(before.ok());

  EXPECT_EQ(store_->RecordFeedback(FeedbackOf("south", "pl_n")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ErasePatient("south", "P-0001").status().code(), absl::StatusCode::kNotFound);

  auto after = store_->ExportPatient("north", "P-0001");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->plans.size(), before->plans.size());
  EXPECT_EQ(after->feedback.size(), 0u);
  EXPECT_EQ(after->outcomes.size(), before->outcomes.size());
  EXPECT_EQ(after->audit.size(), before->audit.size());
  EXPECT_EQ(PlanToJsonText(after->plans[0].plan), PlanToJsonText(before->plans[0].plan));
}

TEST_P(StoreClinicsTest, OneReferenceInTwoClinicsIsTwoPatients) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n")).ok());
  ASSERT_TRUE(store_->PutPlan(PlanOf("south", "pl_s")).ok());
  // Session 1 of each clinic's P-0001: two patients, not a duplicate.
  EXPECT_TRUE(store_->RecordOutcome(OutcomeOf("north", 1)).ok());
  EXPECT_TRUE(store_->RecordOutcome(OutcomeOf("south", 1)).ok());
  EXPECT_EQ(store_->RecordOutcome(OutcomeOf("south", 1)).code(), absl::StatusCode::kAlreadyExists);

  auto erased = store_->ErasePatient("north", "P-0001");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->plans, 1);
  EXPECT_EQ(erased->outcomes, 1);
  EXPECT_TRUE(store_->GetPlan("south", "pl_s").ok());
  auto south = store_->GetProgress("south", "P-0001", {});
  EXPECT_TRUE(south.ok()) << south.status();
}

TEST_P(StoreClinicsTest, IdempotencyKeysArePerClinic) {
  auto north = store_->PutPlan(PlanOf("north", "pl_n", "req-1"));
  ASSERT_TRUE(north.ok());
  // The same client and request id in another clinic is another request, never north's plan.
  auto south = store_->PutPlan(PlanOf("south", "pl_s", "req-1"));
  ASSERT_TRUE(south.ok()) << south.status();
  EXPECT_EQ(south->plan_id, "pl_s");
  // Within a clinic a retry still gets the first plan.
  auto retry = store_->PutPlan(PlanOf("south", "pl_s2", "req-1"));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->plan_id, "pl_s");
}

TEST_P(StoreClinicsTest, WritesForAClinicNobodyCreatedAreRefused) {
  const auto plan = store_->PutPlan(PlanOf("west", "pl_w"));
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("no clinic 'west'"), std::string::npos) << plan.status();
  EXPECT_EQ(store_->RecordOutcome(OutcomeOf("west", 1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetPlan("west", "pl_w").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreClinicsTest, ClinicsAreCreatedOnceWithAPlainId) {
  EXPECT_EQ(store_->CreateClinic({"north", "again", 0}).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateClinic({"North Side", "", 0}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateClinic({"east", std::string(kMaxClinicNameBytes + 1, 'x'), 0}).code(),
            absl::StatusCode::kInvalidArgument);
  auto clinics = store_->ListClinics();
  ASSERT_TRUE(clinics.ok());
  ASSERT_EQ(clinics->size(), 3u);
  EXPECT_EQ((*clinics)[0].clinic_id, "default");
  EXPECT_EQ((*clinics)[1].clinic_id, "north");
  EXPECT_EQ((*clinics)[1].name, "North Side Physio");
  EXPECT_GT((*clinics)[1].created_at_ms, 0);
  EXPECT_EQ((*clinics)[2].clinic_id, "south");
}

TEST_P(StoreClinicsTest, EachClinicHasItsOwnAuditChain) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n1")).ok());
  ASSERT_TRUE(store_->PutPlan(PlanOf("south", "pl_s1")).ok());
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n2")).ok());
  ASSERT_TRUE(store_->ErasePatient("north", "P-0001").ok());
  auto report = store_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problems[0];
  ASSERT_EQ(report->chains.size(), 2u);
  EXPECT_EQ(report->chains[0].clinic_id, "north");
  EXPECT_EQ(report->chains[0].records, 3);  // two plans and the erasure
  EXPECT_EQ(report->chains[1].clinic_id, "south");
  EXPECT_EQ(report->chains[1].records, 1);
  EXPECT_EQ(report->audit_records, 4);

  // Each chain starts from the genesis on its own: south's first record follows no north record.
  EXPECT_EQ(QueryText("SELECT prev_hash FROM audit WHERE plan_id = 'pl_s1'"), std::string(64, '0'));
  // Tampering with one clinic's chain names that clinic.
  TamperSql(
      "UPDATE audit SET record_json = replace(record_json, 'r1', 'r9') "
      "WHERE plan_id = 'pl_s1'");
  auto tampered = store_->Verify();
  ASSERT_TRUE(tampered.ok());
  ASSERT_EQ(tampered->problems.size(), 1u);
  EXPECT_NE(tampered->problems[0].find("of clinic 'south' was altered"), std::string::npos)
      << tampered->problems[0];
}

TEST_P(StoreClinicsTest, VerifyReportsRowsOfAClinicThatDoesNotExist) {
  ASSERT_TRUE(store_->PutPlan(PlanOf("north", "pl_n")).ok());
  TamperSql("UPDATE plans SET clinic_id = 'ghost'");
  auto report = store_->Verify();
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  EXPECT_NE(report->problems[0].find("1 row(s) of plans name the clinic 'ghost'"),
            std::string::npos)
      << report->problems[0];
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreClinicsTest, testing::kEveryStoreBackend,
                         testing::StoreBackendName);

}  // namespace
}  // namespace modalis
