#include "dsp/pass_filter.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mixdown::dsp {

static_assert(Processor<PassFilter>);

PassFilter::Design PassFilter::design(PassKind kind, double freq_hz, int order,
                                      double sample_rate) noexcept {
  order = std::clamp(order, 1, 8);
  Design d;
  // Conjugate pole pairs: Q_k = 1 / (2 sin((2k - 1) pi / (2N))), k = 1 .. N/2.
  for (int k = 1; k <= order / 2; ++k) {
    const double q = 1.0 / (2.0 * std::sin((2.0 * k - 1.0) * std::numbers::pi / (2.0 * order)));
    d.sections[d.count++] = kind == PassKind::high_pass
                                ? BiquadCoeffs::high_pass(freq_hz, q, sample_rate)
                                : BiquadCoeffs::low_pass(freq_hz, q, sample_rate);
  }
  if (order % 2 == 1)  // the real pole
    d.sections[d.count++] = kind == PassKind::high_pass
                                ? BiquadCoeffs::first_order_high_pass(freq_hz, sample_rate)
                                : BiquadCoeffs::first_order_low_pass(freq_hz, sample_rate);
  return d;
}

void PassFilter::set_settings(const PassFilterSettings& s) {
  settings_ = s;
  settings_.order = std::clamp(s.order, 1, 8);
  update();
}

void PassFilter::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  cascade_.prepare(spec.channels, 4);
  prepared_ = true;
  update();
  cascade_.reset();
}

void PassFilter::update() {
  if (!prepared_) return;
  if (!settings_.enabled) {
    cascade_.set_coeffs(nullptr, 0);
    return;
  }
  const Design d = design(kind_, settings_.freq_hz, settings_.order, sample_rate_);
  cascade_.set_coeffs(d.sections.data(), d.count);
}

void PassFilter::process(const AudioView& io) noexcept {
  if (settings_.enabled) cascade_.process(io);
}

std::size_t PassFilter::tail_frames() const noexcept {
  if (!settings_.enabled) return 0;
  const Design d = design(kind_, settings_.freq_hz, settings_.order, sample_rate_);
  std::size_t t = 0;
  for (std::size_t k = 0; k < d.count; ++k) t += biquad_tail_frames(d.sections[k]);
  return t;
}

double PassFilter::magnitude_db(double f) const noexcept {
  if (!settings_.enabled) return 0.0;
  return cascade_.magnitude_db(f, sample_rate_);
}

}  // namespace mixdown::dsp
