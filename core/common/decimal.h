// Clinical scores compared at the precision they are recorded in. A therapist records 8.7, not
// 8.6999999999999993: compared as binary doubles, a drop from 8.7 to 6.7 falls short of 2 points.
// Scores are held here in millionths, far finer than any scale records, and compared exactly.
#pragma once

#include <cmath>
#include <cstdint>

namespace modalis {

inline int64_t Micro(double value) { return std::llround(value * 1e6); }

// baseline - latest >= points, each as recorded.
inline bool ReachesPoints(double baseline, double latest, double points) {
  return Micro(baseline) - Micro(latest) >= Micro(points);
}

// (baseline - latest) / baseline >= fraction, without dividing; false when baseline is 0. Exact
// in 64 bits for scores up to a million and fractions up to 1.
inline bool ReachesFraction(double baseline, double latest, double fraction) {
  const int64_t base = Micro(baseline);
  if (base <= 0) return false;
  const int64_t drop = base - Micro(latest);
  return drop * 1'000'000 >= Micro(fraction) * base;
}

}  // namespace modalis
