// Statement bindings and row readers shared by the store's writes and reads.
#include "core/store/sqlite/sqlite_rows.h"

#include "core/store/sqlite/sqlite_errors.h"

namespace modalis::store_sqlite {

void BindText(SQLite::Statement& s, int index, const std::string& text) {
  if (text.empty()) {
    s.bind(index);
  } else {
    s.bind(index, text);
  }
}

void BindOptional(SQLite::Statement& s, int index, const std::optional<double>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind(index);
  }
}

std::optional<double> OptionalColumn(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

std::string TextColumn(const SQLite::Column& c) { return c.isNull() ? "" : c.getString(); }

std::string_view BlobColumn(const SQLite::Column& c) {
  // getBlob before getBytes, as SQLite asks: the size is of the value in the form last fetched.
  const void* data = c.getBlob();
  const int size = c.getBytes();
  if (data == nullptr || size <= 0) return {};
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

void BindPlanData(SQLite::Statement& s, int index, const std::string& bytes) {
  // Bound without a copy: the caller's string outlives the statement's use.
  s.bindNoCopy(index, static_cast<const void*>(bytes.data()), static_cast<int>(bytes.size()));
}

void BindOptionalBlob(SQLite::Statement& s, int index, const std::string& bytes) {
  if (bytes.empty()) {
    s.bind(index);
  } else {
    s.bindNoCopy(index, static_cast<const void*>(bytes.data()), static_cast<int>(bytes.size()));
  }
}

absl::StatusOr<StoredPlan> PlanFromRow(SQLite::Statement& q, const PlanCodec& codec) {
  StoredPlan out;
  out.plan_id = q.getColumn(0).getString();
  out.patient_ref = q.getColumn(1).getString();
  out.client = q.getColumn(2).getString();
  out.request_id = TextColumn(q.getColumn(3));
  out.request_hash = q.getColumn(4).getString();
  out.created_at_ms = q.getColumn(5).getInt64();
  const std::string format = q.getColumn(10).getString();
  auto plan = DecodeStoredPlan(codec, format, BlobColumn(q.getColumn(6)));
  if (!plan.ok()) return WithContext(plan.status(), "plan " + out.plan_id + " is unreadable");
  out.plan = *std::move(plan);
  out.baseline.pain_nprs = OptionalColumn(q.getColumn(7));
  out.baseline.pain_days_per_week = OptionalColumn(q.getColumn(8));
  out.baseline.baseline_pain_nprs = OptionalColumn(q.getColumn(9));
  out.clinic_id = q.getColumn(11).getString();
  out.replay_input = std::string(BlobColumn(q.getColumn(12)));
  out.replay_format = TextColumn(q.getColumn(13));
  return out;
}

}  // namespace modalis::store_sqlite
