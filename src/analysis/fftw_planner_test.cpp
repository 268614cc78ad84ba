// RealPairFft: the two spectra it separates from one complex transform are each frame's own
// real transform (FFTW's r2c of the same windowed frame), to float rounding.
#include "analysis/fftw_planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace mixdown::analysis {
namespace {

// Deterministic noise in [-1, 1).
std::vector<float> noise(std::size_t n, std::uint32_t seed, float level) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = level * (static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// One frame's real transform, windowed.
std::vector<std::pair<float, float>> real_transform(const std::vector<float>& x, const std::vector<float>& w) {
  const std::size_t n = x.size();
  float* in = fftwf_alloc_real(n);
  fftwf_complex* out = fftwf_alloc_complex(n / 2 + 1);
  fftwf_plan p;
  {
    std::lock_guard lock(fftw_planner_mutex());
    p = fftwf_plan_dft_r2c_1d(static_cast<int>(n), in, out, FFTW_ESTIMATE);
  }
  for (std::size_t i = 0; i < n; ++i) in[i] = x[i] * w[i];
  fftwf_execute(p);
  std::vector<std::pair<float, float>> r(n / 2 + 1);
  for (std::size_t k = 0; k <= n / 2; ++k) r[k] = {out[k][0], out[k][1]};
  {
    std::lock_guard lock(fftw_planner_mutex());
    fftwf_destroy_plan(p);
  }
  fftwf_free(in);
  fftwf_free(out);
  return r;
}

void expect_near_spectrum(const std::vector<std::pair<float, float>>& want, std::size_t k, float re, float im,
                          float tol) {
  EXPECT_NEAR(re, want[k].first, tol) << "bin " << k;
  EXPECT_NEAR(im, want[k].second, tol) << "bin " << k;
}

TEST(RealPairFft, EachSpectrumIsItsFramesOwnRealTransform) {
  for (std::size_t n : {std::size_t(16), std::size_t(2048), std::size_t(8192)}) {
    std::vector<float> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * double(i) / double(n)));
    // b 60 dB under a, with a DC offset on a: the quiet frame still comes out right.
    std::vector<float> a = noise(n, 1, 1.0f), b = noise(n, 2, 0.001f);
    for (auto& x : a) x += 0.25f;
    const auto ra = real_transform(a, w), rb = real_transform(b, w);
    RealPairFft f(n);
    ASSERT_EQ(f.size(), n);
    ASSERT_EQ(f.bins(), n / 2 + 1);
    f.load(a.data(), b.data(), w.data());
    f.execute();
    // Float rounding of a transform of n points: about 1e-7 * sqrt(n) * log2(n) of the
    // frames' rms times n.
    const float tol = 2e-6f * static_cast<float>(n);
    std::vector<fftwf_complex> sa(n / 2 + 1), sb(n / 2 + 1);
    f.split(sa.data(), sb.data());
    for (std::size_t k = 0; k <= n / 2; ++k) {
      const auto x = f.bin(k);
      expect_near_spectrum(ra, k, x.ar, x.ai, tol);
      expect_near_spectrum(rb, k, x.br, x.bi, tol);
      EXPECT_EQ(sa[k][0], x.ar);
      EXPECT_EQ(sb[k][1], x.bi);
    }
    // The quiet frame's spectrum is its own, not the loud one's leakage: its largest bin is
    // near its own level (a frame 60 dB louder would show ~1000 times more).
    float peak_b = 0.0f, want_b = 0.0f;
    for (std::size_t k = 1; k < n / 2; ++k) {
      const auto x = f.bin(k);
      peak_b = std::max(peak_b, std::hypot(x.br, x.bi));
      want_b = std::max(want_b, std::hypot(rb[k].first, rb[k].second));
    }
    EXPECT_NEAR(peak_b, want_b, 0.01f * want_b) << n;
    // Nyquist and DC bins of a real frame are real.
    EXPECT_EQ(f.bin(0).ai, 0.0f);
    EXPECT_EQ(f.bin(n / 2).bi, 0.0f);
    // Without b: a alone, b's spectrum zero.
    f.load(a.data(), nullptr, w.data());
    f.execute();
    for (std::size_t k = 0; k <= n / 2; ++k) {
      const auto x = f.bin(k);
      expect_near_spectrum(ra, k, x.ar, x.ai, tol);
      EXPECT_NEAR(x.br, 0.0f, tol);
      EXPECT_NEAR(x.bi, 0.0f, tol);
    }
  }
}

}  // namespace
}  // namespace mixdown::analysis
