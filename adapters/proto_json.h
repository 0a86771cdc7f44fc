// Proto3 JSON for the API's messages (the mapping protobuf's `util::JsonStringToMessage` and
// `util::MessageToJsonString` implement, with their default options), read and written by
// walking the messages' descriptors directly.
//
// Why not only protobuf's converter: in protobuf 3.21 it rebuilds its type tables and allocates
// per field on every call, which made a SuggestPlan over JSON cost four times one over gRPC. This
// codec handles what the API uses (messages, scalars, enums, repeated fields, oneofs, and the
// google.protobuf Struct, Value and ListValue of the findings) and is exact on it. On anything
// else, or on any input it is not certain how protobuf would read (a value written in an unusual
// but legal form, a duplicate key, a malformed document), it steps aside and protobuf's converter
// decides: so it accepts exactly what protobuf accepts, yields the same message, and every refusal
// carries protobuf's own words.
//
// Thread-safe: immutable after construction.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace modalis {

class ProtoJson {
 public:
  // Prepares the message types reachable from `roots` (say, every method's input and output).
  explicit ProtoJson(const std::vector<const google::protobuf::Descriptor*>& roots);

  // `json` read into `message` (cleared first). INVALID_ARGUMENT, in protobuf's words, when it is
  // not a proto3 JSON encoding of that type; unknown fields are refused.
  absl::Status Read(std::string_view json, google::protobuf::Message* message) const;

  // `message` as compact proto3 JSON: field names in lowerCamelCase, fields at their default
  // omitted, 64-bit integers as strings, enums by name. INTERNAL only when protobuf's converter
  // refuses it too (a string that is not UTF-8).
  absl::Status Write(const google::protobuf::Message& message, std::string* out) const;

  // The codec alone, without protobuf's converter behind it: true when it read (wrote) the whole
  // message with certainty; false when it stepped aside, leaving `message` (`out`) unspecified.
  // For tests that hold it to protobuf's behaviour.
  bool ReadDirect(std::string_view json, google::protobuf::Message* message) const;
  bool WriteDirect(const google::protobuf::Message& message, std::string* out) const;

  // What the codec knows of one message type.
  struct Type {
    // Each field under its JSON name and under its proto name, as protobuf accepts both.
    absl::flat_hash_map<std::string_view, const google::protobuf::FieldDescriptor*> by_name;
    // In the writing order (by number), each with its key as written: "jsonName":
    struct Field {
      const google::protobuf::FieldDescriptor* descriptor;
      std::string key;
    };
    std::vector<Field> by_number;
  };

 private:
  void Prepare(const google::protobuf::Descriptor* type);

  absl::flat_hash_map<const google::protobuf::Descriptor*, Type> types_;
};

}  // namespace modalis
