// Where tests find the real parts: the checkout's rules and the plugins and binaries just built.
#pragma once

#include <string>

namespace modalis::testing {

inline std::string SourceDir() { return MODALIS_SOURCE_DIR; }
inline std::string RulesDir() { return std::string(MODALIS_SOURCE_DIR) + "/rules"; }
inline std::string PluginsDir() { return MODALIS_PLUGIN_DIR; }
// Deliberately broken plugins (tests/plugins), kept apart from the real ones.
inline std::string TestPluginsDir() { return MODALIS_TEST_PLUGIN_DIR; }
inline std::string BinDir() { return MODALIS_BIN_DIR; }
inline std::string DataFile(const std::string& name) {
  return std::string(MODALIS_SOURCE_DIR) + "/tests/data/" + name;
}

}  // namespace modalis::testing
