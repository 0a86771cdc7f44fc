// What every backend does to a write before its SQL, on the caller's thread: the plan's stored
// bytes and its audit record written out (that costs more than the SQL, and the writer thread is
// one per store), and the time a record was made.
#pragma once

#include <cstdint>
#include <string>

#include "core/store/plan_codec.h"
#include "core/store/records.h"

namespace modalis {

int64_t NowMs();

struct PreparedPlan {
  NewPlan in = {};
  std::string plan_data = {};    // the plan as `codec` encodes it
  std::string plan_format = {};  // the codec's name, stored beside it
  std::string audit_record = {};
};

// Takes `in.encoded_plan` as the plan's bytes when given, else encodes the plan with `codec`.
PreparedPlan PreparePlan(NewPlan in, const PlanCodec& codec);

// Whether a plan stored with `stored_hash` under the same (clinic, client, request_id) was made for
// the same request as `in`: the same hash, or a hash of an earlier form (no "<form>:" prefix) that
// `in` also has, for the retry of a request stored before an upgrade.
bool SameRequest(const std::string& stored_hash, const NewPlan& in);

}  // namespace modalis
