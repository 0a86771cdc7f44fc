// The audit record of one stored plan: what a clinic needs to answer "why was this suggested?"
// years later, and nothing more. Its bytes are hashed into the audit chain, so they never change
// once written; the form is compact JSON with sorted keys (what people and `db export` read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/store/records.h"

namespace modalis {

// The previous hash of the first record of a clinic's audit chain. A record's hash is
// sha256(prev_hash + content_hash), content_hash = sha256(its record).
inline constexpr char kGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Written directly, without a JSON document in between: the same bytes as building the object with
// nlohmann::json and dump() (keys sorted, no spaces, UTF-8 kept), which earlier records hold.
std::string PlanAuditRecord(const StoredPlan& plan, const PlanAudit& audit);

// One audit record as a backend reads it back to verify the chains.
struct AuditRow {
  std::string clinic_id;
  int64_t seq = 0;
  std::optional<std::string> record_json;  // nullopt once an erasure redacted it
  std::string content_hash;
  std::string prev_hash;
  std::string hash;
};

// Checks each clinic's chain as its records are fed in order of (clinic, seq): every record's
// content hash (unless redacted), its link to the previous record of its clinic, and its hash.
// Counts and problems go into the report.
class AuditChainCheck {
 public:
  explicit AuditChainCheck(IntegrityReport* report) : report_(report) {}
  void Add(const AuditRow& row);

 private:
  IntegrityReport* report_;
  std::string prev_ = kGenesisHash;
};

}  // namespace modalis
