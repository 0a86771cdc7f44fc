// The hostile-input corpus (tests/bad-input/): every request and every rule file in it must be
// refused by the real modalisd with the error its manifest names, while the server keeps serving
// and the store stays exactly as it was. How to add a case: tests/bad-input/README.md.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/common/sha256.h"
#include "core/store/sqlite/sqlite_store.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::string CorpusDir(const std::string& part) {
  return testing::SourceDir() + "/tests/bad-input/" + part;
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(20);
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "?";
}

std::vector<std::string> Substrings(const Json& e, const char* key) {
  std::vector<std::string> out;
  if (!e.contains(key)) return out;
  if (e[key].is_string()) return {e[key].get<std::string>()};
  for (const auto& s : e[key]) out.push_back(s.get<std::string>());
  return out;
}

std::string FromHex(const std::string& hex) {
  std::string out;
  std::string digits;
  for (char c : hex) {
    if (std::isxdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Text built from pieces, so a case can be megabytes or thousands of levels deep without being
// stored that way: each piece's "text" (or "hex" bytes) is repeated "times" times, with "{n}"
// replaced by the repetition's number.
std::string Generate(const Json& pieces) {
  std::string out;
  for (const Json& piece : pieces) {
    const std::string text =
        piece.contains("hex") ? FromHex(piece["hex"]) : piece["text"].get<std::string>();
    const size_t times = piece.value("times", size_t{1});
    const size_t placeholder = text.find("{n}");
    for (size_t i = 0; i < times; ++i) {
      if (placeholder == std::string::npos) {
        out += text;
      } else {
        out += text.substr(0, placeholder) + std::to_string(i) + text.substr(placeholder + 3);
      }
    }
  }
  return out;
}

// What a case must leave untouched: the database and its write-ahead log byte for byte, and the
// audit chain (length and head) as the store itself reports it.
struct StoreState {
  std::string db_sha256;
  std::string wal_sha256;
  int64_t audit_records = -1;
  std::string audit_head;  // of clinic default's chain, the only one these cases write to
  bool operator==(const StoreState&) const = default;
};

std::ostream& operator<<(std::ostream& out, const StoreState& s) {
  return out << "{db " << s.db_sha256.substr(0, 12) << ", wal " << s.wal_sha256.substr(0, 12)
             << ", audit " << s.audit_records << " head " << s.audit_head.substr(0, 12) << "}";
}

StoreState Snapshot(const std::string& db) {
  StoreState state;
  state.db_sha256 = Sha256Hex(testing::ReadText(db));
  state.wal_sha256 = Sha256Hex(testing::ReadText(db + "-wal"));
  SqliteStoreOptions options;
  options.read_only = true;
  options.readers = 1;
  auto store = OpenSqliteStore(db, options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return state;
  auto report = (*store)->Verify();
  EXPECT_TRUE(report.ok() && report->ok()) << "the store no longer verifies";
  if (report.ok()) {
    state.audit_records = report->audit_records;
    for (const AuditChain& chain : report->chains) {
      if (chain.clinic_id == "default") state.audit_head = chain.head;
    }
  }
  return state;
}

using testing::RunCommand;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(testing::RulesDir(), rules_dir_.path(), fs::copy_options::recursive);
    db_ = data_dir_.file("modalis.db");
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--rules", rules_dir_.path(), "--plugins", testing::PluginsDir(),
                                 "--db", db_, "--watch-quiet-ms", "0"});
    ASSERT_TRUE(server_->started()) << server_->output();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    generic_ = std::make_unique<grpc::GenericStub>(channel_);
    admin_ = v1::RulesAdmin::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
    // One real plan, so the store has an audit chain whose head a refused case must not move.
    ASSERT_EQ(StoreGoodPlan().error_code(), grpc::StatusCode::OK);
  }

  void TearDown() override {
    if (server_ == nullptr || !server_->started()) return;
    // A clean exit on SIGTERM: nothing above crashed or wedged the server.
    EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
    const auto [code, out] = RunCommand(testing::BinDir() + "/modalis db verify --db " + db_);
    EXPECT_EQ(code, 0) << out;
  }

  grpc::Status StoreGoodPlan() {
    v1::SuggestPlanRequest request;
    request.set_patient_ref("P-good");
    const std::string findings = testing::ReadText(testing::DataFile("desk-worker.json"));
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(findings, request.mutable_findings()).ok());
    std::string bytes;
    request.SerializeToString(&bytes);
    return Call("/modalis.v1.PlanService/SuggestPlan", bytes);
  }

  // Sends `bytes` as the request message of `method`, exactly as given.
  grpc::Status Call(const std::string& method, const std::string& bytes,
                    std::string* response_bytes = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic_->UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                        [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    if (response_bytes != nullptr && status.ok()) {
      std::vector<grpc::Slice> slices;
      (void)response.Dump(&slices);
      for (const auto& s : slices) response_bytes->append(s.begin(), s.end());
    }
    return status;
  }

  bool Serving() {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return health_->Check(&ctx, request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  }

  v1::GetStatusResponse Status() {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetStatusResponse status;
    EXPECT_TRUE(admin_->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  testing::TempDir rules_dir_;
  testing::TempDir data_dir_;
  std::string db_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> generic_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// --- requests -------------------------------------------------------------------------------

const google::protobuf::MethodDescriptor* FindMethod(const std::string& name) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* service : {"modalis.v1.PlanService.", "modalis.v1.RulesAdmin."}) {
    if (const auto* m = pool->FindMethodByName(service + name)) return m;
  }
  return nullptr;
}

google::protobuf::Value& Finding(google::protobuf::Message* request, const std::string& code) {
  auto* findings = dynamic_cast<google::protobuf::Struct*>(request->GetReflection()->MutableMessage(
      request, request->GetDescriptor()->FindFieldByName("findings")));
  return (*findings->mutable_fields())[code];
}

double SpecialNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  ADD_FAILURE() << "number must be NaN, Infinity, -Infinity or a number, not " << s;
  return 0;
}

// Changes the JSON mapping cannot express, applied to the parsed message.
void ApplyEdits(const Json& edits, google::protobuf::Message* request) {
  for (const Json& edit : edits) {
    if (edit.contains("number")) {
      Finding(request, edit["number"]["finding"])
          .set_number_value(SpecialNumber(edit["number"]["value"]));
    } else if (edit.contains("nest")) {
      // Wraps the finding's value in lists (or objects) `depth` times; swaps keep this linear.
      google::protobuf::Value& value = Finding(request, edit["nest"]["finding"]);
      const bool objects = edit["nest"].value("kind", "list") == "object";
      google::protobuf::Value inner;
      inner.Swap(&value);
      for (int i = 0; i < edit["nest"]["depth"].get<int>(); ++i) {
        google::protobuf::Value outer;
        google::protobuf::Value* slot =
            objects ? &(*outer.mutable_struct_value()->mutable_fields())["x"]
                    : outer.mutable_list_value()->add_values();
        slot->Swap(&inner);
        inner.Swap(&outer);
      }
      value.Swap(&inner);
    }
  }
}

// The request bytes a case describes; empty with a failure when the case itself is broken.
std::string RequestBytes(const std::string& name, const Json& e,
                         const google::protobuf::MethodDescriptor* method) {
  if (e.contains("wire_hex")) return FromHex(e["wire_hex"]);
  const std::string text =
      e["request"].is_string()
          ? testing::ReadText(CorpusDir("api") + "/" + e["request"].get<std::string>())
          : Generate(e["request"]);
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->input_type())
          ->New());
  const auto parsed = google::protobuf::util::JsonStringToMessage(text, request.get());
  if (!parsed.ok()) {
    ADD_FAILURE() << name << ": the request is not proto3 JSON of " << method->input_type()->name()
                  << ": " << parsed.message();
    return {};
  }
  if (e.contains("edits")) ApplyEdits(e["edits"], request.get());
  std::string bytes;
  request->SerializePartialToString(&bytes);
  // Bytes no JSON text can carry (invalid UTF-8): an equally long marker swapped on the wire.
  if (e.contains("wire_replace")) {
    const std::string from = e["wire_replace"]["text"];
    const std::string to = FromHex(e["wire_replace"]["hex"]);
    EXPECT_EQ(from.size(), to.size()) << name << ": wire_replace must keep the length";
    const size_t at = bytes.find(from);
    EXPECT_NE(at, std::string::npos) << name << ": '" << from << "' is not in the request";
    if (at != std::string::npos) bytes.replace(at, from.size(), to);
  }
  return bytes;
}

std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) out.push_back(v.field());
  }
  return out;
}

TEST_F(BadInputTest, EveryHostileRequestIsRefusedAndChangesNothing) {
  const Json expect = Json::parse(testing::ReadText(CorpusDir("api") + "/expect.json"));
  ASSERT_GE(expect.size(), 40u);
  StoreState before = Snapshot(db_);
  for (const auto& [name, e] : expect.items()) {
    SCOPED_TRACE(name);
    const auto* method = FindMethod(e.value("method", "SuggestPlan"));
    ASSERT_NE(method, nullptr) << e.value("method", "SuggestPlan");
    const std::string bytes = RequestBytes(name, e, method);
    if (bytes.empty() && !e.contains("wire_hex")) continue;
    const std::string path = "/" + method->service()->full_name() + "/" + method->name();
    const grpc::Status s = Call(path, bytes);

    EXPECT_STREQ(CodeName(s.error_code()), e["code"].get<std::string>().c_str())
        << s.error_message();
    for (const std::string& part : Substrings(e, "message")) {
      EXPECT_NE(s.error_message().find(part), std::string::npos)
          << "'" << part << "' not in: " << s.error_message().substr(0, 2000);
    }
    if (e.contains("field")) {
      const auto fields = ViolatedFields(s);
      EXPECT_NE(std::find(fields.begin(), fields.end(), e["field"]), fields.end())
          << "no BadRequest violation for " << e["field"];
    }
    // An error never echoes a hostile request back at full size.
    EXPECT_LE(s.error_message().size(), e.value("message_at_most", size_t{4096}));
    ASSERT_TRUE(Serving()) << server_->output();
    const StoreState after = Snapshot(db_);
    EXPECT_EQ(after, before) << "the store changed";
    before = after;
  }
  // Still serving real requests, and the store still takes them.
  ASSERT_EQ(StoreGoodPlan().error_code(), grpc::StatusCode::OK);
  EXPECT_NE(Snapshot(db_).audit_head, before.audit_head);
}

TEST_F(BadInputTest, EveryApiCaseHasItsRequestFile) {
  const Json expect = Json::parse(testing::ReadText(CorpusDir("api") + "/expect.json"));
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(CorpusDir("api"))) {
    const std::string file = entry.path().filename().string();
    if (file == "expect.json") continue;
    ++files;
    bool named = false;
    for (const auto& [name, e] : expect.items())
      named |= e.contains("request") && e.at("request") == file;
    EXPECT_TRUE(named) << file << " is in no case of expect.json";
  }
  for (const auto& [name, e] : expect.items()) {
    EXPECT_TRUE(e.contains("code")) << name;
    EXPECT_EQ(e.contains("request") + e.contains("wire_hex"), 1) << name;
  }
}

// --- rule files -----------------------------------------------------------------------------

struct RuleFiles {
  std::string rules, vocabulary, cases;  // file names inside a rules directory
};

RuleFiles ActiveFileNames(const std::string& dir) {
  const Json manifest = Json::parse(testing::ReadText(dir + "/modalis.json"));
  return {manifest["rules"], manifest["vocabulary"], manifest["cases"][0]};
}

std::string FileFor(const RuleFiles& files, const std::string& role) {
  return role == "vocabulary" ? files.vocabulary : role == "cases" ? files.cases : files.rules;
}

// "name:line:column: error: ... [id]" as modalis prints a diagnostic.
void ExpectPrinted(const std::string& out, const std::string& file, const Json& e) {
  // A problem with the whole file (its size) has no line: "name: error: ...".
  const std::string where =
      file + (e["line"] == 0 ? "" : ":" + e["line"].dump() + ":" + e["column"].dump()) +
      ": error: ";
  const auto at = out.find(where);
  ASSERT_NE(at, std::string::npos) << "'" << where << "' not in:\n" << out.substr(0, 4000);
  const std::string line = out.substr(at, out.find('\n', at) - at);
  EXPECT_NE(line.find("[" + e["id"].get<std::string>() + "]"), std::string::npos) << line;
  for (const std::string& part : Substrings(e, "message")) {
    EXPECT_NE(line.find(part), std::string::npos) << "'" << part << "' not in: " << line;
  }
}

TEST_F(BadInputTest, EveryHostileRuleFileIsRefusedWithItsLocationEverywhere) {
  const Json expect = Json::parse(testing::ReadText(CorpusDir("rules") + "/expect.json"));
  ASSERT_GE(expect.size(), 20u);
  const RuleFiles files = ActiveFileNames(rules_dir_.path());
  const std::string active_sha = Status().rule_set().sha256();
  const StoreState before = Snapshot(db_);
  testing::TempDir cli_dir;
  fs::copy(testing::RulesDir(), cli_dir.path(), fs::copy_options::recursive);

  for (const auto& [name, e] : expect.items()) {
    SCOPED_TRACE(name);
    const std::string role = e.value("role", "rules");
    const std::string text =
        e["file"].is_string()
            ? testing::ReadText(CorpusDir("rules") + "/" + e["file"].get<std::string>())
            : Generate(e["file"]);
    ASSERT_FALSE(text.empty());

    // 1. A dry run through the API: refused, with the diagnostic at its place in the file.
    {
      v1::ValidateRuleSetRequest request;
      request.mutable_rules()->set_name(role == "rules" ? name : files.rules);
      request.mutable_rules()->set_content(
          role == "rules" ? text : testing::ReadText(rules_dir_.file(files.rules)));
      if (role == "vocabulary") {
        request.mutable_vocabulary()->set_name(name);
        request.mutable_vocabulary()->set_content(text);
      }
      v1::RuleFile* cases = request.add_cases();
      cases->set_name(role == "cases" ? name : files.cases);
      cases->set_content(role == "cases" ? text : testing::ReadText(rules_dir_.file(files.cases)));
      std::string bytes;
      request.SerializePartialToString(&bytes);
      std::string response_bytes;
      const grpc::Status s = Call("/modalis.v1.RulesAdmin/ValidateRuleSet", bytes, &response_bytes);
      if (e.contains("validate")) {
        // Refused before the compiler sees it (size, encoding): the status says why.
        EXPECT_STREQ(CodeName(s.error_code()), e["validate"]["code"].get<std::string>().c_str())
            << s.error_message();
        for (const std::string& part : Substrings(e["validate"], "message")) {
          EXPECT_NE(s.error_message().find(part), std::string::npos) << s.error_message();
        }
      } else {
        ASSERT_TRUE(s.ok()) << s.error_message();
        v1::ValidateRuleSetResponse response;
        ASSERT_TRUE(response.ParseFromString(response_bytes));
        EXPECT_FALSE(response.valid());
        // Plain references: clang 14 cannot capture structured bindings in a lambda.
        const nlohmann::json& expected = e;
        const std::string& file_name = name;
        const auto found = std::find_if(
            response.diagnostics().begin(), response.diagnostics().end(), [&](const auto& d) {
              return d.id() == expected["id"] && d.file() == file_name &&
                     d.line() == expected["line"] && d.column() == expected["column"] &&
                     d.severity() == v1::ERROR;
            });
        EXPECT_NE(found, response.diagnostics().end()) << response.report().substr(0, 4000);
        if (found != response.diagnostics().end()) {
          for (const std::string& part : Substrings(e, "message")) {
            EXPECT_NE(found->message().find(part), std::string::npos) << found->message();
          }
          if (e.contains("pointer")) {
            EXPECT_EQ(found->pointer(), e["pointer"]);
          }
        }
      }
    }
    ASSERT_TRUE(Serving()) << server_->output();

    // 2. Saved into the served rules directory and reloaded: refused, the old rules keep serving.
    {
      const std::string target = rules_dir_.file(FileFor(files, role));
      const std::string original = testing::ReadText(target);
      testing::WriteText(target, text);
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      v1::ReloadRulesResponse response;
      const grpc::Status s = admin_->ReloadRules(&ctx, {}, &response);
      testing::WriteText(target, original);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
      ExpectPrinted(s.error_message(), FileFor(files, role), e);
      ASSERT_TRUE(Serving()) << server_->output();
      const v1::GetStatusResponse status = Status();
      EXPECT_EQ(status.rule_set().sha256(), active_sha);
      EXPECT_NE(status.last_reload_error().find("was not activated"), std::string::npos);
    }

    // 3. `modalis rules check` (golden cases: `modalis rules test`) on a directory holding it.
    {
      const std::string target = cli_dir.file(FileFor(files, role));
      const std::string original = testing::ReadText(target);
      testing::WriteText(target, text);
      const std::string command = testing::BinDir() + "/modalis rules " +
                                  (role == "cases" ? "test" : "check " + cli_dir.path()) +
                                  " --rules " + cli_dir.path() + " --plugins " +
                                  testing::PluginsDir();
      const auto [code, out] = RunCommand(command);
      testing::WriteText(target, original);
      EXPECT_EQ(code, 1) << out.substr(0, 4000);
      ExpectPrinted(out, FileFor(files, role), e);
    }
  }
  EXPECT_EQ(Snapshot(db_), before) << "the store changed";
}

TEST_F(BadInputTest, EveryRuleCaseFileIsNamed) {
  const Json expect = Json::parse(testing::ReadText(CorpusDir("rules") + "/expect.json"));
  for (const auto& entry : fs::directory_iterator(CorpusDir("rules"))) {
    const std::string file = entry.path().filename().string();
    if (file == "expect.json") continue;
    bool named = false;
    for (const auto& [name, e] : expect.items())
      named |= e.contains("file") && e.at("file") == file;
    EXPECT_TRUE(named) << file << " is in no case of expect.json";
  }
  for (const auto& [name, e] : expect.items()) {
    for (const char* key : {"file", "id", "line", "column"}) {
      EXPECT_TRUE(e.contains(key)) << name << " needs '" << key << "'";
    }
  }
}

}  // namespace
}  // namespace modalis
