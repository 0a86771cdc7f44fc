#include "core/store/postgres/postgres_rows.h"

#include <cstdio>
#include <pqxx/field>

#include "core/store/store_status.h"

namespace modalis::store_postgres {

OptionalNumber::OptionalNumber(const std::optional<double>& value) : present_(value.has_value()) {
  if (!present_) return;
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", *value);
  text_ = text;
}

std::optional<double> OptionalField(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

std::string TextField(const pqxx::field& f) { return f.is_null() ? "" : f.as<std::string>(); }

pqxx::binarystring Bytes(const std::string& data) {
  return pqxx::binarystring(data.data(), data.size());
}

std::string BytesField(const pqxx::field& f) {
  if (f.is_null()) return "";
  const pqxx::binarystring bytes(f);
  return std::string(bytes.get(), bytes.size());
}

absl::StatusOr<StoredPlan> PlanFromRow(const pqxx::row& whole, const PlanCodec& codec, int first) {
  auto column = [&](int i) { return whole[first + i]; };
  StoredPlan p;
  p.plan_id = column(0).as<std::string>();
  p.patient_ref = column(1).as<std::string>();
  p.client = column(2).as<std::string>();
  p.request_id = TextField(column(3));
  p.request_hash = column(4).as<std::string>();
  p.created_at_ms = column(5).as<int64_t>();
  const pqxx::binarystring data(column(6));
  auto plan = DecodeStoredPlan(codec, column(10).as<std::string>(),
                               std::string_view(data.get(), data.size()));
  if (!plan.ok()) return WithContext(plan.status(), "plan " + p.plan_id + " is unreadable");
  p.plan = *std::move(plan);
  p.baseline.pain_nprs = OptionalField(column(7));
  p.baseline.pain_days_per_week = OptionalField(column(8));
  p.baseline.baseline_pain_nprs = OptionalField(column(9));
  p.clinic_id = column(11).as<std::string>();
  p.replay_input = BytesField(column(12));
  p.replay_format = TextField(column(13));
  return p;
}

}  // namespace modalis::store_postgres
