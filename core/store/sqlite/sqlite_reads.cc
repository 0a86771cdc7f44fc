// The store's reads as SQL. Those that read several tables do so in one snapshot, so a write
// committed meanwhile is seen in all of them or in none.
#include "core/store/sqlite/sqlite_reads.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/store/audit_record.h"
#include "core/store/sqlite/sqlite_errors.h"
#include "core/store/sqlite/sqlite_rows.h"
#include "core/store/sqlite/sqlite_schema.h"
#include "core/store/store_refusals.h"

namespace modalis::store_sqlite {
namespace {

// A patient's outcomes, session by session (through the unique index on clinic, patient and
// session); ?1 the clinic, ?2 the patient.
constexpr char kPatientOutcomesSql[] =
    "SELECT o.session_number, o.pain_nprs, o.pain_days_per_week, o.odi_percent, o.rmdq, "
    "o.psfs_avg, o.client, o.recorded_at_ms FROM outcomes o "
    "WHERE o.clinic_id = ?1 AND o.patient_ref = ?2 ORDER BY o.session_number";

// The current row of a kPatientOutcomesSql statement.
SessionOutcome OutcomeFromRow(SQLite::Statement& q, const std::string& clinic_id,
                              const std::string& ref) {
  SessionOutcome o;
  o.clinic_id = clinic_id;
  o.patient_ref = ref;
  o.session_number = static_cast<uint32_t>(q.getColumn(0).getInt64());
  o.pain_nprs = q.getColumn(1).getDouble();
  o.pain_days_per_week = q.getColumn(2).getDouble();
  o.odi_percent = OptionalColumn(q.getColumn(3));
  o.rmdq = OptionalColumn(q.getColumn(4));
  o.psfs_avg = OptionalColumn(q.getColumn(5));
  o.client = q.getColumn(6).getString();
  o.recorded_at_ms = q.getColumn(7).getInt64();
  return o;
}

absl::StatusOr<std::vector<SessionOutcome>> Outcomes(SQLite::Database& db,
                                                     const std::string& clinic_id,
                                                     const std::string& ref) {
  SQLite::Statement q(db, kPatientOutcomesSql);
  q.bind(1, clinic_id);
  q.bind(2, ref);
  std::vector<SessionOutcome> out;
  while (q.executeStep()) out.push_back(OutcomeFromRow(q, clinic_id, ref));
  return out;
}

// The columns ActivationFromRow reads, in its order.
constexpr char kActivationColumns[] =
    "seq, clinic_id, condition, sha256, replaced_sha256, author, comment, activated_at_ms";

RuleSetActivation ActivationFromRow(SQLite::Statement& q) {
  RuleSetActivation a;
  a.seq = q.getColumn(0).getInt64();
  a.clinic_id = q.getColumn(1).getString();
  a.condition = q.getColumn(2).getString();
  a.sha256 = q.getColumn(3).getString();
  a.replaced_sha256 = q.getColumn(4).getString();
  a.author = q.getColumn(5).getString();
  a.comment = q.getColumn(6).getString();
  a.activated_at_ms = q.getColumn(7).getInt64();
  return a;
}

// The columns ProfileFromRow reads, in its order.
constexpr char kProfileColumns[] =
    "version, clinic_id, profile_json, sha256, author, comment, set_at_ms";

ClinicProfileRecord ProfileFromRow(SQLite::Statement& q) {
  ClinicProfileRecord p;
  p.version = q.getColumn(0).getInt64();
  p.clinic_id = q.getColumn(1).getString();
  p.profile_json = q.getColumn(2).getString();
  p.sha256 = q.getColumn(3).getString();
  p.author = q.getColumn(4).getString();
  p.comment = q.getColumn(5).getString();
  p.set_at_ms = q.getColumn(6).getInt64();
  return p;
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
                                    const std::string& clinic_id, const std::string& plan_id) {
  SQLite::Statement q(db, std::string("SELECT ") + kPlanColumns +
                              " FROM plans WHERE plan_id = ? AND clinic_id = ?");
  q.bind(1, plan_id);
  q.bind(2, clinic_id);
  if (!q.executeStep()) {
    return NoPlan(plan_id);
  }
  return PlanFromRow(q, codec);
}

absl::StatusOr<PlanPage> ReadPlanPage(SQLite::Database& db, const PlanCodec& codec,
                                      const std::string& clinic_id, const std::string& ref,
                                      int64_t after, size_t size) {
  SQLite::Statement q(db, std::string("SELECT ") + kPlanColumns +
                              ", rowid FROM plans WHERE clinic_id = ? AND patient_ref = ? AND "
                              "rowid > ? ORDER BY rowid LIMIT ?");
  q.bind(1, clinic_id);
  q.bind(2, ref);
  q.bind(3, after);
  q.bind(4, static_cast<int64_t>(size + 1));
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
                                      const std::string& clinic_id, const std::string& ref,
                                      const ProgressPolicy& policy) {
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  ProgressInputs in;
  auto outcomes = Outcomes(db, clinic_id, ref);
  if (!outcomes.ok()) return outcomes.status();
  in.outcomes = *std::move(outcomes);
  SQLite::Statement first(db,
                          "SELECT pain_nprs, pain_days_per_week, baseline_pain_nprs FROM plans "
                          "WHERE clinic_id = ? AND patient_ref = ? ORDER BY rowid LIMIT 1");
  first.bind(1, clinic_id);
  first.bind(2, ref);
  if (first.executeStep()) {
    in.first_plan =
        FindingsBaseline{OptionalColumn(first.getColumn(0)), OptionalColumn(first.getColumn(1)),
                         OptionalColumn(first.getColumn(2))};
  }
  // Newest first: the latest plan's referral, and the course of the latest plan that has one.
  SQLite::Statement latest(
      db,
      "SELECT plan_data, plan_format FROM plans WHERE clinic_id = ? AND patient_ref = ? "
      "ORDER BY rowid DESC");
  latest.bind(1, clinic_id);
  latest.bind(2, ref);
  for (bool newest = true; latest.executeStep() && !in.latest_course; newest = false) {
    auto plan =
        DecodeStoredPlan(codec, latest.getColumn(1).getString(), BlobColumn(latest.getColumn(0)));
    if (!plan.ok()) return WithContext(plan.status(), "a stored plan is unreadable");
    if (newest) in.latest_referral = plan->referral.urgency;
    in.latest_course = plan->course;
  }
  if (!in.first_plan && in.outcomes.empty()) {
    return NothingStoredForPatient(ref);
  }
  return ComputeProgress(ref, in, policy);
}

namespace {

// The SQL of ReadEvidence's three reads, which ExplainEvidence explains. The plans a query
// covers are read once, through plans_clinic_time (?1 the clinic, ?2 and ?3 the time range, ?4
// the rule set when the query names one); their feedback is then read plan by plan through
// feedback_plan (?1 the plan, ?2 the clinic), and their patients' outcomes patient by patient
// through the outcomes' unique index (?1 the clinic, ?2 the patient). Joining plans again in the
// other two reads would read every covered plan's row (a page each) twice more.
struct EvidenceSql {
  std::string plans, feedback, outcomes;
};

EvidenceSql EvidenceStatements(const EvidenceQuery& query) {
  EvidenceSql sql;
  sql.plans =
      "SELECT p.plan_id, p.patient_ref, p.created_at_ms, p.rule_set_sha256, p.plan_data, "
      "p.plan_format FROM plans p WHERE p.clinic_id = ?1 AND p.created_at_ms >= ?2 AND "
      "p.created_at_ms < ?3" +
      std::string(query.rule_set_sha256.empty() ? "" : " AND p.rule_set_sha256 = ?4") +
      " ORDER BY p.created_at_ms, p.rowid";
  sql.feedback =
      "SELECT f.feedback_id, f.step_index, f.decision, f.reason FROM feedback f "
      "WHERE f.plan_id = ?1 AND f.clinic_id = ?2";
  sql.outcomes = kPatientOutcomesSql;
  return sql;
}

void BindCovered(SQLite::Statement& q, const std::string& clinic_id, const EvidenceQuery& query) {
  q.bind(1, clinic_id);
  q.bind(2, query.since_ms);
  q.bind(3, query.until_ms > 0 ? query.until_ms : std::numeric_limits<int64_t>::max());
  if (!query.rule_set_sha256.empty()) q.bind(4, query.rule_set_sha256);
}

// SQLite's plan for `q`, one line per step, each indented two spaces per level under its parent.
std::vector<std::string> QueryPlan(SQLite::Statement& explain) {
  std::map<int64_t, size_t> depth;  // by step id
  std::vector<std::string> lines;
  while (explain.executeStep()) {
    const int64_t id = explain.getColumn(0).getInt64();
    auto parent = depth.find(explain.getColumn(1).getInt64());
    const size_t level = parent == depth.end() ? 0 : parent->second + 1;
    depth[id] = level;
    lines.push_back(std::string(2 * level, ' ') + explain.getColumn(3).getString());
  }
  return lines;
}

// For as long as it lives, lets the connection cache up to `kib` KiB of pages instead of what it
// keeps otherwise (SQLite's default: 2 MiB), then gives that memory back.
class LargerCache {
 public:
  LargerCache(SQLite::Database& db, int64_t kib)
      : db_(db), previous_(db.execAndGet("PRAGMA cache_size").getInt64()) {
    db_.exec("PRAGMA cache_size = " + std::to_string(-kib));
  }
  ~LargerCache() {
    try {
      db_.exec("PRAGMA cache_size = " + std::to_string(previous_));
    } catch (const SQLite::Exception&) {
      // Only a cache size; the connection still reads correctly.
    }
  }
  LargerCache(const LargerCache&) = delete;
  LargerCache& operator=(const LargerCache&) = delete;

 private:
  SQLite::Database& db_;
  const int64_t previous_;
};

// The feedback and outcomes of a clinic's year are read row by row in the order of their plans
// and patients, not of the table: about 30 MB of pages for 50,000 plans, most of them visited
// many times. Within the default cache nearly every row would be read from the file again.
constexpr int64_t kEvidenceCacheKib = 32 * 1024;

}  // namespace

absl::StatusOr<EvidenceInputs> ReadEvidence(SQLite::Database& db, const PlanCodec& codec,
                                            const std::string& clinic_id,
                                            const EvidenceQuery& query) {
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  const EvidenceSql sql = EvidenceStatements(query);
  EvidenceInputs in;
  SQLite::Statement plans(db, sql.plans);
  BindCovered(plans, clinic_id, query);
  while (plans.executeStep()) {
    EvidencePlan e;
    e.plan_id = plans.getColumn(0).getString();
    e.patient_ref = plans.getColumn(1).getString();
    e.created_at_ms = plans.getColumn(2).getInt64();
    e.rule_set_sha256 = plans.getColumn(3).getString();
    // Only the steps and the course: the codec may skip the rest of the plan.
    if (absl::Status s = DecodeStoredEvidence(codec, plans.getColumn(5).getString(),
                                              BlobColumn(plans.getColumn(4)), &e);
        !s.ok()) {
      return WithContext(s, "plan '" + e.plan_id + "' is unreadable");
    }
    in.plans.push_back(std::move(e));
  }

  const LargerCache cache(db, kEvidenceCacheKib);
  // Each covered plan's feedback, then all of it in the order it was recorded (feedback_id).
  std::vector<EvidenceFeedback> recorded;
  std::vector<std::pair<int64_t, size_t>> order;  // feedback_id, index in `recorded`
  SQLite::Statement feedback(db, sql.feedback);
  feedback.bind(2, clinic_id);
  for (const EvidencePlan& plan : in.plans) {
    feedback.bindNoCopy(1, plan.plan_id);
    while (feedback.executeStep()) {
      order.emplace_back(feedback.getColumn(0).getInt64(), recorded.size());
      recorded.push_back(EvidenceFeedback{plan.plan_id,
                                          static_cast<uint32_t>(feedback.getColumn(1).getInt64()),
                                          StepDecisionFromName(feedback.getColumn(2).getString()),
                                          feedback.getColumn(3).getString()});
    }
    feedback.reset();
  }
  std::sort(order.begin(), order.end());
  in.feedback.reserve(recorded.size());
  for (const auto& [id, index] : order) in.feedback.push_back(std::move(recorded[index]));

  // Every outcome of the covered plans' patients, by patient (in the order of their references,
  // as SQLite compares text) and session.
  std::vector<const std::string*> patients;
  patients.reserve(in.plans.size());
  for (const EvidencePlan& plan : in.plans) patients.push_back(&plan.patient_ref);
  auto by_ref = [](const std::string* a, const std::string* b) { return *a < *b; };
  auto same_ref = [](const std::string* a, const std::string* b) { return *a == *b; };
  std::sort(patients.begin(), patients.end(), by_ref);
  patients.erase(std::unique(patients.begin(), patients.end(), same_ref), patients.end());
  SQLite::Statement outcomes(db, sql.outcomes);
  outcomes.bind(1, clinic_id);
  for (const std::string* patient : patients) {
    outcomes.bindNoCopy(2, *patient);
    while (outcomes.executeStep()) {
      in.outcomes.push_back(OutcomeFromRow(outcomes, clinic_id, *patient));
    }
    outcomes.reset();
  }
  return in;
}

absl::StatusOr<EvidenceQueryPlans> ExplainEvidence(SQLite::Database& db,
                                                   const std::string& clinic_id,
                                                   const EvidenceQuery& query) {
  const EvidenceSql sql = EvidenceStatements(query);
  EvidenceQueryPlans out;
  SQLite::Statement plans(db, "EXPLAIN QUERY PLAN " + sql.plans);
  BindCovered(plans, clinic_id, query);
  out.plans = QueryPlan(plans);
  // The other two run once per plan and once per patient; the plan is the same each time.
  SQLite::Statement feedback(db, "EXPLAIN QUERY PLAN " + sql.feedback);
  feedback.bind(1, "");
  feedback.bind(2, clinic_id);
  out.feedback = QueryPlan(feedback);
  SQLite::Statement outcomes(db, "EXPLAIN QUERY PLAN " + sql.outcomes);
  outcomes.bind(1, clinic_id);
  outcomes.bind(2, "");
  out.outcomes = QueryPlan(outcomes);
  return out;
}

namespace {

// A clinic's newest plans that kept their question, newest first, the later stored first among
// those of one millisecond: through plans_replay, which holds only those plans, already in that
// order (an index's rows end in the table's rowid). ?1 the clinic, ?2 how many.
constexpr char kRecentReplayInputsSql[] =
    "SELECT plan_id, patient_ref, created_at_ms, rule_set_sha256, replay_input, replay_format "
    "FROM plans WHERE clinic_id = ?1 AND replay_input IS NOT NULL "
    "ORDER BY created_at_ms DESC, rowid DESC LIMIT ?2";

void BindRecent(SQLite::Statement& q, const std::string& clinic_id, size_t limit) {
  q.bind(1, clinic_id);
  q.bind(2, static_cast<int64_t>(
                std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max()))));
}

}  // namespace

absl::StatusOr<std::vector<PlanReplayInput>> ReadRecentReplayInputs(SQLite::Database& db,
                                                                    const std::string& clinic_id,
                                                                    size_t limit) {
  SQLite::Statement q(db, kRecentReplayInputsSql);
  BindRecent(q, clinic_id, limit);
  std::vector<PlanReplayInput> out;
  while (q.executeStep()) {
    PlanReplayInput r;
    r.plan_id = q.getColumn(0).getString();
    r.patient_ref = q.getColumn(1).getString();
    r.created_at_ms = q.getColumn(2).getInt64();
    r.rule_set_sha256 = q.getColumn(3).getString();
    r.replay_input = std::string(BlobColumn(q.getColumn(4)));
    r.replay_format = TextColumn(q.getColumn(5));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ExplainRecentReplayInputs(SQLite::Database& db,
                                                                   const std::string& clinic_id,
                                                                   size_t limit) {
  SQLite::Statement q(db, std::string("EXPLAIN QUERY PLAN ") + kRecentReplayInputsSql);
  BindRecent(q, clinic_id, limit);
  return QueryPlan(q);
}

absl::StatusOr<PatientRecord> ReadPatient(SQLite::Database& db, const PlanCodec& codec,
                                          const std::string& clinic_id, const std::string& ref) {
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  PatientRecord out;
  out.clinic_id = clinic_id;
  out.patient_ref = ref;
  SQLite::Statement plans(db, std::string("SELECT ") + kPlanColumns +
                                  " FROM plans WHERE clinic_id = ? AND patient_ref = ? "
                                  "ORDER BY rowid");
  plans.bind(1, clinic_id);
  plans.bind(2, ref);
  while (plans.executeStep()) {
    auto plan = PlanFromRow(plans, codec);
    if (!plan.ok()) return plan.status();
    out.plans.push_back(*std::move(plan));
  }
  SQLite::Statement feedback(
      db,
      "SELECT f.plan_id, f.step_index, f.decision, f.reason, f.client, f.recorded_at_ms "
      "FROM feedback f JOIN plans p ON p.plan_id = f.plan_id "
      "WHERE p.clinic_id = ? AND f.clinic_id = ? AND p.patient_ref = ? ORDER BY f.feedback_id");
  feedback.bind(1, clinic_id);
  feedback.bind(2, clinic_id);
  feedback.bind(3, ref);
  while (feedback.executeStep()) {
    StepFeedback f;
    f.clinic_id = clinic_id;
    f.plan_id = feedback.getColumn(0).getString();
    f.step_index = static_cast<uint32_t>(feedback.getColumn(1).getInt64());
    f.decision = StepDecisionFromName(feedback.getColumn(2).getString());
    f.reason = feedback.getColumn(3).getString();
    f.client = feedback.getColumn(4).getString();
    f.recorded_at_ms = feedback.getColumn(5).getInt64();
    out.feedback.push_back(std::move(f));
  }
  auto outcomes = Outcomes(db, clinic_id, ref);
  if (!outcomes.ok()) return outcomes.status();
  out.outcomes = *std::move(outcomes);
  SQLite::Statement audit(
      db,
      "SELECT a.seq, a.at_ms, a.kind, a.plan_id, a.record_json FROM audit a "
      "JOIN plans p ON p.plan_id = a.plan_id "
      "WHERE p.clinic_id = ? AND a.clinic_id = ? AND p.patient_ref = ? ORDER BY a.seq");
  audit.bind(1, clinic_id);
  audit.bind(2, clinic_id);
  audit.bind(3, ref);
  while (audit.executeStep()) {
    out.audit.push_back(AuditEntry{audit.getColumn(0).getInt64(), audit.getColumn(1).getInt64(),
                                   audit.getColumn(2).getString(), TextColumn(audit.getColumn(3)),
                                   TextColumn(audit.getColumn(4))});
  }
  if (out.plans.empty() && out.outcomes.empty()) {
    return NothingStoredForPatient(ref);
  }
  return out;
}

absl::StatusOr<std::vector<ClinicRecord>> ReadClinics(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT clinic_id, name, created_at_ms FROM clinics ORDER BY clinic_id");
  std::vector<ClinicRecord> out;
  while (q.executeStep()) {
    out.push_back(ClinicRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                               q.getColumn(2).getInt64()});
  }
  return out;
}

absl::StatusOr<std::vector<PublishedRuleSet>> ReadPublishedRuleSets(SQLite::Database& db,
                                                                    const std::string& clinic_id) {
  SQLite::Statement q(db,
                      "SELECT r.sha256, r.id, r.version, p.owner, p.author, p.comment, "
                      "p.published_at_ms FROM published_rule_sets p "
                      "JOIN rule_sets r ON r.sha256 = p.sha256 WHERE p.owner IN (?, '') "
                      "ORDER BY p.published_at_ms DESC, p.rowid DESC");
  q.bind(1, clinic_id);
  std::vector<PublishedRuleSet> out;
  while (q.executeStep()) {
    PublishedRuleSet p;
    p.rule_set.sha256 = q.getColumn(0).getString();
    p.rule_set.id = q.getColumn(1).getString();
    p.rule_set.version = q.getColumn(2).getString();
    p.owner = q.getColumn(3).getString();
    p.author = q.getColumn(4).getString();
    p.comment = q.getColumn(5).getString();
    p.published_at_ms = q.getColumn(6).getInt64();
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<RuleSetRecord> ReadPublishedRuleSet(SQLite::Database& db,
                                                   const std::string& clinic_id,
                                                   const std::string& sha256) {
  SQLite::Statement q(db,
                      "SELECT r.sha256, r.id, r.version, r.canonical_source FROM rule_sets r "
                      "WHERE r.sha256 = ? AND r.canonical_source IS NOT NULL AND EXISTS "
                      "(SELECT 1 FROM published_rule_sets p WHERE p.sha256 = r.sha256 "
                      "AND p.owner IN (?, ''))");
  q.bind(1, sha256);
  q.bind(2, clinic_id);
  if (!q.executeStep()) return NoPublishedRuleSet(clinic_id, sha256);
  return RuleSetRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                       q.getColumn(2).getString(),
                       std::make_shared<const std::string>(q.getColumn(3).getString())};
}

absl::StatusOr<std::vector<RuleSetActivation>> ReadActivations(SQLite::Database& db,
                                                               const std::string& clinic_id) {
  static const std::string kSql = std::string("SELECT ") + kActivationColumns +
                                  " FROM activations WHERE clinic_id = ? ORDER BY seq DESC";
  SQLite::Statement q(db, kSql);
  q.bind(1, clinic_id);
  std::vector<RuleSetActivation> out;
  while (q.executeStep()) out.push_back(ActivationFromRow(q));
  return out;
}

absl::StatusOr<std::vector<RuleSetActivation>> ReadLiveActivations(SQLite::Database& db) {
  static const std::string kSql =
      std::string("SELECT ") + kActivationColumns +
      " FROM activations a WHERE seq = (SELECT max(seq) FROM activations b "
      "WHERE b.clinic_id = a.clinic_id AND b.condition = a.condition) "
      "ORDER BY clinic_id, condition";
  SQLite::Statement q(db, kSql);
  std::vector<RuleSetActivation> out;
  while (q.executeStep()) out.push_back(ActivationFromRow(q));
  return out;
}

absl::StatusOr<std::optional<ClinicProfileRecord>> ReadClinicProfile(SQLite::Database& db,
                                                                     const std::string& clinic_id) {
  static const std::string kSql = std::string("SELECT ") + kProfileColumns +
                                  " FROM clinic_profiles WHERE clinic_id = ? "
                                  "ORDER BY version DESC LIMIT 1";
  SQLite::Statement q(db, kSql);
  q.bind(1, clinic_id);
  if (!q.executeStep()) return std::optional<ClinicProfileRecord>();
  return std::optional<ClinicProfileRecord>(ProfileFromRow(q));
}

absl::StatusOr<std::vector<ClinicProfileRecord>> ReadClinicProfileVersions(
    SQLite::Database& db, const std::string& clinic_id) {
  static const std::string kSql = std::string("SELECT ") + kProfileColumns +
                                  " FROM clinic_profiles WHERE clinic_id = ? ORDER BY version DESC";
  SQLite::Statement q(db, kSql);
  q.bind(1, clinic_id);
  std::vector<ClinicProfileRecord> out;
  while (q.executeStep()) out.push_back(ProfileFromRow(q));
  return out;
}

absl::StatusOr<std::vector<ClinicProfileRecord>> ReadLiveClinicProfiles(SQLite::Database& db) {
  static const std::string kSql =
      std::string("SELECT ") + kProfileColumns +
      " FROM clinic_profiles p WHERE version = (SELECT max(version) FROM clinic_profiles q "
      "WHERE q.clinic_id = p.clinic_id) ORDER BY clinic_id";
  SQLite::Statement q(db, kSql);
  std::vector<ClinicProfileRecord> out;
  while (q.executeStep()) out.push_back(ProfileFromRow(q));
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
  {
    // ADD COLUMN could not declare these as foreign keys (schema version 5).
    SQLite::Statement orphans(
        db,
        "SELECT 'plans', clinic_id, count(*) FROM plans WHERE clinic_id NOT IN "
        "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
        "SELECT 'feedback', clinic_id, count(*) FROM feedback WHERE clinic_id NOT IN "
        "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
        "SELECT 'outcomes', clinic_id, count(*) FROM outcomes WHERE clinic_id NOT IN "
        "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
        "SELECT 'audit', clinic_id, count(*) FROM audit WHERE clinic_id NOT IN "
        "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
        // A publication's owner is a clinic or '' (the platform): no foreign key (schema
        // version 6).
        "SELECT 'published_rule_sets', owner, count(*) FROM published_rule_sets "
        "WHERE owner <> '' AND owner NOT IN (SELECT clinic_id FROM clinics) GROUP BY owner");
    while (orphans.executeStep()) {
      report.problems.push_back(orphans.getColumn(2).getString() + " row(s) of " +
                                orphans.getColumn(0).getString() + " name the clinic '" +
                                orphans.getColumn(1).getString() + "', which does not exist");
    }
    // Feedback belongs to its plan's clinic.
    SQLite::Statement crossed(db,
                              "SELECT f.feedback_id FROM feedback f JOIN plans p "
                              "ON p.plan_id = f.plan_id WHERE f.clinic_id <> p.clinic_id");
    while (crossed.executeStep()) {
      report.problems.push_back("feedback " + crossed.getColumn(0).getString() +
                                " is recorded for another clinic than its plan's");
    }
  }
  SQLite::Statement walk(db,
                         "SELECT seq, record_json, content_hash, prev_hash, hash, clinic_id "
                         "FROM audit ORDER BY clinic_id, seq");
  AuditChainCheck chains(&report);
  while (walk.executeStep()) {
    chains.Add(AuditRow{walk.getColumn(5).getString(), walk.getColumn(0).getInt64(),
                        walk.getColumn(1).isNull()
                            ? std::nullopt
                            : std::optional<std::string>(walk.getColumn(1).getString()),
                        walk.getColumn(2).getString(), walk.getColumn(3).getString(),
                        walk.getColumn(4).getString()});
  }
  return report;
}

}  // namespace modalis::store_sqlite
