#include "adapters/proto_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/common/utf8.h"

namespace modalis {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::ListValue;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::Struct;
using google::protobuf::Value;

// Messages nest at most this deep in what the codec reads or writes itself, counted as protobuf
// counts them (a Struct's map entry is a level), safely inside the 100 levels protobuf's binary
// parser allows: deeper, protobuf's converter decides.
constexpr int kMaxDirectDepth = 90;
// A document whose objects and arrays nest this deep holds a message nested past protobuf's 100
// levels, so it is refused without protobuf's converter, whose time grows with the square of the
// depth (a megabyte of '[' would hold a thread for hours).
constexpr int kMaxJsonDepth = 250;

// One level of nesting, for as long as it lives.
class Level {
 public:
  Level(int* depth, int levels) : depth_(depth), levels_(levels) { *depth_ += levels_; }
  ~Level() { *depth_ -= levels_; }
  Level(const Level&) = delete;
  Level& operator=(const Level&) = delete;
  bool ok() const { return *depth_ <= kMaxDirectDepth; }

 private:
  int* depth_;
  int levels_;
};

// How deeply the objects and arrays of a JSON text nest (strings skipped), stopping at `limit`.
int JsonNesting(std::string_view json, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size() && deepest < limit; ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}
// A message whose fields cannot be told apart in a bitset this size is left to protobuf.
constexpr int kMaxDirectFields = 256;

bool IsStructType(const Descriptor* type) {
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_STRUCT:
    case Descriptor::WELLKNOWNTYPE_VALUE:
    case Descriptor::WELLKNOWNTYPE_LISTVALUE:
      return true;
    default:
      return false;
  }
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading. Every function returns false as soon as the input is not in a form whose meaning to
// protobuf is certain; the caller then hands the whole document to protobuf.

using Types = absl::flat_hash_map<const Descriptor*, ProtoJson::Type>;

const ProtoJson::Type* FindType(const Types& types, const Descriptor* type) {
  const auto it = types.find(type);
  return it == types.end() ? nullptr : &it->second;
}

class Reader {
 public:
  Reader(const Types& types, std::string_view in) : in_(in), types_(types) {}

  bool Document(Message* message) {
    SkipSpace();
    if (!ReadMessage(message)) return false;
    SkipSpace();
    return pos_ == in_.size();
  }

 private:
  // A JSON number, as written: its text, and whether it is a plain integer (no fraction, no
  // exponent).
  struct Number {
    std::string_view text;
    bool integral = true;
  };

  void SkipSpace() {
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }
  bool Peek(char c) const { return pos_ < in_.size() && in_[pos_] == c; }
  bool Take(char c) {
    SkipSpace();
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool TakeWord(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // A string, after skipping space; the opening quote is next.
  bool ReadString(std::string* out) {
    SkipSpace();
    if (!Peek('"')) return false;
    ++pos_;
    out->clear();
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (u < 0x20) return false;
      if (u >= 0x80) {
        const size_t n = Utf8SequenceLength(in_.substr(pos_));
        if (n == 0) return false;
        out->append(in_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        // Copy the run of plain characters at once.
        size_t end = pos_ + 1;
        while (end < in_.size()) {
          const auto e = static_cast<unsigned char>(in_[end]);
          if (e == '"' || e == '\\' || e < 0x20 || e >= 0x80) break;
          ++end;
        }
        out->append(in_.data() + pos_, end - pos_);
        pos_ = end;
        continue;
      }
      if (++pos_ >= in_.size()) return false;
      switch (in_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t unit = 0;
          if (!Hex4(&unit)) return false;
          if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a lone low surrogate
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            uint32_t low = 0;
            if (!TakeWord("\\u") || !Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          }
          if (unit == 0) return false;  // a NUL: left to protobuf
          AppendUtf8(unit, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > in_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = in_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *out = v;
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // A number in JSON's grammar, strictly: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  static bool ScanNumber(std::string_view in, size_t* pos, Number* number) {
    const size_t start = *pos;
    size_t p = start;
    if (p < in.size() && in[p] == '-') ++p;
    if (p >= in.size() || !IsDigit(in[p])) return false;
    if (in[p] == '0') {
      ++p;
    } else {
      while (p < in.size() && IsDigit(in[p])) ++p;
    }
    number->integral = true;
    if (p < in.size() && in[p] == '.') {
      ++p;
      if (p >= in.size() || !IsDigit(in[p])) return false;
      while (p < in.size() && IsDigit(in[p])) ++p;
      number->integral = false;
    }
    if (p < in.size() && (in[p] == 'e' || in[p] == 'E')) {
      ++p;
      if (p < in.size() && (in[p] == '+' || in[p] == '-')) ++p;
      if (p >= in.size() || !IsDigit(in[p])) return false;
      while (p < in.size() && IsDigit(in[p])) ++p;
      number->integral = false;
    }
    number->text = in.substr(start, p - start);
    *pos = p;
    return true;
  }

  bool ReadNumber(Number* number) {
    SkipSpace();
    return ScanNumber(in_, &pos_, number);
  }

  // A whole string that is exactly one number in JSON's grammar (protobuf accepts integers, and
  // numbers, quoted).
  static bool NumberInString(std::string_view text, Number* number) {
    size_t p = 0;
    return ScanNumber(text, &p, number) && p == text.size();
  }

  template <typename Int>
  static bool ToInteger(const Number& number, Int* out) {
    if (!number.integral) return false;  // "1.0" and "1e2" are protobuf's to judge
    const char* begin = number.text.data();
    const char* end = begin + number.text.size();
    const auto [ptr, error] = std::from_chars(begin, end, *out);
    return error == std::errc() && ptr == end;
  }

  // As protobuf converts: an integer through int64, refused by it unless the double holds it
  // exactly (so only short integers are certain here), anything else through strtod.
  static bool ToDouble(const Number& number, double* out) {
    if (number.integral) {
      const size_t digits = number.text.size() - (number.text[0] == '-' ? 1 : 0);
      if (digits > 15) return false;
      int64_t whole = 0;
      if (!ToInteger(number, &whole)) return false;
      *out = static_cast<double>(whole);
      return true;
    }
    const char* begin = number.text.data();
    const char* end = begin + number.text.size();
    const auto [ptr, error] = std::from_chars(begin, end, *out);
    return error == std::errc() && ptr == end && std::isfinite(*out);
  }

  // An integer field's value: a JSON integer, or one in a string.
  template <typename Int>
  bool ReadInteger(Int* out) {
    SkipSpace();
    Number number;
    if (Peek('"')) {
      std::string text;
      if (!ReadString(&text)) return false;
      return NumberInString(text, &number) && ToInteger(number, out);
    }
    return ReadNumber(&number) && ToInteger(number, out);
  }

  template <typename Float>
  bool ReadFloating(Float* out) {
    SkipSpace();
    if (Peek('"')) {
      std::string text;
      if (!ReadString(&text)) return false;
      if (text == "NaN") {
        *out = std::numeric_limits<Float>::quiet_NaN();
      } else if (text == "Infinity") {
        *out = std::numeric_limits<Float>::infinity();
      } else if (text == "-Infinity") {
        *out = -std::numeric_limits<Float>::infinity();
      } else {
        return false;  // a number in a string: protobuf's to judge
      }
      return true;
    }
    Number number;
    double value = 0;
    if (!ReadNumber(&number) || !ToDouble(number, &value)) return false;
    if constexpr (std::is_same_v<Float, float>) {
      if (std::fabs(value) > std::numeric_limits<float>::max()) return false;
    }
    *out = static_cast<Float>(value);
    return true;
  }

  bool ReadBool(bool* out) {
    SkipSpace();
    if (TakeWord("true")) {
      *out = true;
    } else if (TakeWord("false")) {
      *out = false;
    } else {
      return false;
    }
    return true;
  }

  bool ReadEnum(const FieldDescriptor* field, int* out) {
    SkipSpace();
    const google::protobuf::EnumDescriptor* type = field->enum_type();
    if (Peek('"')) {
      if (!ReadString(&scratch_)) return false;
      const auto* value = type->FindValueByName(scratch_);
      if (value == nullptr) return false;  // protobuf refuses a name it does not know
      *out = value->number();
      return true;
    }
    Number token;
    if (!ReadNumber(&token) || !ToInteger(token, out)) return false;
    // A proto3 enum is open: a number this build does not name is kept, as protobuf keeps it.
    return type->file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3 ||
           type->FindValueByNumber(*out) != nullptr;
  }

  // One value of `field` (an element when it is repeated).
  bool ReadFieldValue(Message* message, const FieldDescriptor* field) {
    const Reflection* r = message->GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
#define MODALIS_SCALAR(CPPTYPE, TYPE, READ, SET, ADD) \
  case FieldDescriptor::CPPTYPE: {                    \
    TYPE v{};                                         \
    if (!READ(&v)) return false;                      \
    if (repeated) {                                   \
      r->ADD(message, field, v);                      \
    } else {                                          \
      r->SET(message, field, v);                      \
    }                                                 \
    return true;                                      \
  }
      MODALIS_SCALAR(CPPTYPE_INT32, int32_t, ReadInteger, SetInt32, AddInt32)
      MODALIS_SCALAR(CPPTYPE_INT64, int64_t, ReadInteger, SetInt64, AddInt64)
      MODALIS_SCALAR(CPPTYPE_UINT32, uint32_t, ReadInteger, SetUInt32, AddUInt32)
      MODALIS_SCALAR(CPPTYPE_UINT64, uint64_t, ReadInteger, SetUInt64, AddUInt64)
      MODALIS_SCALAR(CPPTYPE_DOUBLE, double, ReadFloating, SetDouble, AddDouble)
      MODALIS_SCALAR(CPPTYPE_FLOAT, float, ReadFloating, SetFloat, AddFloat)
      MODALIS_SCALAR(CPPTYPE_BOOL, bool, ReadBool, SetBool, AddBool)
#undef MODALIS_SCALAR
      case FieldDescriptor::CPPTYPE_ENUM: {
        int v = 0;
        if (!ReadEnum(field, &v)) return false;
        if (repeated) {
          r->AddEnumValue(message, field, v);
        } else {
          r->SetEnumValue(message, field, v);
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (field->type() == FieldDescriptor::TYPE_BYTES) return false;  // base64: protobuf's
        std::string v;
        if (!ReadString(&v)) return false;
        if (repeated) {
          r->AddString(message, field, std::move(v));
        } else {
          r->SetString(message, field, std::move(v));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* child =
            repeated ? r->AddMessage(message, field) : r->MutableMessage(message, field);
        return ReadMessage(child);
      }
    }
    return false;
  }

  bool ReadMessage(Message* message) {
    const Descriptor* type = message->GetDescriptor();
    if (IsStructType(type)) return ReadStructType(message);
    const ProtoJson::Type* known = FindType(types_, type);
    if (known == nullptr || type->field_count() > kMaxDirectFields) return false;
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    if (!Take('{')) return false;
    std::bitset<kMaxDirectFields> seen;
    std::string name;
    SkipSpace();
    if (Peek('}')) {
      ++pos_;
      return true;
    }
    while (true) {
      if (!ReadString(&name) || !Take(':')) return false;
      const auto it = known->by_name.find(name);
      if (it == known->by_name.end()) return false;  // unknown: protobuf names it in its refusal
      const FieldDescriptor* field = it->second;
      const auto index = static_cast<size_t>(field->index());
      if (seen[index]) return false;  // given twice
      seen[index] = true;
      if (const auto* oneof = field->real_containing_oneof()) {
        for (int i = 0; i < oneof->field_count(); ++i) {
          if (oneof->field(i) != field && seen[static_cast<size_t>(oneof->field(i)->index())]) {
            return false;  // two members of one oneof
          }
        }
      }
      SkipSpace();
      if (Peek('n')) return false;  // null: protobuf's reading of it depends on the field
      if (field->is_map()) return false;
      if (field->is_repeated()) {
        if (!ReadArray([&] { return ReadFieldValue(message, field); })) return false;
      } else if (!ReadFieldValue(message, field)) {
        return false;
      }
      if (Take(',')) continue;
      if (Take('}')) break;
      return false;
    }
    return true;
  }

  template <typename Element>
  bool ReadArray(const Element& element) {
    if (!Take('[')) return false;
    SkipSpace();
    if (Peek(']')) {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (Peek('n')) return false;  // a null element
      if (!element()) return false;
      if (Take(',')) continue;
      return Take(']');
    }
  }

  bool ReadStructType(Message* message) {
    switch (message->GetDescriptor()->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_STRUCT: {
        auto* s = dynamic_cast<Struct*>(message);
        return s != nullptr && ReadStruct(s);
      }
      case Descriptor::WELLKNOWNTYPE_VALUE: {
        auto* v = dynamic_cast<Value*>(message);
        return v != nullptr && ReadValue(v);
      }
      case Descriptor::WELLKNOWNTYPE_LISTVALUE: {
        auto* l = dynamic_cast<ListValue*>(message);
        return l != nullptr && ReadList(l);
      }
      default:
        return false;
    }
  }

  bool ReadStruct(Struct* s) {
    const Level level(&depth_, 2);  // the Struct, and the map entry holding each Value
    if (!level.ok()) return false;
    if (!Take('{')) return false;
    SkipSpace();
    if (Peek('}')) {
      ++pos_;
      return true;
    }
    auto& fields = *s->mutable_fields();
    std::string key;
    while (true) {
      if (!ReadString(&key) || !Take(':')) return false;
      const auto [entry, inserted] = fields.try_emplace(key);
      if (!inserted) return false;  // a key given twice
      if (!ReadValue(&entry->second)) return false;
      if (Take(',')) continue;
      if (Take('}')) break;
      return false;
    }
    return true;
  }

  bool ReadList(ListValue* list) {
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    SkipSpace();
    if (!Take('[')) return false;
    SkipSpace();
    if (Peek(']')) {
      ++pos_;
      return true;
    }
    while (true) {
      if (!ReadValue(list->add_values())) return false;
      if (Take(',')) continue;
      if (!Take(']')) return false;
      break;
    }
    return true;
  }

  bool ReadValue(Value* value) {
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    SkipSpace();
    if (pos_ >= in_.size()) return false;
    switch (in_[pos_]) {
      case '{':
        return ReadStruct(value->mutable_struct_value());
      case '[':
        return ReadList(value->mutable_list_value());
      case '"':
        return ReadString(value->mutable_string_value());
      case 't':
      case 'f': {
        bool b = false;
        if (!ReadBool(&b)) return false;
        value->set_bool_value(b);
        return true;
      }
      case 'n':
        if (!TakeWord("null")) return false;
        value->set_null_value(google::protobuf::NULL_VALUE);
        return true;
      default: {
        Number number;
        double d = 0;
        if (!ReadNumber(&number) || !ToDouble(number, &d)) return false;
        value->set_number_value(d);
        return true;
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string scratch_;
  const Types& types_;
};

// ---------------------------------------------------------------------------------------------
// Writing.

// What a byte below 0x80 becomes in a JSON string: 0, itself; 1, a short escape; 2, \u00XX.
// Besides what JSON requires, '<', '>' and '&' are escaped so that the text is safe inside HTML.
struct EscapeTable {
  unsigned char kind[128] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) kind[c] = 2;
    for (const char c : {'\b', '\f', '\n', '\r', '\t', '"', '\\'}) kind[static_cast<int>(c)] = 1;
    for (const char c : {'<', '>', '&'}) kind[static_cast<int>(c)] = 2;
    kind[0x7F] = 2;
  }
};
constexpr EscapeTable kEscapes;

// `text` as a JSON string; U+2028 and U+2029, which end a line in JavaScript, escaped too. False
// when it is not UTF-8.
bool WriteString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    // The run of characters that stay as they are, copied at once.
    size_t end = i;
    while (end < text.size()) {
      const auto c = static_cast<unsigned char>(text[end]);
      if (c >= 0x80 || kEscapes.kind[c] != 0) break;
      ++end;
    }
    out->append(text.data() + i, end - i);
    i = end;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(text.substr(i));
      if (n == 0) return false;
      if (n == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
        out->append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      } else {
        out->append(text.data() + i, n);
      }
      i += n;
      continue;
    }
    if (kEscapes.kind[c] == 1) {
      out->push_back('\\');
      switch (c) {
        case '\b':
          out->push_back('b');
          break;
        case '\f':
          out->push_back('f');
          break;
        case '\n':
          out->push_back('n');
          break;
        case '\r':
          out->push_back('r');
          break;
        case '\t':
          out->push_back('t');
          break;
        default:
          out->push_back(static_cast<char>(c));  // '"' and '\\'
      }
    } else {
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(escaped, sizeof escaped);
    }
    ++i;
  }
  out->push_back('"');
  return true;
}

template <typename Number>
void WriteNumber(Number value, std::string* out) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, static_cast<size_t>(end - buffer));
}

template <typename Number>
void WriteQuotedNumber(Number value, std::string* out) {
  out->push_back('"');
  WriteNumber(value, out);
  out->push_back('"');
}

template <typename Float>
void WriteFloating(Float value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    WriteNumber(value, out);
  }
}

class Writer {
 public:
  explicit Writer(const Types& types) : types_(types) {}

  bool WriteMessage(const Message& message, std::string* out) {
    const Descriptor* type = message.GetDescriptor();
    if (IsStructType(type)) return WriteStructType(message, out);
    const ProtoJson::Type* known = FindType(types_, type);
    if (known == nullptr) return false;
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    const Reflection* r = message.GetReflection();
    out->push_back('{');
    bool first = true;
    for (const ProtoJson::Type::Field& f : known->by_number) {
      const FieldDescriptor* field = f.descriptor;
      const int count = field->is_repeated() ? r->FieldSize(message, field) : 0;
      if (field->is_repeated() ? count == 0 : !r->HasField(message, field)) continue;
      if (field->is_map()) return false;
      if (!first) out->push_back(',');
      first = false;
      out->append(f.key);
      if (field->is_repeated()) {
        out->push_back('[');
        for (int i = 0; i < count; ++i) {
          if (i > 0) out->push_back(',');
          if (!WriteElement(message, r, field, i, out)) return false;
        }
        out->push_back(']');
      } else if (!WriteElement(message, r, field, -1, out)) {
        return false;
      }
    }
    out->push_back('}');
    return true;
  }

 private:
  // The value of a singular field (`index` < 0) or one element of a repeated one.
  bool WriteElement(const Message& message, const Reflection* r, const FieldDescriptor* field,
                    int index, std::string* out) {
    const bool one = index < 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        WriteNumber(one ? r->GetInt32(message, field) : r->GetRepeatedInt32(message, field, index),
                    out);
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        WriteNumber(
            one ? r->GetUInt32(message, field) : r->GetRepeatedUInt32(message, field, index), out);
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        WriteQuotedNumber(
            one ? r->GetInt64(message, field) : r->GetRepeatedInt64(message, field, index), out);
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        WriteQuotedNumber(
            one ? r->GetUInt64(message, field) : r->GetRepeatedUInt64(message, field, index), out);
        return true;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        WriteFloating(
            one ? r->GetDouble(message, field) : r->GetRepeatedDouble(message, field, index), out);
        return true;
      case FieldDescriptor::CPPTYPE_FLOAT:
        WriteFloating(
            one ? r->GetFloat(message, field) : r->GetRepeatedFloat(message, field, index), out);
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out->append((one ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index))
                        ? "true"
                        : "false");
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number =
            one ? r->GetEnumValue(message, field) : r->GetRepeatedEnumValue(message, field, index);
        if (const auto* value = field->enum_type()->FindValueByNumber(number)) {
          if (field->enum_type()->full_name() == "google.protobuf.NullValue") {
            out->append("null");
            return true;
          }
          out->push_back('"');
          out->append(value->name());
          out->push_back('"');
        } else {
          WriteNumber(number, out);  // a value this build does not know, as protobuf writes it
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (field->type() == FieldDescriptor::TYPE_BYTES) return false;  // base64: protobuf's
        std::string scratch;
        const std::string& text =
            one ? r->GetStringReference(message, field, &scratch)
                : r->GetRepeatedStringReference(message, field, index, &scratch);
        return WriteString(text, out);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return WriteMessage(
            one ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
            out);
    }
    return false;
  }

  bool WriteStructType(const Message& message, std::string* out) {
    switch (message.GetDescriptor()->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_STRUCT: {
        const auto* s = dynamic_cast<const Struct*>(&message);
        return s != nullptr && WriteStruct(*s, out);
      }
      case Descriptor::WELLKNOWNTYPE_VALUE: {
        const auto* v = dynamic_cast<const Value*>(&message);
        return v != nullptr && WriteValue(*v, out);
      }
      case Descriptor::WELLKNOWNTYPE_LISTVALUE: {
        const auto* l = dynamic_cast<const ListValue*>(&message);
        return l != nullptr && WriteList(*l, out);
      }
      default:
        return false;
    }
  }

  bool WriteStruct(const Struct& s, std::string* out) {
    const Level level(&depth_, 2);
    if (!level.ok()) return false;
    // In key order, so that the same findings always read the same.
    std::vector<const google::protobuf::Map<std::string, Value>::value_type*> entries;
    entries.reserve(s.fields().size());
    for (const auto& entry : s.fields()) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    out->push_back('{');
    bool first = true;
    for (const auto* entry : entries) {
      if (!first) out->push_back(',');
      first = false;
      if (!WriteString(entry->first, out)) return false;
      out->push_back(':');
      if (!WriteValue(entry->second, out)) return false;
    }
    out->push_back('}');
    return true;
  }

  bool WriteList(const ListValue& list, std::string* out) {
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    out->push_back('[');
    for (int i = 0; i < list.values_size(); ++i) {
      if (i > 0) out->push_back(',');
      if (!WriteValue(list.values(i), out)) return false;
    }
    out->push_back(']');
    return true;
  }

  bool WriteValue(const Value& value, std::string* out) {
    const Level level(&depth_, 1);
    if (!level.ok()) return false;
    switch (value.kind_case()) {
      case Value::kNullValue:
        out->append("null");
        return true;
      case Value::kNumberValue:
        if (!std::isfinite(value.number_value())) return false;  // protobuf's to judge
        WriteNumber(value.number_value(), out);
        return true;
      case Value::kStringValue:
        return WriteString(value.string_value(), out);
      case Value::kBoolValue:
        out->append(value.bool_value() ? "true" : "false");
        return true;
      case Value::kStructValue:
        return WriteStruct(value.struct_value(), out);
      case Value::kListValue:
        return WriteList(value.list_value(), out);
      case Value::KIND_NOT_SET:
        return false;
    }
    return false;
  }

  int depth_ = 0;
  const Types& types_;
};

}  // namespace

ProtoJson::ProtoJson(const std::vector<const Descriptor*>& roots) {
  for (const Descriptor* root : roots) {
    if (root != nullptr) Prepare(root);
  }
}

void ProtoJson::Prepare(const Descriptor* type) {
  // Well-known types have JSON forms of their own (a Timestamp is an RFC 3339 string): the Struct
  // family is read and written by hand below; the others are left to protobuf, by having no Type.
  if (type->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED || types_.contains(type)) {
    return;
  }
  types_.try_emplace(type);  // first, so that a recursive type ends here
  Type prepared;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    prepared.by_name.emplace(field->json_name(), field);
    prepared.by_name.emplace(field->name(), field);
    prepared.by_number.push_back({field, "\"" + field->json_name() + "\":"});
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) Prepare(field->message_type());
  }
  std::sort(prepared.by_number.begin(), prepared.by_number.end(), [](const auto& a, const auto& b) {
    return a.descriptor->number() < b.descriptor->number();
  });
  types_[type] = std::move(prepared);
}

bool ProtoJson::ReadDirect(std::string_view json, Message* message) const {
  message->Clear();
  return Reader(types_, json).Document(message);
}

bool ProtoJson::WriteDirect(const Message& message, std::string* out) const {
  out->clear();
  return Writer(types_).WriteMessage(message, out);
}

absl::Status ProtoJson::Read(std::string_view json, Message* message) const {
  if (ReadDirect(json, message)) return absl::OkStatus();
  message->Clear();
  if (JsonNesting(json, kMaxJsonDepth) >= kMaxJsonDepth) {
    return absl::InvalidArgumentError("the document nests objects and arrays " +
                                      std::to_string(kMaxJsonDepth) +
                                      " or more levels deep; messages nest at most 100");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(status.message()));
}

absl::Status ProtoJson::Write(const Message& message, std::string* out) const {
  if (WriteDirect(message, out)) return absl::OkStatus();
  out->clear();
  const auto status = google::protobuf::util::MessageToJsonString(message, out);
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(std::string(status.message()));
}

}  // namespace modalis
