// What modalisd does with files on its host: the plugin directory and plugin files it will run code
// from, and the permissions of the database, its WAL and the log it creates.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "adapters/plan_proto.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;
using testing::ServerProcess;

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(SecurityTest, PluginsWritableOrOwnedByOthersAreNotRun) {
  testing::TempDir plugins, data;
  ::chmod(plugins.path().c_str(), 0755);
  for (const auto& entry : fs::directory_iterator(testing::PluginsDir())) {
    if (entry.path().extension() != ".so") continue;
    const std::string copy = plugins.file(entry.path().filename().string());
    fs::copy_file(entry.path(), copy);
    ::chmod(copy.c_str(), 0755);
  }
  auto start = [&] {
    return std::make_unique<ServerProcess>(std::vector<std::string>{
        "--rules", testing::RulesDir(), "--plugins", plugins.path(), "--db", data.file("m.db")});
  };

  // Anyone in the group could swap a plugin in: no plugin from there is run at all.
  ::chmod(plugins.path().c_str(), 0775);
  {
    auto server = start();
    EXPECT_FALSE(server->started());
    EXPECT_EQ(server->Stop(SIGTERM), 1);
    EXPECT_NE(server->output().find("plugin directory '" + plugins.path() +
                                    "' is group- or world-writable; fix with chmod go-w"),
              std::string::npos)
        << server->output();
  }
  ::chmod(plugins.path().c_str(), 0755);

  // One world-writable plugin: it is not opened, and the rules that need it do not go live.
  const std::string needling = plugins.file("modalis_dry_needling.so");
  ::chmod(needling.c_str(), 0757);
  {
    auto server = start();
    EXPECT_FALSE(server->started());
    const std::string out = server->output();
    EXPECT_NE(out.find("refused there: " + needling +
                       ": is group- or world-writable; fix with chmod go-w"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("the modality 'dry_needling'"), std::string::npos) << out;
  }
  ::chmod(needling.c_str(), 0755);

  if (::geteuid() == 0) {
    // Owned by someone who is neither root nor the user modalisd runs as.
    ASSERT_EQ(::chown(needling.c_str(), 65534, 65534), 0);
    auto server = start();
    EXPECT_FALSE(server->started());
    EXPECT_NE(server->output().find(needling + ": is owned by uid 65534"), std::string::npos)
        << server->output();
    ASSERT_EQ(::chown(needling.c_str(), 0, 0), 0);
  }
  auto server = start();
  EXPECT_TRUE(server->started()) << server->output();
}

TEST(SecurityTest, DatabaseWalAndLogAreOwnerOnlyWhateverTheUmask) {
  testing::TempDir dir;
  const std::string db = dir.file("var/lib/modalis/modalis.db");
  const std::string log = dir.file("modalisd.log");
  // The shell that starts modalisd may well be this permissive.
  const mode_t previous = ::umask(022);
  ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(), "--db",
                        db, "--log-file", log});
  ::umask(previous);
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = v1::PlanService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  v1::SuggestPlanRequest request;
  request.set_patient_ref("P-0001");
  *request.mutable_findings() = *JsonToStruct(
      nlohmann::json::parse(testing::ReadText(testing::DataFile("desk-worker.json"))));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::SuggestPlanResponse response;
  ASSERT_TRUE(stub->SuggestPlan(&ctx, request, &response).ok());

  // While serving, the WAL and its index exist beside the database.
  for (const std::string& file : {db, db + "-wal", db + "-shm", log}) {
    EXPECT_EQ(Mode(file) & 077, 0u) << file << " has mode 0" << std::oct << Mode(file);
  }
  for (const std::string& made :
       {dir.file("var"), dir.file("var/lib"), dir.file("var/lib/modalis")}) {
    EXPECT_EQ(Mode(made) & 007, 0u) << made << " has mode 0" << std::oct << Mode(made);
  }
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace modalis
