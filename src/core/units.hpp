// Typed units at API boundaries (after cycfi/q support/decibel.hpp): a Decibels is not a gain
// and not a Lufs, and ambiguous conversions do not compile. Inside kernels use plain floats
// with the unit in the name (threshold_db, attack_s).
#pragma once

#include <cmath>
#include <limits>

namespace mixdown {

inline constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

inline double db_to_gain(double db) noexcept { return std::pow(10.0, db / 20.0); }
inline double gain_to_db(double gain) noexcept {
  return gain > 0.0 ? 20.0 * std::log10(gain) : kMinusInf;
}
inline double power_to_db(double p) noexcept { return p > 0.0 ? 10.0 * std::log10(p) : kMinusInf; }

template <class Tag>
struct Quantity {
  double value = 0.0;
  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : value(v) {}
  Quantity(float) = delete;  // say which unit explicitly: Decibels{3.0}
  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr Quantity operator+(Quantity o) const { return Quantity{value + o.value}; }
  constexpr Quantity operator-(Quantity o) const { return Quantity{value - o.value}; }
  constexpr Quantity operator-() const { return Quantity{-value}; }
};

struct DecibelsTag {};
struct HertzTag {};
struct SecondsTag {};
struct LufsTag {};
using Decibels = Quantity<DecibelsTag>;
using Hertz = Quantity<HertzTag>;
using Seconds = Quantity<SecondsTag>;
using Lufs = Quantity<LufsTag>;

inline double to_gain(Decibels d) noexcept { return db_to_gain(d.value); }

}  // namespace mixdown
