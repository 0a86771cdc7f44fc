// What a plan was asked, through the real modalisd and modalis: a stored SuggestPlan keeps its
// question (findings, session minutes, practitioner, condition; never whose it was), which reads
// back from the database file as the request's, and which `modalis db export` shows the patient;
// a dry run keeps nothing.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/plan_codec_proto.h"
#include "adapters/replay_input.h"
#include "core/store/sqlite/sqlite_store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::RunCommand;

class PlanReplayInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::ServerProcess>(std::vector<std::string>{
        "--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(), "--db", db_});
    ASSERT_TRUE(server_->started()) << server_->output();
    stub_ = v1::PlanService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  static v1::SuggestPlanRequest DeskWorker() {
    v1::SuggestPlanRequest request;
    const auto status = google::protobuf::util::JsonStringToMessage(
        testing::ReadText(testing::DataFile("desk-worker-request.json")), &request);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return request;
  }

  v1::Plan Suggest(const v1::SuggestPlanRequest& request) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SuggestPlanResponse response;
    const grpc::Status s = stub_->SuggestPlan(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.plan();
  }

  std::pair<int, std::string> Export(const std::string& patient) {
    return RunCommand(testing::BinDir() + "/modalis db export --db " + db_ + " --patient " +
                      patient);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.file("modalis.db");
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

TEST_F(PlanReplayInputTest, AStoredPlanKeepsItsQuestionAndADryRunKeepsNothing) {
  v1::SuggestPlanRequest asked = DeskWorker();  // P-0001, request id desk-worker-1
  asked.set_session_minutes(45);
  asked.mutable_practitioner()->add_qualifications("dry_needling");
  asked.set_condition("lower-back-pain");
  const v1::Plan stored = Suggest(asked);
  ASSERT_FALSE(stored.plan_id().empty());
  // A retry is answered with the same plan and stores nothing more.
  EXPECT_EQ(Suggest(asked).plan_id(), stored.plan_id());

  v1::SuggestPlanRequest dry = DeskWorker();
  dry.set_patient_ref("P-0002");
  dry.set_request_id("");
  dry.set_dry_run(true);
  ASSERT_FALSE(Suggest(dry).steps().empty());
  ASSERT_EQ(server_->Stop(SIGTERM), 0) << server_->output();

  {
    SqliteStoreOptions options;
    options.read_only = true;
    options.plan_codec = ProtoPlanCodec();
    auto store = OpenSqliteStore(db_, options);
    ASSERT_TRUE(store.ok()) << store.status();
    auto recent = (*store)->RecentReplayInputs("default", 500);
    ASSERT_TRUE(recent.ok()) << recent.status();
    ASSERT_EQ(recent->size(), 1u) << "only the stored plan, once";
    const PlanReplayInput& input = (*recent)[0];
    EXPECT_EQ(input.plan_id, stored.plan_id());
    EXPECT_EQ(input.patient_ref, "P-0001");
    EXPECT_EQ(input.rule_set_sha256, stored.rule_set().sha256());
    EXPECT_EQ(input.replay_format, kReplayInputFormat);
    auto question = DecodeReplayInput(input.replay_format, input.replay_input);
    ASSERT_TRUE(question.ok()) << question.status();
    EXPECT_TRUE(MessageDifferencer::Equals(question->findings(), asked.findings()));
    EXPECT_EQ(question->session_minutes(), 45u);
    ASSERT_TRUE(question->has_practitioner());
    EXPECT_EQ(question->practitioner().qualifications(0), "dry_needling");
    EXPECT_EQ(question->condition(), "lower-back-pain");
    EXPECT_EQ(question->patient_ref(), "");
    EXPECT_EQ(question->request_id(), "");
  }

  // The patient's export shows what the plan was asked, as JSON.
  const auto [exported, out] = Export("P-0001");
  ASSERT_EQ(exported, 0) << out;
  const nlohmann::json record = nlohmann::json::parse(out);
  ASSERT_EQ(record["plans"].size(), 1u);
  const nlohmann::json& plan = record["plans"][0];
  ASSERT_TRUE(plan.contains("asked")) << plan.dump(2);
  const nlohmann::json request =
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker-request.json")));
  EXPECT_EQ(plan["asked"], (nlohmann::json{{"findings", request["findings"]},
                                           {"session_minutes", 45},
                                           {"practitioner", {{"qualifications", {"dry_needling"}}}},
                                           {"condition", "lower-back-pain"}}));

  // The store still verifies, and a backup keeps the question.
  const auto [verified, verify_out] =
      RunCommand(testing::BinDir() + "/modalis db verify --db " + db_);
  EXPECT_EQ(verified, 0) << verify_out;
  const std::string copy = dir_.file("copy.db");
  const auto [backed_up, backup_out] =
      RunCommand(testing::BinDir() + "/modalis db backup --db " + db_ + " " + copy);
  ASSERT_EQ(backed_up, 0) << backup_out;
  const auto [from_copy, copy_out] =
      RunCommand(testing::BinDir() + "/modalis db export --db " + copy + " --patient P-0001");
  ASSERT_EQ(from_copy, 0) << copy_out;
  EXPECT_EQ(nlohmann::json::parse(copy_out)["plans"][0]["asked"], plan["asked"]);

  const auto [dry_exported, dry_out] = Export("P-0002");
  EXPECT_EQ(dry_exported, 1) << dry_out;
  EXPECT_NE(dry_out.find("nothing is stored for patient 'P-0002'"), std::string::npos) << dry_out;
}

}  // namespace
}  // namespace modalis
