// The audit record is written without a JSON document, but its bytes must be exactly those the
// document's dump() gave: records written before are hashed into the chain as they are, and a
// reader must see one form.
#include "core/store/audit_record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "core/common/canonical_json.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

using nlohmann::json;

// The record as it was built before: a document, then dump().
std::string ThroughDocument(const StoredPlan& p, const PlanAudit& audit) {
  json record = {{"kind", "plan"},
                 {"plan_id", p.plan_id},
                 {"patient_ref", p.patient_ref},
                 {"client", p.client},
                 {"request_id", p.request_id},
                 {"request_hash", p.request_hash},
                 {"rule_set",
                  {{"sha256", p.plan.rule_set.sha256},
                   {"id", p.plan.rule_set.id},
                   {"version", p.plan.rule_set.version}}},
                 {"status", PlanStatusName(p.plan.status)},
                 {"urgency", UrgencyName(p.plan.referral.urgency)},
                 {"fired_rules", audit.fired_rule_ids},
                 {"at_ms", p.created_at_ms}};
  json plugins = json::array();
  for (const auto& plugin : audit.plugins) {
    plugins.push_back({{"id", plugin.id}, {"version", plugin.version}});
  }
  record["plugins"] = std::move(plugins);
  return record.dump();
}

TEST(AuditRecordTest, SameBytesAsTheDocumentsDump) {
  NewPlan n = testing::SamplePlan("pl_1", "req-1");
  EXPECT_EQ(PlanAuditRecord(n.plan, n.audit), ThroughDocument(n.plan, n.audit));

  // Empty lists, several plugins, a referral, a negative time, and text that must be escaped.
  n.audit.fired_rule_ids.clear();
  EXPECT_EQ(PlanAuditRecord(n.plan, n.audit), ThroughDocument(n.plan, n.audit));
  n.audit.plugins.clear();
  EXPECT_EQ(PlanAuditRecord(n.plan, n.audit), ThroughDocument(n.plan, n.audit));
  n.audit.plugins = {{"a", "1"}, {"b\"q", "2\\x"}, {"c\n\t\r\b\f", std::string("\x01\x1f\x7f", 3)}};
  n.audit.fired_rule_ids = {"r1", "r\"2", "r/3", "ü-ß-€-😀"};
  n.plan.request_id = "";
  n.plan.request_hash = "pb1:" + std::string(64, 'a');
  n.plan.created_at_ms = -5;
  n.plan.plan.status = PlanStatus::kReferred;
  n.plan.plan.referral.urgency = Urgency::kEmergency;
  n.plan.plan.rule_set.version = "1.2.3-rc.1+build";
  EXPECT_EQ(PlanAuditRecord(n.plan, n.audit), ThroughDocument(n.plan, n.audit));
}

TEST(AuditRecordTest, EveryControlCharacterEscapesAsTheDocumentDoes) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string text(1, static_cast<char>(c));
    std::string written;
    AppendJsonString(text, &written);
    EXPECT_EQ(written, json(text).dump()) << "character " << c;
  }
}

}  // namespace
}  // namespace modalis
