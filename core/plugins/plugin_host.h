// Discovers, checks and loads modality plugins from one directory with Boost.DLL.
//
// Every check that can be made without running plugin code (path, file type, permissions, entry
// point present) is made before the library is opened, because opening runs its constructors.
// One bad plugin never stops the others: it is refused with a reason naming the file.
//
// Thread-safe for concurrent reads once loaded; the registry is frozen after LoadPlugins.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/modality/modality.h"

namespace modalis {

struct PluginRefusal {
  std::string path;    // the file, absolute
  std::string reason;  // why, e.g. "was built for plugin ABI 2.0; this host speaks ABI 1.0 ..."
  std::string message() const { return path + ": " + reason; }
};

// The modalities loaded from a plugin directory, and the files refused there with why.
class PluginRegistry : public ModalitySet {
 public:
  PluginRegistry() = default;
  PluginRegistry(std::vector<std::shared_ptr<const Modality>> modalities,
                 std::vector<PluginRefusal> refused)
      : ModalitySet(std::move(modalities)), refused_(std::move(refused)) {}

  const std::vector<PluginRefusal>& refused() const { return refused_; }

 private:
  std::vector<PluginRefusal> refused_;
};

// Loads every *.so in `directory` (an absolute path) in name order, so which of two plugins with
// the same id wins never depends on the file system. Fails as a whole only when the directory
// itself is unusable (missing, not absolute, group- or world-writable, foreign owner); every bad
// file is refused on its own and listed in refused().
absl::StatusOr<std::shared_ptr<const PluginRegistry>> LoadPlugins(const std::string& directory);

// Whether the file `modality` was loaded from is still installed as LoadPlugins would accept it
// (present, a regular file, safe permissions and owner, with the entry point). Runs no plugin code.
// FAILED_PRECONDITION saying what is wrong, naming the file.
absl::Status CheckStillInstalled(const Modality& modality);

// Where a plugin's failure while serving (screen or build_step returned an error or threw) is
// logged, one line per failure, besides the "plugin error" exclusion on the plan. The default
// writes the line to stderr. The line is the plugin id and the error text the plugin gave; the
// host adds no findings to it.
// Set it once at start-up; nullptr restores the default. Thread-safe.
using PluginErrorLogger = void (*)(std::string_view line);
void SetPluginErrorLogger(PluginErrorLogger logger);

}  // namespace modalis
