// The therapist's console on the HTTP listener: its built files under /console/, sign-in and
// sign-out at /console/session, and the step that lets the console's API calls through on its
// session cookie (docs/console.md, docs/security.md).
//
// The files are read once, at start, into memory: only what was in the build directory then can
// ever be served, whatever a request's path says, and no request touches the disk.
//
// Thread-safe: immutable after construction.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/auth.h"
#include "server/console_session.h"
#include "server/http_listener.h"

namespace modalis {

class ConsoleSite {
 public:
  struct Options {
    // The console's build output (index.html and assets/).
    std::string directory;
    // Cookies marked Secure: when the listener serves TLS.
    bool secure_cookie = false;
    // Hears of each sign-in and refused sign-in (event, message); never a token.
    std::function<void(bool warning, const std::string& event, const std::string& message)> log;
  };

  // Reads the files under `options.directory`. A directory that does not exist or holds no
  // index.html is not an error: the site then answers that the console is not built, and
  // `not_built()` says so for the start-up warning. RESOURCE_EXHAUSTED past 2,000 files or 64 MiB.
  static absl::StatusOr<std::unique_ptr<ConsoleSite>> Load(Options options, const Authorizer& auth,
                                                           const ConsoleSessions& sessions);

  // "/console", or a path under "/console/".
  static bool Handles(std::string_view target);
  void Handle(const HttpRequest& request, const HttpResponder& respond) const;

  // An API call that carries the console's session cookie and no authorization header goes on
  // with the session as its authorization, when it also carries the header a cross-site form
  // cannot send (X-Modalis-Console: 1); without that header it is refused here (the reply).
  std::optional<HttpResponse> AttachSession(HttpRequest* request) const;

  bool not_built() const { return files_.empty(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    bool immutable = false;  // a hashed build asset: cached for ever
  };
  ConsoleSite(Options options, const Authorizer& auth, const ConsoleSessions& sessions)
      : options_(std::move(options)), auth_(auth), sessions_(sessions) {}

  void Session(const HttpRequest& request, const HttpResponder& respond) const;
  HttpResponse WithPageHeaders(HttpResponse response) const;
  std::string Cookie(const std::string& value, long long max_age_seconds) const;

  Options options_;
  const Authorizer& auth_;
  const ConsoleSessions& sessions_;
  std::map<std::string, File, std::less<>> files_;  // by path under /console/
};

// The value of the cookie `name` in a Cookie header; nullopt when it is absent.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace modalis
