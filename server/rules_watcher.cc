#include "server/rules_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace modalis {

RulesWatcher::RulesWatcher(Engine& engine, std::chrono::milliseconds quiet,
                           ReloadObserver on_reload)
    : engine_(engine), quiet_(quiet), on_reload_(std::move(on_reload)) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0) return;
  // Renames into the directory are the documented way to save (write a temp file, then rename).
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE;
  if (::inotify_add_watch(inotify_fd_, engine_.config().rules_dir.c_str(), mask) < 0) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
    return;
  }
  thread_ = std::thread([this] { Run(); });
}

RulesWatcher::~RulesWatcher() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void RulesWatcher::Run() {
  bool pending = false;
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    // While changes are pending, wake when the directory has been quiet long enough.
    const int timeout = pending ? static_cast<int>(quiet_.count()) : -1;
    const int ready = ::poll(fds, 2, timeout);
    if (ready < 0) continue;
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      alignas(inotify_event) char buffer[4096];
      while (::read(inotify_fd_, buffer, sizeof buffer) > 0) {
      }
      pending = true;  // restart the quiet period
      continue;
    }
    if (ready == 0 && pending) {
      pending = false;
      const auto before = engine_.rules();
      auto result = engine_.Reload();
      // Woken by a change that left the rule set as it was (an editor's temp file before its
      // rename, a save without edits): nothing went live, so nothing to report.
      if (result.ok() && *result == before) continue;
      if (on_reload_) on_reload_(result.status(), before);
    }
  }
}

}  // namespace modalis
