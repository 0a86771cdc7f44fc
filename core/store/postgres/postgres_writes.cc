// The store's writes as SQL, and the audit chain they append to.
#include "core/store/postgres/postgres_writes.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <vector>

#include "core/common/sha256.h"
#include "core/store/audit_record.h"
#include "core/store/postgres/postgres_rows.h"
#include "core/store/store_refusals.h"
#include "core/store/store_status.h"

namespace modalis::store_postgres {
namespace {

// Where the stored plan's columns begin in a row of "plan_check".
constexpr int kPlanCheckFirstPlanColumn = 3;

// Appends one record to the clinic's audit chain. The batch holds the clinic's advisory lock, so
// no other replica reads the same head before this record is committed; were that ever broken,
// the unique (clinic_id, prev_hash) would refuse the second record instead of forking the chain.
void AppendAudit(pqxx::transaction_base& tx, const std::string& clinic_id, int64_t at_ms,
                 const char* kind, const std::string& plan_id, const std::string& record_json) {
  const pqxx::result head = tx.exec_prepared("audit_head", clinic_id);
  const std::string prev = head.empty() ? kGenesisHash : head[0][0].as<std::string>();
  const std::string content_hash = Sha256Hex(record_json);
  const std::string hash = Sha256Hex(prev + content_hash);
  tx.exec_prepared0("audit_append", at_ms, kind, TextOrNull(plan_id), record_json, content_hash,
                    prev, hash, clinic_id);
}

// Clinics are created by an operator, never by a write that names one.
absl::Status RequireClinic(pqxx::transaction_base& tx, const std::string& clinic_id) {
  if (!tx.exec_params("SELECT 1 FROM clinics WHERE clinic_id = $1", clinic_id).empty()) {
    return absl::OkStatus();
  }
  return NoClinic(clinic_id);
}

bool KnownRuleSet(pqxx::transaction_base& tx, const std::string& sha256) {
  return !tx.exec_params("SELECT 1 FROM rule_sets WHERE sha256 = $1", sha256).empty();
}

// Stores a rule set's content once, by hash; another replica storing it at the same time is no
// error.
absl::Status EnsureRuleSet(pqxx::transaction_base& tx, const RuleSetRecord& rule_set, int64_t at_ms,
                           const std::string& what) {
  if (KnownRuleSet(tx, rule_set.sha256)) return absl::OkStatus();
  if (rule_set.canonical_source == nullptr) {
    return RuleSetContentMissing(what, rule_set.sha256);
  }
  tx.exec_params0(
      "INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
      rule_set.sha256, rule_set.id, rule_set.version, *rule_set.canonical_source, at_ms);
  return absl::OkStatus();
}

}  // namespace

void DeclareWriteStatements(pqxx::connection_base& connection) {
  connection.prepare("audit_head",
                     "SELECT hash FROM audit WHERE clinic_id = $1 ORDER BY seq DESC LIMIT 1");
  connection.prepare("audit_append",
                     "INSERT INTO audit (at_ms, kind, plan_id, record_json, content_hash, "
                     "prev_hash, hash, clinic_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
  // Whether the clinic exists and the rule set is known, the head of the clinic's audit chain,
  // and the plan already stored for the request key, if any (its columns from
  // kPlanCheckFirstPlanColumn on, NULL when there is none; a NULL request_id matches none).
  connection.prepare("plan_check",
                     std::string("SELECT EXISTS (SELECT 1 FROM clinics WHERE clinic_id = $1), "
                                 "EXISTS (SELECT 1 FROM rule_sets WHERE sha256 = $4), "
                                 "(SELECT hash FROM audit WHERE clinic_id = $1 ORDER BY seq DESC "
                                 "LIMIT 1), ") +
                         kPlanColumns +
                         " FROM (SELECT 1) AS one LEFT JOIN plans ON plans.clinic_id = $1 AND "
                         "plans.client = $2 AND plans.request_id = $3");
  connection.prepare(
      "plan_store",
      "WITH stored AS (INSERT INTO plans (plan_id, patient_ref, client, request_id, request_hash, "
      "rule_set_sha256, created_at_ms, plan_data, plan_format, pain_nprs, pain_days_per_week, "
      "baseline_pain_nprs, clinic_id, replay_input, replay_format) VALUES ($1, $2, $3, $4, $5, "
      "$6, $7, $8, $9, $10::double precision, $11::double precision, $12::double precision, $13, "
      "NULLIF($18::bytea, ''::bytea), $19) "
      "RETURNING clinic_id, plan_id, created_at_ms) "
      "INSERT INTO audit (at_ms, kind, plan_id, record_json, content_hash, prev_hash, hash, "
      "clinic_id) SELECT created_at_ms, 'plan', plan_id, $14, $15, $16, $17, clinic_id "
      "FROM stored");
}

absl::Status ApplyServedRuleSet(pqxx::transaction_base& tx, const RuleSetRecord& rule_set,
                                int64_t at_ms) {
  if (absl::Status s = EnsureRuleSet(tx, rule_set, at_ms, "the served rule set"); !s.ok()) {
    return s;
  }
  // A restart with the same rules is not a new activation.
  const pqxx::result last =
      tx.exec("SELECT sha256 FROM served_rule_sets ORDER BY seq DESC LIMIT 1");
  if (!last.empty() && last[0][0].as<std::string>() == rule_set.sha256) return absl::OkStatus();
  tx.exec_params0("INSERT INTO served_rule_sets (sha256, served_at_ms) VALUES ($1, $2)",
                  rule_set.sha256, at_ms);
  return absl::OkStatus();
}

absl::Status ApplyPutPlan(pqxx::transaction_base& tx, PreparedPlan& prepared,
                          const PlanCodec& codec, StoredPlan* result) {
  NewPlan& in = prepared.in;
  StoredPlan& p = in.plan;
  // Everything the write depends on, in one round trip. The batch holds the clinic's lock: a plan
  // another replica stored for this key is committed and visible here, and the chain's head
  // cannot move before this plan's record is appended.
  const pqxx::row check = tx.exec_prepared1("plan_check", p.clinic_id, p.client,
                                            TextOrNull(p.request_id), p.plan.rule_set.sha256);
  if (!check[0].as<bool>()) return NoClinic(p.clinic_id);
  if (!check[kPlanCheckFirstPlanColumn].is_null()) {
    if (!SameRequest(check[kPlanCheckFirstPlanColumn + 4].as<std::string>(), in)) {
      return RequestIdReused(p.request_id);
    }
    // A retry: answer with the plan stored the first time, not a new one.
    auto existing = PlanFromRow(check, codec, kPlanCheckFirstPlanColumn);
    if (!existing.ok()) return existing.status();
    *result = *std::move(existing);
    return absl::OkStatus();
  }
  if (!check[1].as<bool>()) {
    if (in.rule_set.sha256 != p.plan.rule_set.sha256) {
      return RuleSetContentMissing("plan " + p.plan_id, p.plan.rule_set.sha256);
    }
    if (absl::Status s = EnsureRuleSet(tx, in.rule_set, p.created_at_ms, "plan " + p.plan_id);
        !s.ok()) {
      return s;
    }
  }
  const std::string prev = check[2].is_null() ? kGenesisHash : check[2].as<std::string>();
  const std::string content_hash = Sha256Hex(prepared.audit_record);
  const std::string hash = Sha256Hex(prev + content_hash);
  const OptionalNumber pain(p.baseline.pain_nprs);
  const OptionalNumber days(p.baseline.pain_days_per_week);
  const OptionalNumber baseline(p.baseline.baseline_pain_nprs);
  // The plan and its audit record in one statement; an empty replay input is stored as NULL (none
  // kept), as SQLite stores it.
  tx.exec_prepared0("plan_store", p.plan_id, p.patient_ref, p.client, TextOrNull(p.request_id),
                    p.request_hash, p.plan.rule_set.sha256, p.created_at_ms,
                    Bytes(prepared.plan_data), prepared.plan_format, pain.param(), days.param(),
                    baseline.param(), p.clinic_id, prepared.audit_record, content_hash, prev, hash,
                    Bytes(p.replay_input), TextOrNull(p.replay_format));
  *result = std::move(p);
  return absl::OkStatus();
}

absl::Status ApplyFeedback(pqxx::transaction_base& tx, const StepFeedback& f,
                           const PlanCodec& codec) {
  const pqxx::result plan = tx.exec_params(
      "SELECT plan_data, plan_format FROM plans WHERE plan_id = $1 AND clinic_id = $2", f.plan_id,
      f.clinic_id);
  if (plan.empty()) return NoPlan(f.plan_id);
  const pqxx::binarystring data(plan[0][0]);
  auto stored = DecodeStoredPlan(codec, plan[0][1].as<std::string>(),
                                 std::string_view(data.get(), data.size()));
  if (!stored.ok()) return WithContext(stored.status(), "plan " + f.plan_id + " is unreadable");
  const size_t steps = stored->steps.size();
  if (f.step_index >= steps) {
    return StepOutOfRange(f.plan_id, steps, f.step_index);
  }
  tx.exec_params0(
      "INSERT INTO feedback (plan_id, step_index, decision, reason, client, recorded_at_ms, "
      "clinic_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      f.plan_id, static_cast<int64_t>(f.step_index), std::string(StepDecisionName(f.decision)),
      f.reason, f.client, f.recorded_at_ms, f.clinic_id);
  return absl::OkStatus();
}

absl::Status ApplyOutcome(pqxx::transaction_base& tx, const SessionOutcome& o) {
  if (absl::Status s = RequireClinic(tx, o.clinic_id); !s.ok()) return s;
  const OptionalNumber odi(o.odi_percent);
  const OptionalNumber rmdq(o.rmdq);
  const OptionalNumber psfs(o.psfs_avg);
  // ON CONFLICT: a duplicate is an answer, not an error that would abort the savepoint.
  const pqxx::result added = tx.exec_params(
      "INSERT INTO outcomes (patient_ref, session_number, pain_nprs, pain_days_per_week, "
      "odi_percent, rmdq, psfs_avg, client, recorded_at_ms, clinic_id) VALUES ($1, $2, $3, $4, "
      "$5::double precision, $6::double precision, $7::double precision, $8, $9, $10) "
      "ON CONFLICT (clinic_id, patient_ref, session_number) DO NOTHING RETURNING 1",
      o.patient_ref, static_cast<int64_t>(o.session_number), o.pain_nprs, o.pain_days_per_week,
      odi.param(), rmdq.param(), psfs.param(), o.client, o.recorded_at_ms, o.clinic_id);
  if (added.empty()) {
    return OutcomeAlreadyRecorded(o.session_number);
  }
  return absl::OkStatus();
}

absl::Status ApplyErase(pqxx::transaction_base& tx, const std::string& clinic_id,
                        const std::string& ref, ErasureReport* report) {
  std::vector<std::string> plan_ids;
  for (const auto& row : tx.exec_params(
           "SELECT plan_id FROM plans WHERE clinic_id = $1 AND patient_ref = $2 ORDER BY seq",
           clinic_id, ref)) {
    plan_ids.push_back(row[0].as<std::string>());
  }
  report->feedback = static_cast<int64_t>(
      tx.exec_params("DELETE FROM feedback WHERE plan_id IN (SELECT plan_id FROM plans WHERE "
                     "clinic_id = $1 AND patient_ref = $2)",
                     clinic_id, ref)
          .affected_rows());
  report->outcomes = static_cast<int64_t>(
      tx.exec_params("DELETE FROM outcomes WHERE clinic_id = $1 AND patient_ref = $2", clinic_id,
                     ref)
          .affected_rows());
  report->plans = static_cast<int64_t>(
      tx.exec_params("DELETE FROM plans WHERE clinic_id = $1 AND patient_ref = $2", clinic_id, ref)
          .affected_rows());
  for (const auto& id : plan_ids) {
    report->audit_redacted += static_cast<int64_t>(
        tx.exec_params("UPDATE audit SET record_json = NULL WHERE plan_id = $1 AND clinic_id = $2 "
                       "AND record_json IS NOT NULL",
                       id, clinic_id)
            .affected_rows());
  }
  if (report->plans + report->outcomes == 0) {
    return NothingStoredForPatient(ref);
  }
  // The tombstone names no patient: only the random plan ids that were removed.
  const int64_t now = NowMs();
  const nlohmann::json record = {{"kind", "erasure"},
                                 {"plan_ids", plan_ids},
                                 {"plans", report->plans},
                                 {"feedback", report->feedback},
                                 {"outcomes", report->outcomes},
                                 {"audit_redacted", report->audit_redacted},
                                 {"at_ms", now}};
  AppendAudit(tx, clinic_id, now, "erasure", "", record.dump());
  return absl::OkStatus();
}

absl::Status ApplyCreateClinic(pqxx::transaction_base& tx, const ClinicRecord& clinic) {
  if (absl::Status s = CheckClinicId(clinic.clinic_id); !s.ok()) return s;
  const pqxx::result added = tx.exec_params(
      "INSERT INTO clinics (clinic_id, name, created_at_ms) VALUES ($1, $2, $3) "
      "ON CONFLICT (clinic_id) DO NOTHING RETURNING 1",
      clinic.clinic_id, clinic.name, clinic.created_at_ms);
  if (added.empty()) {
    return ClinicExists(clinic.clinic_id);
  }
  return absl::OkStatus();
}

absl::Status ApplyPublishRuleSet(pqxx::transaction_base& tx, const PublishedRuleSet& published,
                                 bool* added) {
  const RuleSetRecord& r = published.rule_set;
  if (published.owner != kPlatformOwner) {
    if (absl::Status s = RequireClinic(tx, published.owner); !s.ok()) return s;
  }
  if (r.canonical_source == nullptr || r.canonical_source->empty()) {
    return CannotPublishWithoutContent(r.sha256);
  }
  // The content once by hash; a hash kept without content gets it now.
  tx.exec_params0(
      "INSERT INTO rule_sets AS r (sha256, id, version, canonical_source, first_seen_ms) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO UPDATE SET "
      "canonical_source = excluded.canonical_source, "
      "id = CASE WHEN r.id = '' THEN excluded.id ELSE r.id END, "
      "version = CASE WHEN r.version = '' THEN excluded.version ELSE r.version END "
      "WHERE r.canonical_source IS NULL",
      r.sha256, r.id, r.version, *r.canonical_source, published.published_at_ms);
  *added = !tx.exec_params(
                  "INSERT INTO published_rule_sets (sha256, owner, author, comment, "
                  "published_at_ms) VALUES ($1, $2, $3, $4, $5) "
                  "ON CONFLICT (sha256, owner) DO NOTHING RETURNING 1",
                  r.sha256, published.owner, published.author, published.comment,
                  published.published_at_ms)
                .empty();
  return absl::OkStatus();
}

absl::Status ApplyActivateRuleSet(pqxx::transaction_base& tx, RuleSetActivation& activation) {
  RuleSetActivation& a = activation;
  if (absl::Status s = RequireClinic(tx, a.clinic_id); !s.ok()) return s;
  // The same answer for another clinic's rule set as for one that does not exist.
  const pqxx::result usable = tx.exec_params(
      "SELECT r.id FROM rule_sets r WHERE r.sha256 = $1 AND EXISTS (SELECT 1 FROM "
      "published_rule_sets p WHERE p.sha256 = r.sha256 AND p.owner IN ($2, ''))",
      a.sha256, a.clinic_id);
  if (usable.empty()) return NoPublishedRuleSet(a.clinic_id, a.sha256);
  const std::string id = usable[0][0].as<std::string>();
  if (id != a.condition) {
    return RuleSetForOtherCondition(a.sha256, id, a.condition);
  }
  // The batch holds the clinic's lock: no activation on any replica comes between the check and
  // the append.
  const pqxx::result live = tx.exec_params(
      "SELECT sha256 FROM activations WHERE clinic_id = $1 AND condition = $2 "
      "ORDER BY seq DESC LIMIT 1",
      a.clinic_id, a.condition);
  const std::string live_sha256 = live.empty() ? "" : live[0][0].as<std::string>();
  if (a.expected_live.has_value() && *a.expected_live != live_sha256) {
    return LiveRuleSetChanged(a, live_sha256);
  }
  const pqxx::row added = tx.exec_params1(
      "INSERT INTO activations (clinic_id, condition, sha256, replaced_sha256, author, comment, "
      "activated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
      a.clinic_id, a.condition, a.sha256, live_sha256, a.author, a.comment, a.activated_at_ms);
  a.seq = added[0].as<int64_t>();
  a.replaced_sha256 = live_sha256;
  // Every replica LISTENing learns of it when this commits.
  tx.exec_params("SELECT pg_notify($1, $2)", kActivationsChannel, a.clinic_id);
  return absl::OkStatus();
}

absl::Status ApplySetClinicProfile(pqxx::transaction_base& tx, ClinicProfileRecord& profile) {
  ClinicProfileRecord& p = profile;
  if (absl::Status s = RequireClinic(tx, p.clinic_id); !s.ok()) return s;
  const int64_t live_version =
      tx.exec_params1("SELECT coalesce(max(version), 0) FROM clinic_profiles WHERE clinic_id = $1",
                      p.clinic_id)[0]
          .as<int64_t>();
  if (p.expected_version.has_value() && *p.expected_version != live_version) {
    return ProfileVersionChanged(p.clinic_id, live_version, *p.expected_version);
  }
  tx.exec_params0(
      "INSERT INTO clinic_profiles (clinic_id, version, profile_json, sha256, author, comment, "
      "set_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      p.clinic_id, live_version + 1, p.profile_json, p.sha256, p.author, p.comment, p.set_at_ms);
  p.version = live_version + 1;
  tx.exec_params("SELECT pg_notify($1, $2)", kProfilesChannel, p.clinic_id);
  return absl::OkStatus();
}

absl::Status ApplyReportReplicaServing(pqxx::transaction_base& tx, const std::string& replica_id,
                                       const std::vector<ReplicaServing>& rows) {
  tx.exec_params0("DELETE FROM replica_serving WHERE replica_id = $1", replica_id);
  for (const ReplicaServing& r : rows) {
    tx.exec_params0(
        "INSERT INTO replica_serving (replica_id, clinic_id, condition, sha256, error, "
        "reported_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        replica_id, r.clinic_id, r.condition, r.sha256, r.error, r.reported_at_ms);
  }
  return absl::OkStatus();
}

}  // namespace modalis::store_postgres
