// modalis plugins ...: what loaded and what was refused.
#include <iostream>

#include "cli/commands.h"
#include "core/plugins/plugin_host.h"

namespace modalis::cli {
namespace {

int List(const Common& common) {
  auto plugins = LoadPlugins(PluginsDir(common));
  if (!plugins.ok()) {
    std::cerr << "modalis: " << plugins.status().message() << "\n";
    return 1;
  }
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
