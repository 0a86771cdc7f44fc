// The token file as modalisd reads it and the CLI writes it: every token belongs to one clinic
// except the operator's, files written before clinics existed still read, and a bad entry is
// refused naming the file and the entry.
#include "adapters/token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "core/common/sha256.h"
#include "tests/support/file_util.h"
#include "tests/support/temp_dir.h"

namespace modalis {
namespace {

const std::string kHash(64, 'a');

class TokenFileTest : public ::testing::Test {
 protected:
  // Writes `entries` (the inside of the "tokens" array) to a file and reads it back.
  absl::StatusOr<std::vector<TokenEntry>> Read(const std::string& entries) {
    testing::WriteText(path_, "{\"tokens\": [" + entries + "]}\n");
    return ReadTokenFile(path_);
  }
  testing::TempDir dir_;
  const std::string path_ = dir_.file("tokens.json");
};

TEST_F(TokenFileTest, AFileWithoutClinicsIsTheDefaultClinics) {
  auto entries = Read(R"({"name": "booking-app", "role": "booking", "sha256": ")" + kHash +
                      R"("}, {"name": "ops", "role": "admin", "sha256": ")" + kHash + R"("})");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].clinic_id, "default");
  EXPECT_EQ((*entries)[1].clinic_id, "default");
  EXPECT_EQ((*entries)[1].role, Role::kAdmin);
}

TEST_F(TokenFileTest, EachEntryKeepsItsClinicAndTheOperatorHasNone) {
  auto entries = Read(R"({"name": "a", "role": "notes", "clinic": "north-2", "sha256": ")" + kHash +
                      R"("}, {"name": "fleet", "role": "operator", "sha256": ")" + kHash + R"("})");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].clinic_id, "north-2");
  EXPECT_EQ((*entries)[1].role, Role::kOperator);
  EXPECT_EQ((*entries)[1].clinic_id, "");
  EXPECT_EQ(ParseRole("operator"), Role::kOperator);
  EXPECT_EQ(RoleName(Role::kOperator), "operator");
}

TEST_F(TokenFileTest, BadEntriesAreRefusedNamingTheFileAndTheEntry) {
  const std::string where = path_ + ": tokens[1] ('";
  const std::string good = R"({"name": "ok", "role": "booking", "sha256": ")" + kHash + R"("}, )";
  struct Case {
    std::string entry;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"name": "fleet", "role": "operator", "clinic": "north", "sha256": ")" + kHash +
                R"("})",
            where + "fleet'): an operator token belongs to no clinic; remove its \"clinic\""},
           {R"({"name": "fleet", "role": "operator", "clinic": "", "sha256": ")" + kHash + R"("})",
            where + "fleet'): an operator token belongs to no clinic"},
           {R"({"name": "app", "role": "booking", "clinic": "North_Clinic", "sha256": ")" + kHash +
                R"("})",
            where + "app'): clinic id 'North_Clinic' must be 1 to 64 lower-case letters"},
           {R"({"name": "app", "role": "notes", "clinic": "", "sha256": ")" + kHash + R"("})",
            where + "app'): clinic id '' must be"},
           {R"({"name": "app", "role": "notes", "clinic": 7, "sha256": ")" + kHash + R"("})",
            where + "app'): clinic must be a string"},
           {R"({"name": "app", "role": "root", "sha256": ")" + kHash + R"("})",
            where + "app'): role must be booking, notes, admin or operator"},
       }) {
    auto entries = Read(good + c.entry);
    ASSERT_FALSE(entries.ok()) << c.entry;
    EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(entries.status().message().find(c.message), std::string::npos)
        << entries.status().message() << "\nexpected: " << c.message;
  }
}

TEST_F(TokenFileTest, AddTokenStoresTheClinicAndRefusesOneForTheOperator) {
  auto booking = AddToken(path_, "booking-app", Role::kBooking, "");
  ASSERT_TRUE(booking.ok()) << booking.status();
  auto notes = AddToken(path_, "notes-app", Role::kNotes, "north-2");
  ASSERT_TRUE(notes.ok()) << notes.status();
  auto fleet = AddToken(path_, "fleet", Role::kOperator, "");
  ASSERT_TRUE(fleet.ok()) << fleet.status();

  auto refused = AddToken(path_, "fleet-2", Role::kOperator, "north-2");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("an operator token belongs to no clinic"),
            std::string::npos)
      << refused.status();
  auto bad = AddToken(path_, "app", Role::kAdmin, "North");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("clinic id 'North' must be"), std::string::npos)
      << bad.status();

  auto entries = ReadTokenFile(path_);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u) << "a refused token leaves the file as it was";
  EXPECT_EQ(FindToken(*entries, *booking)->clinic_id, "default");
  EXPECT_EQ(FindToken(*entries, *notes)->clinic_id, "north-2");
  EXPECT_EQ(FindToken(*entries, *fleet)->clinic_id, "");
  EXPECT_EQ(FindToken(*entries, *fleet)->role, Role::kOperator);

  // The file says each clinic, and nothing of the operator's; it stays owner-only.
  const std::string text = testing::ReadText(path_);
  EXPECT_NE(text.find("\"clinic\": \"north-2\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"clinic\": \"default\""), std::string::npos) << text;
  EXPECT_EQ(text.find(*fleet), std::string::npos) << "only hashes are stored";
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A file from before clinics gains them when a token is added, and its tokens stay the default
// clinic's.
TEST_F(TokenFileTest, AddingToAnOldFileKeepsItsTokensInTheDefaultClinic) {
  const std::string old_token = "mt_old";
  testing::WriteText(path_, R"({"tokens": [{"name": "ops", "role": "admin", "sha256": ")" +
                                Sha256Hex(old_token) + "\"}]}\n");
  ASSERT_TRUE(AddToken(path_, "fleet", Role::kOperator, "").ok());
  auto entries = ReadTokenFile(path_);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  auto old = FindToken(*entries, old_token);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->name, "ops");
  EXPECT_EQ(old->clinic_id, "default");
}

}  // namespace
}  // namespace modalis
