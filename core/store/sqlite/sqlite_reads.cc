// The store's reads as SQL. Those that read several tables do so in one snapshot, so a write
// committed meanwhile is seen in all of them or in none.
#include "core/store/sqlite/sqlite_reads.h"

#include <memory>
#include <utility>
#include <vector>

#include "core/common/sha256.h"
#include "core/store/sqlite/sqlite_errors.h"
#include "core/store/sqlite/sqlite_rows.h"
#include "core/store/sqlite/sqlite_schema.h"

namespace modalis::store_sqlite {
namespace {

absl::StatusOr<std::vector<SessionOutcome>> Outcomes(SQLite::Database& db, const std::string& ref) {
  SQLite::Statement q(db,
                      "SELECT session_number, pain_nprs, pain_days_per_week, odi_percent, rmdq, "
                      "psfs_avg, client, recorded_at_ms FROM outcomes WHERE patient_ref = ? "
                      "ORDER BY session_number");
  q.bind(1, ref);
  std::vector<SessionOutcome> out;
  while (q.executeStep()) {
    SessionOutcome o;
    o.patient_ref = ref;
    o.session_number = static_cast<uint32_t>(q.getColumn(0).getInt64());
    o.pain_nprs = q.getColumn(1).getDouble();
    o.pain_days_per_week = q.getColumn(2).getDouble();
    o.odi_percent = OptionalColumn(q.getColumn(3));
    o.rmdq = OptionalColumn(q.getColumn(4));
    o.psfs_avg = OptionalColumn(q.getColumn(5));
    o.client = q.getColumn(6).getString();
    o.recorded_at_ms = q.getColumn(7).getInt64();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::optional<RuleSetRecord>> ReadLastServedRuleSet(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT r.sha256, r.id, r.version, r.canonical_source "
                      "FROM served_rule_sets s JOIN rule_sets r ON r.sha256 = s.sha256 "
                      "WHERE r.canonical_source IS NOT NULL ORDER BY s.seq DESC LIMIT 1");
  if (!q.executeStep()) return std::optional<RuleSetRecord>();
  return std::optional<RuleSetRecord>(RuleSetRecord{
      q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
      std::make_shared<const std::string>(q.getColumn(3).getString())});
}

absl::StatusOr<StoredPlan> ReadPlan(SQLite::Database& db, const PlanCodec& codec,
                                    const std::string& plan_id) {
  SQLite::Statement q(db, std::string("SELECT ") + kPlanColumns + " FROM plans WHERE plan_id = ?");
  q.bind(1, plan_id);
  if (!q.executeStep()) {
    return absl::NotFoundError("no plan with id '" + plan_id + "'");
  }
  return PlanFromRow(q, codec);
}

absl::StatusOr<PlanPage> ReadPlanPage(SQLite::Database& db, const PlanCodec& codec,
                                      const std::string& ref, int64_t after, size_t size) {
  SQLite::Statement q(db, std::string("SELECT ") + kPlanColumns +
                              ", rowid FROM plans WHERE patient_ref = ? AND rowid > ? "
                              "ORDER BY rowid LIMIT ?");
  q.bind(1, ref);
  q.bind(2, after);
  q.bind(3, static_cast<int64_t>(size + 1));
  PlanPage page;
  int64_t last = 0;
  while (q.executeStep()) {
    if (page.plans.size() == size) {
      page.next_page_token = std::to_string(last);
      break;
    }
    auto plan = PlanFromRow(q, codec);
    if (!plan.ok()) return plan.status();
    page.plans.push_back(*std::move(plan));
    last = q.getColumn(kPlanColumnCount).getInt64();
  }
  return page;
}

absl::StatusOr<Progress> ReadProgress(SQLite::Database& db, const PlanCodec& codec,
                                      const std::string& ref, const ProgressPolicy& policy) {
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  ProgressInputs in;
  auto outcomes = Outcomes(db, ref);
  if (!outcomes.ok()) return outcomes.status();
  in.outcomes = *std::move(outcomes);
  SQLite::Statement first(db,
                          "SELECT pain_nprs, pain_days_per_week, baseline_pain_nprs FROM plans "
                          "WHERE patient_ref = ? ORDER BY rowid LIMIT 1");
  first.bind(1, ref);
  if (first.executeStep()) {
    in.first_plan =
        FindingsBaseline{OptionalColumn(first.getColumn(0)), OptionalColumn(first.getColumn(1)),
                         OptionalColumn(first.getColumn(2))};
  }
  // Newest first: the latest plan's referral, and the course of the latest plan that has one.
  SQLite::Statement latest(
      db, "SELECT plan_data, plan_format FROM plans WHERE patient_ref = ? ORDER BY rowid DESC");
  latest.bind(1, ref);
  for (bool newest = true; latest.executeStep() && !in.latest_course; newest = false) {
    auto plan =
        DecodeStoredPlan(codec, latest.getColumn(1).getString(), BlobColumn(latest.getColumn(0)));
    if (!plan.ok()) return WithContext(plan.status(), "a stored plan is unreadable");
    if (newest) in.latest_referral = plan->referral.urgency;
    in.latest_course = plan->course;
  }
  if (!in.first_plan && in.outcomes.empty()) {
    return absl::NotFoundError("nothing is stored for patient '" + ref + "'");
  }
  return ComputeProgress(ref, in, policy);
}

absl::StatusOr<PatientRecord> ReadPatient(SQLite::Database& db, const PlanCodec& codec,
                                          const std::string& ref) {
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  PatientRecord out;
  out.patient_ref = ref;
  SQLite::Statement plans(db, std::string("SELECT ") + kPlanColumns +
                                  " FROM plans WHERE patient_ref = ? ORDER BY rowid");
  plans.bind(1, ref);
  while (plans.executeStep()) {
    auto plan = PlanFromRow(plans, codec);
    if (!plan.ok()) return plan.status();
    out.plans.push_back(*std::move(plan));
  }
  SQLite::Statement feedback(
      db,
      "SELECT f.plan_id, f.step_index, f.decision, f.reason, f.client, f.recorded_at_ms "
      "FROM feedback f JOIN plans p ON p.plan_id = f.plan_id WHERE p.patient_ref = ? "
      "ORDER BY f.feedback_id");
  feedback.bind(1, ref);
  while (feedback.executeStep()) {
    StepFeedback f;
    f.plan_id = feedback.getColumn(0).getString();
    f.step_index = static_cast<uint32_t>(feedback.getColumn(1).getInt64());
    const std::string decision = feedback.getColumn(2).getString();
    f.decision = decision == "modified"   ? StepDecision::kModified
                 : decision == "declined" ? StepDecision::kDeclined
                                          : StepDecision::kAccepted;
    f.reason = feedback.getColumn(3).getString();
    f.client = feedback.getColumn(4).getString();
    f.recorded_at_ms = feedback.getColumn(5).getInt64();
    out.feedback.push_back(std::move(f));
  }
  auto outcomes = Outcomes(db, ref);
  if (!outcomes.ok()) return outcomes.status();
  out.outcomes = *std::move(outcomes);
  SQLite::Statement audit(
      db,
      "SELECT a.seq, a.at_ms, a.kind, a.plan_id, a.record_json FROM audit a "
      "JOIN plans p ON p.plan_id = a.plan_id WHERE p.patient_ref = ? ORDER BY a.seq");
  audit.bind(1, ref);
  while (audit.executeStep()) {
    out.audit.push_back(AuditEntry{audit.getColumn(0).getInt64(), audit.getColumn(1).getInt64(),
                                   audit.getColumn(2).getString(), TextColumn(audit.getColumn(3)),
                                   TextColumn(audit.getColumn(4))});
  }
  if (out.plans.empty() && out.outcomes.empty()) {
    return absl::NotFoundError("nothing is stored for patient '" + ref + "'");
  }
  return out;
}

absl::StatusOr<IntegrityReport> VerifyDatabase(SQLite::Database& db) {
  IntegrityReport report;
  {
    SQLite::Statement check(db, "PRAGMA integrity_check");
    while (check.executeStep()) {
      const std::string line = check.getColumn(0).getString();
      if (line != "ok") report.problems.push_back("integrity_check: " + line);
    }
  }
  {
    SQLite::Statement fk(db, "PRAGMA foreign_key_check");
    while (fk.executeStep()) {
      report.problems.push_back("foreign key: row " + fk.getColumn(1).getString() + " of " +
                                fk.getColumn(0).getString() + " references a missing " +
                                fk.getColumn(2).getString() + " row");
    }
  }
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  SQLite::Statement walk(
      db, "SELECT seq, record_json, content_hash, prev_hash, hash FROM audit ORDER BY seq");
  std::string prev = kGenesisHash;
  while (walk.executeStep()) {
    ++report.audit_records;
    const std::string seq = walk.getColumn(0).getString();
    const std::string content_hash = walk.getColumn(2).getString();
    const std::string prev_hash = walk.getColumn(3).getString();
    const std::string hash = walk.getColumn(4).getString();
    if (walk.getColumn(1).isNull()) {
      ++report.audit_redacted;
    } else if (Sha256Hex(walk.getColumn(1).getString()) != content_hash) {
      report.problems.push_back("audit record " + seq + " was altered (content hash)");
    }
    if (prev_hash != prev) {
      report.problems.push_back("audit record " + seq +
                                " does not follow the previous record (chain broken)");
    }
    if (Sha256Hex(prev_hash + content_hash) != hash) {
      report.problems.push_back("audit record " + seq + " has a wrong hash");
    }
    prev = hash;
  }
  report.audit_head = prev;
  return report;
}

}  // namespace modalis::store_sqlite
