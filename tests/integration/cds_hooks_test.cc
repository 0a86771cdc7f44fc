// HL7 CDS Hooks 2.0 against the real modalisd: discovery, a call's prefetch read as findings and
// planned by the API's own SuggestPlan (stored, idempotent by hookInstance, scoped to the
// trusted issuer's clinic), the plan as cards (a referral one critical card and nothing else,
// exclusions as warnings, the plan as info with a valid FHIR CarePlan to create), feedback stored
// as step feedback, and every check of the EHR's JWT failing alone refused with nothing stored.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/fhir_schema.h"
#include "tests/support/file_util.h"
#include "tests/support/http_client.h"
#include "tests/support/jwt_signer.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;
using testing::JwtSigner;

constexpr char kBase[] = "https://modalis.example.org";
constexpr char kIssuerA[] = "https://ehr-a.example.org";
constexpr char kIssuerB[] = "https://ehr-b.example.org";
constexpr char kFindingSystem[] = "https://modalis.dev/fhir/CodeSystem/finding";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Findings as an EHR holds them: one Observation per value, coded in Modalis's finding system
// (a LOINC code for pain), in a search Bundle.
json ObservationBundle(const json& findings) {
  json entries = json::array();
  int n = 0;
  auto add = [&](const std::string& code, const json& value) {
    json o = {{"resourceType", "Observation"},
              {"id", "o" + std::to_string(++n)},
              {"status", "final"},
              {"code", {{"coding", json::array({{{"system", kFindingSystem}, {"code", code}}})}}}};
    if (code == "pain_nprs") {
      o["code"]["coding"] = json::array({{{"system", "http://loinc.org"}, {"code", "72514-3"}}});
    }
    if (value.is_boolean()) {
      o["valueBoolean"] = value;
    } else if (value.is_number_integer()) {
      o["valueInteger"] = value;
    } else if (value.is_number()) {
      o["valueQuantity"] = {{"value", value}};
    } else {
      o["valueCodeableConcept"] = {{"coding", json::array({{{"code", value}}})}};
    }
    entries.push_back({{"resource", o}});
  };
  for (const auto& [code, value] : findings.items()) {
    if (value.is_array()) {
      for (const auto& v : value) add(code, v);
    } else {
      add(code, value);
    }
  }
  return {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", entries}};
}

json DeskWorkerFindings() {
  return json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")))["findings"];
}

json HookRequest(const std::string& hook, const std::string& instance, const std::string& patient,
                 const json& findings) {
  json request = {{"hook", hook},
                  {"hookInstance", instance},
                  {"context", {{"userId", "Practitioner/7"}, {"patientId", patient}}}};
  if (!findings.is_null()) request["prefetch"] = {{"observations", ObservationBundle(findings)}};
  return request;
}

class CdsHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/modalis.db";
    ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db_, "north"));
    notes_ = testing::MintToken(dir_.path() + "/tokens", "--clinic north --role notes --name n");
    testing::WriteText(dir_.path() + "/a-keys.json", json{{"keys", {ehr_a_.Jwk()}}}.dump());
    testing::WriteText(dir_.path() + "/b-keys.json", json{{"keys", {ehr_b_.Jwk()}}}.dump());
    testing::WriteText(
        dir_.path() + "/ehrs.json",
        json{{"service_base_url", kBase},
             {"issuers",
              {{{"iss", kIssuerA}, {"clinic", "north"}, {"jwks_file", "a-keys.json"}},
               {{"iss", kIssuerB}, {"clinic", "north"}, {"jwks_file", "b-keys.json"}}}}}
            .dump());
    server_ = std::make_unique<testing::ServerProcess>(std::vector<std::string>{
        "--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(), "--db", db_,
        "--token-file", dir_.path() + "/tokens", "--cds-issuers", dir_.path() + "/ehrs.json",
        "--http-listen", "127.0.0.1:0", "--log-file", dir_.path() + "/modalisd.log"});
    ASSERT_TRUE(server_->started()) << server_->output();
  }

  std::string Url(const std::string& service) {
    return std::string(kBase) + "/cds-services/" + service;
  }

  HttpResult Call(const std::string& service, const json& body, const std::string& jwt) {
    return HttpClient(server_->http_address())
        .PostJson("/cds-services/" + service, body.dump(), {{"Authorization", "Bearer " + jwt}});
  }

  // A valid token of EHR A for `service`, with a fresh jti.
  std::string TokenFor(const std::string& service) {
    return ehr_a_.Token(kIssuerA, Url(service), "jti-" + std::to_string(++jti_), Now());
  }

  // What the store holds about `patient` in clinic north (modalis db export).
  json Export(const std::string& patient) {
    const auto [code, out] = testing::RunCommand(testing::BinDir() + "/modalis db export --db " +
                                                 db_ + " --clinic north --patient " + patient);
    EXPECT_EQ(code, 0) << out;
    return json::parse(out.substr(out.find('{')), nullptr, false);
  }

  testing::TempDir dir_;
  std::string db_;
  std::string notes_;
  JwtSigner ehr_a_{JwtSigner::Alg::kEs384, "a-1"};
  JwtSigner ehr_b_{JwtSigner::Alg::kRs384, "b-1"};
  int jti_ = 0;
  std::unique_ptr<testing::ServerProcess> server_;
};

TEST_F(CdsHooksTest, DiscoveryListsBothHooksWithTheirPrefetch) {
  const HttpResult r = HttpClient(server_->http_address()).Send("GET", "/cds-services", "");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json services = json::parse(r.body)["services"];
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0]["hook"], "appointment-book");
  EXPECT_EQ(services[1]["hook"], "encounter-start");
  for (const json& s : services) {
    EXPECT_TRUE(s.contains("id") && s.contains("description") && s.contains("prefetch"));
    EXPECT_NE(s["prefetch"]["observations"].get<std::string>().find("{{context.patientId}}"),
              std::string::npos);
  }
}

TEST_F(CdsHooksTest, ThePlanIsAnInfoCardWhoseSuggestionCreatesAValidCarePlan) {
  const std::string service = "modalis-encounter-start";
  const json request = HookRequest("encounter-start", "2f4e1b5a-0c1d-4b8e-9a51-3d0c9d1e7a01",
                                   "P-0100", DeskWorkerFindings());
  const HttpResult r = Call(service, request, TokenFor(service));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json cards = json::parse(r.body)["cards"];
  ASSERT_FALSE(cards.empty());
  const json& info = cards.back();
  EXPECT_EQ(info["indicator"], "info");
  EXPECT_LT(info["summary"].get<std::string>().size(), 140u);
  EXPECT_NE(info["source"]["label"].get<std::string>().find("lower-back-pain"), std::string::npos);
  const json& action = info["suggestions"][0]["actions"][0];
  EXPECT_EQ(action["type"], "create");
  EXPECT_EQ(action["resource"]["resourceType"], "CarePlan");
  EXPECT_EQ(testing::FhirProblems(action["resource"]), "") << action["resource"].dump(1);

  // Stored for the issuer's clinic, under the patient's reference, once: the same hookInstance
  // again is the same plan.
  const json stored = Export("P-0100");
  ASSERT_TRUE(stored.is_object());
  ASSERT_EQ(stored["plans"].size(), 1u) << stored.dump(1);
  const HttpResult again = Call(service, request, TokenFor(service));
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(json::parse(again.body)["cards"].back()["uuid"], info["uuid"]);
  EXPECT_EQ(Export("P-0100")["plans"].size(), 1u);

  // The appointment-book hook leads with the course to book, and RS384 works as ES384 does.
  const HttpResult booking =
      Call("modalis-appointment-book",
           HookRequest("appointment-book", "book-1", "P-0100", DeskWorkerFindings()),
           ehr_b_.Token(kIssuerB, Url("modalis-appointment-book"), "b-jti-1", Now()));
  ASSERT_EQ(booking.status, 200u) << booking.body;
  EXPECT_EQ(
      json::parse(booking.body)["cards"].back()["summary"].get<std::string>().rfind("Book ", 0), 0u)
      << booking.body;
}

TEST_F(CdsHooksTest, RedFlagsAreOneCriticalCardAndNothingElse) {
  const std::string service = "modalis-encounter-start";
  const json findings = json::parse(testing::ReadText(testing::DataFile("cauda-equina.json")));
  const HttpResult r =
      Call(service, HookRequest("encounter-start", "red-1", "P-0101", findings), TokenFor(service));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json cards = json::parse(r.body)["cards"];
  ASSERT_EQ(cards.size(), 1u) << r.body;
  EXPECT_EQ(cards[0]["indicator"], "critical");
  EXPECT_FALSE(cards[0].contains("suggestions"));
}

TEST_F(CdsHooksTest, ExclusionsAreWarningsAndWhatIsMissingIsAsked) {
  const std::string service = "modalis-encounter-start";
  json findings = DeskWorkerFindings();
  findings["needle_phobia"] = true;
  HttpResult r = Call(service, HookRequest("encounter-start", "excl-1", "P-0102", findings),
                      TokenFor(service));
  ASSERT_EQ(r.status, 200u) << r.body;
  json cards = json::parse(r.body)["cards"];
  ASSERT_GE(cards.size(), 2u);
  // One warning per exclusion, then the plan.
  bool dry_needling = false;
  for (size_t i = 0; i + 1 < cards.size(); ++i) {
    EXPECT_EQ(cards[i]["indicator"], "warning") << r.body;
    dry_needling = dry_needling || cards[i]["summary"].get<std::string>().find(
                                       "Not dry_needling: needle phobia") != std::string::npos;
  }
  EXPECT_TRUE(dry_needling) << r.body;
  EXPECT_EQ(cards.back()["indicator"], "info");

  // A prefetch that holds nothing: nothing is "no"; the screen is asked for.
  r = Call(service, HookRequest("encounter-start", "empty-1", "P-0103", nullptr),
           TokenFor(service));
  ASSERT_EQ(r.status, 200u) << r.body;
  cards = json::parse(r.body)["cards"];
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_NE(cards[0]["summary"].get<std::string>().find("screen"), std::string::npos);
  EXPECT_NE(cards[0]["detail"].get<std::string>().find("rf_saddle_anaesthesia"), std::string::npos)
      << cards[0]["detail"];
}

TEST_F(CdsHooksTest, FeedbackOnThePlanCardIsStoredAsStepFeedback) {
  const std::string service = "modalis-encounter-start";
  const HttpResult r =
      Call(service, HookRequest("encounter-start", "fb-1", "P-0104", DeskWorkerFindings()),
           TokenFor(service));
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string card = json::parse(r.body)["cards"].back()["uuid"];
  const json feedback = {
      {"feedback",
       {{{"card", card},
         {"outcome", "overridden"},
         {"overrideReason", {{"reason", {{"code", "no-time"}, {"display", "No time today"}}}}},
         {"outcomeTimestamp", "2026-12-01T10:00:00Z"}}}}};
  const HttpResult stored =
      HttpClient(server_->http_address())
          .PostJson(
              "/cds-services/" + service + "/feedback", feedback.dump(),
              {{"Authorization",
                "Bearer " + ehr_a_.Token(kIssuerA, Url(service) + "/feedback", "fb-jti", Now())}});
  ASSERT_EQ(stored.status, 200u) << stored.body;
  const json exported = Export("P-0104");
  ASSERT_TRUE(exported.contains("feedback")) << exported.dump(1);
  ASSERT_FALSE(exported["feedback"].empty()) << exported.dump(1);
  EXPECT_NE(exported["feedback"].dump().find("No time today"), std::string::npos)
      << exported.dump(1);
}

TEST_F(CdsHooksTest, EachJwtCheckFailingAloneIsRefusedAndNothingIsStored) {
  const std::string service = "modalis-encounter-start";
  const std::string url = Url(service);
  const int64_t now = Now();
  const JwtSigner stranger(JwtSigner::Alg::kEs384, "a-1");  // same kid, another key
  const std::string replayed = TokenFor(service);
  ASSERT_EQ(Call(service, HookRequest("encounter-start", "ok-1", "P-0200", DeskWorkerFindings()),
                 replayed)
                .status,
            200u);
  struct Case {
    std::string what;
    std::string jwt;
  };
  const std::vector<Case> cases = {
      {"alg none", testing::Base64UrlOf(R"({"alg":"none"})") + "." +
                       testing::Base64UrlOf(json{
                           {"iss", kIssuerA}, {"aud", url}, {"exp", now + 300}, {"jti", "none-1"}}
                                                .dump()) +
                       "."},
      {"alg HS384",
       ehr_a_.Sign({{"alg", "HS384"}, {"kid", "a-1"}},
                   {{"iss", kIssuerA}, {"aud", url}, {"exp", now + 300}, {"jti", "h"}})},
      {"untrusted iss", ehr_a_.Token("https://evil.example.org", url, "iss-1", now)},
      {"another key", stranger.Token(kIssuerA, url, "key-1", now)},
      {"wrong aud",
       ehr_a_.Token(kIssuerA, "https://elsewhere.example.org/cds-services/x", "aud-1", now)},
      {"expired", ehr_a_.Token(kIssuerA, url, "exp-1", now - 3600, 300)},
      {"lives too long", ehr_a_.Token(kIssuerA, url, "long-1", now, 86400)},
      {"no jti", ehr_a_.Sign({{"alg", "ES384"}, {"kid", "a-1"}},
                             {{"iss", kIssuerA}, {"aud", url}, {"exp", now + 300}})},
      {"replayed jti", replayed},
      {"not a JWT", "definitely-not-a-jwt"},
  };
  for (const Case& c : cases) {
    const HttpResult r = Call(
        service, HookRequest("encounter-start", "bad-" + c.what, "P-0201", DeskWorkerFindings()),
        c.jwt);
    EXPECT_EQ(r.status, 401u) << c.what << ": " << r.body;
  }
  // Without any Authorization header too.
  EXPECT_EQ(
      HttpClient(server_->http_address())
          .PostJson("/cds-services/" + service,
                    HookRequest("encounter-start", "bare", "P-0201", DeskWorkerFindings()).dump())
          .status,
      401u);
  const auto [code, out] = testing::RunCommand(testing::BinDir() + "/modalis db export --db " +
                                               db_ + " --clinic north --patient P-0201");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("nothing is stored for patient 'P-0201'"), std::string::npos) << out;
  // Each refusal is in the log with its reason.
  const std::string log = testing::ReadText(dir_.path() + "/modalisd.log");
  for (const char* reason :
       {"alg 'none' is refused", "alg 'HS384' is refused", "is not a trusted issuer",
        "signature does not verify", "aud is not this service's URL", "has expired",
        "more than an hour", "jti is missing", "a replay"}) {
    EXPECT_NE(log.find(reason), std::string::npos) << reason;
  }
}

// A broken mapping file takes down only what needs it: modalisd serves, the CDS services say why
// they cannot.
TEST(CdsHooksMappingTest, ABrokenMappingRefusesCdsCallsAndNothingElse) {
  testing::TempDir dir;
  const std::string rules = dir.path() + "/rules";
  std::filesystem::copy(testing::RulesDir(), rules, std::filesystem::copy_options::recursive);
  testing::WriteText(rules + "/fhir-mapping.json",
                     R"({"observation_codes": [{"system": "http://loinc.org", "code": "72514-3",
                         "finding": "pain_nprz"}]})");
  testing::ServerProcess server({"--rules", rules, "--plugins", testing::PluginsDir(), "--db",
                                 dir.path() + "/m.db", "--http-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.started()) << server.output();
  EXPECT_NE(server.output().find("did you mean 'pain_nprs'"), std::string::npos) << server.output();
  HttpClient http(server.http_address());
  const HttpResult cds =
      http.PostJson("/cds-services/modalis-encounter-start",
                    HookRequest("encounter-start", "m-1", "P-1", DeskWorkerFindings()).dump());
  EXPECT_EQ(cds.status, 503u) << cds.body;
  EXPECT_NE(cds.body.find("fhir-mapping.json"), std::string::npos) << cds.body;
  json request = {{"patient_ref", "P-1"}, {"dry_run", true}, {"findings", DeskWorkerFindings()}};
  EXPECT_EQ(http.PostJson("/modalis.v1.PlanService/SuggestPlan", request.dump()).status, 200u);
}

}  // namespace
}  // namespace modalis
