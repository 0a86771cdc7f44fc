#include "core/store/prepared_plan.h"

#include <chrono>
#include <utility>

#include "core/store/audit_record.h"

namespace modalis {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PreparedPlan PreparePlan(NewPlan in, const PlanCodec& codec) {
  PreparedPlan out;
  const StoredPlan& p = in.plan;
  const bool given = !in.encoded_plan.empty() && in.encoded_plan_format == codec.format();
  out.plan_data = given ? std::move(in.encoded_plan) : codec.Encode(p.plan);
  in.encoded_plan.clear();
  out.plan_format = std::string(codec.format());
  out.audit_record = PlanAuditRecord(p, in.audit);
  out.in = std::move(in);
  return out;
}

bool SameRequest(const std::string& stored_hash, const NewPlan& in) {
  const std::string& current = in.plan.request_hash;
  if (stored_hash == current) return true;
  const bool stored_is_older = stored_hash.find(':') == std::string::npos;
  const bool current_is_newer = current.find(':') != std::string::npos;
  if (!stored_is_older || !current_is_newer || !in.legacy_request_hash) return false;
  return in.legacy_request_hash() == stored_hash;
}

}  // namespace modalis
