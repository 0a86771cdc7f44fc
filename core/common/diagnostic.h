// A located message about a file a person edits (rules, vocabulary, golden cases).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace modalis {

struct SourceLocation {
  std::string file;
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based, in characters
  std::string pointer;  // JSON pointer, e.g. /rules/3/when/all/0
};

// The ids that code acts on (the others are only shown to people and tools). Code compares ids,
// never message text, and names them here once, so a rename cannot silently break a match.
namespace diagnostic_id {
// A rule names a modality no loaded plugin provides.
inline constexpr std::string_view kUnknownModality = "unknown-modality";
// Golden cases fail where they are advisory (modalis suggest, explain).
inline constexpr std::string_view kGoldenCasesFail = "golden-cases-fail";
}  // namespace diagnostic_id

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string id;  // stable message id, e.g. "unknown-finding"
  SourceLocation where;
  std::string message;
  // What follows from it for this severity ("plans will show it as unavailable"), kept apart from
  // the message so a caller that changes the severity replaces it instead of editing text.
  std::string consequence = {};

  bool is(std::string_view diagnostic_id) const { return id == diagnostic_id; }
  // The message and its consequence, as a person reads them.
  std::string text() const { return consequence.empty() ? message : message + consequence; }
  // FILE:LINE:COL: error: MESSAGE [id] (at POINTER)
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// For tools: [{"file", "line", "column", "severity": "error"|"warning", "id", "message",
// "pointer"}, ...] in the order given.
nlohmann::json DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace modalis
