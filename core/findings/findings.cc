#include "core/findings/findings.h"

#include <cmath>

#include "absl/strings/cord.h"
#include "core/common/did_you_mean.h"
#include "core/findings/decode_findings.h"

namespace modalis {

std::string decode::FormatNumber(double d) { return NumberText(d); }

std::string decode::DescribeJson(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

namespace {

// The findings decoder's view of a nlohmann::json document (see decode_findings.h).
class JsonValueView {
 public:
  explicit JsonValueView(const nlohmann::json& j) : j_(&j) {}
  bool is_null() const { return j_->is_null(); }
  bool is_boolean() const { return j_->is_boolean(); }
  bool boolean() const { return j_->get<bool>(); }
  bool is_number() const { return j_->is_number(); }
  double number() const { return j_->get<double>(); }
  bool is_string() const { return j_->is_string(); }
  const std::string& text() const { return j_->get_ref<const std::string&>(); }
  bool is_list() const { return j_->is_array(); }
  size_t size() const { return j_->size(); }
  JsonValueView item(size_t i) const { return JsonValueView((*j_)[i]); }
  std::string Describe() const { return decode::DescribeJson(*j_); }

 private:
  const nlohmann::json* j_;
};

class JsonDocumentView {
 public:
  explicit JsonDocumentView(const nlohmann::json& j) : j_(j) {}
  bool is_object() const { return j_.is_object(); }
  size_t size() const { return j_.size(); }
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [code, value] : j_.items()) f(code, JsonValueView(value));
  }

 private:
  const nlohmann::json& j_;
};

}  // namespace

Findings::Findings(std::shared_ptr<const Vocabulary> vocabulary)
    : vocabulary_(std::move(vocabulary)),
      values_(vocabulary_->size()),
      known_(vocabulary_->size(), 0),
      texts_(vocabulary_->size()) {}

void Findings::Set(SlotId slot, FindingValue value) {
  values_[slot] = value;
  known_[slot] = 1;
}

void Findings::Clear(SlotId slot) {
  values_[slot] = FindingValue{};
  texts_[slot].clear();
  known_[slot] = 0;
}

void Findings::SetTexts(SlotId slot, std::vector<std::string> texts) {
  texts_[slot] = std::move(texts);
  known_[slot] = 1;
}

nlohmann::json Findings::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (SlotId s = 0; s < values_.size(); ++s) {
    if (!known(s)) continue;
    const FindingDef& def = vocabulary_->at(s);
    const FindingValue& v = values_[s];
    switch (def.type) {
      case FindingType::kBoolean:
        out[def.code] = v.number != 0;
        break;
      case FindingType::kInteger:
        out[def.code] = static_cast<int64_t>(v.number);
        break;
      case FindingType::kNumber:
        out[def.code] = v.number;
        break;
      case FindingType::kEnum:
        out[def.code] = def.values[static_cast<size_t>(v.number)];
        break;
      case FindingType::kSet: {
        nlohmann::json list = nlohmann::json::array();
        for (size_t i = 0; i < def.values.size(); ++i) {
          if (v.bits & (uint64_t{1} << i)) list.push_back(def.values[i]);
        }
        out[def.code] = std::move(list);
        break;
      }
      case FindingType::kTextList:
        out[def.code] = texts_[s];
        break;
    }
  }
  return out;
}

absl::StatusOr<Findings> DecodeFindings(const nlohmann::json& object,
                                        std::shared_ptr<const Vocabulary> vocabulary,
                                        const FindingsLimits& limits) {
  return decode::DecodeDocument(JsonDocumentView(object), std::move(vocabulary), limits);
}

}  // namespace modalis
