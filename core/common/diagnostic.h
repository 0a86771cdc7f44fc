// A located message about a file a person edits (rules, vocabulary, golden cases).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace modalis {

struct SourceLocation {
  std::string file;
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based, in characters
  std::string pointer;  // JSON pointer, e.g. /rules/3/when/all/0
};

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string id;  // stable message id, e.g. "unknown-finding"
  SourceLocation where;
  std::string message;

  // FILE:LINE:COL: error: MESSAGE [id] (at POINTER)
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// For tools: [{"file", "line", "column", "severity": "error"|"warning", "id", "message",
// "pointer"}, ...] in the order given.
nlohmann::json DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace modalis
