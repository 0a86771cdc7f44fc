#include "cli/commands.h"
#include "server/paths.h"

namespace modalis::cli {

void AddCommonOptions(CLI::App* sub, Common* common) {
  sub->add_option("--rules", common->rules, "rules directory (holds modalis.json)")
      ->capture_default_str();
  sub->add_option("--plugins", common->plugins,
                  "modality plugins directory (default: the plugins built beside modalis)");
}

std::string PluginsDir(const Common& common) {
  return common.plugins.empty() ? DefaultPluginsDir() : Absolute(common.plugins);
}

}  // namespace modalis::cli
