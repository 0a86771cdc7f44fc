#include "core/common/did_you_mean.h"

#include <gtest/gtest.h>

namespace modalis {
namespace {

const std::vector<std::string> kCodes = {
    "pregnant", "pregnancy_trimester", "pain_nprs", "pain_days_per_week", "min", "max"};

TEST(DidYouMeanTest, SuggestsTheNearestCode) {
  EXPECT_EQ(DidYouMean("pregnnant", kCodes), "pregnant");
  EXPECT_EQ(DidYouMean("pain_nrps", kCodes), "pain_nprs");
  EXPECT_EQ(DidYouMean("mn", kCodes), "min");
}

TEST(DidYouMeanTest, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(DidYouMean("saddle_anaesthesia", kCodes), "");
  EXPECT_EQ(DidYouMean("x", {}), "");
  EXPECT_EQ(DidYouMeanSuffix("saddle_anaesthesia", kCodes), "");
}

TEST(DidYouMeanTest, SuffixQuotesTheSuggestion) {
  EXPECT_EQ(DidYouMeanSuffix("pregnnant", kCodes), " (did you mean 'pregnant'?)");
}

}  // namespace
}  // namespace modalis
