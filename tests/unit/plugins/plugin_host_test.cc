#include "core/plugins/plugin_host.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;

TEST(PluginHostTest, LoadsTheFourModalitiesInIdOrder) {
  auto registry = LoadPlugins(testing::PluginsDir());
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ((*registry)->ids(),
            (std::vector<std::string>{"auricular_acupuncture", "dry_needling", "myofascial_release",
                                      "stretching_active_release"}));
  EXPECT_TRUE((*registry)->refused().empty());
  auto dn = (*registry)->Find("dry_needling");
  ASSERT_NE(dn, nullptr);
  EXPECT_EQ(dn->info().phase, 10);
  EXPECT_EQ(dn->info().qualification, "dry_needling");
  EXPECT_TRUE(dn->info().needs_written_consent);
}

TEST(PluginHostTest, RefusesUnsafeFilesAndKeepsTheGoodOnes) {
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string good = testing::PluginsDir() + "/modalis_dry_needling.so";
  fs::copy_file(good, dir.file("a_good.so"));
  testing::WriteText(dir.file("b_text.so"), "not a library\n");
  fs::copy_file(good, dir.file("c_writable.so"));
  ::chmod(dir.file("c_writable.so").c_str(), 0775);
  fs::create_symlink(good, dir.file("d_link.so"));

  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ((*registry)->ids(), std::vector<std::string>{"dry_needling"});
  const auto& refused = (*registry)->refused();
  ASSERT_EQ(refused.size(), 3u);
  EXPECT_NE(refused[0].reason.find("not a shared library"), std::string::npos) << refused[0].reason;
  EXPECT_NE(refused[1].reason.find("writable"), std::string::npos) << refused[1].reason;
  EXPECT_NE(refused[2].reason.find("symbolic link"), std::string::npos) << refused[2].reason;
}

TEST(PluginHostTest, RefusesDuplicateIds) {
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string good = testing::PluginsDir() + "/modalis_dry_needling.so";
  fs::copy_file(good, dir.file("a.so"));
  fs::copy_file(good, dir.file("b.so"));
  auto registry = LoadPlugins(dir.path());
  ASSERT_TRUE(registry.ok());
  ASSERT_EQ((*registry)->refused().size(), 1u);
  EXPECT_NE((*registry)->refused()[0].reason.find("duplicate modality id"), std::string::npos);
}

TEST(PluginHostTest, RefusesRelativeOrWritableDirectory) {
  EXPECT_FALSE(LoadPlugins("relative/plugins").ok());
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  auto registry = LoadPlugins(dir.path());
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(std::string(registry.status().message()).find("writable"), std::string::npos);
}

}  // namespace
}  // namespace modalis
