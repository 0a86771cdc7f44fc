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
  EXPECT_EQ(MODALIS_PLUGIN_ABI_MINOR, 0);
  EXPECT_EQ(Sha256Hex(header), "500b40627b9abf81dedda30a426419e2287b36b618303c1aa2b0b359b6cf8759");
}

// The layout a 1.0 plugin was compiled with (LP64): the host reads these offsets from plugins it
// did not build, so they may never move.
TEST(PluginAbiTest, DescriptorLayoutOfVersion1_0) {
  EXPECT_EQ(offsetof(modalis_plugin_v1, struct_size), 0u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, abi_major), 4u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, abi_minor), 6u);
  EXPECT_EQ(offsetof(modalis_plugin_v1, id), 8u);
  EXPECT_EQ(sizeof(modalis_str), 16u);
  EXPECT_EQ(sizeof(modalis_plugin_v1), 192u);
}

}  // namespace
}  // namespace modalis
