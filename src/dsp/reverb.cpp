#include "dsp/reverb.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

#include "dsp/denormal.hpp"

namespace mixdown::dsp {

static_assert(Processor<Reverb>);

namespace {

// Line lengths at size = 1, in ms: spread over an octave so the modes interleave densely
// (Jot 1991 recommends lengths spread between their extremes, mutually prime in samples).
constexpr std::array<double, Reverb::kLines> kLineMs = {43.1, 48.7, 53.9, 59.3,
                                                        64.9, 70.1, 76.3, 82.7};
// Input diffusers (ms), slightly different per side to decorrelate the two inputs.
constexpr std::array<std::array<double, 3>, 2> kDiffuserMs = {{{4.77, 3.59, 2.73}, {4.93, 3.71, 2.83}}};
constexpr float kDiffusion = 0.6f;
constexpr double kMinScale = 0.25;  // size 0: a small room (lines 11..21 ms)

double size_scale(double size) noexcept { return kMinScale + (1.0 - kMinScale) * std::clamp(size, 0.0, 1.0); }

bool is_prime(std::size_t n) noexcept {
  if (n < 2) return false;
  for (std::size_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

std::size_t next_prime(std::size_t n) noexcept {
  while (!is_prime(n)) ++n;
  return n;
}

using V4 = float __attribute__((vector_size(16)));
using I4 = int __attribute__((vector_size(16)));
// Butterfly shuffles and signs of the 8-point Walsh-Hadamard transform within a 4-lane vector.
constexpr I4 kLo2 = {0, 1, 0, 1}, kHi2 = {2, 3, 2, 3}, kLo1 = {0, 0, 2, 2}, kHi1 = {1, 1, 3, 3};
constexpr V4 kSign2 = {1, 1, -1, -1}, kSign1 = {1, -1, 1, -1};
constexpr V4 kNorm = {0.35355339f, 0.35355339f, 0.35355339f, 0.35355339f};  // 1/sqrt(8)
constexpr float kSqrt2 = 1.41421356f;

}  // namespace

void Reverb::set_settings(const ReverbSettings& s) {
  settings_ = s;
  update();
}

void Reverb::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  for (int i = 0; i < kLines; ++i) {
    const auto longest = static_cast<std::size_t>(kLineMs[static_cast<std::size_t>(i)] * sample_rate_ / 1000.0) + 64;
    lines_[static_cast<std::size_t>(i)].buf.assign(std::bit_ceil(longest + 1), 0.0f);
    lines_[static_cast<std::size_t>(i)].mask = lines_[static_cast<std::size_t>(i)].buf.size() - 1;
  }
  for (int side = 0; side < 2; ++side)
    for (int k = 0; k < 3; ++k) {
      auto& ap = diffusers_[static_cast<std::size_t>(side)][static_cast<std::size_t>(k)];
      ap.len = std::max<std::size_t>(1, static_cast<std::size_t>(
          kDiffuserMs[static_cast<std::size_t>(side)][static_cast<std::size_t>(k)] * sample_rate_ / 1000.0));
      ap.buf.assign(std::bit_ceil(ap.len + 1), 0.0f);
      ap.mask = ap.buf.size() - 1;
    }
  const auto pd = static_cast<std::size_t>(kMaxPredelayMs * sample_rate_ / 1000.0) + 1;
  for (auto& p : predelay_) p.assign(std::bit_ceil(pd + 1), 0.0f);
  predelay_mask_ = predelay_[0].size() - 1;
  low_cut_.prepare(2, 2);
  scratch_.assign(2 * max_block_, 0.0f);
  update();
  reset();
}

void Reverb::update() {
  const double scale = size_scale(settings_.size);
  const double t60 = std::max(0.05, settings_.decay_s);
  for (std::size_t i = 0; i < kLines; ++i) {
    // Distinct primes, so no two lines share a mode.
    std::size_t len = next_prime(std::max<std::size_t>(
        2, static_cast<std::size_t>(std::lround(kLineMs[i] * scale * sample_rate_ / 1000.0))));
    for (std::size_t j = 0; j < i; ++j)
      if (lengths_[j] == len) len = next_prime(len + 1);
    lengths_[i] = len;
    gain_[i] = std::pow(10.0, -3.0 * static_cast<double>(len) / (sample_rate_ * t60));
  }
  // Damping shelf per line: H(s) = (r s + P) / (s + P) (unity at DC, r at Nyquist), bilinear
  // with P = tan(pi damping_hz / fs); r is the extra loss per pass that brings the RT60 at
  // Nyquist down to kHighDecayRatio * decay_s.
  const double damp_hz = settings_.damping_hz;
  const bool damp = damp_hz > 0.0 && damp_hz < 0.49 * sample_rate_;
  const double P = damp ? std::tan(std::numbers::pi * damp_hz / sample_rate_) : 1.0;
  for (std::size_t i = 0; i < kLines; ++i) {
    const double hf_gain = std::pow(10.0, -3.0 * static_cast<double>(lengths_[i]) /
                                              (sample_rate_ * t60 * kHighDecayRatio));
    const double r = damp ? hf_gain / gain_[i] : 1.0;
    const double inv = 1.0 / (1.0 + P);
    shelf_b0_[i] = gain_[i] * (r + P) * inv;
    shelf_b1_[i] = gain_[i] * (P - r) * inv;
    shelf_a1_[i] = (P - 1.0) * inv;
  }
  predelay_frames_ = static_cast<std::size_t>(std::lround(
      std::clamp(settings_.predelay_ms, 0.0, kMaxPredelayMs) * sample_rate_ / 1000.0));
  if (settings_.low_cut_hz > 0.0) {
    const BiquadCoeffs hp = BiquadCoeffs::high_pass(settings_.low_cut_hz, 0.7071067811865476, sample_rate_);
    low_cut_.set_coeffs(&hp, 1);
  } else {
    low_cut_.set_coeffs(nullptr, 0);
  }
  const double w = std::clamp(settings_.width, 0.0, 1.0);
  out_mid_ = (1.0 + w) / 2.0;   // L' = out_mid L + out_side R
  out_side_ = (1.0 - w) / 2.0;
}

void Reverb::reset() noexcept {
  for (auto& l : lines_) {
    std::fill(l.buf.begin(), l.buf.end(), 0.0f);
    l.lp_state = 0.0;
  }
  for (auto& side : diffusers_)
    for (auto& ap : side) {
      std::fill(ap.buf.begin(), ap.buf.end(), 0.0f);
    }
  for (auto& p : predelay_) std::fill(p.begin(), p.end(), 0.0f);
  predelay_pos_ = 0;
  diffuser_pos_ = 0;
  low_cut_.reset();
  pos_ = 0;
}

std::size_t Reverb::tail_frames() const noexcept {
  const std::size_t longest = *std::max_element(lengths_.begin(), lengths_.end());
  return predelay_frames_ + longest +
         static_cast<std::size_t>(std::max(0.05, settings_.decay_s) * sample_rate_);
}

void Reverb::process(const AudioView& io) noexcept {
  if (scratch_.empty() || io.num_channels() == 0) return;
  const ScopedFlushDenormals no_denormals;
  const int in_ch = std::min(io.num_channels(), 2);
  float* sl = scratch_.data();
  float* sr = scratch_.data() + max_block_;
  float* const bufs[kLines] = {lines_[0].buf.data(), lines_[1].buf.data(), lines_[2].buf.data(),
                               lines_[3].buf.data(), lines_[4].buf.data(), lines_[5].buf.data(),
                               lines_[6].buf.data(), lines_[7].buf.data()};
  std::size_t masks[kLines], lens[kLines];
  V4 b0a, b0b, b1a, b1b, a1a, a1b, sta, stb;
  for (std::size_t i = 0; i < kLines; ++i) {
    masks[i] = lines_[i].mask;
    lens[i] = lengths_[i];
  }
  for (int i = 0; i < 4; ++i) {
    const auto k = static_cast<std::size_t>(i);
    b0a[i] = static_cast<float>(shelf_b0_[k]);
    b0b[i] = static_cast<float>(shelf_b0_[k + 4]);
    b1a[i] = static_cast<float>(shelf_b1_[k]);
    b1b[i] = static_cast<float>(shelf_b1_[k + 4]);
    a1a[i] = static_cast<float>(shelf_a1_[k]);
    a1b[i] = static_cast<float>(shelf_a1_[k + 4]);
    sta[i] = static_cast<float>(lines_[k].lp_state);
    stb[i] = static_cast<float>(lines_[k + 4].lp_state);
  }
  const auto om = static_cast<float>(out_mid_), os = static_cast<float>(out_side_);

  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    // 1. Pre-delay (write, then read `predelay_frames_` back).
    float* dst[2] = {sl, sr};
    std::size_t pp = predelay_pos_;
    for (int c = 0; c < 2; ++c) {
      const float* x = io.channel(std::min(c, in_ch - 1)) + start;
      float* ring = predelay_[c].data();
      pp = predelay_pos_;
      for (std::size_t i = 0; i < n; ++i) {
        ring[pp] = x[i];
        dst[c][i] = ring[(pp - predelay_frames_) & predelay_mask_];
        pp = (pp + 1) & predelay_mask_;
      }
    }
    predelay_pos_ = pp;
    // 2. Low cut, 3. all-pass diffusion.
    float* ptrs[2] = {sl, sr};
    low_cut_.process(AudioView(ptrs, 2, n));
    // The three all-passes of a side run fused per frame (the signal stays in registers).
    for (int c = 0; c < 2; ++c) {
      auto& side = diffusers_[static_cast<std::size_t>(c)];
      float* d = dst[c];
      float* b0 = side[0].buf.data();
      float* b1 = side[1].buf.data();
      float* b2 = side[2].buf.data();
      const std::size_t m0 = side[0].mask, m1 = side[1].mask, m2 = side[2].mask;
      const std::size_t l0 = side[0].len, l1 = side[1].len, l2 = side[2].len;
      std::size_t p = diffuser_pos_;
      for (std::size_t i = 0; i < n; ++i, ++p) {
        float x = d[i];
        float z = b0[(p - l0) & m0];
        float v = x - kDiffusion * z;
        b0[p & m0] = v;
        x = z + kDiffusion * v;
        z = b1[(p - l1) & m1];
        v = x - kDiffusion * z;
        b1[p & m1] = v;
        x = z + kDiffusion * v;
        z = b2[(p - l2) & m2];
        v = x - kDiffusion * z;
        b2[p & m2] = v;
        d[i] = z + kDiffusion * v;
      }
    }
    diffuser_pos_ += n;
    // 4. The network, eight lines as two 4-lane vectors. The stereo outputs are rows 1 and 2
    //    of the (natural-order) Hadamard product, which the feedback needs anyway.
    float* out_l = io.channel(0) + start;
    float* out_r = io.num_channels() > 1 ? io.channel(1) + start : nullptr;
    std::size_t pos = pos_;
    for (std::size_t i = 0; i < n; ++i) {
      const V4 oa = {bufs[0][(pos - lens[0]) & masks[0]], bufs[1][(pos - lens[1]) & masks[1]],
                     bufs[2][(pos - lens[2]) & masks[2]], bufs[3][(pos - lens[3]) & masks[3]]};
      const V4 ob = {bufs[4][(pos - lens[4]) & masks[4]], bufs[5][(pos - lens[5]) & masks[5]],
                     bufs[6][(pos - lens[6]) & masks[6]], bufs[7][(pos - lens[7]) & masks[7]]};
      // Absorption (RT60) and HF damping in one first-order section per line.
      const V4 ya = b0a * oa + sta;
      const V4 yb = b0b * ob + stb;
      sta = b1a * oa - a1a * ya;
      stb = b1b * ob - a1b * yb;
      // Fast Walsh-Hadamard: stride 4 across the vectors, then 2 and 1 within them.
      V4 p = ya + yb, q = ya - yb;
      p = __builtin_shuffle(p, kLo2) + kSign2 * __builtin_shuffle(p, kHi2);
      q = __builtin_shuffle(q, kLo2) + kSign2 * __builtin_shuffle(q, kHi2);
      p = (__builtin_shuffle(p, kLo1) + kSign1 * __builtin_shuffle(p, kHi1)) * kNorm;
      q = (__builtin_shuffle(q, kLo1) + kSign1 * __builtin_shuffle(q, kHi1)) * kNorm;
      const float l = kSqrt2 * p[1], r = kSqrt2 * p[2];
      const float il = 0.5f * sl[i], ir = 0.5f * sr[i];
      bufs[0][pos & masks[0]] = p[0] + il;
      bufs[1][pos & masks[1]] = p[1] + il;
      bufs[2][pos & masks[2]] = p[2] + il;
      bufs[3][pos & masks[3]] = p[3] + il;
      bufs[4][pos & masks[4]] = q[0] + ir;
      bufs[5][pos & masks[5]] = q[1] + ir;
      bufs[6][pos & masks[6]] = q[2] + ir;
      bufs[7][pos & masks[7]] = q[3] + ir;
      ++pos;
      if (out_r != nullptr) {
        out_l[i] = om * l + os * r;
        out_r[i] = os * l + om * r;
      } else {
        out_l[i] = 0.5f * (l + r);
      }
    }
    pos_ = pos;
  }
  bool finite = true;
  for (std::size_t i = 0; i < 4; ++i) {
    lines_[i].lp_state = sta[i];
    lines_[i + 4].lp_state = stb[i];
    finite = finite && std::isfinite(sta[i]) && std::isfinite(stb[i]);
  }
  // Self-healing: a NaN or Inf that got into the network would recirculate forever; once it
  // reaches the line outputs the whole state is cleared (reset() does not allocate).
  if (!finite) reset();
}

}  // namespace mixdown::dsp
