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

// In-place orthonormal 8-point Walsh-Hadamard transform.
inline void hadamard8(float* v) noexcept {
  for (int h = 1; h < 8; h <<= 1)
    for (int i = 0; i < 8; i += 2 * h)
      for (int j = i; j < i + h; ++j) {
        const float a = v[j], b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
  constexpr float kNorm = 0.35355339059327373f;  // 1/sqrt(8)
  for (int i = 0; i < 8; ++i) v[i] *= kNorm;
}

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
      ap.buf.assign(ap.len, 0.0f);
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
      ap.pos = 0;
    }
  for (auto& p : predelay_) std::fill(p.begin(), p.end(), 0.0f);
  predelay_pos_ = 0;
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
  float b0[kLines], b1[kLines], a1[kLines], st[kLines];
  for (std::size_t i = 0; i < kLines; ++i) {
    masks[i] = lines_[i].mask;
    lens[i] = lengths_[i];
    b0[i] = static_cast<float>(shelf_b0_[i]);
    b1[i] = static_cast<float>(shelf_b1_[i]);
    a1[i] = static_cast<float>(shelf_a1_[i]);
    st[i] = static_cast<float>(lines_[i].lp_state);
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
    for (int c = 0; c < 2; ++c)
      for (auto& ap : diffusers_[static_cast<std::size_t>(c)]) {
        float* d = dst[c];
        float* buf = ap.buf.data();
        std::size_t p = ap.pos;
        for (std::size_t i = 0; i < n; ++i) {
          const float delayed = buf[p];
          const float v = d[i] - kDiffusion * delayed;
          d[i] = delayed + kDiffusion * v;
          buf[p] = v;
          if (++p == ap.len) p = 0;
        }
        ap.pos = p;
      }
    // 4. The network.
    float* out_l = io.channel(0) + start;
    float* out_r = io.num_channels() > 1 ? io.channel(1) + start : nullptr;
    std::size_t pos = pos_;
    for (std::size_t i = 0; i < n; ++i) {
      float v[kLines];
      for (std::size_t k = 0; k < kLines; ++k) {
        const float o = bufs[k][(pos - lens[k]) & masks[k]];
        const float y = b0[k] * o + st[k];  // absorption (RT60) and HF damping in one section
        st[k] = b1[k] * o - a1[k] * y;
        v[k] = y;
      }
      const float l = 0.5f * (v[0] - v[1] + v[2] - v[3] + v[4] - v[5] + v[6] - v[7]);
      const float r = 0.5f * (v[0] + v[1] - v[2] - v[3] + v[4] + v[5] - v[6] - v[7]);
      hadamard8(v);
      const float il = 0.5f * sl[i], ir = 0.5f * sr[i];
      for (std::size_t k = 0; k < 4; ++k) bufs[k][pos & masks[k]] = v[k] + il;
      for (std::size_t k = 4; k < kLines; ++k) bufs[k][pos & masks[k]] = v[k] + ir;
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
  for (std::size_t i = 0; i < kLines; ++i) lines_[i].lp_state = st[i];
}

}  // namespace mixdown::dsp
