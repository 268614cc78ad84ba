#include "dsp/parametric_eq.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace mixdown::dsp {

static_assert(Processor<ParametricEq>);

void ParametricEq::set_settings(const EqSettings& s) {
  // Copy-assign reuses the vector's storage when the band count does not grow.
  settings_.bands.resize(s.bands.size());
  std::copy(s.bands.begin(), s.bands.end(), settings_.bands.begin());
  update();
}

void ParametricEq::set_settings(const EqSettings& s, const PassFilterSettings& high_pass,
                                const PassFilterSettings& low_pass) {
  high_pass_ = high_pass;
  low_pass_ = low_pass;
  set_settings(s);
}

void ParametricEq::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = spec.channels;
  const std::size_t cap = std::max<std::size_t>(settings_.bands.size(), 8) + 8;  // + HP and LP
  coeffs_.reserve(cap);
  settings_.bands.reserve(cap);
  cascade_.prepare(channels_, cap);
  prepared_ = true;
  update();
  cascade_.reset();
}

void ParametricEq::update() {
  if (!prepared_) return;
  coeffs_.clear();  // keeps the capacity reserved in prepare()
  for (const auto& [pass, kind] : {std::pair{&high_pass_, PassKind::high_pass},
                                   std::pair{&low_pass_, PassKind::low_pass}}) {
    if (!pass->enabled) continue;
    const PassFilter::Design d = PassFilter::design(kind, pass->freq_hz, pass->order, sample_rate_);
    coeffs_.insert(coeffs_.end(), d.sections.begin(), d.sections.begin() + static_cast<std::ptrdiff_t>(d.count));
  }
  for (const auto& band : settings_.bands) coeffs_.push_back(BiquadCoeffs::from_band(band, sample_rate_));
  cascade_.set_coeffs(coeffs_);
}

std::size_t ParametricEq::tail_frames() const noexcept {
  std::size_t t = 0;
  for (const auto& c : coeffs_)
    if (!c.is_identity()) t += biquad_tail_frames(c);
  return t;
}

}  // namespace mixdown::dsp
