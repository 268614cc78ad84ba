// Measurement helpers for the dsp tests (test-only; included by *_test.cpp). Responses are
// measured on the processed signal, never read back from the design formulas: an impulse
// response is transformed at the frequency of interest (a single-bin DFT, exact for any
// frequency), and steady sines are measured by RMS over whole cycles after settling.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "core/audio_buffer.hpp"
#include "dsp/processor.hpp"

namespace mixdown::dsp::test {

inline AudioBuffer impulse(int channels, std::size_t frames, std::size_t at = 0) {
  AudioBuffer b(channels, frames);
  for (int c = 0; c < channels; ++c) b.channel(c)[at] = 1.0f;
  return b;
}

// Single-bin DFT of x at freq_hz: |X(f)| in dB.
inline double dft_db(const float* x, std::size_t n, double freq_hz, double fs) {
  std::complex<double> acc = 0.0;
  const double w = -2.0 * std::numbers::pi * freq_hz / fs;
  // Rotate a phasor rather than calling sin/cos per sample (renormalised periodically).
  std::complex<double> ph = 1.0;
  const std::complex<double> step = std::polar(1.0, w);
  for (std::size_t i = 0; i < n; ++i) {
    acc += static_cast<double>(x[i]) * ph;
    ph *= step;
    if ((i & 1023) == 1023) ph /= std::abs(ph);
  }
  return 20.0 * std::log10(std::abs(acc));
}

// The processor's magnitude response at freq_hz, measured from its impulse response.
template <class P>
double measured_response_db(P& p, double freq_hz, double fs, std::size_t frames = 1 << 16) {
  p.prepare(ProcessSpec{fs, 1, 1024});
  AudioBuffer b = impulse(1, frames);
  for (std::size_t s = 0; s < frames; s += 1024) p.process(b.view().sub(s, std::min<std::size_t>(1024, frames - s)));
  return dft_db(b.channel(0), frames, freq_hz, fs);
}

inline double rms_db(const float* x, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return 10.0 * std::log10(s / static_cast<double>(n));
}

inline AudioBuffer sine(double hz, double amplitude, std::size_t frames, double fs, int channels = 2) {
  AudioBuffer b(channels, frames);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i)
      b.channel(c)[i] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / fs));
  return b;
}

inline AudioBuffer noise(std::size_t frames, int channels, std::uint64_t seed, double amplitude = 0.5) {
  AudioBuffer b(channels, frames);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i) b.channel(c)[i] = static_cast<float>(u(rng));
  return b;
}

// Runs p over the whole buffer in blocks of `block` frames.
template <class P>
void run_blocks(P& p, const AudioView& v, std::size_t block = 1024) {
  for (std::size_t s = 0; s < v.num_frames(); s += block) p.process(v.sub(s, std::min(block, v.num_frames() - s)));
}

}  // namespace mixdown::dsp::test
