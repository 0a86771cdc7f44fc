// Binding values to statements and reading rows back, as both the writer and the reads do it:
// empty texts and absent numbers are NULL, and a plan's row is read the same way everywhere.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/store/store.h"

namespace modalis::store_sqlite {

// The columns PlanFromRow reads, in its order.
inline constexpr char kPlanColumns[] =
    "plan_id, patient_ref, client, request_id, request_hash, created_at_ms, plan_json, pain_nprs, "
    "pain_days_per_week, baseline_pain_nprs";

// NULL for an empty text: "not given", so an empty request_id never collides.
void BindText(SQLite::Statement& s, int index, const std::string& text);
void BindOptional(SQLite::Statement& s, int index, const std::optional<double>& v);

std::optional<double> OptionalColumn(const SQLite::Column& c);
std::string TextColumn(const SQLite::Column& c);

// Reads one row selected with kPlanColumns. DATA_LOSS when its plan cannot be read back.
absl::StatusOr<StoredPlan> PlanFromRow(SQLite::Statement& q);

}  // namespace modalis::store_sqlite
