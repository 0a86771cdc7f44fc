#include "adapters/paths.h"

#include <filesystem>

namespace modalis {

std::string DefaultPluginsDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path bin = ec ? fs::current_path() : exe.parent_path();
  for (const fs::path& candidate :
       {bin / ".." / "plugins", bin / ".." / "lib" / "modalis" / "plugins"}) {
    if (fs::is_directory(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return (bin / ".." / "plugins").lexically_normal().string();
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

}  // namespace modalis
