#include "core/store/audit_record.h"

#include <vector>

#include "core/common/canonical_json.h"
#include "core/common/sha256.h"

namespace modalis {
namespace {

// Writes one object's members in order; the caller names them in sorted order.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  ~ObjectWriter() { out_->push_back('}'); }

  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(value, out_);
  }
  void Integer(std::string_view key, int64_t value) {
    Key(key);
    out_->append(std::to_string(value));
  }
  void Strings(std::string_view key, const std::vector<std::string>& values) {
    Key(key);
    out_->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_->push_back(',');
      AppendJsonString(values[i], out_);
    }
    out_->push_back(']');
  }
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(key, out_);
    out_->push_back(':');
    return out_;
  }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace

std::string PlanAuditRecord(const StoredPlan& p, const PlanAudit& audit) {
  std::string out;
  out.reserve(512 + 48 * audit.fired_rule_ids.size() + 48 * audit.plugins.size());
  {
    ObjectWriter record(&out);
    record.Integer("at_ms", p.created_at_ms);
    record.String("client", p.client);
    record.Strings("fired_rules", audit.fired_rule_ids);
    record.String("kind", "plan");
    record.String("patient_ref", p.patient_ref);
    record.String("plan_id", p.plan_id);
    std::string* plugins = record.Key("plugins");
    plugins->push_back('[');
    for (size_t i = 0; i < audit.plugins.size(); ++i) {
      if (i > 0) plugins->push_back(',');
      ObjectWriter plugin(plugins);
      plugin.String("id", audit.plugins[i].id);
      plugin.String("version", audit.plugins[i].version);
    }
    plugins->push_back(']');
    record.String("request_hash", p.request_hash);
    record.String("request_id", p.request_id);
    {
      ObjectWriter rule_set(record.Key("rule_set"));
      rule_set.String("id", p.plan.rule_set.id);
      rule_set.String("sha256", p.plan.rule_set.sha256);
      rule_set.String("version", p.plan.rule_set.version);
    }
    record.String("status", PlanStatusName(p.plan.status));
    record.String("urgency", UrgencyName(p.plan.referral.urgency));
  }
  return out;
}

void AuditChainCheck::Add(const AuditRow& row) {
  IntegrityReport& report = *report_;
  ++report.audit_records;
  if (report.chains.empty() || report.chains.back().clinic_id != row.clinic_id) {
    report.chains.push_back(AuditChain{row.clinic_id, 0, ""});
    prev_ = kGenesisHash;
  }
  ++report.chains.back().records;
  const std::string seq = std::to_string(row.seq);
  if (!row.record_json.has_value()) {
    ++report.audit_redacted;
  } else if (Sha256Hex(*row.record_json) != row.content_hash) {
    report.problems.push_back("audit record " + seq + " of clinic '" + row.clinic_id +
                              "' was altered (content hash)");
  }
  if (row.prev_hash != prev_) {
    report.problems.push_back("audit record " + seq +
                              " does not follow the previous record of clinic '" + row.clinic_id +
                              "' (chain broken)");
  }
  if (Sha256Hex(row.prev_hash + row.content_hash) != row.hash) {
    report.problems.push_back("audit record " + seq + " of clinic '" + row.clinic_id +
                              "' has a wrong hash");
  }
  prev_ = row.hash;
  report.chains.back().head = row.hash;
}

}  // namespace modalis
