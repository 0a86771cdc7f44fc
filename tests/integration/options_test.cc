// modalisd's settings: every flag works in the --config file too, with the same range, and a flag
// given on the command line wins over the file.
#include "server/options.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

// Parses `args` (after the program name) with `config` as the config file's content.
absl::Status Parse(const nlohmann::json& config, std::vector<std::string> args,
                   ServerOptions* options, const testing::TempDir& dir) {
  testing::WriteText(dir.file("config.json"), config.dump());
  CLI::App app;
  AddServerOptions(app, options);
  args.insert(args.begin(), {"--config", dir.file("config.json")});
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(std::string("flag refused: ") + e.what());
  }
  return ApplyConfigFile(app, options);
}

TEST(OptionsTest, EverySettingIsAcceptedInTheFileWithTheFlagsRange) {
  testing::TempDir dir;
  size_t in_file = 0;
  for (const SettingInfo& s : ServerSettings()) {
    if (s.key.empty()) continue;
    ++in_file;
    std::string expected_key = s.flag.substr(2);
    for (char& c : expected_key) c = c == '-' ? '_' : c;
    EXPECT_EQ(s.key, expected_key) << s.flag;
    ServerOptions options;
    switch (s.kind) {
      case SettingInfo::Kind::kText:
        EXPECT_TRUE(Parse({{s.key, "x"}}, {}, &options, dir).ok()) << s.key;
        EXPECT_FALSE(Parse({{s.key, 1}}, {}, &options, dir).ok()) << s.key;
        break;
      case SettingInfo::Kind::kSwitch:
        EXPECT_TRUE(Parse({{s.key, true}}, {}, &options, dir).ok()) << s.key;
        EXPECT_FALSE(Parse({{s.key, "yes"}}, {}, &options, dir).ok()) << s.key;
        break;
      case SettingInfo::Kind::kWholeNumber: {
        for (int64_t ok : {s.min, s.max}) {
          EXPECT_TRUE(Parse({{s.key, ok}}, {}, &options, dir).ok()) << s.key << " " << ok;
          EXPECT_TRUE(
              Parse(nlohmann::json::object(), {s.flag, std::to_string(ok)}, &options, dir).ok())
              << s.flag << " " << ok;
        }
        for (int64_t bad : {s.min - 1, s.max + 1}) {
          const absl::Status file = Parse({{s.key, bad}}, {}, &options, dir);
          EXPECT_FALSE(file.ok()) << s.key << " " << bad;
          EXPECT_NE(file.message().find(s.key + " must be a whole number from " +
                                        std::to_string(s.min) + " to " + std::to_string(s.max)),
                    std::string::npos)
              << file;
          EXPECT_FALSE(
              Parse(nlohmann::json::object(), {s.flag, std::to_string(bad)}, &options, dir).ok())
              << s.flag << " " << bad;
        }
        EXPECT_FALSE(Parse({{s.key, 1.5}}, {}, &options, dir).ok()) << s.key;
        break;
      }
    }
  }
  EXPECT_GE(in_file, 24u);
}

TEST(OptionsTest, TheFileSetsWhatNoFlagGaveAndFlagsWin) {
  testing::TempDir dir;
  ServerOptions options;
  ASSERT_TRUE(Parse({{"watch_quiet_ms", 250}, {"max_findings", 10}, {"db", "other.db"}},
                    {"--max-findings", "20"}, &options, dir)
                  .ok());
  EXPECT_EQ(options.watch_quiet_ms, 250);
  EXPECT_EQ(options.max_findings, 20);
  EXPECT_EQ(options.db, "other.db");
}

TEST(OptionsTest, ABadFileNamesTheKeyAndChangesNothing) {
  testing::TempDir dir;
  ServerOptions options;
  const absl::Status unknown =
      Parse({{"max_findings", 10}, {"max_findngs", 10}}, {}, &options, dir);
  EXPECT_NE(unknown.message().find("unknown setting 'max_findngs'"), std::string::npos) << unknown;
  EXPECT_EQ(options.max_findings, 256) << "a setting was applied from a file that was refused";
  // --create-db begins a new, empty database: a flag only, never kept in a file.
  EXPECT_NE(Parse({{"create_db", true}}, {}, &options, dir).message().find("unknown setting"),
            std::string::npos);
}

}  // namespace
}  // namespace modalis
