#include "dsp/compressor.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <cstring>

#include "core/simd.hpp"
#include "core/units.hpp"
#include "dsp/fast_math.hpp"
#include "dsp/finite.hpp"

namespace mixdown::dsp {

static_assert(Processor<Compressor>);
static_assert(KeyedProcessor<Compressor>);

namespace {
// One-pole coefficient for a time constant, alpha = e^(-1/(tau fs)) (Giannoulis et al. 2012).
double pole(double time_ms, double fs) noexcept {
  return time_ms > 0.0 ? std::exp(-1000.0 / (time_ms * fs)) : 0.0;
}
constexpr double kRmsWindowMs = 10.0;
// Below this much smoothed reduction the gain is exactly unity (saves the exp per frame).
constexpr double kSnapDb = -1e-6;
// fast_exp2f's domain: reductions below it are clamped before the gain is taken.
constexpr double kExp2FloorDb = -700.0;
}  // namespace

void Compressor::set_settings(const CompressorSettings& s) {
  // Copy-assignment reuses the key string's buffer, so this does not allocate for the short
  // stem names it holds once it has held one.
  settings_ = s;
  update();
}

void Compressor::update() noexcept {
  const auto& s = settings_;
  threshold_db_ = s.threshold_db;
  const double ratio = std::max(1.0, s.ratio);
  slope_ = ratio >= 100.0 ? 1.0 : 1.0 - 1.0 / ratio;
  half_knee_ = std::max(0.0, s.knee_db) / 2.0;
  knee_quad_ = half_knee_ > 0.0 ? slope_ / (4.0 * half_knee_) : 0.0;  // slope / (2 W)
  attack_coef_ = pole(s.attack_ms, sample_rate_);
  release_coef_ = pole(s.release_ms, sample_rate_);
  rms_coef_ = pole(kRmsWindowMs, sample_rate_);
  makeup_ = db_to_gain(s.makeup_db);
  wet_ = std::clamp(s.mix, 0.0, 1.0);
  dry_ = 1.0 - wet_;
}

double Compressor::static_gain_db(double x) const noexcept {
  const double over = x - threshold_db_;
  if (over <= -half_knee_) return 0.0;
  if (over >= half_knee_) return -slope_ * over;
  const double d = over + half_knee_;  // the quadratic knee (Giannoulis et al. 2012)
  return -knee_quad_ * d * d;
}

void Compressor::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  gain_.assign(max_block_, 1.0f);
  level_.assign(max_block_, 0.0f);
  update();
  reset();
}

void Compressor::reset() noexcept {
  mean_square_ = 0.0;
  reduction_db_ = 0.0;
  last_reduction_db_ = 0.0;
}

void Compressor::process(const AudioView& io) noexcept { run(io, io); }

void Compressor::process(const AudioView& io, const ConstAudioView& key) noexcept {
  if (key.num_channels() == 0 || key.num_frames() < io.num_frames()) {
    run(io, io);  // no usable key: fall back to self-keying rather than reading past its end
    return;
  }
  run(io, key);
}

MIXDOWN_SIMD_CLONES void Compressor::run(const AudioView& io, const ConstAudioView& key) noexcept {
  last_reduction_db_ = 0.0;
  if (!settings_.enabled || gain_.empty()) return;
  const int nc = io.num_channels();
  const int kc = key.num_channels();
  const bool rms = settings_.detector == Detector::rms;
  // Where the knee begins, in the detector's own linear domain: a chunk that stays below it
  // with no reduction pending gets the constant makeup/mix gain and no log/exp at all.
  const double knee_start_db = threshold_db_ - half_knee_;
  const auto knee_start = static_cast<float>(rms ? std::pow(10.0, knee_start_db / 10.0)
                                                 : std::pow(10.0, knee_start_db / 20.0));
  const float to_db = rms ? 3.01029996f : 6.02059991f;  // per log2 unit
  const double inv_kc = 1.0 / std::max(1, kc);
  const double wet_gain = wet_ * makeup_;
  const auto unity = static_cast<float>(dry_ + wet_gain);
  double ms = mean_square_, red = reduction_db_, deepest = 0.0;
  simd::f64x4 deepest4 = {0.0, 0.0, 0.0, 0.0};
  const double ac = attack_coef_, rc = release_coef_, rmc = rms_coef_;
  float* lv = level_.data();
  float* g = gain_.data();
  // A chunk below the knee with no reduction pending: the constant makeup/mix gain.
  const auto below_knee = [&](std::size_t start, std::size_t n) {
    if (unity == 1.0f) return;
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      for (std::size_t i = 0; i < n; ++i) x[i] *= unity;
    }
  };

  // In passes over each chunk so the per-frame transcendental work vectorises; only the two
  // recursions (RMS window, gain smoothing) run frame by frame.
  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    // A detector at rest (no level held, no reduction pending) keyed by ±0.0 stays at rest and
    // computes the below-knee gain found below: the usual case in a stem's silences.
    if (ms == 0.0 && red == 0.0 && key.sub(start, n).digital_silence()) {
      below_knee(start, n);
      continue;
    }
    // 1. Linked detector input: sum of squares or largest magnitude over the key's channels.
    std::fill_n(lv, n, 0.0f);
    for (int c = 0; c < kc; ++c) {
      const float* k = key.channel(c) + start;
      if (rms) {
        for (std::size_t i = 0; i < n; ++i) lv[i] += k[i] * k[i];
      } else {
        for (std::size_t i = 0; i < n; ++i) lv[i] = std::max(lv[i], std::abs(k[i]));
      }
    }
    zero_non_finite(lv, n);  // a NaN/Inf in the key reads as silence, not as infinitely loud
    // 2. The RMS window.
    // The one-pole recursion is latency-bound frame by frame; four frames at a time from the
    // state before them (y[i+k] = a^(k+1) y[i-1] + sum a^(k-j) u[i+j]) puts one multiply-add
    // on the recursive path per four frames. Same filter; rounding differs in the last bits.
    if (rms) {
      const double a = rmc, a2 = a * a, a3 = a2 * a, a4 = a2 * a2, b = (1.0 - rmc) * inv_kc;
      std::size_t i = 0;
      for (; i + 4 <= n; i += 4) {
        const double u0 = b * lv[i], u1 = b * lv[i + 1], u2 = b * lv[i + 2], u3 = b * lv[i + 3];
        const double w1 = a * u0 + u1, w2 = a * w1 + u2, w3 = a * w2 + u3;
        const double y0 = a * ms + u0, y1 = a2 * ms + w1, y2 = a3 * ms + w2, y3 = a4 * ms + w3;
        lv[i] = static_cast<float>(y0);
        lv[i + 1] = static_cast<float>(y1);
        lv[i + 2] = static_cast<float>(y2);
        lv[i + 3] = static_cast<float>(y3);
        ms = y3;
      }
      for (; i < n; ++i) {
        ms = rmc * ms + b * lv[i];
        lv[i] = static_cast<float>(ms);
      }
    }
    // Levels are >= 0, so their bit patterns order like the values: an integer max vectorises
    // where a float max (NaN rules) would not.
    std::int32_t loudest_bits = 0;
    for (std::size_t i = 0; i < n; ++i) loudest_bits = std::max(loudest_bits, std::bit_cast<std::int32_t>(lv[i]));
    const float loudest = std::bit_cast<float>(loudest_bits);
    if (loudest <= knee_start && red == 0.0) {
      below_knee(start, n);
      continue;
    }
    // 3. Level in dB.
    for (std::size_t i = 0; i < n; ++i) lv[i] = to_db * fast_log2f(lv[i]);
    // 4. Gain computer and smooth branching (Giannoulis et al.): attack while it deepens.
    // Branch-free form of static_gain_db (the level jumps across the knee from frame to frame
    // on a peak detector, so branches would mispredict): the quadratic knee on the clamped
    // excess plus the straight line beyond it.
    // The static curve and the smoothing's input terms are computed in a vectorised pass
    // over a sub-chunk (on the stack), so only the recursion itself runs frame by frame.
    const double hk = half_knee_, kq = knee_quad_, slope = slope_, thr = threshold_db_;
    const double one_ac = 1.0 - ac, one_rc = 1.0 - rc;
    constexpr std::size_t kSub = 256;
    double tgt[kSub], tatt[kSub], trel[kSub], out[kSub];
    const double ac2 = ac * ac, ac3 = ac2 * ac, ac4 = ac2 * ac2, rc2 = rc * rc, rc3 = rc2 * rc, rc4 = rc2 * rc2;
    for (std::size_t s0 = 0; s0 < n; s0 += kSub) {
      const std::size_t m = std::min(kSub, n - s0);
      float* l = lv + s0;
      for (std::size_t i = 0; i < m; ++i) {
        const double over = l[i] - thr;
        const double k = std::clamp(over, -hk, hk) + hk;
        const double target = -kq * k * k - slope * std::max(0.0, over - hk);
        tgt[i] = target;
        tatt[i] = one_ac * target;
        trel[i] = one_rc * target;
      }
      // The smoothing is one pole whose coefficient each frame picks (attack while the target
      // lies under the gain, else release). The recursive path is a multiply-add per frame;
      // over four frames that all pick one coefficient it is one per four frames, as in the
      // RMS window above: the first frame's test picks the coefficient, each of the four
      // follows from the state before them, and the other three are then checked to have
      // picked it too (runs of one choice are long, the target following a smoothed level). A
      // group whose frames pick both goes frame by frame.
      const auto group = [&](std::size_t i, bool att) {
        const double r = red;
        const double* t = att ? tatt + i : trel + i;
        const double a = att ? ac : rc, a2 = att ? ac2 : rc2, a3 = att ? ac3 : rc3, a4 = att ? ac4 : rc4;
        const double w1 = a * t[0] + t[1], w2 = a * w1 + t[2], w3 = a * w2 + t[3];
        const double y0 = a * r + t[0], y1 = a2 * r + w1, y2 = a3 * r + w2, y3 = a4 * r + w3;
        const double* tg = tgt + i;
        const bool held = att ? (tg[1] < y0 && tg[2] < y1 && tg[3] < y2) : !(tg[1] < y0 || tg[2] < y1 || tg[3] < y2);
        if (held) {
          out[i] = y0;
          out[i + 1] = y1;
          out[i + 2] = y2;
          out[i + 3] = y3;
          red = y3;
        }
        return held;
      };
      std::size_t i = 0;
      for (; i + 4 <= m; i += 4) {
        if (group(i, tgt[i] < red)) continue;
        for (std::size_t k = i; k < i + 4; ++k) {
          red = tgt[k] < red ? ac * red + tatt[k] : rc * red + trel[k];
          out[k] = red;
        }
      }
      for (; i < m; ++i) {
        red = tgt[i] < red ? ac * red + tatt[i] : rc * red + trel[i];
        out[i] = red;
      }
      // The deepest reduction in four lanes and the clamp to fast_exp2f's domain, as vector
      // code: a scalar min chain, one dependent min per frame, cost as much as the recursion.
      const simd::f64x4 floor4 = {kExp2FloorDb, kExp2FloorDb, kExp2FloorDb, kExp2FloorDb};
      std::size_t k = 0;
      for (; k + 4 <= m; k += 4) {
        simd::f64x4 o;
        std::memcpy(&o, out + k, sizeof o);
        deepest4 = o < deepest4 ? o : deepest4;
        const auto f = __builtin_convertvector(o > floor4 ? o : floor4, simd::f32x4);
        std::memcpy(l + k, &f, sizeof f);
      }
      for (; k < m; ++k) {
        deepest = std::min(deepest, out[k]);
        l[k] = static_cast<float>(std::max(out[k], kExp2FloorDb));
      }
    }
    // A release that has come within 1e-6 dB of unity snaps to it, checked once per chunk
    // (off the frame-by-frame recursive path): the chunk-level unity shortcut above then
    // applies from the next chunk on.
    if (red > kSnapDb) red = 0.0;
    // 5. Gain, with makeup and the parallel (dry) share.
    const auto dry = static_cast<float>(dry_), wet = static_cast<float>(wet_gain);
    for (std::size_t i = 0; i < n; ++i) g[i] = dry + wet * fast_exp2f(lv[i] * 0.166096405f);
    // 6. Apply.
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      for (std::size_t i = 0; i < n; ++i) x[i] *= g[i];
    }
  }
  for (int k = 0; k < 4; ++k) deepest = std::min(deepest, deepest4[k]);
  // Self-healing: a non-finite input must not poison the detector for the rest of the render.
  mean_square_ = ms < 1e-30 || !std::isfinite(ms) ? 0.0 : ms;
  reduction_db_ = std::isfinite(red) ? red : 0.0;
  last_reduction_db_ = deepest;
}

}  // namespace mixdown::dsp
