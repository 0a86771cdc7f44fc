// Watches the rules directory and reloads the engine once the directory has been quiet for a
// while, so an editor's burst of writes (or a rule saved before its golden case) is tried once,
// after the last change. The engine activates only a set that validates; anything else leaves
// the active rules serving.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "core/engine.h"
#include "server/reload_observer.h"

namespace modalis {

class RulesWatcher {
 public:
  // Starts watching `engine.config().rules_dir`. `on_reload` gets each attempt's outcome, except
  // attempts that found the active content unchanged.
  RulesWatcher(Engine& engine, std::chrono::milliseconds quiet, ReloadObserver on_reload);
  ~RulesWatcher();  // stops and joins the thread
  RulesWatcher(const RulesWatcher&) = delete;
  RulesWatcher& operator=(const RulesWatcher&) = delete;

  bool watching() const { return inotify_fd_ >= 0; }

 private:
  void Run();

  Engine& engine_;
  std::chrono::milliseconds quiet_;
  ReloadObserver on_reload_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: written once to stop the thread
  std::thread thread_;
};

}  // namespace modalis
