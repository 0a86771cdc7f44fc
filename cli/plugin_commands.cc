// modalis plugins ...: what loaded and what was refused.
#include <modalis/plugin_abi.h>

#include <iostream>

#include "cli/commands.h"
#include "core/plugins/plugin_host.h"

namespace modalis::cli {
namespace {

// Refused plugins do not fail the command: the host serves without them, and this listing is
// how an operator finds out why.
int List(const Common& common) {
  const std::string dir = PluginsDir(common);
  auto plugins = LoadPlugins(dir);
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
  std::cout << dir << " (plugin ABI " << MODALIS_PLUGIN_ABI_MAJOR << "." << MODALIS_PLUGIN_ABI_MINOR
            << "): " << (*plugins)->modalities().size() << " loaded, "
            << (*plugins)->refused().size() << " refused\n";
  for (const auto& m : (*plugins)->modalities()) {
    const auto& i = m->info();
    std::cout << "loaded   " << i.id << " " << i.version << " (phase " << i.phase << ", "
              << i.default_minutes << " min) " << i.path << "\n";
  }
  for (const auto& r : (*plugins)->refused()) {
    std::cout << "refused  " << r.path << ": " << r.reason << "\n";
  }
  return 0;
}

}  // namespace

void AddPluginCommands(CLI::App& app, Common* common, Runner* run) {
  CLI::App* plugins = app.add_subcommand("plugins", "modality plugins");
  plugins->require_subcommand(1);
  CLI::App* list = plugins->add_subcommand("list", "show loaded and refused plugins");
  AddCommonOptions(list, common);
  list->callback([=] { *run = [=] { return List(*common); }; });
}

}  // namespace modalis::cli
