// The store's writes as SQL, and the audit chain they append to.
#include "core/store/sqlite/sqlite_writes.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "core/common/sha256.h"
#include "core/store/audit_record.h"
#include "core/store/sqlite/sqlite_errors.h"
#include "core/store/sqlite/sqlite_rows.h"
#include "core/store/sqlite/sqlite_schema.h"
#include "core/store/store_refusals.h"

namespace modalis::store_sqlite {
namespace {

using nlohmann::json;

// Appends one record to the clinic's audit chain. Runs inside the writer's transaction, which
// holds the write lock, so reading the head and appending cannot interleave with another writer.
void AppendAudit(WriterConnection& w, const std::string& clinic_id, int64_t at_ms, const char* kind,
                 const std::string& plan_id, const std::string& record_json) {
  SQLite::Statement& head =
      w.Prepare("SELECT hash FROM audit WHERE clinic_id = ? ORDER BY seq DESC LIMIT 1");
  head.bind(1, clinic_id);
  const std::string prev = head.executeStep() ? head.getColumn(0).getString() : kGenesisHash;
  head.tryReset();
  const std::string content_hash = Sha256Hex(record_json);
  const std::string hash = Sha256Hex(prev + content_hash);
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO audit (at_ms, kind, plan_id, record_json, content_hash, prev_hash, hash, "
      "clinic_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, at_ms);
  insert.bind(2, kind);
  BindText(insert, 3, plan_id);
  insert.bind(4, record_json);
  insert.bind(5, content_hash);
  insert.bind(6, prev);
  insert.bind(7, hash);
  insert.bind(8, clinic_id);
  insert.exec();
}

// Clinics are created by an operator, never by a write that names one: a typing error in a
// token's clinic must not start a new tenant.
absl::Status RequireClinic(WriterConnection& w, const std::string& clinic_id) {
  SQLite::Statement& known = w.Prepare("SELECT 1 FROM clinics WHERE clinic_id = ?");
  known.bind(1, clinic_id);
  const bool have = known.executeStep();
  known.tryReset();
  if (have) return absl::OkStatus();
  return NoClinic(clinic_id);
}

bool KnownRuleSet(WriterConnection& w, const std::string& sha256) {
  SQLite::Statement& known = w.Prepare("SELECT 1 FROM rule_sets WHERE sha256 = ?");
  known.bind(1, sha256);
  const bool have = known.executeStep();
  known.tryReset();
  return have;
}

// Stores a rule set's content once, by hash.
absl::Status EnsureRuleSet(WriterConnection& w, const RuleSetRecord& rule_set, int64_t at_ms,
                           const std::string& what) {
  if (KnownRuleSet(w, rule_set.sha256)) return absl::OkStatus();
  if (rule_set.canonical_source == nullptr) {
    return RuleSetContentMissing(what, rule_set.sha256);
  }
  SQLite::Statement& add = w.Prepare(
      "INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms) "
      "VALUES (?, ?, ?, ?, ?)");
  add.bind(1, rule_set.sha256);
  add.bind(2, rule_set.id);
  add.bind(3, rule_set.version);
  // Bound without a copy: the string outlives the statement's use.
  add.bindNoCopy(4, *rule_set.canonical_source);
  add.bind(5, at_ms);
  add.exec();
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyServedRuleSet(WriterConnection& w, const RuleSetRecord& rule_set, int64_t at_ms) {
  if (absl::Status s = EnsureRuleSet(w, rule_set, at_ms, "the served rule set"); !s.ok()) return s;
  // A restart with the same rules is not a new activation.
  SQLite::Statement& last =
      w.Prepare("SELECT sha256 FROM served_rule_sets ORDER BY seq DESC LIMIT 1");
  const bool same = last.executeStep() && last.getColumn(0).getString() == rule_set.sha256;
  last.tryReset();
  if (same) return absl::OkStatus();
  SQLite::Statement& add =
      w.Prepare("INSERT INTO served_rule_sets (sha256, served_at_ms) VALUES (?, ?)");
  add.bind(1, rule_set.sha256);
  add.bind(2, at_ms);
  add.exec();
  return absl::OkStatus();
}

absl::Status ApplyPutPlan(WriterConnection& w, PreparedPlan& prepared, const PlanCodec& codec,
                          StoredPlan* result) {
  NewPlan& in = prepared.in;
  StoredPlan& p = in.plan;
  if (absl::Status s = RequireClinic(w, p.clinic_id); !s.ok()) return s;
  if (!p.request_id.empty()) {
    // Built once: the writer keeps its statements by the address of their SQL.
    static const std::string kByRequest =
        std::string("SELECT ") + kPlanColumns +
        " FROM plans WHERE clinic_id = ? AND client = ? AND request_id = ?";
    SQLite::Statement& q = w.Prepare(kByRequest.c_str());
    q.bind(1, p.clinic_id);
    q.bind(2, p.client);
    q.bind(3, p.request_id);
    if (q.executeStep()) {
      const std::string stored_hash = q.getColumn(4).getString();
      if (!SameRequest(stored_hash, in)) {
        return RequestIdReused(p.request_id);
      }
      // A retry: answer with the plan stored the first time, not a new one.
      auto existing = PlanFromRow(q, codec);
      q.tryReset();
      if (!existing.ok()) return existing.status();
      *result = *std::move(existing);
      return absl::OkStatus();
    }
  }

  if (!KnownRuleSet(w, p.plan.rule_set.sha256)) {
    if (in.rule_set.sha256 != p.plan.rule_set.sha256) {
      return RuleSetContentMissing("plan " + p.plan_id, p.plan.rule_set.sha256);
    }
    if (absl::Status s = EnsureRuleSet(w, in.rule_set, p.created_at_ms, "plan " + p.plan_id);
        !s.ok()) {
      return s;
    }
  }

  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO plans (plan_id, patient_ref, client, request_id, request_hash, "
      "rule_set_sha256, created_at_ms, plan_data, plan_format, pain_nprs, pain_days_per_week, "
      "baseline_pain_nprs, clinic_id, replay_input, replay_format) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, p.plan_id);
  insert.bind(2, p.patient_ref);
  insert.bind(3, p.client);
  BindText(insert, 4, p.request_id);
  insert.bind(5, p.request_hash);
  insert.bind(6, p.plan.rule_set.sha256);
  insert.bind(7, p.created_at_ms);
  BindPlanData(insert, 8, prepared.plan_data);
  insert.bindNoCopy(9, prepared.plan_format);
  BindOptional(insert, 10, p.baseline.pain_nprs);
  BindOptional(insert, 11, p.baseline.pain_days_per_week);
  BindOptional(insert, 12, p.baseline.baseline_pain_nprs);
  insert.bind(13, p.clinic_id);
  BindOptionalBlob(insert, 14, p.replay_input);
  BindText(insert, 15, p.replay_format);
  insert.exec();

  AppendAudit(w, p.clinic_id, p.created_at_ms, "plan", p.plan_id, prepared.audit_record);
  *result = std::move(p);
  return absl::OkStatus();
}

absl::Status ApplyFeedback(WriterConnection& w, const StepFeedback& f, const PlanCodec& codec) {
  SQLite::Statement& plan =
      w.Prepare("SELECT plan_data, plan_format FROM plans WHERE plan_id = ? AND clinic_id = ?");
  plan.bind(1, f.plan_id);
  plan.bind(2, f.clinic_id);
  if (!plan.executeStep()) return NoPlan(f.plan_id);
  auto stored =
      DecodeStoredPlan(codec, plan.getColumn(1).getString(), BlobColumn(plan.getColumn(0)));
  plan.tryReset();
  if (!stored.ok()) return WithContext(stored.status(), "plan " + f.plan_id + " is unreadable");
  const size_t steps = stored->steps.size();
  if (f.step_index >= steps) {
    return StepOutOfRange(f.plan_id, steps, f.step_index);
  }
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO feedback (plan_id, step_index, decision, reason, client, recorded_at_ms, "
      "clinic_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, f.plan_id);
  insert.bind(2, static_cast<int64_t>(f.step_index));
  insert.bind(3, std::string(StepDecisionName(f.decision)));
  insert.bind(4, f.reason);
  insert.bind(5, f.client);
  insert.bind(6, f.recorded_at_ms);
  insert.bind(7, f.clinic_id);
  insert.exec();
  return absl::OkStatus();
}

absl::Status ApplyOutcome(WriterConnection& w, const SessionOutcome& o) {
  if (absl::Status s = RequireClinic(w, o.clinic_id); !s.ok()) return s;
  SQLite::Statement& insert = w.Prepare(
      "INSERT INTO outcomes (patient_ref, session_number, pain_nprs, pain_days_per_week, "
      "odi_percent, rmdq, psfs_avg, client, recorded_at_ms, clinic_id) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, o.patient_ref);
  insert.bind(2, static_cast<int64_t>(o.session_number));
  insert.bind(3, o.pain_nprs);
  insert.bind(4, o.pain_days_per_week);
  BindOptional(insert, 5, o.odi_percent);
  BindOptional(insert, 6, o.rmdq);
  BindOptional(insert, 7, o.psfs_avg);
  insert.bind(8, o.client);
  insert.bind(9, o.recorded_at_ms);
  insert.bind(10, o.clinic_id);
  try {
    insert.exec();
  } catch (const SQLite::Exception& e) {
    if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
      return OutcomeAlreadyRecorded(o.session_number);
    }
    throw;
  }
  return absl::OkStatus();
}

absl::Status ApplyErase(WriterConnection& w, const std::string& clinic_id, const std::string& ref,
                        ErasureReport* report) {
  std::vector<std::string> plan_ids;
  {
    SQLite::Statement& q = w.Prepare(
        "SELECT plan_id FROM plans WHERE clinic_id = ? AND patient_ref = ? ORDER BY rowid");
    q.bind(1, clinic_id);
    q.bind(2, ref);
    while (q.executeStep()) plan_ids.push_back(q.getColumn(0).getString());
    q.tryReset();
  }
  SQLite::Statement& feedback = w.Prepare(
      "DELETE FROM feedback WHERE plan_id IN "
      "(SELECT plan_id FROM plans WHERE clinic_id = ? AND patient_ref = ?)");
  feedback.bind(1, clinic_id);
  feedback.bind(2, ref);
  report->feedback = feedback.exec();
  SQLite::Statement& outcomes =
      w.Prepare("DELETE FROM outcomes WHERE clinic_id = ? AND patient_ref = ?");
  outcomes.bind(1, clinic_id);
  outcomes.bind(2, ref);
  report->outcomes = outcomes.exec();
  SQLite::Statement& plans = w.Prepare("DELETE FROM plans WHERE clinic_id = ? AND patient_ref = ?");
  plans.bind(1, clinic_id);
  plans.bind(2, ref);
  report->plans = plans.exec();
  for (const auto& id : plan_ids) {
    SQLite::Statement& redact = w.Prepare(
        "UPDATE audit SET record_json = NULL "
        "WHERE plan_id = ? AND clinic_id = ? AND record_json IS NOT NULL");
    redact.bind(1, id);
    redact.bind(2, clinic_id);
    report->audit_redacted += redact.exec();
  }
  if (report->plans + report->outcomes == 0) {
    return NothingStoredForPatient(ref);
  }
  // The tombstone names no patient: only the random plan ids that were removed.
  const int64_t now = NowMs();
  json record = {{"kind", "erasure"},
                 {"plan_ids", plan_ids},
                 {"plans", report->plans},
                 {"feedback", report->feedback},
                 {"outcomes", report->outcomes},
                 {"audit_redacted", report->audit_redacted},
                 {"at_ms", now}};
  AppendAudit(w, clinic_id, now, "erasure", "", record.dump());
  return absl::OkStatus();
}

absl::Status ApplyCreateClinic(WriterConnection& w, const ClinicRecord& clinic) {
  if (absl::Status s = CheckClinicId(clinic.clinic_id); !s.ok()) return s;
  if (RequireClinic(w, clinic.clinic_id).ok()) {
    return ClinicExists(clinic.clinic_id);
  }
  SQLite::Statement& add =
      w.Prepare("INSERT INTO clinics (clinic_id, name, created_at_ms) VALUES (?, ?, ?)");
  add.bind(1, clinic.clinic_id);
  add.bind(2, clinic.name);
  add.bind(3, clinic.created_at_ms);
  add.exec();
  return absl::OkStatus();
}

absl::Status ApplyPublishRuleSet(WriterConnection& w, const PublishedRuleSet& published,
                                 bool* added) {
  const RuleSetRecord& r = published.rule_set;
  if (published.owner != kPlatformOwner) {
    if (absl::Status s = RequireClinic(w, published.owner); !s.ok()) return s;
  }
  if (r.canonical_source == nullptr || r.canonical_source->empty()) {
    return CannotPublishWithoutContent(r.sha256);
  }
  // The content once by hash; a hash kept without content (plans stored before rule sets were)
  // gets it now.
  SQLite::Statement& content = w.Prepare(
      "INSERT INTO rule_sets (sha256, id, version, canonical_source, first_seen_ms) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
      "canonical_source = excluded.canonical_source, "
      "id = CASE WHEN rule_sets.id = '' THEN excluded.id ELSE rule_sets.id END, "
      "version = CASE WHEN rule_sets.version = '' THEN excluded.version ELSE rule_sets.version END "
      "WHERE rule_sets.canonical_source IS NULL");
  content.bind(1, r.sha256);
  content.bind(2, r.id);
  content.bind(3, r.version);
  // Bound without a copy: the string outlives the statement's use.
  content.bindNoCopy(4, *r.canonical_source);
  content.bind(5, published.published_at_ms);
  content.exec();
  SQLite::Statement& add = w.Prepare(
      "INSERT INTO published_rule_sets (sha256, owner, author, comment, published_at_ms) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256, owner) DO NOTHING");
  add.bind(1, r.sha256);
  add.bind(2, published.owner);
  add.bind(3, published.author);
  add.bind(4, published.comment);
  add.bind(5, published.published_at_ms);
  *added = add.exec() > 0;
  return absl::OkStatus();
}

absl::Status ApplyActivateRuleSet(WriterConnection& w, RuleSetActivation& activation) {
  RuleSetActivation& a = activation;
  if (absl::Status s = RequireClinic(w, a.clinic_id); !s.ok()) return s;
  // The same answer for another clinic's rule set as for one that does not exist.
  SQLite::Statement& usable = w.Prepare(
      "SELECT r.id FROM rule_sets r WHERE r.sha256 = ? AND EXISTS (SELECT 1 FROM "
      "published_rule_sets p WHERE p.sha256 = r.sha256 AND p.owner IN (?, ''))");
  usable.bind(1, a.sha256);
  usable.bind(2, a.clinic_id);
  const bool published = usable.executeStep();
  const std::string id = published ? usable.getColumn(0).getString() : "";
  usable.tryReset();
  if (!published) return NoPublishedRuleSet(a.clinic_id, a.sha256);
  if (id != a.condition) {
    return RuleSetForOtherCondition(a.sha256, id, a.condition);
  }
  // Read and appended in one transaction that holds the write lock: no activation can come
  // between the check and the append.
  SQLite::Statement& live = w.Prepare(
      "SELECT sha256 FROM activations WHERE clinic_id = ? AND condition = ? "
      "ORDER BY seq DESC LIMIT 1");
  live.bind(1, a.clinic_id);
  live.bind(2, a.condition);
  const std::string live_sha256 = live.executeStep() ? live.getColumn(0).getString() : "";
  live.tryReset();
  if (a.expected_live.has_value() && *a.expected_live != live_sha256) {
    return LiveRuleSetChanged(a, live_sha256);
  }
  SQLite::Statement& add = w.Prepare(
      "INSERT INTO activations (clinic_id, condition, sha256, replaced_sha256, author, comment, "
      "activated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  add.bind(1, a.clinic_id);
  add.bind(2, a.condition);
  add.bind(3, a.sha256);
  add.bind(4, live_sha256);
  add.bind(5, a.author);
  add.bind(6, a.comment);
  add.bind(7, a.activated_at_ms);
  add.exec();
  a.seq = w.db().getLastInsertRowid();
  a.replaced_sha256 = live_sha256;
  return absl::OkStatus();
}

absl::Status ApplySetClinicProfile(WriterConnection& w, ClinicProfileRecord& profile) {
  ClinicProfileRecord& p = profile;
  if (absl::Status s = RequireClinic(w, p.clinic_id); !s.ok()) return s;
  // Read and appended in one transaction that holds the write lock: no other version can come
  // between the check and the append.
  SQLite::Statement& live =
      w.Prepare("SELECT coalesce(max(version), 0) FROM clinic_profiles WHERE clinic_id = ?");
  live.bind(1, p.clinic_id);
  const int64_t live_version = live.executeStep() ? live.getColumn(0).getInt64() : 0;
  live.tryReset();
  if (p.expected_version.has_value() && *p.expected_version != live_version) {
    return ProfileVersionChanged(p.clinic_id, live_version, *p.expected_version);
  }
  SQLite::Statement& add = w.Prepare(
      "INSERT INTO clinic_profiles (clinic_id, version, profile_json, sha256, author, comment, "
      "set_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  add.bind(1, p.clinic_id);
  add.bind(2, live_version + 1);
  // Bound without a copy: the record outlives the statement's use.
  add.bindNoCopy(3, p.profile_json);
  add.bind(4, p.sha256);
  add.bind(5, p.author);
  add.bind(6, p.comment);
  add.bind(7, p.set_at_ms);
  add.exec();
  p.version = live_version + 1;
  return absl::OkStatus();
}

}  // namespace modalis::store_sqlite
