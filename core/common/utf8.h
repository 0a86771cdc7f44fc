// UTF-8 as protobuf and JSON require it of a string: well formed, with no overlong forms, no
// surrogates and nothing past U+10FFFF.
#pragma once

#include <cstddef>
#include <string_view>

namespace modalis {

// Length of the UTF-8 sequence that starts at `s[0]` when it is well formed; 0 otherwise.
size_t Utf8SequenceLength(std::string_view s);

// True when all of `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace modalis
