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

absl::Status NoPublishedRuleSet(const std::string& clinic_id, const std::string& sha256) {
  return absl::NotFoundError("there is no published rule set " + sha256 + " for clinic '" +
                             clinic_id + "'");
}

}  // namespace modalis
