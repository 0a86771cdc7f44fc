// Every documented limit (docs/limits.md) at its value and one past it, against the real parts:
// what is at the limit is served, what is past it is refused with an error naming the limit.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "adapters/plan_proto.h"
#include "core/plugins/plugin_host.h"
#include "core/rules/compiler.h"
#include "core/store/sqlite/sqlite_store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;
using testing::ServerProcess;

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

class LimitsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--rules", rules_dir_.path(), "--plugins",        testing::PluginsDir(),
        "--db",    dir_.file("m.db"), "--watch-quiet-ms", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args);
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    plans_ = v1::PlanService::NewStub(channel);
    admin_ = v1::RulesAdmin::NewStub(channel);
  }

  void SetUp() override {
    fs::copy(testing::RulesDir(), rules_dir_.path(), fs::copy_options::recursive);
  }

  v1::SuggestPlanRequest DryRun(const nlohmann::json& findings) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref("P-limits");
    request.set_dry_run(true);
    *request.mutable_findings() = *JsonToStruct(findings);
    return request;
  }

  grpc::Status Suggest(const v1::SuggestPlanRequest& request) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::SuggestPlanResponse response;
    return plans_->SuggestPlan(&ctx, request, &response);
  }

  grpc::Status Reload() {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::ReloadRulesResponse response;
    return admin_->ReloadRules(&ctx, {}, &response);
  }

  testing::TempDir dir_;
  testing::TempDir rules_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
};

#define EXPECT_REFUSED(status, code, text)                                             \
  do {                                                                                 \
    const grpc::Status s_ = (status);                                                  \
    EXPECT_EQ(s_.error_code(), grpc::StatusCode::code) << s_.error_message();          \
    EXPECT_NE(s_.error_message().find(text), std::string::npos) << s_.error_message(); \
  } while (0)

TEST_F(LimitsTest, FindingsCountListItemsTextsAndNesting) {
  Start({"--max-findings", "3"});
  EXPECT_TRUE(Suggest(DryRun({{"age", 40}, {"pregnant", false}, {"pain_nprs", 3}})).ok());
  EXPECT_REFUSED(
      Suggest(DryRun({{"age", 40}, {"pregnant", false}, {"pain_nprs", 3}, {"slr", "negative"}})),
      INVALID_ARGUMENT, "too many findings: 4 (the limit is 3)");

  // Defaults: 64 list items, 256 bytes of text.
  EXPECT_TRUE(Suggest(DryRun({{"aggravating", std::vector<std::string>(64, "sitting")}})).ok());
  EXPECT_REFUSED(Suggest(DryRun({{"aggravating", std::vector<std::string>(65, "sitting")}})),
                 INVALID_ARGUMENT, "has 65 items; the limit is 64");
  EXPECT_TRUE(Suggest(DryRun({{"medications", {std::string(256, 'm')}}})).ok());
  EXPECT_REFUSED(Suggest(DryRun({{"medications", {std::string(257, 'm')}}})), INVALID_ARGUMENT,
                 "an item is longer than 256 bytes");

  // 16 levels counting the findings object: 15 lists inside a finding still unpack (and are
  // then the wrong type), 16 do not.
  auto nested = [](int lists) {
    nlohmann::json v = "sitting";
    for (int i = 0; i < lists; ++i) v = nlohmann::json::array({v});
    return nlohmann::json{{"aggravating", v}};
  };
  grpc::Status at = Suggest(DryRun(nested(15)));
  EXPECT_EQ(at.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(at.error_message().find("nested too deeply"), std::string::npos) << at.error_message();
  EXPECT_REFUSED(Suggest(DryRun(nested(16))), INVALID_ARGUMENT,
                 "aggravating: nested too deeply: the findings object and the lists and objects "
                 "in it may be at most 16 levels deep");
}

TEST_F(LimitsTest, RequestFieldLengths) {
  Start();
  auto request = DryRun({{"age", 40}});
  request.set_patient_ref(std::string(64, 'P'));
  EXPECT_TRUE(Suggest(request).ok());
  request.set_patient_ref(std::string(65, 'P'));
  EXPECT_REFUSED(Suggest(request), INVALID_ARGUMENT, "patient_ref");

  request.set_patient_ref("P-limits");
  request.set_request_id(std::string(64, 'r'));
  EXPECT_TRUE(Suggest(request).ok());
  request.set_request_id(std::string(65, 'r'));
  EXPECT_REFUSED(Suggest(request), INVALID_ARGUMENT, "request_id is longer than 64 bytes");

  request.set_request_id("");
  request.set_session_minutes(480);
  EXPECT_TRUE(Suggest(request).ok());
  request.set_session_minutes(481);
  EXPECT_REFUSED(Suggest(request), INVALID_ARGUMENT, "session_minutes must be at most 480");

  request.set_session_minutes(0);
  for (int i = 0; i < 64; ++i) request.mutable_practitioner()->add_qualifications("q");
  EXPECT_TRUE(Suggest(request).ok());
  request.mutable_practitioner()->add_qualifications("q");
  EXPECT_REFUSED(Suggest(request), INVALID_ARGUMENT,
                 "practitioner.qualifications has 65 items; the limit is 64");
  request.mutable_practitioner()->clear_qualifications();
  request.mutable_practitioner()->add_qualifications(std::string(256, 'q'));
  EXPECT_TRUE(Suggest(request).ok());
  request.mutable_practitioner()->set_qualifications(0, std::string(257, 'q'));
  EXPECT_REFUSED(Suggest(request), INVALID_ARGUMENT,
                 "practitioner.qualifications: an item is longer than 256 bytes");
}

TEST_F(LimitsTest, MessageSize) {
  Start({"--max-message-bytes", "4096"});
  // A request of exactly the limit, then one byte more (one more character in a medication).
  auto request = DryRun({{"age", 40}});
  auto* medications = &(*request.mutable_findings()->mutable_fields())["medications"];
  while (request.ByteSizeLong() < 4096 - 250) {
    medications->mutable_list_value()->add_values()->set_string_value(std::string(200, 'm'));
  }
  // The last item takes up the rest; a few rounds, as a length prefix may grow by a byte.
  std::string* last = medications->mutable_list_value()->add_values()->mutable_string_value();
  for (int round = 0; round < 4 && request.ByteSizeLong() != 4096; ++round) {
    last->resize(last->size() + 4096 - request.ByteSizeLong(), 'm');
  }
  ASSERT_EQ(request.ByteSizeLong(), 4096u);
  const grpc::Status at = Suggest(request);
  EXPECT_TRUE(at.ok()) << at.error_message();
  last->push_back('m');
  ASSERT_EQ(request.ByteSizeLong(), 4097u);
  EXPECT_REFUSED(Suggest(request), RESOURCE_EXHAUSTED, "4097 vs. 4096");
}

TEST_F(LimitsTest, RuleFileSizeThroughReloadAndValidate) {
  Start({"--max-message-bytes", std::to_string(8 << 20)});
  const std::string path = rules_dir_.file("lower-back-pain.rules.json");
  const std::string rules = testing::ReadText(path);
  constexpr size_t kLimit = 4 * 1024 * 1024;
  // Trailing whitespace changes the bytes, not the rules.
  testing::WriteText(path, rules + std::string(kLimit - rules.size(), ' '));
  EXPECT_TRUE(Reload().ok());
  testing::WriteText(path, rules + std::string(kLimit + 1 - rules.size(), ' '));
  EXPECT_REFUSED(Reload(), FAILED_PRECONDITION,
                 "the file is 4194305 bytes; the limit is 4194304 [file-too-large]");

  // A dry run counts every file it is sent.
  v1::ValidateRuleSetRequest request;
  request.mutable_rules()->set_content(rules + std::string(kLimit - rules.size(), ' '));
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::ValidateRuleSetResponse response;
  ASSERT_TRUE(admin_->ValidateRuleSet(&ctx, request, &response).ok());
  EXPECT_TRUE(response.valid()) << response.report();
  request.mutable_rules()->mutable_content()->push_back(' ');
  grpc::ClientContext ctx2;
  Deadline(&ctx2);
  EXPECT_REFUSED(admin_->ValidateRuleSet(&ctx2, request, &response), RESOURCE_EXHAUSTED,
                 "candidate rule files exceed 4194304 bytes");
}

// Compiles `text` as the rule file with the shipped vocabulary and no plugins.
std::vector<Diagnostic> Compile(const std::string& text, const RuleLimits& limits = {}) {
  RuleSource source;
  source.vocabulary = {"vocabulary.json",
                       testing::ReadText(testing::RulesDir() + "/vocabulary.json")};
  source.rules = {"limits.rules.json", text};
  std::vector<Diagnostic> diagnostics;
  const PluginRegistry no_plugins;
  (void)CompileRuleSet(source, no_plugins, &diagnostics, limits);
  return diagnostics;
}

bool Has(const std::vector<Diagnostic>& diagnostics, const std::string& id) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [&](const Diagnostic& d) { return d.id == id; });
}

std::string RuleFile(const std::string& when, const std::string& extra_rules = "") {
  return R"({"id": "limits", "version": "1", "advice": {"stay_active": "Keep moving."},
  "rules": [)" +
         extra_rules + R"({"id": "r", "description": "d", "source": "s", "when": )" + when +
         R"(, "then": [{"advise": "stay_active"}]}]})";
}

// A rule file of `n` rules, each a test on one number.
std::string ManyRules(size_t n) {
  std::string rules;
  for (size_t i = 1; i < n; ++i) {
    rules += R"({"id": "r)" + std::to_string(i) +
             R"(", "description": "d", "source": "s", "when": {"finding": "pain_duration_weeks", )"
             R"("at_least": )" +
             std::to_string(static_cast<double>(i) / 10) +
             R"(}, "then": [{"advise": "stay_active"}]},)";
  }
  return RuleFile(R"({"finding": "age", "at_least": 1})", rules);
}

// Each check compiles a whole candidate on its own thread; past --max-rule-checks running at
// once a call is refused at once, and every call that ran got its full answer.
TEST_F(LimitsTest, RuleChecksRunningAtOnceAreBounded) {
  Start({"--max-rule-checks", "1"});
  v1::ValidateRuleSetRequest request;
  request.mutable_rules()->set_content(ManyRules(3000));
  request.mutable_vocabulary()->set_content(testing::ReadText(rules_dir_.file("vocabulary.json")));
  int valid = 0, refused = 0;
  // The calls are sent together, and each takes tens of milliseconds to compile, so they overlap;
  // a few rounds make sure.
  for (int round = 0; round < 5 && refused == 0; ++round) {
    constexpr size_t kCalls = 8;
    std::vector<std::promise<grpc::Status>> done(kCalls);
    std::vector<grpc::ClientContext> contexts(kCalls);
    std::vector<v1::ValidateRuleSetResponse> responses(kCalls);
    for (size_t i = 0; i < kCalls; ++i) {
      Deadline(&contexts[i]);
      admin_->async()->ValidateRuleSet(&contexts[i], &request, &responses[i],
                                       [&done, i](grpc::Status s) { done[i].set_value(s); });
    }
    for (size_t i = 0; i < kCalls; ++i) {
      const grpc::Status s = done[i].get_future().get();
      if (s.ok()) {
        ++valid;
        EXPECT_TRUE(responses[i].valid()) << responses[i].report().substr(0, 2000);
      } else {
        ++refused;
        EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
        EXPECT_NE(s.error_message().find("1 rule-set checks or reloads are already running"),
                  std::string::npos)
            << s.error_message();
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(valid, 0);
  // Nothing stays counted: a lone check and a reload run.
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::ValidateRuleSetResponse response;
  ASSERT_TRUE(admin_->ValidateRuleSet(&ctx, request, &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_TRUE(Reload().ok());
}

TEST(RuleLimitsTest, JsonNestingConditionNestingAndRuleCount) {
  // 64 containers deep (the file's object, 63 lists) parse; 65 do not.
  auto lists = [](std::size_t n) {
    return R"({"id": "x", "version": "1", "rules": )" + std::string(n, '[') + std::string(n, ']') +
           "}";
  };
  EXPECT_FALSE(Has(Compile(lists(63)), "too-deep"));
  EXPECT_TRUE(Has(Compile(lists(64)), "too-deep"));

  // 12 levels of condition counting the test itself: 11 "not"s around a test compile.
  auto nots = [](int n) {
    std::string when = R"({"finding": "age", "at_least": 30})";
    for (int i = 0; i < n; ++i) when = R"({"not": )" + when + "}";
    return RuleFile(when);
  };
  EXPECT_FALSE(Has(Compile(nots(11)), "too-deep")) << FormatDiagnostics(Compile(nots(11)));
  const auto over = Compile(nots(12));
  ASSERT_TRUE(Has(over, "too-deep"));
  EXPECT_NE(FormatDiagnostics(over).find("nested more than 12 levels"), std::string::npos);

  // Rules in a file, with a small limit: the shipped 50,000 takes minutes to compile in a test,
  // and at about 100 bytes a rule the 4 MiB file limit comes first anyway.
  EXPECT_EQ(RuleLimits{}.max_rules, 50000u);
  RuleLimits roomy;
  roomy.max_rules = 100;
  const auto at = Compile(ManyRules(100), roomy);
  EXPECT_FALSE(Has(at, "too-many-rules"));
  EXPECT_FALSE(HasErrors(at)) << FormatDiagnostics(at).substr(0, 2000);
  const auto past = Compile(ManyRules(101), roomy);
  ASSERT_TRUE(Has(past, "too-many-rules"));
  EXPECT_NE(FormatDiagnostics(past).find("this file has 101 rules; the limit is 100"),
            std::string::npos);
}

// A full write queue refuses at once, and what it refuses leaves no trace: every acknowledged
// plan is stored with its audit record, every refused one is absent.
TEST(WriteQueueTest, FullQueueRefusesWithoutStoringHalfAWrite) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.queue_capacity = 2;
  options.max_batch = 1;
  auto store = OpenSqliteStore(dir.file("m.db"), options);
  ASSERT_TRUE(store.ok()) << store.status();
  constexpr std::size_t kWrites = 100;
  std::vector<std::promise<absl::Status>> results(kWrites);
  for (std::size_t i = 0; i < kWrites; ++i) {
    (*store)->PutPlanAsync(
        testing::SamplePlan("pl_" + std::to_string(i)),
        [&results, i](absl::StatusOr<StoredPlan> s) { results[i].set_value(s.status()); });
  }
  int stored = 0, refused = 0;
  for (std::size_t i = 0; i < kWrites; ++i) {
    const absl::Status s = results[i].get_future().get();
    const auto read = (*store)->GetPlan("default", "pl_" + std::to_string(i));
    if (s.ok()) {
      ++stored;
      EXPECT_TRUE(read.ok()) << "acknowledged plan " << i << " is missing";
    } else {
      ++refused;
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
      EXPECT_NE(s.message().find("write queue is full (2 waiting)"), std::string::npos) << s;
      EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound) << "refused plan " << i;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(stored, 0);
  auto report = (*store)->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->audit_records, stored);
}

// Through modalisd: the client gets RESOURCE_EXHAUSTED, and exactly the acknowledged plans are
// stored.
TEST_F(LimitsTest, FullWriteQueueIsResourceExhaustedToTheClient) {
  Start({"--max-queued-writes", "1"});
  const auto findings =
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json")));
  int ok = 0, exhausted = 0;
  // Commits wait for the disk, so a burst overfills a queue of one; a few rounds make sure.
  for (int round = 0; round < 5 && exhausted == 0; ++round) {
    constexpr std::size_t kBurst = 48;
    std::vector<std::promise<grpc::Status>> done(kBurst);
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<v1::SuggestPlanRequest> requests(kBurst);
    std::vector<v1::SuggestPlanResponse> responses(kBurst);
    for (std::size_t i = 0; i < kBurst; ++i) {
      requests[i].set_patient_ref("P-queue");
      *requests[i].mutable_findings() = *JsonToStruct(findings);
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      Deadline(contexts.back().get());
      plans_->async()->SuggestPlan(contexts.back().get(), &requests[i], &responses[i],
                                   [&done, i](grpc::Status s) { done[i].set_value(s); });
    }
    for (auto& d : done) {
      const grpc::Status s = d.get_future().get();
      if (s.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
        EXPECT_NE(s.error_message().find("write queue is full (1 waiting)"), std::string::npos)
            << s.error_message();
        ++exhausted;
      }
    }
  }
  EXPECT_GT(exhausted, 0) << "no burst filled the queue";
  EXPECT_GT(ok, 0);
  v1::ListPlansRequest list;
  list.set_patient_ref("P-queue");
  list.set_page_size(100);
  int listed = 0;
  do {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::ListPlansResponse page;
    ASSERT_TRUE(plans_->ListPlans(&ctx, list, &page).ok());
    listed += page.plans_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(listed, ok);
}

}  // namespace
}  // namespace modalis
