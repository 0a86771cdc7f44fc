// Proto3 JSON text -> the Connect door's reading of a SuggestPlanRequest (adapters/proto_json),
// held to protobuf's own converter: whatever the codec reads by itself, protobuf reads the same;
// Read accepts exactly what protobuf accepts; and what the codec writes, both read back the same.
// A disagreement aborts, so libFuzzer keeps the input.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/proto_json.h"
#include "modalis/v1/plan_service.pb.h"

namespace {

[[noreturn]] void Disagree(const char* what, std::string_view json) {
  std::fprintf(stderr, "proto_json: %s\ninput: %.*s\n", what, static_cast<int>(json.size()),
               json.data());
  std::abort();
}

std::string Bytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  (void)message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* codec =
      new modalis::ProtoJson({modalis::v1::SuggestPlanRequest::descriptor(),
                              modalis::v1::SuggestPlanResponse::descriptor()});
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  modalis::v1::SuggestPlanRequest direct;
  const bool read_directly = codec->ReadDirect(json, &direct);
  modalis::v1::SuggestPlanRequest through;
  const absl::Status read = codec->Read(json, &through);
  if (read_directly && !read.ok()) Disagree("Read refused what ReadDirect read", json);
  // Refused for its depth without asking protobuf, whose time grows with the square of it.
  if (!read.ok() && read.message().find("nests objects and arrays") != std::string_view::npos) {
    return 0;
  }

  modalis::v1::SuggestPlanRequest theirs;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const bool protobuf_read =
      google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(json.data(), json.size()), &theirs, options)
          .ok();
  if (read.ok() != protobuf_read) Disagree("Read and protobuf disagree on accepting", json);
  if (!protobuf_read) return 0;
  const std::string expected = Bytes(theirs);
  if (Bytes(through) != expected) Disagree("Read made another message than protobuf", json);
  if (read_directly && Bytes(direct) != expected) {
    Disagree("ReadDirect made another message than protobuf", json);
  }

  std::string written;
  if (!codec->WriteDirect(theirs, &written)) return 0;  // a form left to protobuf's writer
  modalis::v1::SuggestPlanRequest again;
  if (!google::protobuf::util::JsonStringToMessage(written, &again).ok()) {
    Disagree("protobuf cannot read what the codec wrote", written);
  }
  // Compared with protobuf's own writing read back, not with the message itself: protobuf writes
  // a negative zero "-0" and reads that back as positive zero, and the codec writes as it does.
  std::string theirs_written;
  if (!google::protobuf::util::MessageToJsonString(theirs, &theirs_written).ok()) return 0;
  modalis::v1::SuggestPlanRequest their_again;
  if (!google::protobuf::util::JsonStringToMessage(theirs_written, &their_again).ok()) return 0;
  if (Bytes(again) != Bytes(their_again)) {
    Disagree("what the codec wrote reads back differently from protobuf's writing", written);
  }
  return 0;
}
