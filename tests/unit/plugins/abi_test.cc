// Guards the plugin ABI against silent change: plugins already built against ABI 1.0 are in
// clinics, so any edit to plugin_abi.h must be a deliberate, versioned one.
#include <gtest/gtest.h>
#include <modalis/plugin_abi.h>

#include <cstddef>

#include "core/common/sha256.h"
#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// If this fails you changed plugin_abi.h. Then: append fields only (never reorder, resize or
// remove), bump MODALIS_PLUGIN_ABI_MINOR for an addition or MODALIS_PLUGIN_ABI_MAJOR for anything
// else, teach the host to read older struct_size values, and only then update the hash below.
TEST(PluginAbiTest, HeaderIsUnchangedUnlessTheVersionIsBumped) {
  const std::string header =
      testing::ReadText(testing::SourceDir() + "/plugins/sdk/include/modalis/plugin_abi.h");
  ASSERT_FALSE(header.empty());
  EXPECT_EQ(MODALIS_PLUGIN_ABI_MAJOR, 1);
  EXPECT_EQ(MODALIS_PLUGIN_ABI_MINOR, 1);
  EXPECT_EQ(Sha256Hex(header), "f362db62747a1a25521f8f40c29ae259a90ac7274efb0ce7bfd4eab08aa1ea06");
}

// The layout a 1.0 plugin was compiled with (LP64): the host reads these offsets from plugins it
// did not build, so they may never move.
TEST(PluginAbiTest, DescriptorLayoutOfVersion1_0) {
  EXPECT_EQ(offsetof(modalis_plugin_v1, struct_size), 0u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, abi_major), 4u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, abi_minor), 6u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, id), 8u);
  EXPECT_EQ(sizeof(modalis_str), 16u);
  EXPECT_EQ(MODALIS_PLUGIN_V1_0_SIZE, 192u);
}

// What 1.1 appended after the 1.0 layout.
TEST(PluginAbiTest, DescriptorLayoutOfVersion1_1) {
  EXPECT_EQ(offsetof(modalis_plugin_v1, safety_json), 192u);
  EXPECT_EQ(sizeof(modalis_plugin_v1), 208u);
}

}  // namespace
}  // namespace modalis
