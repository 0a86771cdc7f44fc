#include "adapters/struct_findings.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/findings/decode_findings.h"

namespace modalis {
namespace {

using google::protobuf::Value;

// A value as JSON, for a message only: the depth was checked before decoding.
nlohmann::json AsJson(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNumberValue:
      return v.number_value();
    case Value::kStringValue:
      return v.string_value();
    case Value::kBoolValue:
      return v.bool_value();
    case Value::kStructValue: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : v.struct_value().fields()) out[key] = AsJson(item);
      return out;
    }
    case Value::kListValue: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : v.list_value().values()) out.push_back(AsJson(item));
      return out;
    }
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      break;
  }
  return nullptr;
}

// The findings decoder's view of a Struct value (see core/findings/decode_findings.h). A value
// with no kind set reads as null, as it does in proto3 JSON.
class StructValueView {
 public:
  explicit StructValueView(const Value& v) : v_(&v) {}
  bool is_null() const {
    return v_->kind_case() == Value::kNullValue || v_->kind_case() == Value::KIND_NOT_SET;
  }
  bool is_boolean() const { return v_->kind_case() == Value::kBoolValue; }
  bool boolean() const { return v_->bool_value(); }
  bool is_number() const { return v_->kind_case() == Value::kNumberValue; }
  double number() const { return v_->number_value(); }
  bool is_string() const { return v_->kind_case() == Value::kStringValue; }
  const std::string& text() const { return v_->string_value(); }
  bool is_list() const { return v_->kind_case() == Value::kListValue; }
  size_t size() const { return static_cast<size_t>(v_->list_value().values_size()); }
  StructValueView item(size_t i) const {
    return StructValueView(v_->list_value().values(static_cast<int>(i)));
  }
  std::string Describe() const { return decode::DescribeJson(AsJson(*v_)); }
  const Value& value() const { return *v_; }

 private:
  const Value* v_;
};

class StructDocumentView {
 public:
  explicit StructDocumentView(const google::protobuf::Struct& s) : s_(s) {}
  bool is_object() const { return true; }
  size_t size() const { return static_cast<size_t>(s_.fields_size()); }
  // In the map's own order: the decoder lists violations in code order itself.
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [code, value] : s_.fields()) f(code, StructValueView(value));
  }

 private:
  const google::protobuf::Struct& s_;
};

// True when `v` nests at most `depth` levels (a scalar is one), counted as StructToJson does.
bool Fits(const Value& v, int depth) {
  if (depth <= 0) return false;
  switch (v.kind_case()) {
    case Value::kStructValue:
      if (depth - 1 <= 0) return false;
      for (const auto& [key, item] : v.struct_value().fields()) {
        if (!Fits(item, depth - 1)) return false;
      }
      return true;
    case Value::kListValue:
      for (const Value& item : v.list_value().values()) {
        if (!Fits(item, depth - 1)) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

absl::Status NestedTooDeeply(const std::vector<std::string_view>& codes, int max_depth) {
  if (codes.empty()) return absl::OkStatus();
  std::vector<FieldViolation> too_deep;
  too_deep.reserve(codes.size());
  for (std::string_view code : codes) {
    // Named like any other bad finding, and cut to a length an error message can carry.
    too_deep.push_back({std::string(code.substr(0, 256)),
                        "nested too deeply: the findings object and the lists and objects in it "
                        "may be at most " +
                            std::to_string(max_depth) + " levels deep"});
  }
  // Listed in code order, as every findings violation is.
  std::sort(too_deep.begin(), too_deep.end(),
            [](const FieldViolation& a, const FieldViolation& b) { return a.field < b.field; });
  return InvalidFindings(too_deep);
}

absl::Status CheckFindingsDepth(const google::protobuf::Struct& findings, int max_depth) {
  std::vector<std::string_view> too_deep;
  for (const auto& [key, value] : findings.fields()) {
    if (!Fits(value, max_depth)) too_deep.push_back(key);
  }
  return NestedTooDeeply(too_deep, max_depth);
}

absl::StatusOr<Findings> DecodeFindingsStruct(const google::protobuf::Struct& findings,
                                              std::shared_ptr<const Vocabulary> vocabulary,
                                              const FindingsLimits& limits, int max_depth) {
  // Too deep first, and alone: such a value is refused before anything reads it.
  if (absl::Status s = CheckFindingsDepth(findings, max_depth); !s.ok()) return s;
  return decode::DecodeDocument(StructDocumentView(findings), std::move(vocabulary), limits);
}

}  // namespace modalis
