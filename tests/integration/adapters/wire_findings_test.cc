// Findings read straight from their encoding must be exactly what protobuf's Struct gives: the
// same findings or the same refusal (message and field violations), the same depth check, and the
// same deterministic encoding byte for byte, whatever order the keys came in. The reference is
// the Struct path (adapters/struct_findings) over the Struct protobuf parses from the same bytes.
#include "adapters/wire_findings.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "adapters/plan_proto.h"
#include "adapters/request_hash.h"
#include "adapters/suggest_request.h"
#include "core/common/field_violations.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/findings_documents.h"

namespace modalis {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using nlohmann::json;

std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

// The Struct's entries encoded one by one, in the order of `keys`.
std::string EntriesInOrder(const Struct& s, const std::vector<std::string>& keys) {
  std::string bytes;
  for (const std::string& key : keys) {
    Struct one;
    (*one.mutable_fields())[key] = s.fields().at(key);
    bytes += one.SerializeAsString();
  }
  return bytes;
}

// Protobuf's encoding, written out by hand for shapes its own writer does not make.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string VarintField(int number, uint64_t v) {
  return Varint(static_cast<uint64_t>(number) << 3) + Varint(v);
}
std::string Delimited(int number, const std::string& payload) {
  return Varint((static_cast<uint64_t>(number) << 3) | 2) + Varint(payload.size()) + payload;
}
// A Struct entry: key, then value, unless `value_first`.
std::string Entry(const std::string& key, const std::string& value, bool value_first = false) {
  return Delimited(1, value_first ? Delimited(2, value) + Delimited(1, key)
                                  : Delimited(1, key) + Delimited(2, value));
}

void ExpectSameStatus(const absl::Status& a, const absl::Status& b) {
  EXPECT_EQ(a.code(), b.code());
  EXPECT_EQ(a.message(), b.message());
  const auto va = FieldViolationsOf(a);
  const auto vb = FieldViolationsOf(b);
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    EXPECT_EQ(va[i].field, vb[i].field);
    EXPECT_EQ(va[i].description, vb[i].description);
  }
}

// Reads `bytes` both ways and expects the same of each; returns whether it was read directly.
bool ExpectSameAsStruct(const std::string& bytes, const std::string& label) {
  SCOPED_TRACE(label);
  auto vocabulary = testing::DefaultRules()->vocabulary;
  const FindingsLimits limits;
  Struct parsed;
  const bool protobuf_reads = parsed.ParseFromString(bytes);
  auto read = WireFindings::Read(bytes);
  EXPECT_EQ(read.ok(), protobuf_reads) << (read.ok() ? "" : read.status().ToString());
  if (!read.ok() || !protobuf_reads) {
    if (!read.ok()) {
      EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
      const auto violations = RequestFieldViolationsOf(read.status());
      EXPECT_EQ(violations.size(), 1u);
      if (!violations.empty()) {
        EXPECT_EQ(violations[0].field, "findings");
      }
    }
    return false;
  }
  ExpectSameStatus(read->CheckDepth(), CheckFindingsDepth(parsed));
  auto direct = read->Decode(vocabulary, limits);
  auto reference = DecodeFindingsStruct(parsed, vocabulary, limits);
  EXPECT_EQ(direct.ok(), reference.ok());
  if (direct.ok() && reference.ok()) {
    EXPECT_EQ(direct->ToJson(), reference->ToJson());
  } else if (!direct.ok() && !reference.ok()) {
    ExpectSameStatus(direct.status(), reference.status());
  }
  EXPECT_EQ(read->DeterministicEncoding(), Deterministic(parsed));
  EXPECT_EQ(Deterministic(read->ToStruct()), Deterministic(parsed));
  return read->read_directly();
}

// Every order the test uses: protobuf's own, keys sorted, keys reversed.
size_t ExpectSameInEveryOrder(const json& document, const std::string& label) {
  auto s = JsonToStruct(document);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return 0;
  std::vector<std::string> keys;
  for (const auto& [key, value] : s->fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  size_t direct = 0;
  direct += ExpectSameAsStruct(s->SerializeAsString(), label + " (protobuf's order)");
  direct += ExpectSameAsStruct(EntriesInOrder(*s, keys), label + " (keys sorted)");
  std::reverse(keys.begin(), keys.end());
  direct += ExpectSameAsStruct(EntriesInOrder(*s, keys), label + " (keys reversed)");
  return direct;
}

TEST(WireFindingsTest, EveryShippedAndTestDocumentReadsAsTheStruct) {
  for (const auto& [label, doc] : testing::ExampleFindings()) {
    EXPECT_EQ(ExpectSameInEveryOrder(doc, label), 3u) << label << " was not read directly";
  }
  const auto cases = testing::GoldenCaseFindings();
  for (const auto& [label, doc] : cases) ExpectSameInEveryOrder(doc, label);
  EXPECT_GT(cases.size(), 100u);
}

TEST(WireFindingsTest, EveryRefusalIsTheSame) {
  for (const auto& [label, doc] : testing::FindingsForEachCheck()) {
    ExpectSameInEveryOrder(doc, label);
  }
}

// Shapes a client library does not send but protobuf reads: handed to protobuf, with the same
// results as before.
TEST(WireFindingsTest, OtherShapesProtobufReadsAreLeftToIt) {
  Struct s;
  (*s.mutable_fields())["pain_nprs"].set_number_value(4);
  (*s.mutable_fields())["pregnant"].set_bool_value(false);
  const std::string base = s.SerializeAsString();
  Struct one;
  (*one.mutable_fields())["pain_nprs"].set_number_value(7);
  Struct empty_value;
  (*empty_value.mutable_fields())["pregnant"];
  const std::string four = std::string("\x11", 1) + std::string("\0\0\0\0\0\0\x10\x40", 8);
  const std::vector<std::pair<std::string, std::string>> shapes = {
      // The same key twice: protobuf keeps the last.
      {"a key twice", base + one.SerializeAsString()},
      // A Value holding a number, then text: the last kind wins.
      {"two kinds in one value", Entry("pain_nprs", four + Delimited(3, "x"))},
      // An unknown field (15, varint) inside a Value.
      {"an unknown field in a value", Entry("pregnant", VarintField(4, 1) + VarintField(15, 5))},
      {"a boolean written as 2", Entry("pregnant", VarintField(4, 2))},
      {"a null of another value", Entry("pregnant", VarintField(1, 3))},
      {"a value with no kind", empty_value.SerializeAsString()},
      {"value before key", Entry("pregnant", VarintField(4, 1), true)},
      {"an entry with no value", Delimited(1, Delimited(1, "pregnant"))},
      {"a list holding an object",
       Entry("trigger_points", Delimited(6, Delimited(1, Delimited(5, ""))))},
  };
  for (const auto& [label, bytes] : shapes) {
    // An entry's fields in the other order are still read directly (and encoded in protobuf's).
    EXPECT_EQ(WireFindings::Read(bytes)->read_directly(), label == "value before key") << label;
  }
  for (const auto& [label, bytes] : shapes) ExpectSameAsStruct(bytes, label);
}

// The findings' field more than once: each occurrence is read on its own and merged, as protobuf
// does, so a part that is malformed alone is refused even when joined to the next it would read.
TEST(WireFindingsTest, EachOccurrenceOfTheFindingsIsReadOnItsOwn) {
  const std::string entry = Entry("pain_nprs", VarintField(4, 1));
  // "U-2": a fixed32 field cut short on its own; joined to the entry it would swallow four bytes.
  wire::SuggestPlanRequest request;
  request.add_findings("");
  request.add_findings("U-2");
  request.add_findings(entry);
  v1::SuggestPlanRequest api;
  ASSERT_FALSE(api.ParseFromString(request.SerializeAsString()));
  EXPECT_FALSE(WireFindings::Read(request.findings()).ok());

  wire::SuggestPlanRequest merged;
  merged.add_findings(Entry("pain_nprs", Delimited(3, "six")));
  merged.add_findings(entry);
  ASSERT_TRUE(api.ParseFromString(merged.SerializeAsString()));
  auto read = WireFindings::Read(merged.findings());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->DeterministicEncoding(), Deterministic(api.findings()));
}

// Codes made to share their length and first and last eight bytes, the most a request could
// send: past the number read directly they are left to protobuf, and answered as before (too
// many findings) without probing a table of colliding codes.
// `n` findings whose codes share their length and their first and last eight bytes.
std::string CollidingFindings(int n) {
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    char middle[9];  // four hex digits for every n used here
    std::snprintf(middle, sizeof middle, "%04x", i);
    bytes += Entry(std::string("collide_") + middle + "_collide", VarintField(4, 1));
  }
  return bytes;
}

TEST(WireFindingsTest, ManyCollidingCodesAreLeftToProtobuf) {
  const std::string bytes = CollidingFindings(5000);
  auto read = WireFindings::Read(bytes);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->read_directly());
  ExpectSameAsStruct(bytes, "5,000 colliding codes");
  // Within the number read directly, colliding codes are still told apart.
  const std::string fewer = CollidingFindings(1000);
  auto direct = WireFindings::Read(fewer);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_TRUE(direct->read_directly());
  ExpectSameAsStruct(fewer, "1,000 colliding codes");
}

TEST(WireFindingsTest, UnreadableFindingsAreRefusedNamingThem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", Entry("pregnant", VarintField(4, 1)).substr(0, 8)},
      {"not UTF-8 in a value",
       Entry("medications", Delimited(6, Delimited(1, Delimited(3, "\xc3\x28"))))},
      {"not UTF-8 in a key", Entry("\xff\xfe", VarintField(4, 1))},
      {"a surrogate", Entry("work_type", Delimited(3, "\xed\xa0\x80"))},
      {"an overlong form", Entry("work_type", Delimited(3, "\xc0\xaf"))},
      {"garbage", std::string(11, '\xff')},
      {"field number 0", std::string("\x02\x00", 2)},
  };
  for (const auto& [label, bytes] : cases) {
    SCOPED_TRACE(label);
    Struct s;
    ASSERT_FALSE(s.ParseFromString(bytes)) << "protobuf reads it; the case is wrong";
    auto read = WireFindings::Read(bytes);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("not a readable google.protobuf.Struct"),
              std::string::npos)
        << read.status();
    const auto violations = RequestFieldViolationsOf(read.status());
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "findings");
  }
  // Lists nested past protobuf's own limit.
  Value deep;
  deep.set_number_value(1);
  for (int i = 0; i < 150; ++i) {
    Value outer;
    *outer.mutable_list_value()->add_values() = deep;
    deep = outer;
  }
  Struct s;
  (*s.mutable_fields())["trigger_points"] = deep;
  auto read = WireFindings::Read(s.SerializeAsString());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
}

// Random findings of every plain kind, and random damage to their encoding: read directly or not,
// the result is the Struct's.
TEST(WireFindingsTest, RandomFindingsAndDamagedEncodingsReadAsTheStruct) {
  std::mt19937 random(20261201);
  const auto vocabulary = testing::DefaultRules()->vocabulary;
  std::vector<std::string> codes = vocabulary->codes();
  codes.push_back("not_a_finding");
  const std::vector<std::string> texts = {"desk", "sitting", "quadratus_lumborum", "",
                                          "ñ",    "none",    "positive_bilateral", "x\"y"};
  std::function<Value(int)> random_value = [&](int depth) {
    Value v;
    switch (random() % (depth < 3 ? 6 : 5)) {
      case 0:
        v.set_null_value(google::protobuf::NULL_VALUE);
        break;
      case 1: {
        const double numbers[] = {0.0,
                                  -0.0,
                                  4,
                                  6.5,
                                  -1,
                                  1e308,
                                  120,
                                  10,
                                  11,
                                  std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::infinity()};
        v.set_number_value(numbers[random() % std::size(numbers)]);
        break;
      }
      case 2:
        v.set_string_value(texts[random() % texts.size()]);
        break;
      case 3:
      case 4:
        v.set_bool_value(random() % 2 == 0);
        break;
      default: {
        auto* list = v.mutable_list_value();
        const int n = static_cast<int>(random() % 4);
        for (int i = 0; i < n; ++i) *list->add_values() = random_value(depth + 1);
      }
    }
    return v;
  };
  size_t direct = 0;
  for (int round = 0; round < 400; ++round) {
    Struct s;
    const int n = static_cast<int>(random() % 12);
    for (int i = 0; i < n; ++i) {
      (*s.mutable_fields())[codes[random() % codes.size()]] = random_value(0);
    }
    std::vector<std::string> keys;
    for (const auto& [key, value] : s.fields()) keys.push_back(key);
    std::shuffle(keys.begin(), keys.end(), random);
    std::string bytes = EntriesInOrder(s, keys);
    direct += ExpectSameAsStruct(bytes, "round " + std::to_string(round));
    if (bytes.empty()) continue;
    // One byte changed, or the encoding cut short.
    std::string damaged = bytes;
    damaged[random() % damaged.size()] = static_cast<char>(random() % 256);
    ExpectSameAsStruct(damaged, "round " + std::to_string(round) + ", a byte changed");
    ExpectSameAsStruct(bytes.substr(0, random() % bytes.size()),
                       "round " + std::to_string(round) + ", cut short");
    if (HasFailure()) break;
  }
  EXPECT_GT(direct, 300u);  // most are read directly, not handed to protobuf
}

// The wire form is SuggestPlanRequest with the findings left encoded: every other field the same.
TEST(WireFindingsTest, TheWireRequestHasEveryFieldOfTheApisRequest) {
  const auto* api = v1::SuggestPlanRequest::descriptor();
  const auto* wire = wire::SuggestPlanRequest::descriptor();
  ASSERT_EQ(api->field_count(), wire->field_count());
  for (int i = 0; i < api->field_count(); ++i) {
    const auto* a = api->field(i);
    const auto* w = wire->FindFieldByNumber(a->number());
    ASSERT_NE(w, nullptr) << a->name();
    EXPECT_EQ(w->name(), a->name());
    if (a->name() == "findings") {
      EXPECT_EQ(w->type(), google::protobuf::FieldDescriptor::TYPE_BYTES);
      continue;
    }
    EXPECT_EQ(w->type(), a->type()) << a->name();
    EXPECT_EQ(w->is_repeated(), a->is_repeated()) << a->name();
    if (a->message_type() != nullptr) {
      EXPECT_EQ(w->message_type(), a->message_type());
    }
  }
}

TEST(WireFindingsTest, WithoutFindingsCopiesEveryOtherField) {
  v1::SuggestPlanRequest request;
  const auto* descriptor = request.GetDescriptor();
  const auto* reflection = request.GetReflection();
  // Every field set to something other than its default.
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    using F = google::protobuf::FieldDescriptor;
    switch (field->cpp_type()) {
      case F::CPPTYPE_STRING:
        reflection->SetString(&request, field, "v-" + field->name());
        break;
      case F::CPPTYPE_UINT32:
        reflection->SetUInt32(&request, field, 30);
        break;
      case F::CPPTYPE_BOOL:
        reflection->SetBool(&request, field, true);
        break;
      case F::CPPTYPE_MESSAGE:
        reflection->MutableMessage(&request, field);  // present
        break;
      default:
        FAIL() << "a field of a type this test does not set: " << field->name();
    }
  }
  request.mutable_practitioner()->add_qualifications("dry_needling");
  (*request.mutable_findings()->mutable_fields())["pain_nprs"].set_number_value(5);

  v1::SuggestPlanRequest without = request;
  without.clear_findings();
  wire::SuggestPlanRequest expected;
  ASSERT_TRUE(expected.ParseFromString(without.SerializeAsString()));
  EXPECT_EQ(WithoutFindings(request).SerializeAsString(), expected.SerializeAsString());

  // And back, with the findings.
  const v1::SuggestPlanRequest again =
      ToApiRequest(WithoutFindings(request), WireFindings::Of(request.findings()));
  EXPECT_EQ(Deterministic(again), Deterministic(request));
}

TEST(WireFindingsTest, ARequestReadOffTheWireHashesAsTheApisRequest) {
  v1::SuggestPlanRequest request;
  const auto status = google::protobuf::util::JsonStringToMessage(
      testing::ReadText(testing::DataFile("desk-worker-request.json")), &request);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<std::string> keys;
  for (const auto& [key, value] : request.findings().fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (int order = 0; order < 2; ++order) {
    if (order == 1) std::reverse(keys.begin(), keys.end());
    wire::SuggestPlanRequest wire = WithoutFindings(request);
    wire.add_findings(EntriesInOrder(request.findings(), keys));
    auto findings = WireFindings::Read(wire.findings());
    ASSERT_TRUE(findings.ok()) << findings.status();
    EXPECT_TRUE(findings->read_directly());
    EXPECT_EQ(RequestHash(wire, FindingsEncoding(*findings)), RequestHash(request));
    EXPECT_EQ(LegacyRequestHash(wire, *findings), LegacyRequestHash(request));
  }
  // The findings' field split in two on the wire is protobuf's merge of the two.
  wire::SuggestPlanRequest split = WithoutFindings(request);
  split.add_findings(EntriesInOrder(request.findings(), {keys.begin(), keys.begin() + 5}));
  split.add_findings(EntriesInOrder(request.findings(), {keys.begin() + 5, keys.end()}));
  auto findings = WireFindings::Read(split.findings());
  ASSERT_TRUE(findings.ok()) << findings.status();
  EXPECT_EQ(RequestHash(split, FindingsEncoding(*findings)), RequestHash(request));
}

}  // namespace
}  // namespace modalis
