// Findings read straight from the request's google.protobuf.Struct into the typed slots, with the
// same checks and messages as DecodeFindings on JSON, and no JSON document in between.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/findings/findings.h"

namespace modalis {

// How deep the findings Struct and the lists and objects in it may nest.
inline constexpr int kMaxFindingsDepth = 16;

// INVALID_ARGUMENT naming every finding whose value nests deeper than `max_depth` (a scalar is one
// level), checked before anything reads the values.
absl::Status CheckFindingsDepth(const google::protobuf::Struct& findings,
                                int max_depth = kMaxFindingsDepth);

// INVALID_ARGUMENT naming each of `codes`, findings nested deeper than `max_depth`, in code order;
// OK when there are none.
absl::Status NestedTooDeeply(const std::vector<std::string_view>& codes, int max_depth);

// INVALID_ARGUMENT, with a field violation per finding, for a value nested deeper than
// `max_depth`, for an unknown finding or a value its definition refuses (as DecodeFindings).
absl::StatusOr<Findings> DecodeFindingsStruct(const google::protobuf::Struct& findings,
                                              std::shared_ptr<const Vocabulary> vocabulary,
                                              const FindingsLimits& limits,
                                              int max_depth = kMaxFindingsDepth);

}  // namespace modalis
