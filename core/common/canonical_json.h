// The canonical text of a JSON document: object keys sorted bytewise, no whitespace. Rule sets
// are identified by the SHA-256 of this text, so reformatting a file or reordering its keys does
// not make a new version.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace modalis {

// Byte for byte what nlohmann::json(document).dump() gives (a std::map-ordered copy), without
// building that copy: hashes of rule sets stored before stay valid.
std::string CanonicalJson(const nlohmann::ordered_json& document);

}  // namespace modalis
