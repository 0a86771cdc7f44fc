#pragma once

#include <string>

namespace modalis {

// The plugins built or installed beside this executable: <bin>/../plugins, else
// <bin>/../lib/modalis/plugins. Always absolute.
std::string DefaultPluginsDir();

// `path` made absolute against the working directory.
std::string Absolute(const std::string& path);

}  // namespace modalis
