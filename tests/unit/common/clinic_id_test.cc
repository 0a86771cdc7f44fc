// Clinic ids appear in paths, logs and the operator's commands: plain, bounded, lower case.
#include "core/common/clinic_id.h"

#include <gtest/gtest.h>

#include <string>

namespace modalis {
namespace {

TEST(ClinicIdTest, AcceptsPlainLowerCaseIds) {
  for (std::string_view id : {"default", "a", "7", "north-side-physio", "clinic-42"}) {
    EXPECT_TRUE(CheckClinicId(id).ok()) << id;
  }
  EXPECT_TRUE(CheckClinicId(std::string(64, 'x')).ok());
}

TEST(ClinicIdTest, RefusesWhatWouldNotBeAPlainIdAndSaysWhatIsAllowed) {
  for (std::string_view id : {"", "-lead", "Upper", "with space", "dot.ted", "slash/ed", "ü"}) {
    absl::Status s = CheckClinicId(id);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_NE(s.message().find("lower-case letters, digits or '-'"), std::string::npos) << s;
  }
  EXPECT_FALSE(CheckClinicId(std::string(65, 'x')).ok());
}

}  // namespace
}  // namespace modalis
