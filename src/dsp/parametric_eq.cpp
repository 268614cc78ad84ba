#include "dsp/parametric_eq.hpp"

#include <algorithm>

namespace mixdown::dsp {

static_assert(Processor<ParametricEq>);

void ParametricEq::set_settings(const EqSettings& s) {
  // Copy-assign reuses the vector's storage when the band count does not grow.
  settings_.bands.resize(s.bands.size());
  std::copy(s.bands.begin(), s.bands.end(), settings_.bands.begin());
  update();
}

void ParametricEq::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = spec.channels;
  const std::size_t cap = std::max<std::size_t>(settings_.bands.size(), 8);
  coeffs_.reserve(cap);
  settings_.bands.reserve(cap);
  cascade_.prepare(channels_, cap);
  prepared_ = true;
  update();
  cascade_.reset();
}

void ParametricEq::update() {
  if (!prepared_) return;
  coeffs_.resize(settings_.bands.size());
  for (std::size_t i = 0; i < settings_.bands.size(); ++i)
    coeffs_[i] = BiquadCoeffs::from_band(settings_.bands[i], sample_rate_);
  cascade_.set_coeffs(coeffs_);
}

std::size_t ParametricEq::tail_frames() const noexcept {
  std::size_t t = 0;
  for (const auto& c : coeffs_)
    if (!c.is_identity()) t += biquad_tail_frames(c);
  return t;
}

}  // namespace mixdown::dsp
