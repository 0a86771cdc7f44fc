#include "core/common/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace modalis {
namespace {

using Member = std::pair<std::string_view, const nlohmann::ordered_json*>;

template <typename Integer>
void AppendInteger(Integer value, std::string* out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

void Append(const nlohmann::ordered_json& value, std::string* out) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object: {
      std::vector<Member> members;
      members.reserve(value.size());
      for (auto it = value.begin(); it != value.end(); ++it) {
        members.emplace_back(it.key(), &it.value());
      }
      std::sort(members.begin(), members.end(),
                [](const Member& a, const Member& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(members[i].first, out);
        out->push_back(':');
        Append(*members[i].second, out);
      }
      out->push_back('}');
      break;
    }
    case nlohmann::ordered_json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& element : value) {
        if (!first) out->push_back(',');
        first = false;
        Append(element, out);
      }
      out->push_back(']');
      break;
    }
    case nlohmann::ordered_json::value_t::string:
      AppendJsonString(value.get_ref<const std::string&>(), out);
      break;
    case nlohmann::ordered_json::value_t::number_integer:
      AppendInteger(value.get<int64_t>(), out);
      break;
    case nlohmann::ordered_json::value_t::number_unsigned:
      AppendInteger(value.get<uint64_t>(), out);
      break;
    case nlohmann::ordered_json::value_t::boolean:
      *out += value.get<bool>() ? "true" : "false";
      break;
    case nlohmann::ordered_json::value_t::null:
      *out += "null";
      break;
    default:
      // Floating point (and discarded values): nlohmann's own shortest round-trip form.
      *out += value.dump();
  }
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[(c >> 4) & 0xF]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string CanonicalJson(const nlohmann::ordered_json& document) {
  std::string out;
  out.reserve(4096);
  Append(document, &out);
  return out;
}

}  // namespace modalis
