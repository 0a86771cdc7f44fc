#include "core/common/json_document.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <list>
#include <optional>

namespace modalis {
namespace {

// Iterator over the text that records how far nlohmann's lexer has read, so SAX events can be
// given a position.
class TrackingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator() = default;
  TrackingIterator(const char* p, const char** high_water) : p_(p), high_water_(high_water) {}
  reference operator*() const { return *p_; }
  TrackingIterator& operator++() {
    ++p_;
    if (high_water_ != nullptr && p_ > *high_water_) *high_water_ = p_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const TrackingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_ = nullptr;
  const char** high_water_ = nullptr;
};

bool IsScalarChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '+' || c == '-';
}

// `text` with every byte that is not part of well-formed UTF-8 shown as \xNN. The lexer quotes
// what it last read, and a diagnostic travels in protobuf strings (ValidateRuleSet, GetStatus),
// which must be valid UTF-8 or the client cannot decode the reply.
std::string PrintableUtf8(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = b(i);
    size_t n = c < 0x80                   ? 1
               : (c >= 0xC2 && c <= 0xDF) ? 2
               : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (b(i + k) & 0xC0) == 0x80;
    if (ok && n == 3) {
      ok = !(c == 0xE0 && b(i + 1) < 0xA0) &&
           !(c == 0xED && b(i + 1) >= 0xA0);  // overlong, surrogate
    } else if (ok && n == 4) {
      ok = !(c == 0xF0 && b(i + 1) < 0x90) &&
           !(c == 0xF4 && b(i + 1) >= 0x90);  // overlong, > U+10FFFF
    }
    if (!ok) {
      static const char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string PointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class LocatingSaxHandler {
 public:
  using json = nlohmann::ordered_json;
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  LocatingSaxHandler(JsonDocument* doc, std::string_view text, const char** high_water,
                     std::vector<Diagnostic>* diagnostics, const JsonLimits& limits)
      : doc_(doc),
        text_(text),
        high_water_(high_water),
        diagnostics_(diagnostics),
        limits_(limits) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  bool null() { return Value(nullptr, ScalarStart()); }
  bool boolean(bool v) { return Value(v, ScalarStart()); }
  bool number_integer(number_integer_t v) { return Value(v, ScalarStart()); }
  bool number_unsigned(number_unsigned_t v) { return Value(v, ScalarStart()); }
  bool number_float(number_float_t v, const string_t&) { return Value(v, ScalarStart()); }
  bool string(string_t& v) { return Value(std::move(v), StringStart()); }
  bool binary(binary_t&) { return false; }

  bool start_object(std::size_t) { return Open(json::object(), Offset() - 1); }
  bool start_array(std::size_t) { return Open(json::array(), Offset() - 1); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(string_t& k) {
    Frame& f = stack_.back();
    const size_t start = StringStart();
    // One look-up both finds a duplicate and makes the slot the value will fill, as nlohmann's
    // own DOM parser does; the slot stays valid until the next key of this object.
    auto [it, inserted] = f.node->get_ref<json::object_t&>().emplace(k, nullptr);
    if (!inserted) {
      const std::string child = f.pointer + "/" + PointerToken(k);
      auto [line, col] = doc_->positions_[JsonDocument::PointerKey(child)];
      AddError("duplicate-key", start,
               "the key '" + k + "' appears twice in the same object (first at line " +
                   std::to_string(line) + ", column " + std::to_string(col) +
                   "); only one is allowed",
               child);
      f.duplicate_key = k;
      f.member_key = nullptr;
      f.slot = nullptr;
    } else {
      f.member_key = &it->first;
      f.slot = &it->second;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix:
    // the position is already in the diagnostic.
    if (auto colon = what.find(": ");
        colon != std::string::npos && what.find("parse error") != std::string::npos) {
      what = what.substr(colon + 2);
    } else if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos) {
      // Other lexer errors (a number too large to hold) carry only the exception's id.
      what = what.substr(what.find("] ") + 2);
    }
    // Point at the start of the token that broke the syntax: `position` is just past it.
    // Point at the start of the token that broke the syntax. `position` is just past it;
    // nlohmann's token text is no help for that, as it can hold earlier characters too.
    size_t offset = std::min(position == 0 ? 0 : position - 1, text_.size() - 1);
    if (!text_.empty() && IsScalarChar(text_[offset])) {
      while (offset > 0 && IsScalarChar(text_[offset - 1])) --offset;
    } else if (!text_.empty() && text_[offset] == '"' && !last_token.empty() &&
               last_token.front() == '"' && last_token.size() > 1) {
      offset = StringStartBefore(offset + 1);
    }
    if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      AddError("empty-file", 0, "the file is empty; it must hold one JSON object", "");
      return false;
    }
    offset = std::min(offset, text_.size());
    if (std::optional<LikelyCause> cause = LikelyCauseAt(offset)) {
      AddError("malformed-json", cause->offset,
               cause->message + " (the parser stopped at line " +
                   std::to_string(LineColumn(offset).first) + ": " + PrintableUtf8(what) + ")",
               "");
      return false;
    }
    AddError("malformed-json", offset, "this is not valid JSON: " + PrintableUtf8(what), "");
    return false;
  }

  // The usual slips behind a syntax error, named where they were made rather than where the
  // parser noticed: a comma missing at the end of a line (noticed at the next value), or a comma
  // left before a closing bracket.
  struct LikelyCause {
    size_t offset;
    std::string message;
  };
  std::optional<LikelyCause> LikelyCauseAt(size_t offset) const {
    if (offset >= text_.size()) return std::nullopt;
    size_t before = offset;
    while (before > 0 && std::isspace(static_cast<unsigned char>(text_[before - 1]))) --before;
    if (before == 0) return std::nullopt;
    const char previous = text_[before - 1];
    const char next = text_[offset];
    const int previous_line = LineColumnFromStart(before - 1).first;
    const bool ends_value =
        previous == '"' || previous == '}' || previous == ']' || IsScalarChar(previous);
    const bool starts_value = next == '"' || next == '{' || next == '[' || IsScalarChar(next);
    // Inside an object or a list only: after the top-level value has closed, more text is no
    // missing comma but text that does not belong in the file.
    if (ends_value && starts_value && !stack_.empty()) {
      return LikelyCause{before,
                         "missing comma at the end of line " + std::to_string(previous_line) + "?"};
    }
    if (previous == ',' && (next == '}' || next == ']')) {
      return LikelyCause{before - 1, std::string("a comma before a closing '") + next +
                                         "': remove the comma at the end of line " +
                                         std::to_string(previous_line)};
    }
    return std::nullopt;
  }

 private:
  struct Frame {
    json* node;
    std::string pointer;
    uint64_t key_hash;  // JsonDocument::PointerKey(pointer)
    // In an object: the member the current key's value goes to, and its key; both null under a
    // duplicate key, whose value is parsed but kept apart.
    const std::string* member_key = nullptr;
    json* slot = nullptr;
    std::string duplicate_key;

    const std::string& key() const { return member_key != nullptr ? *member_key : duplicate_key; }
  };

  size_t Offset() const { return static_cast<size_t>(*high_water_ - text_.data()); }

  // Start of the string token that ends just before the read position.
  size_t StringStart() const { return StringStartBefore(Offset()); }

  // Start of the string token whose closing quote is at `end` - 1.
  size_t StringStartBefore(size_t end) const {
    size_t i = end;
    if (i < 2) return 0;
    i -= 2;  // skip the closing quote
    while (i > 0) {
      if (text_[i] == '"') {
        size_t backslashes = 0;
        for (size_t j = i; j > 0 && text_[j - 1] == '\\'; --j) ++backslashes;
        if (backslashes % 2 == 0) return i;
      }
      --i;
    }
    return 0;
  }

  // Start of a number or literal; the lexer may have read one character past its end.
  size_t ScalarStart() const {
    size_t i = Offset();
    if (i == 0) return 0;
    --i;
    if (!IsScalarChar(text_[i]) && i > 0) --i;
    while (i > 0 && IsScalarChar(text_[i - 1])) --i;
    return i;
  }

  // Positions arrive in text order while parsing, so the common case continues from the last
  // one: linear in the file, even for a file written on a single line.
  std::pair<int, int> LineColumn(size_t offset) {
    if (offset < cursor_offset_) return LineColumnFromStart(offset);
    for (; cursor_offset_ < offset && cursor_offset_ < text_.size(); ++cursor_offset_) {
      const char c = text_[cursor_offset_];
      if (c == '\n') {
        ++cursor_line_;
        cursor_column_ = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++cursor_column_;  // count characters, not bytes: skip UTF-8 continuation bytes
      }
    }
    return {cursor_line_, cursor_column_};
  }

  std::pair<int, int> LineColumnFromStart(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line_index = static_cast<size_t>(std::distance(line_starts_.begin(), it)) - 1;
    const size_t line_start = line_starts_[line_index];
    int column = 1;
    for (size_t i = line_start; i < offset && i < text_.size(); ++i) {
      // Count characters, not bytes: skip UTF-8 continuation bytes.
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    return {static_cast<int>(line_index) + 1, column};
  }

  void AddError(std::string id, size_t offset, std::string message, std::string pointer) {
    auto [line, col] = LineColumn(offset);
    Diagnostic d;
    d.id = std::move(id);
    d.where = SourceLocation{doc_->file_, line, col, std::move(pointer)};
    d.message = std::move(message);
    diagnostics_->push_back(std::move(d));
  }

  // The pointer of the next value: its parent's, "/" and its array index or escaped key.
  // Only containers need it as text (their children's pointers and messages); for every value
  // its position key is continued from the parent's hash instead.
  std::string ChildPointer() const {
    const Frame& f = stack_.back();
    std::string pointer = f.pointer + "/";
    pointer += f.node->is_array() ? std::to_string(f.node->size()) : PointerToken(f.key());
    return f.node->is_object() && f.slot == nullptr ? pointer + "#duplicate" : pointer;
  }

  uint64_t ChildKey() const {
    const Frame& f = stack_.back();
    uint64_t key = JsonDocument::ContinueKey(f.key_hash, "/");
    if (f.node->is_array()) return JsonDocument::ContinueKey(key, std::to_string(f.node->size()));
    for (const char c : f.key()) {
      key = JsonDocument::ContinueKey(key, c == '~'   ? "~0"
                                           : c == '/' ? "~1"
                                                      : std::string_view(&c, 1));
    }
    return f.slot == nullptr ? JsonDocument::ContinueKey(key, "#duplicate") : key;
  }

  // Where the next value goes.
  json* Slot(json&& value) {
    if (stack_.empty()) {
      doc_->root_ = std::move(value);
      return &doc_->root_;
    }
    Frame& f = stack_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(value));
      return &f.node->back();
    }
    if (f.slot == nullptr) {
      // Keep the first occurrence; the duplicate is already an error.
      scratch_.push_back(std::move(value));
      return &scratch_.back();
    }
    *f.slot = std::move(value);
    return f.slot;
  }

  template <class T>
  bool Value(T&& v, size_t start) {
    const uint64_t key = stack_.empty() ? JsonDocument::kPointerKeySeed : ChildKey();
    Slot(json(std::forward<T>(v)));
    doc_->positions_.emplace(key, LineColumn(start));
    return true;
  }

  bool Open(json&& container, size_t start) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      AddError("too-deep", start,
               "nesting is deeper than " + std::to_string(limits_.max_depth) +
                   " levels; simplify the structure",
               stack_.empty() ? "" : stack_.back().pointer);
      return false;
    }
    std::string pointer = stack_.empty() ? "" : ChildPointer();
    const uint64_t key = JsonDocument::PointerKey(pointer);
    json* node = Slot(std::move(container));
    doc_->positions_.emplace(key, LineColumn(start));
    stack_.push_back(Frame{node, std::move(pointer), key, nullptr, nullptr, {}});
    return true;
  }

  bool Close() {
    stack_.pop_back();
    return true;
  }

  JsonDocument* doc_;
  std::string_view text_;
  const char** high_water_;
  std::vector<Diagnostic>* diagnostics_;
  JsonLimits limits_;
  std::vector<size_t> line_starts_;
  size_t cursor_offset_ = 0;  // LineColumn's last position, and its line and column
  int cursor_line_ = 1;
  int cursor_column_ = 1;
  std::vector<Frame> stack_;
  std::list<json> scratch_;  // stable addresses for values under duplicate keys
};

JsonDocument JsonDocument::Parse(std::string_view text, std::string file,
                                 std::vector<Diagnostic>* diagnostics, const JsonLimits& limits) {
  JsonDocument doc;
  doc.file_ = std::move(file);
  if (text.size() > limits.max_bytes) {
    Diagnostic d;
    d.id = "file-too-large";
    d.where.file = doc.file_;
    d.message = "the file is " + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(limits.max_bytes);
    diagnostics->push_back(std::move(d));
    return doc;
  }
  const char* high_water = text.data();
  doc.positions_.reserve(text.size() / 16);  // about one value per 16 bytes of JSON
  LocatingSaxHandler handler(&doc, text, &high_water, diagnostics, limits);
  TrackingIterator first(text.data(), &high_water);
  TrackingIterator last(text.data() + text.size(), nullptr);
  nlohmann::ordered_json::sax_parse(first, last, &handler);
  return doc;
}

SourceLocation JsonDocument::Locate(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    if (auto it = positions_.find(PointerKey(p)); it != positions_.end()) {
      return SourceLocation{file_, it->second.first, it->second.second, pointer};
    }
    if (p.empty()) break;
    p = p.substr(0, p.rfind('/'));
  }
  return SourceLocation{file_, 0, 0, pointer};
}

}  // namespace modalis
