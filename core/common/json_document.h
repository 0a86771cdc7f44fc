// A JSON file parsed for people: every value keeps its line and column, duplicate keys are errors
// (nlohmann's DOM parser silently keeps the last), and a syntax error is reported with its
// position.
//
// Thread-compatible: immutable after Parse.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/common/diagnostic.h"

namespace modalis {

struct JsonLimits {
  size_t max_bytes = 4 * 1024 * 1024;
  int max_depth = 64;
};

class JsonDocument {
 public:
  // Parses `text`, naming it `file` in diagnostics. Problems are appended to `diagnostics`; the
  // returned document is usable only when no error was added.
  static JsonDocument Parse(std::string_view text, std::string file,
                            std::vector<Diagnostic>* diagnostics, const JsonLimits& limits = {});

  const nlohmann::ordered_json& root() const { return root_; }
  const std::string& file() const { return file_; }

  // Location of the value at `pointer`; falls back to the nearest located ancestor.
  SourceLocation Locate(const std::string& pointer) const;

 private:
  friend class LocatingSaxHandler;
  nlohmann::ordered_json root_;
  std::string file_;
  // Keyed by a 64-bit hash of the pointer rather than the pointer itself: a rule file has a
  // position for every value, and storing each pointer string made large files slow to load. A
  // collision could at worst misplace one message's line number. FNV-1a, because it can be
  // continued from a parent's hash, so a value's key needs no pointer string at all.
  static constexpr uint64_t kPointerKeySeed = 14695981039346656037ull;
  static constexpr uint64_t ContinueKey(uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    return hash;
  }
  static uint64_t PointerKey(std::string_view pointer) {
    return ContinueKey(kPointerKeySeed, pointer);
  }
  // Open addressing: one allocation for the table rather than one per value.
  absl::flat_hash_map<uint64_t, std::pair<int, int>> positions_;  // pointer -> (line, column)
};

// Escapes one JSON pointer reference token (RFC 6901).
std::string PointerToken(std::string_view key);

}  // namespace modalis
