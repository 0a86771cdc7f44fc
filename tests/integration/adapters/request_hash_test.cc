// The idempotency hash of a SuggestPlan request: the same for the same request however its fields
// and findings' keys are ordered on the wire, different whenever something that shapes the plan or
// names the patient differs.
#include "adapters/request_hash.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/engine_fixture.h"

namespace modalis {
namespace {

v1::SuggestPlanRequest DeskWorker() {
  v1::SuggestPlanRequest request;
  const auto status = google::protobuf::util::JsonStringToMessage(
      testing::ReadText(testing::DataFile("desk-worker-request.json")), &request);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return request;
}

// The findings' entries as separate encoded map entries, in the order given: concatenated, they
// are one Struct whose keys arrive in that order.
std::string EntriesInOrder(const google::protobuf::Struct& findings,
                           const std::vector<std::string>& keys) {
  std::string bytes;
  for (const std::string& key : keys) {
    google::protobuf::Struct one;
    (*one.mutable_fields())[key] = findings.fields().at(key);
    bytes += one.SerializeAsString();
  }
  return bytes;
}

TEST(RequestHashTest, FindingsInAnotherOrderOnTheWireAreTheSameRequest) {
  const v1::SuggestPlanRequest request = DeskWorker();
  std::vector<std::string> keys;
  for (const auto& [key, value] : request.findings().fields()) keys.push_back(key);
  ASSERT_GT(keys.size(), 10u);
  std::sort(keys.begin(), keys.end());
  const std::string forward = EntriesInOrder(request.findings(), keys);
  std::reverse(keys.begin(), keys.end());
  const std::string backward = EntriesInOrder(request.findings(), keys);
  ASSERT_NE(forward, backward);  // the wire really differs

  v1::SuggestPlanRequest a = request;
  v1::SuggestPlanRequest b = request;
  ASSERT_TRUE(a.mutable_findings()->ParseFromString(forward));
  ASSERT_TRUE(b.mutable_findings()->ParseFromString(backward));
  EXPECT_EQ(RequestHash(a), RequestHash(b));
  EXPECT_EQ(RequestHash(a), RequestHash(request));

  // And with the request's own fields in another order: findings first, patient_ref last.
  v1::SuggestPlanRequest fields_only = request;
  fields_only.clear_findings();
  v1::SuggestPlanRequest findings_only;
  *findings_only.mutable_findings() = b.findings();
  v1::SuggestPlanRequest reordered;
  ASSERT_TRUE(reordered.ParseFromString(findings_only.SerializeAsString() +
                                        fields_only.SerializeAsString()));
  EXPECT_EQ(RequestHash(reordered), RequestHash(request));
}

TEST(RequestHashTest, TheKeyAndDryRunAreNotPartOfIt) {
  const v1::SuggestPlanRequest request = DeskWorker();
  v1::SuggestPlanRequest other = request;
  other.set_request_id("another-key");
  other.set_dry_run(!request.dry_run());
  EXPECT_EQ(RequestHash(other), RequestHash(request));
}

TEST(RequestHashTest, AnythingThatShapesThePlanOrNamesThePatientChangesIt) {
  const v1::SuggestPlanRequest request = DeskWorker();
  const std::string base = RequestHash(request);
  EXPECT_EQ(base.rfind("pb1:", 0), 0u);
  EXPECT_EQ(base.size(), 4u + 64u);

  std::vector<std::pair<std::string, v1::SuggestPlanRequest>> changed;
  auto with = [&](const std::string& what, auto edit) {
    v1::SuggestPlanRequest copy = request;
    edit(copy);
    changed.emplace_back(what, copy);
  };
  with("patient", [](auto& r) { r.set_patient_ref("P-0002"); });
  with("a finding's value",
       [](auto& r) { (*r.mutable_findings()->mutable_fields())["pain_nprs"].set_number_value(7); });
  with("a finding left out", [](auto& r) { r.mutable_findings()->mutable_fields()->erase("age"); });
  with("a finding added", [](auto& r) {
    (*r.mutable_findings()->mutable_fields())["diabetes"].set_bool_value(false);
  });
  with("a finding null instead of absent",
       [](auto& r) { (*r.mutable_findings()->mutable_fields())["diabetes"].set_null_value({}); });
  with("session length", [](auto& r) { r.set_session_minutes(45); });
  with("no qualifications instead of the clinic's", [](auto& r) { r.mutable_practitioner(); });
  with("a qualification",
       [](auto& r) { r.mutable_practitioner()->add_qualifications("dry_needling"); });
  std::vector<std::string> hashes = {base};
  for (const auto& [what, copy] : changed) {
    SCOPED_TRACE(what);
    const std::string hash = RequestHash(copy);
    EXPECT_EQ(std::count(hashes.begin(), hashes.end(), hash), 0);
    hashes.push_back(hash);
  }
}

// The older form must stay what releases before "pb1:" stored, or a retry across an upgrade would
// be refused as a different request. The pinned value was computed apart from this code: SHA-256 of
// {"findings":…,"patient_ref":…,"session_minutes":0} with sorted keys, no spaces, and every number
// written as a double (42.0), as earlier releases dumped the request's Struct.
TEST(RequestHashTest, TheOlderFormIsTheCanonicalJsonHashEarlierReleasesStored) {
  const v1::SuggestPlanRequest request = DeskWorker();
  const std::string legacy = LegacyRequestHash(request);
  EXPECT_EQ(legacy.size(), 64u);
  EXPECT_EQ(legacy.find(':'), std::string::npos);
  EXPECT_EQ(legacy, "f68c7d932f90d40b32941adfe06cb59e888a9adf05055112191eb2b2beedac68");
}

}  // namespace
}  // namespace modalis
