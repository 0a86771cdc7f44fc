// The proto3 JSON codec is held to protobuf's own converter: every message of the API, filled at
// random, is written so that protobuf reads it back the same, and read from protobuf's writing the
// same; whatever the codec reads by itself (the valid documents, and thousands of damaged ones),
// protobuf reads identically; everything else gets protobuf's own refusal.
#include "adapters/proto_json.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/platform_admin.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::vector<const google::protobuf::ServiceDescriptor*> Services() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name :
       {v1::PlanService::service_full_name(), v1::RulesAdmin::service_full_name(),
        v1::PlatformAdmin::service_full_name()}) {
    services.push_back(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name));
  }
  return services;
}

// Every request and response type of the API.
std::vector<const Descriptor*> ApiTypes() {
  std::vector<const Descriptor*> types;
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      types.push_back(service->method(i)->input_type());
      types.push_back(service->method(i)->output_type());
    }
  }
  return types;
}

std::unique_ptr<Message> New(const Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

// The exact content of a message, NaNs and negative zeros included.
std::string Bytes(const Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  EXPECT_TRUE(message.SerializeToCodedStream(&coded));
  coded.Trim();
  return out;
}

// Fills messages with values chosen to catch an encoding's mistakes: escapes, non-ASCII text,
// extreme numbers, NaN, enum values the schema does not name, nested findings.
class Filler {
 public:
  explicit Filler(uint32_t seed) : random_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor* type = message->GetDescriptor();
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_STRUCT) {
      FillStruct(static_cast<google::protobuf::Struct*>(message), depth);
      return;
    }
    const auto* r = message->GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (!Chance(3, 4)) continue;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth > 3) continue;
      const int count = field->is_repeated() ? Below(4) : 1;
      for (int n = 0; n < count; ++n) {
        switch (field->cpp_type()) {
          case FieldDescriptor::CPPTYPE_INT32: {
            const int32_t v = Pick<int32_t>({0, 1, -1, 11, std::numeric_limits<int32_t>::max(),
                                             std::numeric_limits<int32_t>::min()});
            field->is_repeated() ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_INT64: {
            const int64_t v =
                Pick<int64_t>({0, 7, -3, 1798765432101LL, std::numeric_limits<int64_t>::max(),
                               std::numeric_limits<int64_t>::min()});
            field->is_repeated() ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_UINT32: {
            const uint32_t v = Pick<uint32_t>({0, 1, 4000000000U});
            field->is_repeated() ? r->AddUInt32(message, field, v)
                                 : r->SetUInt32(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_UINT64: {
            const uint64_t v = Pick<uint64_t>({0, 1, std::numeric_limits<uint64_t>::max()});
            field->is_repeated() ? r->AddUInt64(message, field, v)
                                 : r->SetUInt64(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_DOUBLE: {
            const double v = Double();
            field->is_repeated() ? r->AddDouble(message, field, v)
                                 : r->SetDouble(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_FLOAT: {
            const auto v = static_cast<float>(Double());
            field->is_repeated() ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_BOOL:
            field->is_repeated() ? r->AddBool(message, field, Chance(1, 2))
                                 : r->SetBool(message, field, Chance(1, 2));
            break;
          case FieldDescriptor::CPPTYPE_ENUM: {
            const auto* e = field->enum_type();
            const int v =
                Chance(1, 8) ? 97 : e->value(Below(e->value_count()))->number();  // 97: unnamed
            field->is_repeated() ? r->AddEnumValue(message, field, v)
                                 : r->SetEnumValue(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_STRING: {
            const std::string v = Text();
            field->is_repeated() ? r->AddString(message, field, v)
                                 : r->SetString(message, field, v);
            break;
          }
          case FieldDescriptor::CPPTYPE_MESSAGE:
            Fill(field->is_repeated() ? r->AddMessage(message, field)
                                      : r->MutableMessage(message, field),
                 depth + 1);
            break;
        }
      }
    }
  }

 private:
  bool Chance(int in, int of) { return Below(of) < in; }
  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + Below(static_cast<int>(values.size())));
  }
  double Double() {
    return Pick<double>({0.0, -0.0, 1.5, -7.25, 11.0, 0.1, 1e-7, 1e21, 123456.789, 5e-324,
                         std::numeric_limits<double>::max(), std::nan(""),
                         std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity()});
  }
  std::string Text() {
    return Pick<std::string>({"", "desk-worker", "quote \" and backslash \\", "<script>&</script>",
                              "tab\tnew\nline\r", "\x01\x1f control", "caf\xc3\xa9 \xe2\x80\xa8",
                              "\xf0\x9f\x98\x80 emoji", "/slash/", "del \x7f"});
  }
  void FillStruct(google::protobuf::Struct* s, int depth) {
    const int n = Below(5);
    for (int i = 0; i < n; ++i) {
      FillValue(&(*s->mutable_fields())[Text() + std::to_string(i)], depth + 1);
    }
  }
  void FillValue(google::protobuf::Value* v, int depth) {
    switch (Below(depth > 4 ? 4 : 6)) {
      case 0:
        v->set_null_value(google::protobuf::NULL_VALUE);
        break;
      case 1: {
        double d = Double();
        if (!std::isfinite(d)) d = 2.5;
        v->set_number_value(d);
        break;
      }
      case 2:
        v->set_string_value(Text());
        break;
      case 3:
        v->set_bool_value(Chance(1, 2));
        break;
      case 4:
        FillStruct(v->mutable_struct_value(), depth);
        break;
      default: {
        auto* list = v->mutable_list_value();
        const int n = Below(4);
        for (int i = 0; i < n; ++i) FillValue(list->add_values(), depth + 1);
      }
    }
  }

  std::mt19937 random_;
};

TEST(ProtoJsonTest, WritesEveryApiMessageAsProtobufReadsItAndReadsProtobufsWriting) {
  const ProtoJson codec(ApiTypes());
  Filler filler(20261201);
  int checked = 0;
  for (int round = 0; round < 40; ++round) {
    for (const Descriptor* type : ApiTypes()) {
      const auto original = New(type);
      filler.Fill(original.get(), 0);
      SCOPED_TRACE(type->full_name() + ": " + original->ShortDebugString());

      // What protobuf makes of its own writing: the same message, but for what proto3 JSON
      // cannot carry (a negative zero is written "-0" and read back as an integer).
      std::string theirs;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*original, &theirs).ok());
      const auto reference = New(type);
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(theirs, reference.get()).ok());

      std::string ours;
      ASSERT_TRUE(codec.WriteDirect(*original, &ours)) << "the codec stepped aside";
      const auto read_by_protobuf = New(type);
      const auto parsed = google::protobuf::util::JsonStringToMessage(ours, read_by_protobuf.get());
      ASSERT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << ours;
      EXPECT_EQ(Bytes(*read_by_protobuf), Bytes(*reference)) << ours;

      const auto read_by_us = New(type);
      ASSERT_TRUE(codec.ReadDirect(theirs, read_by_us.get())) << theirs;
      EXPECT_EQ(Bytes(*read_by_us), Bytes(*reference)) << theirs;

      const auto again = New(type);
      ASSERT_TRUE(codec.ReadDirect(ours, again.get())) << ours;
      EXPECT_EQ(Bytes(*again), Bytes(*reference)) << ours;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

// Whatever the codec reads by itself, protobuf reads the same; what it does not, Read hands to
// protobuf, so the two always agree.
void ExpectAgreesWithProtobuf(const ProtoJson& codec, const Descriptor* type,
                              const std::string& json, int* direct, int* accepted) {
  const auto ours = New(type);
  const bool read_directly = codec.ReadDirect(json, ours.get());
  const auto theirs = New(type);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto protobuf = google::protobuf::util::JsonStringToMessage(json, theirs.get(), options);
  if (protobuf.ok()) ++*accepted;
  if (read_directly) {
    ++*direct;
    ASSERT_TRUE(protobuf.ok()) << "read a document protobuf refuses (" << protobuf.ToString()
                               << "): " << json;
    ASSERT_EQ(Bytes(*ours), Bytes(*theirs)) << json;
  }
  const auto through = New(type);
  const absl::Status read = codec.Read(json, through.get());
  ASSERT_EQ(read.ok(), protobuf.ok()) << json;
  if (read.ok()) {
    EXPECT_EQ(Bytes(*through), Bytes(*theirs)) << json;
  } else {
    EXPECT_EQ(read.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(read.message(), std::string(protobuf.message()));
  }
}

TEST(ProtoJsonTest, DamagedDocumentsAreReadAsProtobufReadsThemOrRefusedInItsWords) {
  const ProtoJson codec(ApiTypes());
  const std::string desk = testing::ReadText(testing::DataFile("desk-worker-request.json"));
  const auto* suggest = v1::SuggestPlanRequest::descriptor();
  const auto* feedback = v1::RecordFeedbackRequest::descriptor();
  const std::vector<std::pair<std::string, const Descriptor*>> seeds = {
      {desk, suggest},
      {R"({"patientRef": "p-1", "findings": {"pain_nprs": 6, "x": [1, "a", null, {"b": false}]}})",
       suggest},
      {R"({"patient_ref":"p-2","dryRun":true,"findings":{}})", suggest},
      {R"({"planId": "pl-1", "stepIndex": 2, "decision": "STEP_DECISION_DECLINED", "reason": "r"})",
       feedback},
      {R"({"planId": "pl-1", "stepIndex": "2", "decision": 3})", feedback},
      {R"({"sinceMs": "1798765432101", "untilMs": 1798765432102})",
       v1::GetEvidenceRequest::descriptor()},
      {R"({"patientRef": "p", "sessionNumber": 1, "painNprs": 4.5, "odiPercent": 0})",
       v1::RecordOutcomeRequest::descriptor()},
  };
  const std::vector<std::string> inserts = {
      "\"",      "\\",      ",",    ":",   "{",       "}",    "[",
      "]",       "null",    "1.0",  "1e2", "-",       "01",   "\"x\":1,",
      "\\u0000", "\\ud800", "\xff", " ",   "\"NaN\"", "true", "\"pain_nprs\":1,"};
  std::mt19937 random(7);
  int direct = 0;
  int accepted = 0;
  for (const auto& [seed, type] : seeds) {
    ExpectAgreesWithProtobuf(codec, type, seed, &direct, &accepted);
    for (int i = 0; i < 1000; ++i) {
      std::string damaged = seed;
      const size_t at = std::uniform_int_distribution<size_t>(0, damaged.size())(random);
      switch (std::uniform_int_distribution<int>(0, 2)(random)) {
        case 0:
          if (at < damaged.size()) damaged.erase(at, 1);
          break;
        case 1:
          damaged.insert(
              at, inserts[std::uniform_int_distribution<size_t>(0, inserts.size() - 1)(random)]);
          break;
        default:
          if (at < damaged.size()) damaged[at] = static_cast<char>(random() % 128);
      }
      ExpectAgreesWithProtobuf(codec, type, damaged, &direct, &accepted);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // The codec must be doing the work, not protobuf behind it.
  EXPECT_GT(direct, accepted * 3 / 4) << direct << " of " << accepted << " read directly";
}

TEST(ProtoJsonTest, ReadsTheFormsClientsSend) {
  const ProtoJson codec(ApiTypes());
  v1::SuggestPlanRequest request;
  ASSERT_TRUE(codec.ReadDirect(
      R"({"patient_ref": "p-1", "requestId": "r-\u00e9\ud83d\ude00", "dry_run": true,
          "findings": {"pain_nprs": 7, "ratio": -0.5e-3, "flags": ["a", true, null]}})",
      &request));
  EXPECT_EQ(request.patient_ref(), "p-1");
  EXPECT_EQ(request.request_id(), "r-\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_TRUE(request.dry_run());
  EXPECT_EQ(request.findings().fields().at("pain_nprs").number_value(), 7);
  EXPECT_EQ(request.findings().fields().at("ratio").number_value(), -0.0005);
  EXPECT_EQ(request.findings().fields().at("flags").list_value().values(2).kind_case(),
            google::protobuf::Value::kNullValue);

  v1::GetEvidenceRequest evidence;
  ASSERT_TRUE(codec.ReadDirect(R"({"sinceMs": "-12", "untilMs": 1798765432101})", &evidence));
  EXPECT_EQ(evidence.since_ms(), -12);
  EXPECT_EQ(evidence.until_ms(), 1798765432101);
}

TEST(ProtoJsonTest, RefusesInProtobufsWordsNamingTheField) {
  const ProtoJson codec(ApiTypes());
  v1::SuggestPlanRequest request;
  absl::Status status = codec.Read(R"({"patientRef": "p", "findngs": {}})", &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("findngs"), std::string_view::npos) << status;

  v1::RecordFeedbackRequest feedback;
  status = codec.Read(R"({"decision": "MAYBE"})", &feedback);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("MAYBE"), std::string_view::npos) << status;

  status = codec.Read(R"({"stepIndex": 4294967296})", &feedback);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

std::string NestedFindings(int depth) {
  return R"({"findings": {"x": )" + std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']') + "}}";
}

TEST(ProtoJsonTest, NestingIsReadAsProtobufReadsItUpToItsLimit) {
  const ProtoJson codec(ApiTypes());
  for (const int depth : {1, 20, 40, 45, 60, 120}) {
    SCOPED_TRACE(depth);
    int direct = 0;
    int accepted = 0;
    ExpectAgreesWithProtobuf(codec, v1::SuggestPlanRequest::descriptor(), NestedFindings(depth),
                             &direct, &accepted);
  }
}

// Protobuf's converter takes time growing with the square of the depth (seconds at 20,000
// levels): a body that deep is refused before it gets there.
TEST(ProtoJsonTest, AMegabyteOfNestingIsRefusedAtOnce) {
  const ProtoJson codec(ApiTypes());
  for (const int depth : {250, 500000}) {
    v1::SuggestPlanRequest request;
    const absl::Status status = codec.Read(NestedFindings(depth), &request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << depth;
    EXPECT_NE(status.message().find("nests"), std::string_view::npos) << status;
  }
}

// Should the API ever carry a Timestamp or an Any, their JSON forms are protobuf's: the codec
// leaves them to it rather than write them as plain messages.
TEST(ProtoJsonTest, OtherWellKnownTypesAreLeftToProtobuf) {
  const ProtoJson codec(
      {google::protobuf::Timestamp::descriptor(), google::protobuf::Option::descriptor()});
  google::protobuf::Timestamp at;
  at.set_seconds(1798765432);
  std::string json;
  EXPECT_FALSE(codec.WriteDirect(at, &json));
  ASSERT_TRUE(codec.Write(at, &json).ok());
  EXPECT_EQ(json, "\"2027-01-01T01:03:52Z\"");  // RFC 3339, not {"seconds": …}

  google::protobuf::Option option;
  option.set_name("n");
  google::protobuf::Int32Value seven;
  seven.set_value(7);
  option.mutable_value()->PackFrom(seven);
  EXPECT_FALSE(codec.WriteDirect(option, &json));
  ASSERT_TRUE(codec.Write(option, &json).ok());
  google::protobuf::Option back;
  EXPECT_FALSE(codec.ReadDirect(json, &back));
  ASSERT_TRUE(codec.Read(json, &back).ok()) << json;
  EXPECT_EQ(Bytes(back), Bytes(option)) << json;
}

TEST(ProtoJsonTest, WritesTextSafeForHtmlAndJavaScript) {
  const ProtoJson codec(ApiTypes());
  v1::RecordFeedbackRequest feedback;
  feedback.set_reason("<script>alert(1)</script> & \xe2\x80\xa8");
  std::string json;
  ASSERT_TRUE(codec.Write(feedback, &json).ok());
  EXPECT_EQ(json.find('<'), std::string::npos) << json;
  EXPECT_EQ(json.find('>'), std::string::npos) << json;
  EXPECT_NE(json.find("\\u2028"), std::string::npos) << json;
}

}  // namespace
}  // namespace modalis
