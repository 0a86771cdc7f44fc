#include "core/common/diagnostic.h"

#include <algorithm>

namespace modalis {

std::string Diagnostic::ToString() const {
  std::string out = where.file.empty() ? std::string("<input>") : where.file;
  if (where.line > 0) {
    out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  }
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  out += text();
  out += " [" + id + "]";
  if (!where.pointer.empty()) out += " (at " + where.pointer + ")";
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

nlohmann::json DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const Diagnostic& d : diagnostics) {
    out.push_back({{"file", d.where.file},
                   {"line", d.where.line},
                   {"column", d.where.column},
                   {"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
                   {"id", d.id},
                   {"message", d.text()},
                   {"pointer", d.where.pointer}});
  }
  return out;
}

}  // namespace modalis
