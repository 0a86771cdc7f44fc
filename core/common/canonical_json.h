// The canonical text of a JSON document: object keys sorted bytewise, no whitespace. Rule sets
// are identified by the SHA-256 of this text, so reformatting a file or reordering its keys does
// not make a new version.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace modalis {

// Byte for byte what nlohmann::json(document).dump() gives (a std::map-ordered copy), without
// building that copy: hashes of rule sets stored before stay valid.
std::string CanonicalJson(const nlohmann::ordered_json& document);

// Appends `text` as a JSON string escaped as nlohmann's dump() escapes it: the two-character
// escapes it uses, \u00xx (lower-case hex) for other control characters, every other byte as it
// is. For JSON written directly that must match what a document's dump() gave.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace modalis
