// Suggests the closest known name for a misspelt one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modalis {

// The candidate nearest to `word` by edit distance, or "" when none is close enough to help.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string DidYouMeanSuffix(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace modalis
