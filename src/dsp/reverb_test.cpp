#include "dsp/reverb.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

AudioBuffer impulse_response(const ReverbSettings& s, double seconds) {
  Reverb r(s);
  r.prepare(ProcessSpec{kFs, 2, 1024});
  const auto n = static_cast<std::size_t>(seconds * kFs);
  AudioBuffer x = test::impulse(2, n, 0);
  test::run_blocks(r, x.view());
  return x;
}

// RT60 from Schroeder backward integration (Schroeder, "New method of measuring reverberation
// time", JASA 37, 1965) of the summed-channel energy, least-squares line fitted between -5 and
// -35 dB (T30, ISO 3382-1), extrapolated to -60 dB.
double rt60_s(const AudioBuffer& ir) {
  const std::size_t n = ir.num_frames();
  std::vector<double> edc(n);
  double acc = 0.0;
  for (std::size_t i = n; i-- > 0;) {
    for (int c = 0; c < ir.num_channels(); ++c) acc += double{ir.channel(c)[i]} * ir.channel(c)[i];
    edc[i] = acc;
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double db = 10.0 * std::log10(edc[i] / edc[0]);
    if (db > -5.0) continue;
    if (db < -35.0) break;
    const double t = static_cast<double>(i) / kFs;
    sx += t;
    sy += db;
    sxx += t * t;
    sxy += t * db;
    ++m;
  }
  const double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);  // dB per second
  return -60.0 / slope;
}

AudioBuffer band(const AudioBuffer& ir, double hz) {
  AudioBuffer b = ir;
  BiquadCascade bp;
  bp.prepare(2, 2);
  const BiquadCoeffs cs[] = {BiquadCoeffs::band_pass(hz, 1.4, kFs), BiquadCoeffs::band_pass(hz, 1.4, kFs)};
  bp.set_coeffs(cs, 2);
  bp.process(b.view());
  return b;
}

TEST(Reverb, BroadbandRt60MatchesTheSettingWithin10Percent) {
  for (double decay : {0.8, 1.8, 3.0})
    for (double size : {0.3, 1.0}) {
      ReverbSettings s;
      s.decay_s = decay;
      s.size = size;
      s.damping_hz = 0.0;  // no HF damping: one RT60 across the band
      s.predelay_ms = 0.0;
      const double rt = rt60_s(impulse_response(s, 1.2 * decay + 0.3));
      EXPECT_NEAR(rt / decay, 1.0, 0.05) << "decay " << decay << " size " << size << " measured " << rt;
    }
}

TEST(Reverb, DampingShortensTheHighsButKeepsTheMids) {
  ReverbSettings s;
  s.decay_s = 2.0;
  s.damping_hz = 4000.0;
  const AudioBuffer ir = impulse_response(s, 2.7);
  const double mid = rt60_s(band(ir, 500.0));
  const double high = rt60_s(band(ir, 10000.0));
  EXPECT_NEAR(mid / 2.0, 1.0, 0.10) << mid;
  EXPECT_LT(high, 0.7 * mid) << high;
}

TEST(Reverb, PredelayIsExactAndTailCoversTheDecay) {
  ReverbSettings s;
  s.predelay_ms = 25.0;
  s.decay_s = 1.0;
  Reverb r(s);
  r.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::impulse(2, 8192, 0);
  r.process(x.view().sub(0, 1024));
  r.process(x.view().sub(1024, 1024));
  std::size_t first = 2048;
  for (std::size_t i = 0; i < 2048; ++i)
    if (x.channel(0)[i] != 0.0f || x.channel(1)[i] != 0.0f) {
      first = i;
      break;
    }
  // Nothing before the pre-delay (the diffusers pass the direct impulse at their first tap).
  EXPECT_GE(first, 1200u);
  EXPECT_GE(r.tail_frames(), static_cast<std::size_t>(1.0 * kFs + 1200));
}

// The reverb runs in chunks no longer than its shortest delay, whatever the caller's blocks:
// blocks shorter than a chunk, not a multiple of it, and longer than it give the same bits.
// Covers a pre-delay shorter than a chunk (read back from the chunk just written), none at
// all, and the smallest room (the shortest lines, so the shortest chunks).
TEST(Reverb, OutputDoesNotDependOnBlockSize) {
  for (const auto& [size, predelay_ms] : {std::pair{0.6, 20.0}, std::pair{0.0, 2.0}, std::pair{1.0, 0.0}}) {
    ReverbSettings s;
    s.size = size;
    s.predelay_ms = predelay_ms;
    const AudioBuffer input = test::noise(24000, 2, 11, 0.5);
    const auto render = [&](std::size_t block) {
      Reverb r(s);
      r.prepare(ProcessSpec{kFs, 2, 4096});
      AudioBuffer x = input;
      for (std::size_t at = 0; at < x.num_frames(); at += block)
        r.process(x.view().sub(at, std::min(block, x.num_frames() - at)));
      return x;
    };
    const AudioBuffer whole = render(4096);
    double energy = 0.0;
    for (std::size_t i = 0; i < whole.num_frames(); ++i) energy += double{whole.channel(0)[i]} * whole.channel(0)[i];
    ASSERT_GT(energy, 1.0) << "size " << size << ": the reverb must produce a tail to compare";
    for (std::size_t block : {1u, 37u, 255u, 1000u}) {
      const AudioBuffer part = render(block);
      for (int c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < whole.num_frames(); ++i)
          ASSERT_EQ(part.channel(c)[i], whole.channel(c)[i])
              << "size " << size << ", pre-delay " << predelay_ms << " ms, blocks of " << block << ": frame " << i;
    }
  }
}

TEST(Reverb, WidthControlsInterchannelCorrelation) {
  auto correlation = [](double width) {
    ReverbSettings s;
    s.width = width;
    const AudioBuffer ir = impulse_response(s, 1.0);
    double lr = 0, ll = 0, rr = 0;
    for (std::size_t i = 0; i < ir.num_frames(); ++i) {
      const double l = ir.channel(0)[i], r = ir.channel(1)[i];
      lr += l * r;
      ll += l * l;
      rr += r * r;
    }
    return lr / std::sqrt(ll * rr);
  };
  EXPECT_LT(std::abs(correlation(1.0)), 0.3);
  EXPECT_GT(correlation(0.0), 0.999);
}

TEST(Reverb, LineLengthsAreDistinctAndScaleWithSize) {
  ReverbSettings s;
  s.size = 0.0;
  Reverb r(s);
  r.prepare(ProcessSpec{kFs, 2, 1024});
  const auto small = r.line_lengths();
  s.size = 1.0;
  r.set_settings(s);
  const auto large = r.line_lengths();
  for (int i = 0; i < Reverb::kLines; ++i) {
    EXPECT_LT(small[static_cast<std::size_t>(i)], large[static_cast<std::size_t>(i)]);
    for (int j = 0; j < i; ++j) EXPECT_NE(large[static_cast<std::size_t>(i)], large[static_cast<std::size_t>(j)]);
  }
}

}  // namespace
}  // namespace mixdown::dsp
