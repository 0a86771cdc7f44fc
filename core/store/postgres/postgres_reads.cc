#include "core/store/postgres/postgres_reads.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <pqxx/pqxx>
#include <utility>

#include "core/store/audit_record.h"
#include "core/store/postgres/postgres_rows.h"
#include "core/store/store_refusals.h"
#include "core/store/store_status.h"

namespace modalis::store_postgres {
namespace {

constexpr char kOutcomeColumns[] =
    "o.session_number, o.pain_nprs, o.pain_days_per_week, o.odi_percent, o.rmdq, o.psfs_avg, "
    "o.client, o.recorded_at_ms, o.patient_ref";

SessionOutcome OutcomeFromRow(const pqxx::row& r, const std::string& clinic_id) {
  SessionOutcome o;
  o.clinic_id = clinic_id;
  o.session_number = r[0].as<uint32_t>();
  o.pain_nprs = r[1].as<double>();
  o.pain_days_per_week = r[2].as<double>();
  o.odi_percent = OptionalField(r[3]);
  o.rmdq = OptionalField(r[4]);
  o.psfs_avg = OptionalField(r[5]);
  o.client = r[6].as<std::string>();
  o.recorded_at_ms = r[7].as<int64_t>();
  o.patient_ref = r[8].as<std::string>();
  return o;
}

std::vector<SessionOutcome> Outcomes(Tx& tx, const std::string& clinic_id, const std::string& ref) {
  std::vector<SessionOutcome> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kOutcomeColumns +
                                          " FROM outcomes o WHERE o.clinic_id = $1 AND "
                                          "o.patient_ref = $2 ORDER BY o.session_number",
                                      clinic_id, ref)) {
    out.push_back(OutcomeFromRow(r, clinic_id));
  }
  return out;
}

constexpr char kActivationColumns[] =
    "seq, clinic_id, condition, sha256, replaced_sha256, author, comment, activated_at_ms";

RuleSetActivation ActivationFromRow(const pqxx::row& r) {
  RuleSetActivation a;
  a.seq = r[0].as<int64_t>();
  a.clinic_id = r[1].as<std::string>();
  a.condition = r[2].as<std::string>();
  a.sha256 = r[3].as<std::string>();
  a.replaced_sha256 = r[4].as<std::string>();
  a.author = r[5].as<std::string>();
  a.comment = r[6].as<std::string>();
  a.activated_at_ms = r[7].as<int64_t>();
  return a;
}

constexpr char kProfileColumns[] =
    "clinic_id, version, profile_json, sha256, author, comment, set_at_ms";

ClinicProfileRecord ProfileFromRow(const pqxx::row& r) {
  ClinicProfileRecord p;
  p.clinic_id = r[0].as<std::string>();
  p.version = r[1].as<int64_t>();
  p.profile_json = r[2].as<std::string>();
  p.sha256 = r[3].as<std::string>();
  p.author = r[4].as<std::string>();
  p.comment = r[5].as<std::string>();
  p.set_at_ms = r[6].as<int64_t>();
  return p;
}

RuleSetRecord RuleSetFromRow(const pqxx::row& r) {
  return RuleSetRecord{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                       std::make_shared<const std::string>(r[3].as<std::string>())};
}

std::string_view View(const pqxx::binarystring& bytes) {
  return std::string_view(bytes.get(), bytes.size());
}

}  // namespace

absl::StatusOr<std::optional<RuleSetRecord>> ReadLastServedRuleSet(Tx& tx) {
  const pqxx::result q = tx.exec(
      "SELECT r.sha256, r.id, r.version, r.canonical_source FROM served_rule_sets s "
      "JOIN rule_sets r ON r.sha256 = s.sha256 WHERE r.canonical_source IS NOT NULL "
      "ORDER BY s.seq DESC LIMIT 1");
  if (q.empty()) return std::optional<RuleSetRecord>();
  return std::optional<RuleSetRecord>(RuleSetFromRow(q[0]));
}

absl::StatusOr<StoredPlan> ReadPlan(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                    const std::string& plan_id) {
  const pqxx::result q = tx.exec_params(
      std::string("SELECT ") + kPlanColumns + " FROM plans WHERE plan_id = $1 AND clinic_id = $2",
      plan_id, clinic_id);
  if (q.empty()) return NoPlan(plan_id);
  return PlanFromRow(q[0], codec);
}

absl::StatusOr<PlanPage> ReadPlanPage(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                      const std::string& ref, int64_t after, size_t size) {
  const pqxx::result q =
      tx.exec_params(std::string("SELECT ") + kPlanColumns +
                         ", seq FROM plans WHERE clinic_id = $1 AND patient_ref = $2 AND seq > $3 "
                         "ORDER BY seq LIMIT $4",
                     clinic_id, ref, after, static_cast<int64_t>(size + 1));
  PlanPage page;
  int64_t last = 0;
  for (const auto& row : q) {
    if (page.plans.size() == size) {
      page.next_page_token = std::to_string(last);
      break;
    }
    auto plan = PlanFromRow(row, codec);
    if (!plan.ok()) return plan.status();
    page.plans.push_back(*std::move(plan));
    last = row[kPlanColumnCount].as<int64_t>();
  }
  return page;
}

absl::StatusOr<std::vector<PlanReplayInput>> ReadRecentReplayInputs(Tx& tx,
                                                                    const std::string& clinic_id,
                                                                    size_t limit) {
  const int64_t most =
      static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max()));
  std::vector<PlanReplayInput> out;
  // Through plans_replay, which holds only the plans that kept one, in this order.
  for (const auto& row :
       tx.exec_params("SELECT plan_id, patient_ref, created_at_ms, rule_set_sha256, replay_input, "
                      "replay_format FROM plans WHERE clinic_id = $1 AND replay_input IS NOT NULL "
                      "ORDER BY created_at_ms DESC, seq DESC LIMIT $2",
                      clinic_id, most)) {
    PlanReplayInput r;
    r.plan_id = row[0].as<std::string>();
    r.patient_ref = row[1].as<std::string>();
    r.created_at_ms = row[2].as<int64_t>();
    r.rule_set_sha256 = row[3].as<std::string>();
    r.replay_input = BytesField(row[4]);
    r.replay_format = TextField(row[5]);
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<Progress> ReadProgress(Tx& tx, const PlanCodec& codec, const std::string& clinic_id,
                                      const std::string& ref, const ProgressPolicy& policy) {
  ProgressInputs in;
  in.outcomes = Outcomes(tx, clinic_id, ref);
  const pqxx::result first = tx.exec_params(
      "SELECT pain_nprs, pain_days_per_week, baseline_pain_nprs FROM plans "
      "WHERE clinic_id = $1 AND patient_ref = $2 ORDER BY seq LIMIT 1",
      clinic_id, ref);
  if (!first.empty()) {
    in.first_plan = FindingsBaseline{OptionalField(first[0][0]), OptionalField(first[0][1]),
                                     OptionalField(first[0][2])};
  }
  // Newest first: the latest plan's referral, and the course of the latest plan that has one.
  const pqxx::result latest = tx.exec_params(
      "SELECT plan_data, plan_format FROM plans WHERE clinic_id = $1 AND patient_ref = $2 "
      "ORDER BY seq DESC",
      clinic_id, ref);
  bool newest = true;
  for (const auto& row : latest) {
    if (in.latest_course) break;
    const pqxx::binarystring data(row[0]);
    auto plan = DecodeStoredPlan(codec, row[1].as<std::string>(), View(data));
    if (!plan.ok()) return WithContext(plan.status(), "a stored plan is unreadable");
    if (newest) in.latest_referral = plan->referral.urgency;
    in.latest_course = plan->course;
    newest = false;
  }
  if (!in.first_plan && in.outcomes.empty()) {
    return NothingStoredForPatient(ref);
  }
  return ComputeProgress(ref, in, policy);
}

absl::StatusOr<EvidenceInputs> ReadEvidence(Tx& tx, const PlanCodec& codec,
                                            const std::string& clinic_id,
                                            const EvidenceQuery& query) {
  // The plans the query covers, as a condition on `p` with parameters $1..$4.
  const std::string covered =
      "p.clinic_id = $1 AND p.created_at_ms >= $2 AND p.created_at_ms < $3" +
      std::string(query.rule_set_sha256.empty() ? " AND $4 = ''" : " AND p.rule_set_sha256 = $4");
  const int64_t until = query.until_ms > 0 ? query.until_ms : std::numeric_limits<int64_t>::max();
  EvidenceInputs in;
  for (const auto& row : tx.exec_params(
           "SELECT p.plan_id, p.patient_ref, p.created_at_ms, p.rule_set_sha256, p.plan_data, "
           "p.plan_format FROM plans p WHERE " +
               covered + " ORDER BY p.created_at_ms, p.seq",
           clinic_id, query.since_ms, until, query.rule_set_sha256)) {
    EvidencePlan e;
    e.plan_id = row[0].as<std::string>();
    e.patient_ref = row[1].as<std::string>();
    e.created_at_ms = row[2].as<int64_t>();
    e.rule_set_sha256 = row[3].as<std::string>();
    const pqxx::binarystring data(row[4]);
    if (absl::Status s = DecodeStoredEvidence(codec, row[5].as<std::string>(), View(data), &e);
        !s.ok()) {
      return WithContext(s, "plan '" + e.plan_id + "' is unreadable");
    }
    in.plans.push_back(std::move(e));
  }
  // In the order it was recorded.
  for (const auto& row :
       tx.exec_params("SELECT f.plan_id, f.step_index, f.decision, f.reason FROM feedback f "
                      "JOIN plans p ON p.plan_id = f.plan_id WHERE f.clinic_id = $1 AND " +
                          covered + " ORDER BY f.feedback_id",
                      clinic_id, query.since_ms, until, query.rule_set_sha256)) {
    in.feedback.push_back(EvidenceFeedback{row[0].as<std::string>(), row[1].as<uint32_t>(),
                                           StepDecisionFromName(row[2].as<std::string>()),
                                           row[3].as<std::string>()});
  }
  // Every outcome of the covered plans' patients, by patient (byte order) and session.
  for (const auto& row :
       tx.exec_params(std::string("SELECT ") + kOutcomeColumns +
                          " FROM outcomes o WHERE o.clinic_id = $1 AND o.patient_ref IN (SELECT "
                          "p.patient_ref FROM plans p WHERE " +
                          covered + ") ORDER BY o.patient_ref, o.session_number",
                      clinic_id, query.since_ms, until, query.rule_set_sha256)) {
    in.outcomes.push_back(OutcomeFromRow(row, clinic_id));
  }
  return in;
}

absl::StatusOr<PatientRecord> ReadPatient(Tx& tx, const PlanCodec& codec,
                                          const std::string& clinic_id, const std::string& ref) {
  PatientRecord out;
  out.clinic_id = clinic_id;
  out.patient_ref = ref;
  for (const auto& row : tx.exec_params(std::string("SELECT ") + kPlanColumns +
                                            " FROM plans WHERE clinic_id = $1 AND "
                                            "patient_ref = $2 ORDER BY seq",
                                        clinic_id, ref)) {
    auto plan = PlanFromRow(row, codec);
    if (!plan.ok()) return plan.status();
    out.plans.push_back(*std::move(plan));
  }
  for (const auto& row : tx.exec_params(
           "SELECT f.plan_id, f.step_index, f.decision, f.reason, f.client, f.recorded_at_ms "
           "FROM feedback f JOIN plans p ON p.plan_id = f.plan_id "
           "WHERE p.clinic_id = $1 AND f.clinic_id = $1 AND p.patient_ref = $2 "
           "ORDER BY f.feedback_id",
           clinic_id, ref)) {
    StepFeedback f;
    f.clinic_id = clinic_id;
    f.plan_id = row[0].as<std::string>();
    f.step_index = row[1].as<uint32_t>();
    f.decision = StepDecisionFromName(row[2].as<std::string>());
    f.reason = row[3].as<std::string>();
    f.client = row[4].as<std::string>();
    f.recorded_at_ms = row[5].as<int64_t>();
    out.feedback.push_back(std::move(f));
  }
  out.outcomes = Outcomes(tx, clinic_id, ref);
  for (const auto& row : tx.exec_params(
           "SELECT a.seq, a.at_ms, a.kind, a.plan_id, a.record_json FROM audit a "
           "JOIN plans p ON p.plan_id = a.plan_id "
           "WHERE p.clinic_id = $1 AND a.clinic_id = $1 AND p.patient_ref = $2 ORDER BY a.seq",
           clinic_id, ref)) {
    out.audit.push_back(AuditEntry{row[0].as<int64_t>(), row[1].as<int64_t>(),
                                   row[2].as<std::string>(), TextField(row[3]), TextField(row[4])});
  }
  if (out.plans.empty() && out.outcomes.empty()) {
    return NothingStoredForPatient(ref);
  }
  return out;
}

absl::StatusOr<std::vector<ClinicRecord>> ReadClinics(Tx& tx) {
  std::vector<ClinicRecord> out;
  for (const auto& r :
       tx.exec("SELECT clinic_id, name, created_at_ms FROM clinics ORDER BY clinic_id")) {
    out.push_back(ClinicRecord{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>()});
  }
  return out;
}

absl::StatusOr<std::vector<PublishedRuleSet>> ReadPublishedRuleSets(Tx& tx,
                                                                    const std::string& clinic_id) {
  std::vector<PublishedRuleSet> out;
  for (const auto& r : tx.exec_params(
           "SELECT r.sha256, r.id, r.version, p.owner, p.author, p.comment, p.published_at_ms "
           "FROM published_rule_sets p JOIN rule_sets r ON r.sha256 = p.sha256 "
           "WHERE p.owner IN ($1, '') ORDER BY p.published_at_ms DESC, p.seq DESC",
           clinic_id)) {
    PublishedRuleSet p;
    p.rule_set.sha256 = r[0].as<std::string>();
    p.rule_set.id = r[1].as<std::string>();
    p.rule_set.version = r[2].as<std::string>();
    p.owner = r[3].as<std::string>();
    p.author = r[4].as<std::string>();
    p.comment = r[5].as<std::string>();
    p.published_at_ms = r[6].as<int64_t>();
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<RuleSetRecord> ReadPublishedRuleSet(Tx& tx, const std::string& clinic_id,
                                                   const std::string& sha256) {
  const pqxx::result q = tx.exec_params(
      "SELECT r.sha256, r.id, r.version, r.canonical_source FROM rule_sets r "
      "WHERE r.sha256 = $1 AND r.canonical_source IS NOT NULL AND EXISTS "
      "(SELECT 1 FROM published_rule_sets p WHERE p.sha256 = r.sha256 AND p.owner IN ($2, ''))",
      sha256, clinic_id);
  if (q.empty()) return NoPublishedRuleSet(clinic_id, sha256);
  return RuleSetFromRow(q[0]);
}

absl::StatusOr<std::vector<RuleSetActivation>> ReadActivations(Tx& tx,
                                                               const std::string& clinic_id) {
  std::vector<RuleSetActivation> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kActivationColumns +
                                          " FROM activations WHERE clinic_id = $1 "
                                          "ORDER BY seq DESC",
                                      clinic_id)) {
    out.push_back(ActivationFromRow(r));
  }
  return out;
}

absl::StatusOr<std::vector<RuleSetActivation>> ReadLiveActivations(Tx& tx) {
  std::vector<RuleSetActivation> out;
  for (const auto& r :
       tx.exec(std::string("SELECT DISTINCT ON (clinic_id, condition) ") + kActivationColumns +
               " FROM activations ORDER BY clinic_id, condition, seq DESC")) {
    out.push_back(ActivationFromRow(r));
  }
  return out;
}

absl::StatusOr<std::optional<ClinicProfileRecord>> ReadClinicProfile(Tx& tx,
                                                                     const std::string& clinic_id) {
  const pqxx::result q = tx.exec_params(std::string("SELECT ") + kProfileColumns +
                                            " FROM clinic_profiles WHERE clinic_id = $1 "
                                            "ORDER BY version DESC LIMIT 1",
                                        clinic_id);
  if (q.empty()) return std::optional<ClinicProfileRecord>();
  return std::optional<ClinicProfileRecord>(ProfileFromRow(q[0]));
}

absl::StatusOr<std::vector<ClinicProfileRecord>> ReadClinicProfileVersions(
    Tx& tx, const std::string& clinic_id) {
  std::vector<ClinicProfileRecord> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kProfileColumns +
                                          " FROM clinic_profiles WHERE clinic_id = $1 "
                                          "ORDER BY version DESC",
                                      clinic_id)) {
    out.push_back(ProfileFromRow(r));
  }
  return out;
}

absl::StatusOr<std::vector<ClinicProfileRecord>> ReadLiveClinicProfiles(Tx& tx) {
  std::vector<ClinicProfileRecord> out;
  for (const auto& r : tx.exec(std::string("SELECT DISTINCT ON (clinic_id) ") + kProfileColumns +
                               " FROM clinic_profiles ORDER BY clinic_id, version DESC")) {
    out.push_back(ProfileFromRow(r));
  }
  return out;
}

absl::StatusOr<std::vector<ReplicaServing>> ReadReplicaServing(Tx& tx,
                                                               const std::string& clinic_id) {
  std::vector<ReplicaServing> out;
  for (const auto& r :
       tx.exec_params("SELECT replica_id, clinic_id, condition, sha256, error, reported_at_ms FROM "
                      "replica_serving WHERE $1 = '' OR clinic_id = $1 "
                      "ORDER BY clinic_id, condition, replica_id",
                      clinic_id)) {
    out.push_back(ReplicaServing{r[0].as<std::string>(), r[1].as<std::string>(),
                                 r[2].as<std::string>(), r[3].as<std::string>(),
                                 r[4].as<std::string>(), r[5].as<int64_t>()});
  }
  return out;
}

absl::StatusOr<IntegrityReport> VerifyDatabase(Tx& tx) {
  IntegrityReport report;
  // The foreign keys keep these from happening through Modalis; a superuser can still bypass them
  // (session_replication_role), and a restore can load rows without them. Worded as SQLite's
  // checks.
  for (const auto& r : tx.exec(
           "SELECT 'plans', clinic_id, count(*) FROM plans WHERE clinic_id NOT IN "
           "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
           "SELECT 'feedback', clinic_id, count(*) FROM feedback WHERE clinic_id NOT IN "
           "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
           "SELECT 'outcomes', clinic_id, count(*) FROM outcomes WHERE clinic_id NOT IN "
           "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
           "SELECT 'audit', clinic_id, count(*) FROM audit WHERE clinic_id NOT IN "
           "(SELECT clinic_id FROM clinics) GROUP BY clinic_id UNION ALL "
           // A publication's owner is a clinic or '' (the platform): no foreign key.
           "SELECT 'published_rule_sets', owner, count(*) FROM published_rule_sets "
           "WHERE owner <> '' AND owner NOT IN (SELECT clinic_id FROM clinics) GROUP BY owner")) {
    report.problems.push_back(r[2].as<std::string>() + " row(s) of " + r[0].as<std::string>() +
                              " name the clinic '" + r[1].as<std::string>() +
                              "', which does not exist");
  }
  for (const auto& r : tx.exec(
           "SELECT 'clinic_profiles', clinic_id || '/' || version, 'clinics' FROM clinic_profiles "
           "WHERE clinic_id NOT IN (SELECT clinic_id FROM clinics) UNION ALL "
           "SELECT 'activations', seq::text, 'clinics' FROM activations "
           "WHERE clinic_id NOT IN (SELECT clinic_id FROM clinics) UNION ALL "
           "SELECT 'activations', seq::text, 'rule_sets' FROM activations "
           "WHERE sha256 NOT IN (SELECT sha256 FROM rule_sets) UNION ALL "
           "SELECT 'plans', plan_id, 'rule_sets' FROM plans "
           "WHERE rule_set_sha256 NOT IN (SELECT sha256 FROM rule_sets) UNION ALL "
           "SELECT 'published_rule_sets', sha256 || '/' || owner, 'rule_sets' FROM "
           "published_rule_sets WHERE sha256 NOT IN (SELECT sha256 FROM rule_sets) UNION ALL "
           "SELECT 'served_rule_sets', seq::text, 'rule_sets' FROM served_rule_sets "
           "WHERE sha256 NOT IN (SELECT sha256 FROM rule_sets) UNION ALL "
           "SELECT 'feedback', feedback_id::text, 'plans' FROM feedback "
           "WHERE plan_id NOT IN (SELECT plan_id FROM plans)")) {
    report.problems.push_back("foreign key: row " + r[1].as<std::string>() + " of " +
                              r[0].as<std::string>() + " references a missing " +
                              r[2].as<std::string>() + " row");
  }
  for (const auto& r : tx.exec("SELECT f.feedback_id FROM feedback f JOIN plans p ON "
                               "p.plan_id = f.plan_id WHERE f.clinic_id <> p.clinic_id "
                               "ORDER BY f.feedback_id")) {
    report.problems.push_back("feedback " + r[0].as<std::string>() +
                              " is recorded for another clinic than its plan's");
  }
  AuditChainCheck chains(&report);
  for (const auto& r : tx.exec("SELECT clinic_id, seq, record_json, content_hash, prev_hash, "
                               "hash FROM audit ORDER BY clinic_id, seq")) {
    chains.Add(
        AuditRow{r[0].as<std::string>(), r[1].as<int64_t>(),
                 r[2].is_null() ? std::nullopt : std::optional<std::string>(r[2].as<std::string>()),
                 r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>()});
  }
  return report;
}

}  // namespace modalis::store_postgres
