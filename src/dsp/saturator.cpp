#include "dsp/saturator.hpp"

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/units.hpp"

namespace mixdown::dsp {

static_assert(Processor<Saturator>);

namespace {

// tanh-like soft clip: the [3/2] Padé approximant of tanh, x (27 + x^2) / (27 + 9 x^2), which
// reaches exactly 1 with zero slope at |x| = 3 and is clamped beyond (C1-smooth, monotonic).
inline float soft_clip(float x) noexcept {
  const float c = std::clamp(x, -3.0f, 3.0f);
  const float c2 = c * c;
  return c * (27.0f + c2) / (27.0f + 9.0f * c2);
}

inline float tape(float x) noexcept { return x / std::sqrt(1.0f + x * x); }

// The shapers over a whole oversampled block, y = curve(x * drive) / drive. On x86 four at a
// time with SSE (exact IEEE sqrt/div/min/max, so the same bits as the scalar curves): the
// compiler would not vectorise std::sqrt (errno) or the float clamp (trapping math) itself.
void shape_block(float* v, std::size_t n, float drive, float inv, bool is_tape) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128 d = _mm_set1_ps(drive), r = _mm_set1_ps(inv), one = _mm_set1_ps(1.0f);
  const __m128 lo = _mm_set1_ps(-3.0f), hi = _mm_set1_ps(3.0f);
  const __m128 k27 = _mm_set1_ps(27.0f), k9 = _mm_set1_ps(9.0f);
  for (; i + 4 <= n; i += 4) {
    const __m128 x = _mm_mul_ps(_mm_loadu_ps(v + i), d);
    __m128 y;
    if (is_tape) {
      y = _mm_div_ps(x, _mm_sqrt_ps(_mm_add_ps(one, _mm_mul_ps(x, x))));
    } else {
      const __m128 c = _mm_min_ps(_mm_max_ps(x, lo), hi);
      const __m128 c2 = _mm_mul_ps(c, c);
      y = _mm_div_ps(_mm_mul_ps(c, _mm_add_ps(k27, c2)), _mm_add_ps(k27, _mm_mul_ps(k9, c2)));
    }
    _mm_storeu_ps(v + i, _mm_mul_ps(y, r));
  }
#endif
  for (; i < n; ++i) v[i] = (is_tape ? tape(v[i] * drive) : soft_clip(v[i] * drive)) * inv;
}

}  // namespace

void Saturator::set_settings(const SaturatorSettings& s) {
  settings_ = s;
  drive_ = db_to_gain(std::clamp(s.drive_db, -24.0, 48.0));
  inv_drive_ = 1.0 / drive_;
}

void Saturator::prepare(const ProcessSpec& spec) {
  channels_ = std::max(1, spec.channels);
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  oversampler_.prepare(channels_, max_block_);
  dry_delay_.assign(static_cast<std::size_t>(channels_),
                    std::vector<float>(oversampler_.latency_frames(), 0.0f));
  wet_.assign(max_block_, 0.0f);
  reset();
}

void Saturator::reset() noexcept {
  oversampler_.reset();
  for (auto& d : dry_delay_) std::fill(d.begin(), d.end(), 0.0f);
  dry_pos_ = 0;
}

std::size_t Saturator::latency_frames() const noexcept {
  return settings_.enabled ? oversampler_.latency_frames() : 0;
}

double Saturator::curve(double x) const noexcept {
  const auto d = static_cast<float>(x * drive_);
  const float y = settings_.mode == SaturationMode::tape ? tape(d) : soft_clip(d);
  return y * inv_drive_;
}

void Saturator::process(const AudioView& io) noexcept {
  if (!settings_.enabled || wet_.empty()) return;
  const int nc = std::min(io.num_channels(), channels_);
  const auto drive = static_cast<float>(drive_), inv = static_cast<float>(inv_drive_);
  const auto wet_gain = static_cast<float>(std::clamp(settings_.mix, 0.0, 1.0));
  const float dry_gain = 1.0f - wet_gain;
  const bool is_tape = settings_.mode == SaturationMode::tape;
  const std::size_t latency = oversampler_.latency_frames();
  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    std::size_t pos = dry_pos_;
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      std::span<float> up = oversampler_.upsample(c, x, n);
      shape_block(up.data(), up.size(), drive, inv, is_tape);
      oversampler_.downsample(c, up, wet_.data());
      // The dry path is delayed by the same latency so the mix is phase-aligned.
      std::vector<float>& ring = dry_delay_[static_cast<std::size_t>(c)];
      pos = dry_pos_;
      for (std::size_t i = 0; i < n; ++i) {
        const float dry = ring[pos];
        ring[pos] = x[i];
        if (++pos == latency) pos = 0;
        x[i] = wet_gain * wet_[i] + dry_gain * dry;
      }
    }
    dry_pos_ = pos;
  }
}

}  // namespace mixdown::dsp
