// Binding values to statements and reading rows back, as both the writer and the reads do it:
// empty texts and absent numbers are NULL, and a plan's row is read (and a rule set the clinic may
// not use refused) the same way everywhere.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis::store_sqlite {

// The columns PlanFromRow reads, in its order.
inline constexpr char kPlanColumns[] =
    "plan_id, patient_ref, client, request_id, request_hash, created_at_ms, plan_data, pain_nprs, "
    "pain_days_per_week, baseline_pain_nprs, plan_format, clinic_id, replay_input, replay_format";
// How many columns kPlanColumns names: a query's next column is at this index.
inline constexpr int kPlanColumnCount = 14;

// NULL for an empty text: "not given", so an empty request_id never collides.
void BindText(SQLite::Statement& s, int index, const std::string& text);
void BindOptional(SQLite::Statement& s, int index, const std::optional<double>& v);

std::optional<double> OptionalColumn(const SQLite::Column& c);
std::string TextColumn(const SQLite::Column& c);
// The bytes of a BLOB (or TEXT) column, valid until the statement steps or resets.
std::string_view BlobColumn(const SQLite::Column& c);
// A plan's bytes as stored: always a BLOB, whatever the codec.
void BindPlanData(SQLite::Statement& s, int index, const std::string& bytes);
// Bytes the store keeps as they are (a plan's replay input) as a BLOB; NULL when empty. Bound
// without a copy: `bytes` must outlive the statement's use.
void BindOptionalBlob(SQLite::Statement& s, int index, const std::string& bytes);

// Reads one row selected with kPlanColumns, decoding its plan by the format stored with it
// (DecodeStoredPlan). DATA_LOSS when its plan cannot be read back, FAILED_PRECONDITION when it is
// stored in a format neither JSON nor `codec`'s.
absl::StatusOr<StoredPlan> PlanFromRow(SQLite::Statement& q, const PlanCodec& codec);

}  // namespace modalis::store_sqlite
