// The findings of a SuggestPlanRequest as modalisd receives them: the google.protobuf.Struct's
// encoding, read straight into the typed slots. Protobuf's own Struct (a hash map of Value
// messages) cost more to build than planning did; this reads the bytes where they lie.
//
// The shape every client sends (each finding once, with a null, number, text, true/false or a
// list of those) is read here. Any other shape protobuf accepts (a key twice, unknown fields, an
// object as a value) is handed to protobuf and to the Struct path (adapters/struct_findings.h), so
// it is answered exactly as before: same findings, same violations, same encoding.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>
#include <google/protobuf/struct.pb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/struct_findings.h"
#include "core/findings/findings.h"

namespace modalis {

namespace wire_findings_internal {

// A Value read directly: its kind (the number of google.protobuf.Value's field that holds it)
// and what it holds.
struct PlainValue {
  uint32_t kind = 0;
  uint64_t number_bits = 0;  // a number's eight bytes
  bool boolean = false;
  std::string_view bytes;  // the text, or the ListValue's encoding
};

// A finding as read: its code, and its Value.
struct Entry {
  std::string_view key;
  PlainValue value;
};

}  // namespace wire_findings_internal

// The findings of a request as received: the Struct's encoding as it came off the wire, or a
// Struct already parsed (a request that arrived as JSON).
class WireFindings {
 public:
  // Reads the Struct's encoding, given as the parts its field occurred in (each read on its own
  // and merged into the ones before, as protobuf does). INVALID_ARGUMENT naming "findings" when
  // protobuf would not read it (malformed, or text that is not UTF-8). The parts must outlive the
  // result.
  static absl::StatusOr<WireFindings> Read(
      const google::protobuf::RepeatedPtrField<std::string>& parts);
  static absl::StatusOr<WireFindings> Read(std::string_view bytes);
  // Findings parsed already, read through the Struct path. `findings` must outlive the result.
  static WireFindings Of(const google::protobuf::Struct& findings);

  // As CheckFindingsDepth: INVALID_ARGUMENT naming every finding nested deeper than `max_depth`.
  absl::Status CheckDepth(int max_depth = kMaxFindingsDepth) const;
  // As DecodeFindingsStruct (CheckDepth first): the same findings, or the same violations.
  absl::StatusOr<Findings> Decode(std::shared_ptr<const Vocabulary> vocabulary,
                                  const FindingsLimits& limits) const;
  // Protobuf's deterministic encoding of the Struct (keys in order at every depth), byte for byte.
  std::string DeterministicEncoding() const;
  // The Struct, parsed by protobuf: for what still needs one (the hash older releases stored).
  google::protobuf::Struct ToStruct() const;

  // True when the bytes were read here rather than handed to protobuf (for tests).
  bool read_directly() const { return parsed_ == nullptr; }

 private:
  using Entry = wire_findings_internal::Entry;

  std::string_view bytes_;
  // Read directly: one per key, in the order they came.
  std::vector<Entry> entries_;
  // Handed to protobuf: the Struct it read (or the one given to Of, not owned).
  std::shared_ptr<const google::protobuf::Struct> parsed_;
};

}  // namespace modalis
