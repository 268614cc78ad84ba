#include "dsp/delay.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "dsp/denormal.hpp"

namespace mixdown::dsp {

static_assert(Processor<Delay>);

void Delay::set_settings(const DelaySettings& s) {
  settings_ = s;
  update();
}

void Delay::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  const auto longest = static_cast<std::size_t>(kMaxDelayMs * sample_rate_ / 1000.0) + 1;
  for (auto& l : line_) l.assign(std::bit_ceil(longest + 1), 0.0f);
  mask_ = line_[0].size() - 1;
  for (auto& f : fb_) f.assign(max_block_, 0.0f);
  for (auto& f : in_) f.assign(max_block_, 0.0f);
  filters_.prepare(2, 2);
  update();
  reset();
}

void Delay::update() {
  const double frames = std::round(std::clamp(settings_.time_ms, 0.0, kMaxDelayMs) * sample_rate_ / 1000.0);
  delay_frames_ = std::max<std::size_t>(1, static_cast<std::size_t>(frames));
  feedback_ = std::clamp(settings_.feedback, 0.0, 0.95);
  BiquadCoeffs c[2];
  std::size_t n = 0;
  if (settings_.low_cut_hz > 0.0)
    c[n++] = BiquadCoeffs::high_pass(settings_.low_cut_hz, 0.7071067811865476, sample_rate_);
  if (settings_.high_cut_hz > 0.0 && settings_.high_cut_hz < 0.49 * sample_rate_)
    c[n++] = BiquadCoeffs::low_pass(settings_.high_cut_hz, 0.7071067811865476, sample_rate_);
  filters_.set_coeffs(c, n);
}

void Delay::reset() noexcept {
  for (auto& l : line_) std::fill(l.begin(), l.end(), 0.0f);
  filters_.reset();
  pos_ = 0;
}

std::size_t Delay::tail_frames() const noexcept {
  std::size_t echoes = 1;
  if (feedback_ > 0.0)
    echoes += static_cast<std::size_t>(std::ceil(std::log(1e-3) / std::log(feedback_)));
  const double cap = 60.0 * sample_rate_;
  return static_cast<std::size_t>(std::min(cap, static_cast<double>(echoes * delay_frames_)));
}

void Delay::process(const AudioView& io) noexcept {
  if (line_[0].empty() || io.num_channels() == 0) return;
  const ScopedFlushDenormals no_denormals;
  const int in_ch = std::min(io.num_channels(), 2);
  const std::size_t d = delay_frames_;
  // Within a chunk no read may see a write of the same chunk: chunks are at most d long.
  const std::size_t chunk = std::min(max_block_, d);
  const auto fb = static_cast<float>(feedback_);
  float* la = line_[0].data();
  float* lb = line_[1].data();
  bool finite = true;
  for (std::size_t start = 0; start < io.num_frames(); start += chunk) {
    const std::size_t n = std::min(chunk, io.num_frames() - start);
    // Keep the input before the output overwrites it.
    for (int c = 0; c < 2; ++c) std::copy_n(io.channel(std::min(c, in_ch - 1)) + start, n, in_[c].data());
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t r = (pos_ + i - d) & mask_;
      fb_[0][i] = la[r];
      fb_[1][i] = lb[r];
      sum += fb_[0][i] + fb_[1][i];
    }
    finite = finite && std::isfinite(sum);
    // Output: the echoes, unfiltered (the first one is the input, exactly d frames late).
    std::copy_n(fb_[0].data(), n, io.channel(0) + start);
    if (io.num_channels() > 1) std::copy_n(fb_[1].data(), n, io.channel(1) + start);
    else
      for (std::size_t i = 0; i < n; ++i) io.channel(0)[start + i] = 0.5f * (fb_[0][i] + fb_[1][i]);
    // Feedback path: filtered, then back into the lines.
    float* ptrs[2] = {fb_[0].data(), fb_[1].data()};
    filters_.process(AudioView(ptrs, 2, n));
    const float* il = in_[0].data();
    const float* ir = in_[1].data();
    if (settings_.ping_pong) {
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t w = (pos_ + i) & mask_;
        la[w] = 0.5f * (il[i] + ir[i]) + fb * fb_[1][i];
        lb[w] = fb * fb_[0][i];
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t w = (pos_ + i) & mask_;
        la[w] = il[i] + fb * fb_[0][i];
        lb[w] = ir[i] + fb * fb_[1][i];
      }
    }
    pos_ = (pos_ + n) & mask_;
  }
  // Self-healing: a NaN or Inf in the lines would echo forever; clear them once it comes back.
  if (!finite) reset();
}

}  // namespace mixdown::dsp
