// Console sessions: a cookie value this server signed, for one subject, until it ends; nothing
// else passes, however little of it was changed.
#include "server/console_session.h"

#include <gtest/gtest.h>

#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

const std::string kSubject(64, 'a');

ConsoleSessions Sessions(std::chrono::seconds lifetime = std::chrono::seconds(60)) {
  return ConsoleSessions(std::string(32, 'k'), lifetime);
}

TEST(ConsoleSessionTest, AnIssuedSessionNamesItsSubjectUntilItEnds) {
  const ConsoleSessions sessions = Sessions();
  const std::string value = sessions.Issue(kSubject, 1000);
  EXPECT_EQ(sessions.Verify(value, 1000), kSubject);
  EXPECT_EQ(sessions.Verify(value, 60999), kSubject);
  EXPECT_EQ(sessions.Verify(value, 61000), std::nullopt);
  EXPECT_EQ(Sessions().Verify(sessions.Issue("local", 0), 1), "local");
}

TEST(ConsoleSessionTest, AnyChangeToTheValueIsRefused) {
  const ConsoleSessions sessions = Sessions();
  const std::string value = sessions.Issue(kSubject, 1000);
  for (size_t i = 0; i < value.size(); ++i) {
    std::string changed = value;
    changed[i] = changed[i] == '1' ? '2' : '1';
    EXPECT_EQ(sessions.Verify(changed, 1000), std::nullopt) << "changed at " << i;
  }
  // A later end, a different subject: both need the key.
  const std::string later = "v1." + kSubject + ".999999999999";
  EXPECT_EQ(sessions.Verify(later + value.substr(value.rfind('.')), 1000), std::nullopt);
  EXPECT_EQ(sessions.Verify("", 0), std::nullopt);
  EXPECT_EQ(sessions.Verify("....", 0), std::nullopt);
  EXPECT_EQ(sessions.Verify(value + "." + value, 1000), std::nullopt);
  // Another server's key.
  const ConsoleSessions other(std::string(32, 'x'), std::chrono::seconds(60));
  EXPECT_EQ(other.Verify(value, 1000), std::nullopt);
}

TEST(ConsoleSessionTest, KeysAreRandomOrReadFromAFileOfEnoughHexDigits) {
  auto a = ConsoleSessions::RandomKey();
  auto b = ConsoleSessions::RandomKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);

  testing::TempDir dir;
  testing::WriteText(dir.file("key"), std::string(64, 'f') + "\n");
  auto key = ConsoleSessions::ReadKey(dir.file("key"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, std::string(32, '\xff'));

  for (const std::string& bad : {std::string(62, 'f'), std::string(63, 'f') + "g", std::string()}) {
    testing::WriteText(dir.file("bad"), bad + "\n");
    auto refused = ConsoleSessions::ReadKey(dir.file("bad"));
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("64 hex digits"), std::string::npos)
        << refused.status();
  }
  EXPECT_FALSE(ConsoleSessions::ReadKey(dir.file("absent")).ok());
}

}  // namespace
}  // namespace modalis
