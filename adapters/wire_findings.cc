#include "adapters/wire_findings.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "core/common/field_violations.h"
#include "core/common/utf8.h"
#include "core/findings/decode_findings.h"

namespace modalis {
namespace {

// Numbers are read and written as their eight bytes, which the encoding puts in little-endian
// order.
static_assert(std::endian::native == std::endian::little);

// Wire types of the protobuf encoding, and the fields of google.protobuf.Value's kind.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kDelimited = 2;
enum Kind : uint32_t { kNull = 1, kNumber = 2, kText = 3, kBool = 4, kList = 6 };

// Lists nested deeper than this are handed to protobuf, which refuses what passes its own
// recursion limit; the findings' depth check refuses such a value far sooner either way.
constexpr int kMaxDirectDepth = 64;

// More findings than this are handed to protobuf (and then refused as too many, unless the
// limit was raised): the check for a code sent twice probes a small table, and a request made of
// codes chosen to collide in it must not cost more than a few milliseconds.
constexpr size_t kMaxDirectEntries = 1024;

class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const auto byte = static_cast<unsigned char>(*p_++);
      value |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }
  bool Tag(uint32_t* field, uint32_t* wire_type) {
    uint64_t tag = 0;
    if (!Varint(&tag) || tag > std::numeric_limits<uint32_t>::max()) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    return *field != 0;
  }
  bool Delimited(std::string_view* out) {
    uint64_t size = 0;
    if (!Varint(&size) || size > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, static_cast<size_t>(size));
    p_ += size;
    return true;
  }
  bool Fixed64(uint64_t* out) {
    if (end_ - p_ < 8) return false;
    std::memcpy(out, p_, 8);
    p_ += 8;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

using wire_findings_internal::Entry;
using wire_findings_internal::PlainValue;

// Calls `f` with each item's Value encoding of a ListValue already read by ReadPlain.
template <class F>
void ForEachItem(std::string_view list, F&& f) {
  Cursor c(list);
  uint32_t field = 0;
  uint32_t wire_type = 0;
  std::string_view item;
  while (!c.done() && c.Tag(&field, &wire_type) && c.Delimited(&item)) f(item);
}

// Reads a Value of the shape read directly: exactly one field, a null (0), a number, UTF-8 text,
// true or false (0 or 1), or a list of such values. False for a Value of any other shape (or not
// a Value at all): protobuf reads those.
//
// `check` is false when the value was read before: its text is UTF-8 and its items are values of
// this shape, so only its kind and contents are read again.
bool ReadPlain(std::string_view bytes, int depth, PlainValue* out, bool check = true) {
  if (depth > kMaxDirectDepth) return false;
  Cursor c(bytes);
  uint32_t field = 0;
  uint32_t wire_type = 0;
  if (!c.Tag(&field, &wire_type)) return false;
  uint64_t varint = 0;
  switch (field) {
    case kNull:
      if (wire_type != kVarint || !c.Varint(&varint) || varint != 0) return false;
      break;
    case kNumber:
      if (wire_type != kFixed64 || !c.Fixed64(&out->number_bits)) return false;
      break;
    case kText:
      if (wire_type != kDelimited || !c.Delimited(&out->bytes)) return false;
      if (check && !IsValidUtf8(out->bytes)) return false;
      break;
    case kBool:
      if (wire_type != kVarint || !c.Varint(&varint) || varint > 1) return false;
      out->boolean = varint == 1;
      break;
    case kList: {
      if (wire_type != kDelimited || !c.Delimited(&out->bytes)) return false;
      Cursor items(out->bytes);
      while (check && !items.done()) {
        uint32_t item_field = 0;
        std::string_view item;
        PlainValue value;
        if (!items.Tag(&item_field, &wire_type) || item_field != 1 || wire_type != kDelimited ||
            !items.Delimited(&item) || !ReadPlain(item, depth + 1, &value)) {
          return false;
        }
      }
      break;
    }
    default:
      return false;
  }
  out->kind = field;
  return c.done();
}

// An item of a list ReadPlain has read already.
PlainValue ReadItem(std::string_view bytes) {
  PlainValue v;
  ReadPlain(bytes, 1, &v, /*check=*/false);
  return v;
}

// A map entry of the shape read directly: the key once, the value once, nothing else.
bool ReadEntry(std::string_view bytes, std::string_view* key, std::string_view* value) {
  Cursor c(bytes);
  bool has_key = false;
  bool has_value = false;
  while (!c.done()) {
    uint32_t field = 0;
    uint32_t wire_type = 0;
    std::string_view part;
    if (!c.Tag(&field, &wire_type) || wire_type != kDelimited || !c.Delimited(&part)) return false;
    if (field == 1 && !has_key) {
      if (!IsValidUtf8(part)) return false;
      *key = part;
      has_key = true;
    } else if (field == 2 && !has_value) {
      *value = part;
      has_value = true;
    } else {
      return false;
    }
  }
  return has_key && has_value;
}

// A hash of a finding's code from its length and its first and last eight bytes: codes differ
// there, and a collision only costs a comparison.
size_t QuickHash(std::string_view key) {
  uint64_t head = 0;
  uint64_t tail = 0;
  std::memcpy(&head, key.data(), std::min<size_t>(key.size(), 8));
  if (key.size() > 8) std::memcpy(&tail, key.data() + key.size() - 8, 8);
  const uint64_t mixed =
      (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ key.size();
  return static_cast<size_t>(mixed ^ (mixed >> 29));
}

// True when two entries share a key (protobuf keeps the last; such findings are left to it).
bool AnyKeyTwice(const std::vector<Entry>& entries) {
  if (entries.size() < 2) return false;
  // Open addressing over the keys' hashes, at most half full: no allocation per key.
  size_t capacity = 16;
  while (capacity < entries.size() * 2) capacity *= 2;
  std::vector<uint32_t> table(capacity, 0);  // entry index + 1; 0 is empty
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t slot = QuickHash(entries[i].key) & (capacity - 1);
    while (table[slot] != 0) {
      if (entries[table[slot] - 1].key == entries[i].key) return true;
      slot = (slot + 1) & (capacity - 1);
    }
    table[slot] = static_cast<uint32_t>(i + 1);
  }
  return false;
}

// The findings decoder's view of a Value read directly (core/findings/decode_findings.h).
class WireValueView {
 public:
  explicit WireValueView(const PlainValue& v) : v_(v) {
    if (v_.kind == kList) {
      ForEachItem(v_.bytes, [&](std::string_view item) { items_.push_back(item); });
    }
  }
  bool is_null() const { return v_.kind == kNull; }
  bool is_boolean() const { return v_.kind == kBool; }
  bool boolean() const { return v_.boolean; }
  bool is_number() const { return v_.kind == kNumber; }
  double number() const { return std::bit_cast<double>(v_.number_bits); }
  bool is_string() const { return v_.kind == kText; }
  std::string_view text() const { return v_.bytes; }
  bool is_list() const { return v_.kind == kList; }
  size_t size() const { return items_.size(); }
  WireValueView item(size_t i) const { return WireValueView(ReadItem(items_[i])); }
  std::string Describe() const { return decode::DescribeJson(AsJson()); }

 private:
  nlohmann::json AsJson() const {
    switch (v_.kind) {
      case kNumber:
        return number();
      case kText:
        return std::string(v_.bytes);
      case kBool:
        return v_.boolean;
      case kList: {
        nlohmann::json out = nlohmann::json::array();
        for (std::string_view item : items_) out.push_back(WireValueView(ReadItem(item)).AsJson());
        return out;
      }
      default:
        break;
    }
    return nullptr;
  }

  PlainValue v_;
  std::vector<std::string_view> items_;
};

class WireDocumentView {
 public:
  explicit WireDocumentView(const std::vector<Entry>& entries) : entries_(entries) {}
  bool is_object() const { return true; }
  size_t size() const { return entries_.size(); }
  template <class F>
  void ForEach(F&& f) const {
    for (const Entry& e : entries_) f(e.key, WireValueView(e.value));
  }

 private:
  const std::vector<Entry>& entries_;
};

// True when the Value nests at most `depth` levels (a scalar is one), as CheckFindingsDepth
// counts them.
bool Fits(const PlainValue& v, int depth) {
  if (depth <= 0) return false;
  if (v.kind != kList) return true;
  bool fits = true;
  ForEachItem(v.bytes,
              [&](std::string_view item) { fits = fits && Fits(ReadItem(item), depth - 1); });
  return fits;
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t EncodedSize(const PlainValue& v);

// Size of a list's items, each a Value field of the ListValue.
size_t ListBodySize(const PlainValue& list) {
  size_t body = 0;
  ForEachItem(list.bytes, [&](std::string_view item) {
    const size_t size = EncodedSize(ReadItem(item));
    body += 1 + VarintSize(size) + size;
  });
  return body;
}

// Size of the Value's deterministic encoding, as protobuf writes it: the one field of its kind.
size_t EncodedSize(const PlainValue& v) {
  switch (v.kind) {
    case kNull:
    case kBool:
      return 2;
    case kNumber:
      return 9;
    case kText:
      return 1 + VarintSize(v.bytes.size()) + v.bytes.size();
    case kList: {
      const size_t body = ListBodySize(v);
      return 1 + VarintSize(body) + body;
    }
    default:
      break;
  }
  return 0;
}

void Encode(const PlainValue& v, std::string* out) {
  switch (v.kind) {
    case kNull:
      out->append("\x08\x00", 2);
      return;
    case kNumber: {
      out->push_back('\x11');
      char bits[8];
      std::memcpy(bits, &v.number_bits, 8);
      out->append(bits, 8);
      return;
    }
    case kText:
      out->push_back('\x1a');
      PutVarint(v.bytes.size(), out);
      out->append(v.bytes);
      return;
    case kBool:
      out->push_back('\x20');
      out->push_back(v.boolean ? '\x01' : '\x00');
      return;
    case kList:
      out->push_back('\x32');
      PutVarint(ListBodySize(v), out);
      ForEachItem(v.bytes, [&](std::string_view item) {
        const PlainValue value = ReadItem(item);
        out->push_back('\x0a');
        PutVarint(EncodedSize(value), out);
        Encode(value, out);
      });
      return;
    default:
      return;
  }
}

absl::Status Unreadable() {
  return InvalidField("findings",
                      "findings is not a readable google.protobuf.Struct: its encoding is "
                      "malformed, or holds text that is not UTF-8");
}

}  // namespace

absl::StatusOr<WireFindings> WireFindings::Read(
    const google::protobuf::RepeatedPtrField<std::string>& parts) {
  if (parts.empty()) return Read(std::string_view());
  if (parts.size() == 1) return Read(std::string_view(parts.Get(0)));
  // Each occurrence is a message of its own, which protobuf reads on its own and merges into
  // the ones before (a part need not read when its bytes are joined to the next, nor the other
  // way round). Rare enough to leave to it.
  auto merged = std::make_shared<google::protobuf::Struct>();
  for (const std::string& part : parts) {
    if (!merged->MergeFromString(part)) return Unreadable();
  }
  WireFindings out;
  out.parsed_ = std::move(merged);
  return out;
}

absl::StatusOr<WireFindings> WireFindings::Read(std::string_view bytes) {
  WireFindings out;
  out.bytes_ = bytes;
  out.entries_.reserve(bytes.size() / 16 + 1);
  bool direct = true;
  Cursor c(bytes);
  while (!c.done()) {
    uint32_t field = 0;
    uint32_t wire_type = 0;
    std::string_view entry;
    std::string_view value;
    Entry e;
    if (!c.Tag(&field, &wire_type) || field != 1 || wire_type != kDelimited ||
        !c.Delimited(&entry) || !ReadEntry(entry, &e.key, &value) ||
        !ReadPlain(value, 1, &e.value)) {
      direct = false;
      break;
    }
    if (out.entries_.size() == kMaxDirectEntries) {
      direct = false;
      break;
    }
    out.entries_.push_back(e);
  }
  if (direct && !AnyKeyTwice(out.entries_)) return out;
  out.entries_.clear();
  auto parsed = std::make_shared<google::protobuf::Struct>();
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !parsed->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Unreadable();
  }
  out.parsed_ = std::move(parsed);
  return out;
}

WireFindings WireFindings::Of(const google::protobuf::Struct& findings) {
  WireFindings out;
  out.parsed_ = std::shared_ptr<const google::protobuf::Struct>(
      std::shared_ptr<const google::protobuf::Struct>(), &findings);
  return out;
}

absl::Status WireFindings::CheckDepth(int max_depth) const {
  if (parsed_ != nullptr) return CheckFindingsDepth(*parsed_, max_depth);
  std::vector<std::string_view> too_deep;
  for (const Entry& e : entries_) {
    if (!Fits(e.value, max_depth)) too_deep.push_back(e.key);
  }
  return NestedTooDeeply(too_deep, max_depth);
}

absl::StatusOr<Findings> WireFindings::Decode(std::shared_ptr<const Vocabulary> vocabulary,
                                              const FindingsLimits& limits) const {
  if (parsed_ != nullptr) return DecodeFindingsStruct(*parsed_, std::move(vocabulary), limits);
  // Too deep first, and alone, as DecodeFindingsStruct refuses it.
  if (absl::Status s = CheckDepth(); !s.ok()) return s;
  return decode::DecodeDocument(WireDocumentView(entries_), std::move(vocabulary), limits);
}

std::string WireFindings::DeterministicEncoding() const {
  std::string out;
  if (parsed_ != nullptr) {
    {
      google::protobuf::io::StringOutputStream raw(&out);
      google::protobuf::io::CodedOutputStream coded(&raw);
      coded.SetSerializationDeterministic(true);
      parsed_->SerializeToCodedStream(&coded);
    }  // the stream trims `out` to what was written as it closes
    return out;
  }
  // Keys in order, as protobuf writes a map deterministically (no key is here twice).
  std::vector<const Entry*> sorted;
  sorted.reserve(entries_.size());
  for (const Entry& e : entries_) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const Entry* a, const Entry* b) { return a->key < b->key; });
  out.reserve(bytes_.size() + 16);
  for (const Entry* e : sorted) {
    const size_t value_size = EncodedSize(e->value);
    const size_t entry_size =
        1 + VarintSize(e->key.size()) + e->key.size() + 1 + VarintSize(value_size) + value_size;
    out.push_back('\x0a');
    PutVarint(entry_size, &out);
    out.push_back('\x0a');
    PutVarint(e->key.size(), &out);
    out.append(e->key);
    out.push_back('\x12');
    PutVarint(value_size, &out);
    Encode(e->value, &out);
  }
  return out;
}

google::protobuf::Struct WireFindings::ToStruct() const {
  if (parsed_ != nullptr) return *parsed_;
  google::protobuf::Struct out;
  // Read here already, so protobuf reads it too.
  out.ParseFromArray(bytes_.data(), static_cast<int>(bytes_.size()));
  return out;
}

}  // namespace modalis
