// Binding values to PostgreSQL statements and reading rows back, as both the writer and the reads
// do it: empty texts and absent numbers are NULL, and a plan's row is read the same way everywhere.
#pragma once

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/row>
#include <string>

#include "absl/status/statusor.h"
#include "core/store/plan_codec.h"
#include "core/store/store.h"

namespace modalis::store_postgres {

// The columns PlanFromRow reads, in its order.
inline constexpr char kPlanColumns[] =
    "plan_id, patient_ref, client, request_id, request_hash, created_at_ms, plan_data, pain_nprs, "
    "pain_days_per_week, baseline_pain_nprs, plan_format, clinic_id, replay_input, replay_format";
inline constexpr int kPlanColumnCount = 14;

// NULL for an empty text: "not given", so an empty request_id never collides.
inline const char* TextOrNull(const std::string& text) {
  return text.empty() ? nullptr : text.c_str();
}

// An optional number as a statement parameter: its shortest exact text, or NULL.
class OptionalNumber {
 public:
  explicit OptionalNumber(const std::optional<double>& value);
  const char* param() const { return present_ ? text_.c_str() : nullptr; }

 private:
  std::string text_;
  bool present_ = false;
};

std::optional<double> OptionalField(const pqxx::field& f);
std::string TextField(const pqxx::field& f);
pqxx::binarystring Bytes(const std::string& data);
// Bytes as a bytea field holds them; "" for NULL.
std::string BytesField(const pqxx::field& f);

// Reads one row selected with kPlanColumns (from its column `first` on), decoding its plan by the
// format stored with it.
absl::StatusOr<StoredPlan> PlanFromRow(const pqxx::row& row, const PlanCodec& codec, int first = 0);

}  // namespace modalis::store_postgres
