// The console on modalisd's HTTP listener, against the real binary: its files with a strict
// Content-Security-Policy and nothing outside its build, sign-in with a clinic's token into an
// HttpOnly SameSite=Strict cookie, and API calls on that cookie only with the header a cross-site
// form cannot send, in the role and clinic of the token signed in with.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/file_util.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;

constexpr const char* kIndex = "<!doctype html><title>Modalis</title><div id=app></div>";
constexpr const char* kScript = "console.log('console');";

class ConsoleSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("console/assets"));
    testing::WriteText(dir_.file("console/index.html"), kIndex);
    testing::WriteText(dir_.file("console/assets/index-3f2a.js"), kScript);
    testing::WriteText(dir_.file("console/.env"), "SECRET=1");
    testing::WriteText(dir_.file("outside.txt"), "not the console's");
  }

  void StartServer(std::vector<std::string> extra = {}, std::string console = "") {
    if (console.empty()) console = dir_.file("console");
    std::vector<std::string> args = {"--rules",
                                     testing::RulesDir(),
                                     "--plugins",
                                     testing::PluginsDir(),
                                     "--db",
                                     dir_.file("modalis.db"),
                                     "--http-listen",
                                     "127.0.0.1:0",
                                     "--console",
                                     console,
                                     "--watch-quiet-ms",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<testing::ServerProcess>(args);
    ASSERT_TRUE(server_->started()) << server_->output();
  }

  // Signs in and returns the session cookie ("modalis_session=..."), or "" when refused.
  std::string SignIn(HttpClient& http, const std::string& token) {
    const HttpResult r = http.PostJson("/console/session", json{{"token", token}}.dump(),
                                       {{"X-Modalis-Console", "1"}});
    if (r.status != 200) return "";
    const std::string set_cookie = r.headers.at("set-cookie");
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  HttpResult Call(HttpClient& http, const std::string& cookie, const std::string& method,
                  const json& body, bool console_header = true) {
    std::map<std::string, std::string> headers = {{"Cookie", cookie}};
    if (console_header) headers["X-Modalis-Console"] = "1";
    return http.PostJson(method, body.dump(), headers);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ServerProcess> server_;
};

TEST_F(ConsoleSiteTest, ServesItsBuildWithAStrictPolicyAndNothingElse) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpClient http(server_->http_address());

  HttpResult r = http.Send("GET", "/console", "");
  EXPECT_EQ(r.status, 308u);
  EXPECT_EQ(r.headers["location"], "/console/");

  r = http.Send("GET", "/console/", "");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body, kIndex);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(r.headers["cache-control"], "no-cache");
  const std::string csp = r.headers["content-security-policy"];
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");

  r = http.Send("GET", "/console/assets/index-3f2a.js", "");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, kScript);
  EXPECT_EQ(r.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(r.headers["cache-control"].find("immutable"), std::string::npos);

  // A page of the application is its index; a file it does not have is not found.
  r = http.Send("GET", "/console/rules?filter=refer", "");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, kIndex);
  EXPECT_EQ(http.Send("GET", "/console/assets/other.js", "").status, 404u);
  // Nothing outside the build, nor its dot files, whatever the path says.
  for (const char* path :
       {"/console/.env", "/console/../outside.txt", "/console/assets/../../outside.txt",
        "/console/%2e%2e/outside.txt", "/console/..%2foutside.txt"}) {
    r = http.Send("GET", path, "");
    EXPECT_TRUE(r.status == 404u || r.body == kIndex) << path << ": " << r.status;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("not the console's"), std::string::npos) << path;
  }
  EXPECT_EQ(http.Send("POST", "/console/index.html", "x").status, 405u);
}

TEST_F(ConsoleSiteTest, WithoutABuildItSaysHowToMakeOneAndTheApiStillServes) {
  ASSERT_NO_FATAL_FAILURE(StartServer({}, dir_.file("no-such-build")));
  HttpClient http(server_->http_address());
  const HttpResult r = http.Send("GET", "/console/", "");
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("scripts/build"), std::string::npos) << r.body;
  EXPECT_NE(server_->output().find("no console build"), std::string::npos) << server_->output();
  EXPECT_EQ(http.PostJson("/modalis.v1.RulesAdmin/GetRuleSet", "{}").status, 200u);
}

TEST_F(ConsoleSiteTest, SignInGivesACookieThatCallsTheApiAsTheTokensRoleAndClinic) {
  const std::string tokens = dir_.file("tokens.json");
  const std::string booking = testing::MintToken(tokens, "--role booking --name front-desk");
  const std::string admin = testing::MintToken(tokens, "--role admin --name owner");
  ASSERT_NO_FATAL_FAILURE(StartServer({"--token-file", tokens}));
  HttpClient http(server_->http_address());

  // A wrong token, or a sign-in without the console's header, is refused.
  HttpResult r =
      http.PostJson("/console/session", R"({"token":"not-a-token"})", {{"X-Modalis-Console", "1"}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("not valid"), std::string::npos);
  r = http.PostJson("/console/session", json{{"token", booking}}.dump());
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_EQ(http.PostJson("/console/session", "{\"token\":", {{"X-Modalis-Console", "1"}}).status,
            400u);
  EXPECT_EQ(http.Send("GET", "/console/session", "").status, 401u);

  r = http.PostJson("/console/session", json{{"token", booking}}.dump(),
                    {{"X-Modalis-Console", "1"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body),
            (json{{"client", "front-desk"}, {"role", "booking"}, {"clinic_id", "default"}}));
  const std::string set_cookie = r.headers["set-cookie"];
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=28800"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/;"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find(booking), std::string::npos) << "the token itself is never a cookie";
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  r = http.Send("GET", "/console/session", "", {{"Cookie", cookie}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(json::parse(r.body)["role"], "booking");

  // Calls on the cookie: the booking role reads the rule set and tries a patient...
  r = Call(http, cookie, "/modalis.v1.RulesAdmin/GetRuleSet", json::object());
  ASSERT_EQ(r.status, 200u) << r.body;
  json rule_set = json::parse(r.body);
  EXPECT_EQ(rule_set["ruleSet"]["id"], "lower-back-pain");
  EXPECT_TRUE(json::parse(rule_set["vocabularyJson"].get<std::string>())
                  .at("findings")
                  .contains("rf_saddle_anaesthesia"));
  json request = json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")));
  request["dry_run"] = true;
  request["explain_not_fired"] = true;
  r = Call(http, cookie, "/modalis.v1.PlanService/SuggestPlan", request);
  ASSERT_EQ(r.status, 200u) << r.body;
  bool not_fired = false;
  const json plan = json::parse(r.body)["plan"];
  for (const json& e : plan["explanation"]) {
    not_fired |= e["outcome"] == "not_fired";
  }
  EXPECT_TRUE(not_fired) << r.body;
  // ... but may not read the status, as with its token.
  r = Call(http, cookie, "/modalis.v1.RulesAdmin/GetStatus", json::object());
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(json::parse(r.body)["code"], "permission_denied");

  // Without the console's header, a call on the cookie is refused before it reaches anything.
  r = Call(http, cookie, "/modalis.v1.RulesAdmin/GetRuleSet", json::object(), false);
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("X-Modalis-Console"), std::string::npos) << r.body;
  // A cookie changed in any way is no session.
  std::string forged = cookie;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'a' ? 'b' : 'a';
  r = Call(http, forged, "/modalis.v1.RulesAdmin/GetRuleSet", json::object());
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body)["code"], "unauthenticated");
  const std::string booking_cookie_subject = cookie.substr(0, cookie.rfind('.'));
  const std::string admin_cookie = SignIn(http, admin);
  ASSERT_FALSE(admin_cookie.empty());
  // The admin's signature on the booking session's content is not valid either.
  r = Call(http, booking_cookie_subject + admin_cookie.substr(admin_cookie.rfind('.')),
           "/modalis.v1.RulesAdmin/GetStatus", json::object());
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(Call(http, admin_cookie, "/modalis.v1.RulesAdmin/GetStatus", json::object()).status,
            200u);

  // Signing out clears the cookie.
  r = http.Send("DELETE", "/console/session", "", {{"Cookie", cookie}, {"X-Modalis-Console", "1"}});
  EXPECT_EQ(r.status, 204u);
  EXPECT_NE(r.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  // The sign-in was logged without the token.
  EXPECT_NE(server_->output().find("console_sign_in"), std::string::npos);
  EXPECT_EQ(server_->output().find(booking), std::string::npos);
}

TEST_F(ConsoleSiteTest, ExplainingRulesThatDidNotFireIsForDryRunsOnly) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpClient http(server_->http_address());
  json request = json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")));
  request["explain_not_fired"] = true;
  const HttpResult r = http.PostJson("/modalis.v1.PlanService/SuggestPlan", request.dump());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_NE(r.body.find("explain_not_fired needs dry_run"), std::string::npos) << r.body;
}

TEST_F(ConsoleSiteTest, EachClinicReadsTheRuleSetThatServesIt) {
  const std::string tokens = dir_.file("tokens.json");
  ASSERT_NO_FATAL_FAILURE(testing::AddClinic(dir_.file("modalis.db"), "north"));
  const std::string north = testing::MintToken(tokens, "--clinic north --role booking --name n");
  ASSERT_NO_FATAL_FAILURE(StartServer({"--token-file", tokens}));
  HttpClient http(server_->http_address());
  const HttpResult r = http.PostJson("/modalis.v1.RulesAdmin/GetRuleSet", "{}",
                                     {{"Authorization", "Bearer " + north}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["fromPlatform"], true) << r.body;
  const HttpResult unknown =
      http.PostJson("/modalis.v1.RulesAdmin/GetRuleSet", R"({"condition":"no-such-condition"})",
                    {{"Authorization", "Bearer " + north}});
  EXPECT_EQ(unknown.status, 400u) << unknown.body;
}

TEST_F(ConsoleSiteTest, ASignInBodyOver4KiBIsRefusedUnread) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpClient http(server_->http_address());
  // 4,096 bytes in all: read (and, in development mode, any token signs in).
  const std::string prefix = R"({"token":")";
  const std::string suffix = R"("})";
  std::string body = prefix + std::string(4096 - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(body.size(), 4096u);
  EXPECT_EQ(http.PostJson("/console/session", body, {{"X-Modalis-Console", "1"}}).status, 200u);
  body.insert(prefix.size(), "x");
  const HttpResult r = http.PostJson("/console/session", body, {{"X-Modalis-Console", "1"}});
  EXPECT_EQ(r.status, 413u);
  EXPECT_NE(r.body.find("4 KiB"), std::string::npos) << r.body;
}

TEST_F(ConsoleSiteTest, ABuildDirectoryOfMoreThan2000FilesIsRefusedAtStart) {
  for (int i = 0; i < 1999; ++i) {  // with index.html and assets/index-3f2a.js: 2,001
    testing::WriteText(dir_.file("console/assets/f" + std::to_string(i) + ".js"), "");
  }
  testing::ServerProcess refused(
      {"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(), "--db",
       dir_.file("modalis.db"), "--http-listen", "127.0.0.1:0", "--console", dir_.file("console")});
  EXPECT_FALSE(refused.started());
  EXPECT_NE(refused.output().find("more than 2,000 files"), std::string::npos) << refused.output();
  // 2,000 files are served.
  std::filesystem::remove(dir_.file("console/assets/f0.js"));
  ASSERT_NO_FATAL_FAILURE(StartServer());
}

}  // namespace
}  // namespace modalis
