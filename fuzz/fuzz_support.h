// What every fuzz target shares: the shipped vocabulary and rules, and the plugins built beside the
// targets. Loaded once per process; libFuzzer then calls the target for each input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/diagnostic.h"
#include "core/common/json_document.h"
#include "core/findings/vocabulary.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"

namespace modalis::fuzz {

// Setup failures are the harness's, not the input's: stop before fuzzing anything.
[[noreturn]] inline void Die(const std::string& why) {
  std::fprintf(stderr, "fuzz setup: %s\n", why.c_str());
  std::abort();
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string RulesDir() { return std::string(MODALIS_SOURCE_DIR) + "/rules"; }

inline std::shared_ptr<const PluginRegistry> BuiltPlugins() {
  auto plugins = LoadPlugins(MODALIS_PLUGIN_DIR);
  if (!plugins.ok()) Die(std::string(plugins.status().message()));
  if (!(*plugins)->refused().empty()) Die((*plugins)->refused().front().message());
  return *plugins;
}

// The shipped vocabulary with the built plugins' modalities, as the compiler builds it.
inline std::shared_ptr<const Vocabulary> DefaultVocabulary(const PluginRegistry& plugins) {
  const std::string path = RulesDir() + "/vocabulary.json";
  std::vector<Diagnostic> diagnostics;
  JsonDocument doc = JsonDocument::Parse(ReadText(path), path, &diagnostics);
  auto vocabulary = Vocabulary::FromDocument(doc, plugins.ids(), &diagnostics);
  if (vocabulary == nullptr || HasErrors(diagnostics)) Die(FormatDiagnostics(diagnostics));
  return vocabulary;
}

}  // namespace modalis::fuzz
