#include "dsp/reverb.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

#include "core/simd.hpp"
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

// A copy of a few hundred floats as an inline vector loop: a memcpy call costs more than the
// copy here (the file is built with -fno-tree-loop-distribute-patterns so that the compiler
// does not turn this loop back into one).
inline void copy_floats(const float* __restrict src, float* __restrict dst, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
}
// dst[i] = ring[(from + i) & mask] for i < n, and its inverse: at most two contiguous runs each.
inline void ring_read(const float* ring, std::size_t mask, std::size_t from, float* dst, std::size_t n) noexcept {
  const std::size_t at = from & mask, first = std::min(n, mask + 1 - at);
  copy_floats(ring + at, dst, first);
  copy_floats(ring, dst + first, n - first);
}
inline void ring_write(float* ring, std::size_t mask, std::size_t to, const float* src, std::size_t n) noexcept {
  const std::size_t at = to & mask, first = std::min(n, mask + 1 - at);
  copy_floats(src, ring + at, first);
  copy_floats(src + first, ring, n - first);
}

}  // namespace

void Reverb::set_settings(const ReverbSettings& s) {
  settings_ = s;
  update();
}

void Reverb::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
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
  // A chunk is written whole before it is read back, so the ring holds a chunk more than the
  // longest pre-delay.
  const auto pd = static_cast<std::size_t>(kMaxPredelayMs * sample_rate_ / 1000.0) + 1;
  for (auto& p : predelay_) p.assign(std::bit_ceil(pd + 1 + kChunk), 0.0f);
  predelay_mask_ = predelay_[0].size() - 1;
  low_cut_.prepare(2, 2);
  scratch_.assign((2 + kLines) * kChunk, 0.0f);
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
  chunk_ = std::min(kChunk, *std::min_element(lengths_.begin(), lengths_.end()));
  for (const auto& side : diffusers_)
    for (const auto& ap : side) chunk_ = std::min(chunk_, ap.len);
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

// Chunk by chunk, stage by stage: no delay in the chain is shorter than a chunk, so within a
// chunk every stage's reads come from before it, and each stage runs over the whole chunk as
// vector code. Only the lines' damping shelves recur frame by frame (eight independent ones).
// The arithmetic per frame is the same as a frame-by-frame loop's, so the output does not
// depend on how the caller splits its blocks.
MIXDOWN_SIMD_CLONES_WIDE void Reverb::process(const AudioView& io) noexcept {
  if (scratch_.empty() || io.num_channels() == 0) return;
  const ScopedFlushDenormals no_denormals;
  const int in_ch = std::min(io.num_channels(), 2);
  // One base for the chunk's buffers, so the compiler sees they cannot overlap.
  float* const in[2] = {scratch_.data(), scratch_.data() + kChunk};
  float* const y = scratch_.data() + 2 * kChunk;  // line k's output at y[k * kChunk + i]
  float b0[kLines], b1[kLines], a1[kLines], st[kLines];
  for (std::size_t k = 0; k < kLines; ++k) {
    b0[k] = static_cast<float>(shelf_b0_[k]);
    b1[k] = static_cast<float>(shelf_b1_[k]);
    a1[k] = static_cast<float>(shelf_a1_[k]);
    st[k] = static_cast<float>(lines_[k].lp_state);
  }
  const auto om = static_cast<float>(out_mid_), os = static_cast<float>(out_side_);
  constexpr float norm = 0.35355339f;  // 1/sqrt(8): the Hadamard matrix orthonormal
  constexpr float sqrt2 = 1.41421356f;
  float* out_l = io.channel(0);
  float* out_r = io.num_channels() > 1 ? io.channel(1) : nullptr;

  for (std::size_t start = 0; start < io.num_frames(); start += chunk_) {
    const std::size_t n = std::min(chunk_, io.num_frames() - start);
    // 1. Pre-delay: the chunk goes into the ring, then `predelay_frames_` back comes out.
    for (int c = 0; c < 2; ++c) {
      float* ring = predelay_[c].data();
      ring_write(ring, predelay_mask_, predelay_pos_, io.channel(std::min(c, in_ch - 1)) + start, n);
      ring_read(ring, predelay_mask_, predelay_pos_ - predelay_frames_, in[c], n);
    }
    predelay_pos_ += n;
    // 2. Low cut.
    float* ptrs[2] = {in[0], in[1]};
    low_cut_.process(AudioView(ptrs, 2, n));
    // 3. All-pass diffusion, each of a side's three over the chunk in turn.
    for (std::size_t c = 0; c < 2; ++c)
      for (auto& ap : diffusers_[c]) {
        float z[kChunk], v[kChunk];
        ring_read(ap.buf.data(), ap.mask, diffuser_pos_ - ap.len, z, n);
        float* x = in[c];
        for (std::size_t i = 0; i < n; ++i) {
          v[i] = x[i] - kDiffusion * z[i];
          x[i] = z[i] + kDiffusion * v[i];
        }
        ring_write(ap.buf.data(), ap.mask, diffuser_pos_, v, n);
      }
    diffuser_pos_ += n;
    // 4. The network. Each line's output over the chunk, through its absorption and HF
    //    damping (one first-order section per line: the recursion, eight lines side by side).
    for (std::size_t k = 0; k < kLines; ++k) ring_read(lines_[k].buf.data(), lines_[k].mask, pos_ - lengths_[k], y + k * kChunk, n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < kLines; ++k) {
        float& v = y[k * kChunk + i];
        const float out = b0[k] * v + st[k];
        st[k] = b1[k] * v - a1[k] * out;
        v = out;
      }
    //    The feedback: a fast Walsh-Hadamard transform (strides 4, 2, 1) of the eight outputs,
    //    plus the input (L into lines 0-3, R into 4-7). The stereo outputs are rows 1 and 2.
    float* ol = out_l + start;
    float* orr = out_r != nullptr ? out_r + start : nullptr;
    const float* const xl = in[0];
    const float* const xr = in[1];
    for (std::size_t i = 0; i < n; ++i) {
      float v[kLines];
      for (std::size_t k = 0; k < kLines; ++k) v[k] = y[k * kChunk + i];
      const float p0 = v[0] + v[4], p1 = v[1] + v[5], p2 = v[2] + v[6], p3 = v[3] + v[7];
      const float q0 = v[0] - v[4], q1 = v[1] - v[5], q2 = v[2] - v[6], q3 = v[3] - v[7];
      const float pa = p0 + p2, pb = p1 + p3, pc = p0 - p2, pd = p1 - p3;
      const float qa = q0 + q2, qb = q1 + q3, qc = q0 - q2, qd = q1 - q3;
      const float h[kLines] = {(pa + pb) * norm, (pa - pb) * norm, (pc + pd) * norm, (pc - pd) * norm,
                               (qa + qb) * norm, (qa - qb) * norm, (qc + qd) * norm, (qc - qd) * norm};
      const float il = 0.5f * xl[i], ir = 0.5f * xr[i];
      for (std::size_t k = 0; k < 4; ++k) y[k * kChunk + i] = h[k] + il;
      for (std::size_t k = 4; k < kLines; ++k) y[k * kChunk + i] = h[k] + ir;
      const float l = sqrt2 * h[1], r = sqrt2 * h[2];
      if (orr != nullptr) {
        ol[i] = om * l + os * r;
        orr[i] = os * l + om * r;
      } else {
        ol[i] = 0.5f * (l + r);
      }
    }
    for (std::size_t k = 0; k < kLines; ++k) ring_write(lines_[k].buf.data(), lines_[k].mask, pos_, y + k * kChunk, n);
    pos_ += n;
  }
  bool finite = true;
  for (std::size_t k = 0; k < kLines; ++k) {
    lines_[k].lp_state = st[k];
    finite = finite && std::isfinite(st[k]);
  }
  // Self-healing: a NaN or Inf that got into the network would recirculate forever; once it
  // reaches the line outputs the whole state is cleared (reset() does not allocate).
  if (!finite) reset();
}

}  // namespace mixdown::dsp
