// The real modalisd when its storage fails under it: the database file deleted while serving, the
// disk full (a small tmpfs mounted by the test), the WAL made immutable. Health must tell the
// truth (NOT_SERVING while writes cannot succeed, SERVING again once they do), the codes are the
// documented ones, and no acknowledged plan is lost.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "core/store/sqlite/sqlite_store.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/waiting.h"

namespace modalis {
namespace {

using testing::Deadline;
using testing::WaitFor;

namespace fs = std::filesystem;
using grpc::health::v1::HealthCheckResponse;
using testing::ServerProcess;

class StorageFaultsTest : public ::testing::Test {
 protected:
  // `db` is where the database lives (a tmpfs, or a plain temp directory).
  void Start(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--rules",
                                     testing::RulesDir(),
                                     "--plugins",
                                     testing::PluginsDir(),
                                     "--db",
                                     db,
                                     "--log-file",
                                     logs_.file("m.log"),
                                     "--watch-quiet-ms",
                                     "0",
                                     "--db-probe-ms",
                                     "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args);
    ASSERT_TRUE(server_->started()) << server_->output();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    plans_ = v1::PlanService::NewStub(channel);
    admin_ = v1::RulesAdmin::NewStub(channel);
    health_ = grpc::health::v1::Health::NewStub(channel);
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    EXPECT_TRUE(health_->Check(&ctx, request, &response).ok());
    return response.status();
  }
  bool Serving() {
    return Health("") == HealthCheckResponse::SERVING &&
           Health("modalis.v1.PlanService") == HealthCheckResponse::SERVING;
  }
  bool NotServing() {
    return Health("") == HealthCheckResponse::NOT_SERVING &&
           Health("modalis.v1.PlanService") == HealthCheckResponse::NOT_SERVING;
  }

  // Stores the desk worker's plan; the plan id when acknowledged.
  grpc::Status Suggest(const std::string& patient, std::string* plan_id) {
    v1::SuggestPlanRequest request;
    request.set_patient_ref(patient);
    *request.mutable_findings() = *JsonToStruct(
        nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::SuggestPlanResponse response;
    grpc::Status s = plans_->SuggestPlan(&ctx, request, &response);
    if (s.ok()) *plan_id = response.plan().plan_id();
    return s;
  }

  bool Readable(const std::string& plan_id) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetPlanRequest request;
    request.set_plan_id(plan_id);
    v1::GetPlanResponse response;
    return plans_->GetPlan(&ctx, request, &response).ok();
  }

  v1::GetStatusResponse Status() {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::GetStatusResponse status;
    EXPECT_TRUE(admin_->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  std::string Log() const { return testing::ReadText(logs_.file("m.log")); }

  testing::TempDir data_, logs_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::RulesAdmin::Stub> admin_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(StorageFaultsTest, DatabaseDeletedWhileServingStopsWritesAndHealthAndIsNotRecreated) {
  const std::string db = data_.file("m.db");
  Start(db);
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 30; ++i) {
    std::string id;
    ASSERT_TRUE(Suggest("P-" + std::to_string(i), &id).ok());
    acknowledged.push_back(id);
  }
  ASSERT_TRUE(Serving());
  ASSERT_EQ(::unlink(db.c_str()), 0);

  // The first write after the unlink is refused, with the documented code and the file named.
  std::string id;
  grpc::Status refused = Suggest("P-after", &id);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << refused.error_message();
  EXPECT_NE(refused.error_message().find("the database file '" + db + "' was deleted"),
            std::string::npos)
      << refused.error_message();
  // Health changed before that client heard of the failure.
  EXPECT_TRUE(NotServing());
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(Suggest("P-later-" + std::to_string(i), &id).ok()) << "acknowledged after unlink";
  }
  const v1::GetStatusResponse status = Status();
  EXPECT_FALSE(status.store_writable());
  EXPECT_NE(status.store_error().find("was deleted, moved or replaced"), std::string::npos)
      << status.store_error();
  const std::string log = Log();
  EXPECT_NE(log.find("\"store_unwritable\""), std::string::npos) << log;
  const auto [code, said] =
      testing::RunCommand(testing::BinDir() + "/modalis status --address " + server_->address());
  EXPECT_EQ(code, 4) << said;
  EXPECT_NE(said.find("WARNING     the database cannot be written"), std::string::npos) << said;
  ASSERT_EQ(server_->Stop(SIGTERM), 0);

  // A restart does not quietly begin an empty database where one is expected.
  ServerProcess refused_start({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                               "--db", db, "--log-file", logs_.file("m2.log")});
  EXPECT_FALSE(refused_start.started());
  EXPECT_EQ(refused_start.Stop(SIGTERM), 1);
  EXPECT_NE(refused_start.output().find("the database '" + db + "' is missing"), std::string::npos)
      << refused_start.output();
  EXPECT_NE(refused_start.output().find("--create-db"), std::string::npos)
      << refused_start.output();
  EXPECT_FALSE(fs::exists(db));

  // On purpose, it does.
  Start(db, {"--create-db"});
  EXPECT_TRUE(Serving());
  EXPECT_TRUE(Suggest("P-new", &id).ok());
}

// A small tmpfs is a real full disk: SQLite meets ENOSPC, not a cap of its own.
class TmpfsDisk {
 public:
  explicit TmpfsDisk(const std::string& dir, const std::string& size) : dir_(dir) {
    mounted_ =
        ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

  // Writes a file until the disk is full; returns its path.
  std::string Fill() {
    const std::string path = dir_ + "/filler";
    std::ofstream out(path, std::ios::binary);
    const std::string block(64 * 1024, 'f');
    for (int i = 0;
         i < 100000 && out.write(block.data(), static_cast<std::streamsize>(block.size())); ++i) {
    }
    out.close();
    return path;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST_F(StorageFaultsTest, DiskFullGoesNotServingKeepsEveryPlanAndRecoversByItself) {
  testing::TempDir mount_point;
  TmpfsDisk disk(mount_point.path(), "4m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.error();
  const std::string db = mount_point.file("m.db");
  Start(db);
  std::vector<std::string> acknowledged;
  std::string id;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Suggest("P-" + std::to_string(i), &id).ok());
    acknowledged.push_back(id);
  }
  const std::string filler = disk.Fill();

  // Keep storing until the disk refuses; every plan it acknowledged stays readable.
  grpc::Status failure;
  for (int i = 0; i < 2000 && failure.ok(); ++i) {
    failure = Suggest("P-fill-" + std::to_string(i), &id);
    if (failure.ok()) acknowledged.push_back(id);
  }
  ASSERT_FALSE(failure.ok()) << "the disk never filled";
  EXPECT_EQ(failure.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << failure.error_message();
  EXPECT_NE(failure.error_message().find("full"), std::string::npos) << failure.error_message();
  EXPECT_TRUE(NotServing());
  EXPECT_FALSE(Status().store_writable());
  for (const std::string& plan : acknowledged) EXPECT_TRUE(Readable(plan)) << plan;

  // Space freed: the probe finds out, without any client writing.
  ASSERT_TRUE(fs::remove(filler));
  EXPECT_TRUE(WaitFor([&] { return Serving(); })) << "health stayed NOT_SERVING after space freed";
  EXPECT_TRUE(Status().store_writable());
  EXPECT_TRUE(Suggest("P-after", &id).ok());
  acknowledged.push_back(id);
  const std::string log = Log();
  EXPECT_NE(log.find("\"store_unwritable\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"store_writable\""), std::string::npos) << log;
  ASSERT_EQ(server_->Stop(SIGTERM), 0);

  const auto [code, verified] =
      testing::RunCommand(testing::BinDir() + "/modalis db verify --db " + db);
  EXPECT_EQ(code, 0) << verified;
  // As modalisd wrote them: plans as modalis.v1.Plan.
  SqliteStoreOptions options;
  options.plan_codec = ProtoPlanCodec();
  auto store = OpenSqliteStore(db, options);
  ASSERT_TRUE(store.ok()) << store.status();
  for (const std::string& plan : acknowledged)
    EXPECT_TRUE((*store)->GetPlan("default", plan).ok()) << plan;
}

// An immutable WAL (chattr +i) behaves like a file system gone read-only under the server.
TEST_F(StorageFaultsTest, ReadOnlyWalIsFailedPreconditionNotServingAndRecovers) {
  const std::string db = data_.file("m.db");
  Start(db);
  std::string id;
  ASSERT_TRUE(Suggest("P-1", &id).ok());
  const std::string wal = db + "-wal";
  ASSERT_TRUE(fs::exists(wal));
  const auto [locked, chattr] = testing::RunCommand("chattr +i " + wal);
  if (locked != 0) GTEST_SKIP() << "chattr +i is not available here: " << chattr;
  struct Unlock {
    std::string path;
    ~Unlock() { testing::RunCommand("chattr -i " + path); }
  } unlock{wal};
  grpc::Status failure;
  for (int i = 0; i < 50 && failure.ok(); ++i) failure = Suggest("P-ro-" + std::to_string(i), &id);
  ASSERT_FALSE(failure.ok()) << "writes kept succeeding on an immutable WAL";
  EXPECT_TRUE(NotServing());
  EXPECT_FALSE(Status().store_writable());
  const auto [unlocked, out] = testing::RunCommand("chattr -i " + wal);
  ASSERT_EQ(unlocked, 0) << out;
  EXPECT_EQ(failure.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << failure.error_message();
  EXPECT_NE(failure.error_message().find("read-only"), std::string::npos)
      << failure.error_message();
  // Writable again: the probe brings health back.
  EXPECT_TRUE(WaitFor([&] { return Serving(); })) << Log();
  EXPECT_TRUE(Suggest("P-2", &id).ok());
  EXPECT_TRUE(Readable(id));
}

}  // namespace
}  // namespace modalis
