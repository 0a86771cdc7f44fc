#include "server/console_site.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace modalis {
namespace {

constexpr std::string_view kPrefix = "/console/";
constexpr std::string_view kCookieName = "modalis_session";
constexpr std::string_view kConsoleHeader = "x-modalis-console";
constexpr size_t kMaxFiles = 2000;
constexpr uintmax_t kMaxBytes = 64u << 20;
constexpr size_t kMaxSignInBytes = 4096;

// Nothing from another origin, no inline script or style, no framing: an injected string can
// neither run nor phone home.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

std::string ContentType(const std::filesystem::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  auto it = kTypes.find(path.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse Json(unsigned status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

HttpResponse Error(unsigned status, const std::string& message) {
  return Json(status, {{"error", message}});
}

nlohmann::json Identity(const Caller& caller) {
  return {{"client", caller.client},
          {"role", std::string(RoleName(caller.role))},
          {"clinic_id", caller.clinic_id}};
}

}  // namespace

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<ConsoleSite>> ConsoleSite::Load(Options options,
                                                               const Authorizer& auth,
                                                               const ConsoleSessions& sessions) {
  std::unique_ptr<ConsoleSite> site(new ConsoleSite(std::move(options), auth, sessions));
  namespace fs = std::filesystem;
  const fs::path root = site->options_.directory;
  std::error_code ec;
  if (!fs::is_regular_file(root / "index.html", ec)) return site;
  uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Dot files (editor droppings, .gitignore) are never part of a build.
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (site->files_.size() >= kMaxFiles || (total += it->file_size()) > kMaxBytes) {
      return absl::ResourceExhaustedError("--console " + root.string() +
                                          " holds more than 2,000 files or 64 MiB: is it the "
                                          "console's build output?");
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) {
      return absl::FailedPreconditionError("--console: cannot read " + it->path().string());
    }
    const std::string relative = fs::relative(it->path(), root).generic_string();
    File file{ContentType(it->path()), body.str(), relative.starts_with("assets/")};
    site->files_.emplace(relative, std::move(file));
  }
  if (ec) {
    return absl::FailedPreconditionError("--console: cannot read " + root.string() + ": " +
                                         ec.message());
  }
  return site;
}

bool ConsoleSite::Handles(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/console" || path.starts_with(kPrefix);
}

HttpResponse ConsoleSite::WithPageHeaders(HttpResponse response) const {
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

std::string ConsoleSite::Cookie(const std::string& value, long long max_age_seconds) const {
  // Path=/ because the API the console calls lives beside it, not under /console/.
  std::string cookie =
      std::string(kCookieName) + "=" + value +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (options_.secure_cookie) cookie += "; Secure";
  return cookie;
}

void ConsoleSite::Handle(const HttpRequest& request, const HttpResponder& respond) const {
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (path == "/console") {
    HttpResponse r;
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", "/console/");
    return respond(WithPageHeaders(std::move(r)));
  }
  path.remove_prefix(kPrefix.size());
  if (path == "session") return Session(request, respond);
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = Error(405, "the console's pages are read with GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return respond(WithPageHeaders(std::move(r)));
  }
  if (files_.empty()) {
    HttpResponse r;
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body =
        "The console is not built on this server: run scripts/build, or start modalisd with "
        "--console naming the console's build output.\n";
    return respond(WithPageHeaders(std::move(r)));
  }
  auto it = files_.find(path.empty() ? std::string_view("index.html") : path);
  const std::string_view last =
      path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  // A page of the application (no file extension) is index.html, which routes it itself.
  if (it == files_.end() && last.find('.') == std::string_view::npos) {
    it = files_.find(std::string_view("index.html"));
  }
  HttpResponse r;
  if (it == files_.end()) {
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "No such file in the console.\n";
    return respond(WithPageHeaders(std::move(r)));
  }
  r.content_type = it->second.content_type;
  if (request.method == "GET") r.body = it->second.body;
  r.headers.emplace_back("Cache-Control",
                         it->second.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  respond(WithPageHeaders(std::move(r)));
}

void ConsoleSite::Session(const HttpRequest& request, const HttpResponder& respond) const {
  auto reply = [&](HttpResponse r) {
    r.headers.emplace_back("Cache-Control", "no-store");
    respond(WithPageHeaders(std::move(r)));
  };
  const auto cookie = CookieValue(request.header("cookie"), kCookieName);
  if (request.method == "GET") {
    auto caller = cookie ? auth_.IdentifySession(*cookie) : std::nullopt;
    if (!caller) return reply(Error(401, "not signed in"));
    return reply(Json(200, Identity(*caller)));
  }
  // Signing in or out changes state: only the console's own script sends this header, which a
  // form on another site cannot.
  if (request.header(std::string(kConsoleHeader)) != "1") {
    return reply(Error(403, "the console's requests carry the header X-Modalis-Console: 1"));
  }
  if (request.method == "DELETE") {
    HttpResponse r;
    r.status = 204;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Set-Cookie", Cookie("", 0));
    return reply(std::move(r));
  }
  if (request.method != "POST") {
    HttpResponse r = Error(405, "sign in with POST, sign out with DELETE, ask with GET");
    r.headers.emplace_back("Allow", "GET, POST, DELETE");
    return reply(std::move(r));
  }
  if (request.body.size() > kMaxSignInBytes) {
    return reply(Error(413, "the sign-in body is larger than 4 KiB"));
  }
  auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    return reply(Error(400, "sign in with a JSON body {\"token\": \"<the clinic's token>\"}"));
  }
  const std::string token = body["token"].get<std::string>();
  auto subject = auth_.SessionSubject(token);
  const std::string value = subject ? sessions_.Issue(*subject, NowMs()) : std::string();
  auto caller = subject ? auth_.IdentifySession(value) : std::nullopt;
  if (!caller) {
    if (options_.log) options_.log(true, "console_sign_in_refused", "a token that is not valid");
    return reply(Error(401, "that token is not valid for this server"));
  }
  if (options_.log) {
    options_.log(false, "console_sign_in",
                 caller->client + " (" + std::string(RoleName(caller->role)) + ", clinic " +
                     (caller->clinic_id.empty() ? std::string("none") : caller->clinic_id) + ")");
  }
  HttpResponse r = Json(200, Identity(*caller));
  r.headers.emplace_back("Set-Cookie", Cookie(value, sessions_.lifetime().count()));
  reply(std::move(r));
}

std::optional<HttpResponse> ConsoleSite::AttachSession(HttpRequest* request) const {
  if (request->headers.count("authorization") != 0) return std::nullopt;
  const auto cookie = CookieValue(request->header("cookie"), kCookieName);
  if (!cookie) return std::nullopt;
  if (request->header(std::string(kConsoleHeader)) != "1") {
    HttpResponse r = Json(403, {{"code", "permission_denied"},
                                {"message",
                                 "a call on the console's session must carry the header "
                                 "X-Modalis-Console: 1"}});
    return r;
  }
  request->headers["authorization"] = "Session " + std::string(*cookie);
  return std::nullopt;
}

}  // namespace modalis
