// ITU-R BS.1770-4 loudness, EBU Tech 3341 (meter), EBU Tech 3342 (loudness range).
#include "analysis/loudness.hpp"

#include <algorithm>
#include <numbers>
#include <numeric>

#include "core/error.hpp"
#include "core/simd.hpp"
#include "core/parallel.hpp"

namespace mixdown::analysis {
namespace {

constexpr int kMomentaryTicks = 40;   // 400 ms
constexpr int kShortTermTicks = 300;  // 3 s
constexpr int kBlockHopTicks = 10;    // 100 ms: 75 % overlap of the 400 ms gating blocks
constexpr double kRelativeGateLu = -10.0;
constexpr double kLraRelativeGateLu = -20.0;
// Filter states this small are flushed to 0 so digital silence never runs on denormals.
constexpr double kDenormalFloor = 1e-25;

}  // namespace

bool has_nonfinite(const float* x, std::size_t n) noexcept {
  // An integer max of |x|'s bits over eight lanes, cloned for AVX2, rather than a float sum on
  // one chain per lane.
  return simd::nonfinite_bits(simd::max_abs_bits(x, n));
}

std::vector<double> channel_weights(int channels) {
  switch (channels) {
    case 1: return {1.0};
    case 2: return {1.0, 1.0};
    case 3: return {1.0, 1.0, 1.0};
    case 4: return {1.0, 1.0, 1.41, 1.41};
    case 5: return {1.0, 1.0, 1.0, 1.41, 1.41};
    case 6: return {1.0, 1.0, 1.0, 0.0, 1.41, 1.41};
    default:
      throw rejected("", std::to_string(channels) +
                             " channels: loudness channel weights (ITU-R BS.1770-4) are defined "
                             "for mono, stereo and up to 5.1 (6 channels) only");
  }
}

// The analog prototype of BS.1770's K-weighting (as fitted by the libebur128 and pyloudnorm
// authors from the 48 kHz table): a high shelf of +4 dB around 1682 Hz and a 2nd-order high
// pass at 38 Hz. Each stage is mapped to the digital domain by the bilinear transform prewarped
// at its own corner, so the response is right at 44.1, 96 or 192 kHz, not only at 48 kHz.
KWeighting k_weighting(double fs) {
  KWeighting k;
  {
    const double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
    const double kk = std::tan(std::numbers::pi * f0 / fs);
    const double vh = std::pow(10.0, gain_db / 20.0);
    const double vb = std::pow(vh, 0.4996667741545416);
    const double a0 = 1.0 + kk / q + kk * kk;
    k.shelf.b0 = (vh + vb * kk / q + kk * kk) / a0;
    k.shelf.b1 = 2.0 * (kk * kk - vh) / a0;
    k.shelf.b2 = (vh - vb * kk / q + kk * kk) / a0;
    k.shelf.a1 = 2.0 * (kk * kk - 1.0) / a0;
    k.shelf.a2 = (1.0 - kk / q + kk * kk) / a0;
  }
  {
    const double f0 = 38.13547087602444, q = 0.5003270373238773;
    const double kk = std::tan(std::numbers::pi * f0 / fs);
    const double a0 = 1.0 + kk / q + kk * kk;
    // BS.1770's 48 kHz table keeps the numerator at 1, -2, 1 rather than 1/a0 times that, so
    // its passband gain is a0(48 kHz) = +0.043 dB, which the -0.691 dB offset calibrates for.
    // Keeping the literal 1, -2, 1 at other rates would shift that gain (-0.03 dB at 192 kHz);
    // scaling by a0(48k)/a0(fs) keeps the calibration, and is exactly the table at 48 kHz.
    const double k48 = std::tan(std::numbers::pi * f0 / 48000.0);
    const double g = (1.0 + k48 / q + k48 * k48) / a0;
    k.highpass.b0 = g;
    k.highpass.b1 = -2.0 * g;
    k.highpass.b2 = g;
    k.highpass.a1 = 2.0 * (kk * kk - 1.0) / a0;
    k.highpass.a2 = (1.0 - kk / q + kk * kk) / a0;
  }
  return k;
}

double gated_loudness(std::span<const double> blocks) {
  const double abs_gate = lufs_to_energy(kAbsoluteGateLufs);
  double sum = 0.0;
  std::size_t n = 0;
  for (double e : blocks)
    if (e >= abs_gate) {
      sum += e;
      ++n;
    }
  if (n == 0) return -std::numeric_limits<double>::infinity();
  const double rel_gate = sum / static_cast<double>(n) * std::pow(10.0, kRelativeGateLu / 10.0);
  const double gate = std::max(abs_gate, rel_gate);
  sum = 0.0;
  n = 0;
  for (double e : blocks)
    if (e >= gate) {
      sum += e;
      ++n;
    }
  return n == 0 ? -std::numeric_limits<double>::infinity()
                : energy_to_lufs(sum / static_cast<double>(n));
}

double loudness_range(std::span<const double> st) {
  const double abs_gate = lufs_to_energy(kAbsoluteGateLufs);
  double sum = 0.0;
  std::size_t n = 0;
  for (double e : st)
    if (e >= abs_gate) {
      sum += e;
      ++n;
    }
  if (n == 0) return -std::numeric_limits<double>::infinity();
  const double gate =
      std::max(abs_gate, sum / static_cast<double>(n) * std::pow(10.0, kLraRelativeGateLu / 10.0));
  std::vector<double> kept;
  kept.reserve(n);
  for (double e : st)
    if (e >= gate) kept.push_back(e);
  if (kept.empty()) return -std::numeric_limits<double>::infinity();
  // Percentiles by nearest rank on the sorted energies (the order is the same in LU).
  auto at = [&](double p) {
    const auto idx = static_cast<std::size_t>(static_cast<double>(kept.size() - 1) * p + 0.5);
    std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(idx), kept.end());
    return kept[idx];
  };
  const double lo = at(0.10);
  const double hi = at(0.95);
  return energy_to_lufs(hi) - energy_to_lufs(lo);
}

LoudnessMeter::LoudnessMeter(double sample_rate, int channels, LoudnessOptions options)
    : rate_(sample_rate), channels_(channels), options_(options) {
  if (!(sample_rate >= 1000.0) || !(sample_rate <= 1.0e6))
    throw failed("", "loudness meter: unsupported sample rate " + std::to_string(sample_rate));
  weights_ = channel_weights(channels);
  rate_int_ = static_cast<std::int64_t>(std::llround(sample_rate));
  if (channels != 2) options_.mono_sum = false;
  kstep_ = std::make_shared<const KGroupStep>(k_weighting(sample_rate));
  state_.assign(static_cast<std::size_t>(channels), FilterState{});
  if (options_.true_peak) true_peak_ = TruePeakMeter(channels);
  sample_peak_.assign(static_cast<std::size_t>(channels), 0.0);
  ring_.sum.assign(kShortTermTicks, 0.0);
  ring_.len.assign(kShortTermTicks, 0);
  if (options_.mono_sum) {
    mono_ring_.sum.assign(kMomentaryTicks, 0.0);
    mono_ring_.len.assign(kMomentaryTicks, 0);
  }
  seg_sums_.resize(static_cast<std::size_t>(channels));
  if (options_.mono_sum) kout_.resize(2);
}

// The two K-weighting stages: a shelf (b0, b1, b2; a1, a2) and a high pass whose numerator is
// g * (1, -2, 1) (p1, p2), each in direct form I, in double precision: the 38 Hz high pass has
// poles within 0.5 % of the unit circle, where single precision would add noise to the energy.
// The recursion runs kGroup frames at a time in its block (look-ahead) form: within a group
// every output is a fixed linear combination of the group's shelf feed-forward sums
// f = b0 x[i] + b1 x[i-1] + b2 x[i-2] and of the state before it (the last two outputs of each
// stage), so a group is a few products of a vector of eight coefficients by one value each,
// with no wait on the frame before. Frame by frame, each frame waited on a multiply and a
// subtract of the frame before on both stages (about 8 cycles a frame); the group waits on its
// state once, and the vector units stay busy (BM_KWeightingAndGating). The group vectors are the
// recursion's own responses, computed in long double once per meter.
constexpr std::size_t kGroup = 8;
// Eight doubles (GCC vector extension): one AVX-512 register, two AVX2 or four SSE2 ones, each
// lane computed by the same operations.
using v8d = LoudnessMeter::FilterState::Lanes;
struct KGroupStep {
  double b0, b1, b2;
  v8d h[kGroup];  // h[j][k]: the shelf's output k from f[j]
  v8d m[kGroup];  // m[j][k]: the high pass's output k from f[j]
  v8d ht[2];      // the shelf's outputs from its last two (t1, t2)
  v8d mt[4];      // the high pass's outputs from t1, t2, u1, u2
  explicit KGroupStep(const KWeighting& k) : b0(k.shelf.b0), b1(k.shelf.b1), b2(k.shelf.b2) {
    using LD = long double;
    // Runs the recursion over one group from feed-forward sums f and state (t1, t2, u1, u2).
    auto run = [&](const LD* f, LD t1, LD t2, LD u1, LD u2, v8d& to, v8d& uo) {
      for (std::size_t i = 0; i < kGroup; ++i) {
        const LD t = f[i] - LD(k.shelf.a2) * t2 - LD(k.shelf.a1) * t1;
        const LD u = LD(k.highpass.b0) * (t - 2 * t1 + t2) - LD(k.highpass.a2) * u2 - LD(k.highpass.a1) * u1;
        t2 = t1;
        t1 = t;
        u2 = u1;
        u1 = u;
        to[i] = static_cast<double>(t);
        uo[i] = static_cast<double>(u);
      }
    };
    LD f[kGroup] = {};
    v8d none;
    for (std::size_t j = 0; j < kGroup; ++j) {
      f[j] = 1;
      run(f, 0, 0, 0, 0, h[j], m[j]);
      f[j] = 0;
    }
    run(f, 1, 0, 0, 0, ht[0], mt[0]);
    run(f, 0, 1, 0, 0, ht[1], mt[1]);
    run(f, 0, 0, 1, 0, none, mt[2]);
    run(f, 0, 0, 0, 1, none, mt[3]);
  }
};

namespace {

// The filter over frames [begin, end) of L channels (1 or 2) whose states are st[0 .. L-1],
// `pn` frames into a group (the stream's frame count modulo kGroup: groups lie at fixed places
// in the stream, so the output does not depend on how the stream is cut into blocks). In
// chunks of at most kKChunk frames: the feed-forward sums first (no recursion: the widest
// registers), after the open group's sums kept from before, then the groups. A group not yet
// complete is computed over the frames it has (its outputs depend only on those), its sums are
// kept and it is computed again, whole, once the rest of it arrives. The squared outputs go to
// each state's eight sums by frame index modulo kGroup; with `closes` (the run ends a tick)
// they are added up in a fixed order into sums[l] and cleared. Every sum and product is formed
// in the same order on every build (no multiply-adds are fused: -ffp-contract=off), so the
// AVX-512, AVX2 and baseline clones give the same bits.
constexpr std::size_t kKChunk = 256;
using KFilterState = LoudnessMeter::FilterState;

// x in every lane (a macro: a function returning a 64-byte vector by value has a different ABI
// in each clone).
#define MIXDOWN_SPLAT(x) (v8d{} + (x))

// The open tick's eight sums of squares added up in a fixed order, and cleared.
inline double take_tick_sum(KFilterState::Lanes& a) noexcept {
  const double sum = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  a = KFilterState::Lanes{};
  return sum;
}

template <int L>
__attribute__((always_inline)) inline void k_run(const KGroupStep& k, KFilterState* const* st, const float* const* x,
                                                 float* const* out, std::size_t begin, std::size_t end, std::size_t pn,
                                                 bool closes, double* sums) noexcept {
  v8d t1[L], t2[L], u1[L], u2[L], acc[L];
#pragma GCC unroll 2
  for (int l = 0; l < L; ++l) {
    t1[l] = MIXDOWN_SPLAT(st[l]->t1);
    t2[l] = MIXDOWN_SPLAT(st[l]->t2);
    u1[l] = MIXDOWN_SPLAT(st[l]->u1);
    u2[l] = MIXDOWN_SPLAT(st[l]->u2);
    acc[l] = st[l]->acc;
  }
  // Each lane's input as double after the two frames before the chunk; the feed-forward sums
  // after the open group's, padded with zeros to whole groups.
  alignas(64) double d[L][kKChunk + 2], f[L][kKChunk + kGroup];
  for (std::size_t pos = begin; pos < end;) {
    const std::size_t m = std::min(kKChunk - pn, end - pos), fill = pn + m;
#pragma GCC unroll 2
    for (int l = 0; l < L; ++l) {
      d[l][0] = st[l]->x2;
      d[l][1] = st[l]->x1;
      for (std::size_t i = 0; i < m; ++i) d[l][i + 2] = static_cast<double>(x[l][pos + i]);
      for (std::size_t i = 0; i < pn; ++i) f[l][i] = st[l]->open[i];
      double* fl = f[l] + pn;
      for (std::size_t i = 0; i < m; ++i) fl[i] = k.b0 * d[l][i + 2] + k.b1 * d[l][i + 1] + k.b2 * d[l][i];
      for (std::size_t i = fill; i < (fill + kGroup - 1) / kGroup * kGroup; ++i) f[l][i] = 0.0;
      st[l]->x1 = d[l][m + 1];
      st[l]->x2 = d[l][m];
    }
    // One group at g0 of the chunk's sums; [lo, hi): its frames that are new here.
    const auto group = [&](std::size_t g0, std::size_t lo, std::size_t hi) __attribute__((always_inline)) {
      const bool whole = hi == kGroup;
#pragma GCC unroll 2
      for (int l = 0; l < L; ++l) {
        const double* fg = f[l] + g0;
        // The feed-forward part in a tree of sums (no chain of eight additions); the state
        // last, so the wait on the group before is as short as it can be.
        const v8d tf = ((k.h[0] * fg[0] + k.h[1] * fg[1]) + (k.h[2] * fg[2] + k.h[3] * fg[3])) +
                       ((k.h[4] * fg[4] + k.h[5] * fg[5]) + (k.h[6] * fg[6] + k.h[7] * fg[7]));
        const v8d uf = ((k.m[0] * fg[0] + k.m[1] * fg[1]) + (k.m[2] * fg[2] + k.m[3] * fg[3])) +
                       ((k.m[4] * fg[4] + k.m[5] * fg[5]) + (k.m[6] * fg[6] + k.m[7] * fg[7]));
        const v8d tv = tf + (k.ht[0] * t1[l] + k.ht[1] * t2[l]);
        const v8d uv = uf + ((k.mt[0] * t1[l] + k.mt[1] * t2[l]) + (k.mt[2] * u1[l] + k.mt[3] * u2[l]));
        if (lo == 0 && whole) {
          acc[l] += uv * uv;
          if (out[0]) {
            float* o = out[l] + pos + g0 - pn;
            for (std::size_t i = 0; i < kGroup; ++i) o[i] = static_cast<float>(uv[i]);
          }
        } else {
          for (std::size_t i = lo; i < hi; ++i) {
            acc[l][i] += uv[i] * uv[i];
            if (out[0]) out[l][pos + g0 + i - pn] = static_cast<float>(uv[i]);
          }
        }
        if (whole) {
          t2[l] = MIXDOWN_SPLAT(tv[kGroup - 2]);
          t1[l] = MIXDOWN_SPLAT(tv[kGroup - 1]);
          u2[l] = MIXDOWN_SPLAT(uv[kGroup - 2]);
          u1[l] = MIXDOWN_SPLAT(uv[kGroup - 1]);
        } else {
          for (std::size_t i = 0; i < hi; ++i) st[l]->open[i] = fg[i];
        }
      }
    };
    std::size_t g0 = 0;
    if (pn > 0) {  // the group left open before (it may stay open)
      group(0, pn, std::min(kGroup, fill));
      g0 = kGroup;
    }
    for (; g0 + kGroup <= fill; g0 += kGroup) group(g0, 0, kGroup);
    if (g0 < fill) group(g0, 0, fill - g0);
    pos += m;
    pn = fill % kGroup;
  }
#pragma GCC unroll 2
  for (int l = 0; l < L; ++l) {
    st[l]->t1 = t1[l][0];
    st[l]->t2 = t2[l][0];
    st[l]->u1 = u1[l][0];
    st[l]->u2 = u2[l][0];
    sums[l] = closes ? take_tick_sum(acc[l]) : 0.0;
    st[l]->acc = acc[l];
  }
}

#undef MIXDOWN_SPLAT

MIXDOWN_SIMD_CLONES_WIDE
void k_pair_run(const KGroupStep& step, KFilterState* a, KFilterState* b, const float* xa, const float* xb, float* oa,
                float* ob, std::size_t begin, std::size_t end, std::size_t pn, bool closes, double* sums) noexcept {
  KFilterState* st[2] = {a, b};
  const float* x[2] = {xa, xb};
  float* out[2] = {oa, ob};
  k_run<2>(step, st, x, out, begin, end, pn, closes, sums);
}

MIXDOWN_SIMD_CLONES_WIDE
void k_mono_run(const KGroupStep& step, KFilterState* s, const float* x, float* out, std::size_t begin, std::size_t end,
                std::size_t pn, bool closes, double* sums) noexcept {
  k_run<1>(step, &s, &x, &out, begin, end, pn, closes, sums);
}

// A filter whose inputs and outputs of the last two samples, and the open group's sums, are
// all zero: fed ±0.0 it stays so and gives ±0.0, whose squares add nothing to a sum, so the run
// can be skipped. The state flush below puts a decayed filter here after a stretch of silence.
bool at_rest(const KFilterState& s, std::size_t pn) noexcept {
  if (s.x1 != 0 || s.x2 != 0 || s.t1 != 0 || s.t2 != 0 || s.u1 != 0 || s.u2 != 0) return false;
  for (std::size_t i = 0; i < pn; ++i)
    if (s.open[i] != 0) return false;
  return true;
}

// A skipped run of n frames of silence, `pn` frames into a group: the open group's sums are
// zeros for its frames; when it ends a tick (`closes`), the tick's sum of squares so far.
double rest(KFilterState& s, std::size_t pn, std::size_t n, bool closes) noexcept {
  for (std::size_t i = pn; i < std::min(kGroup, pn + n); ++i) s.open[i] = 0.0;
  return closes ? take_tick_sum(s.acc) : 0.0;
}

// States this small are set to zero, between groups only (where the state is the outputs alone)
// and at the end of a tick (a place in the stream, not in a block): after a run of n frames
// begun `pn` frames into a group, where it ends a tick (`closes`) on a group boundary. The
// output stays independent of the blocks.
void flush_denormals(KFilterState& s, std::size_t pn, std::size_t n, bool closes) noexcept {
  if (!closes || (pn + n) % kGroup != 0) return;
  for (double* v : {&s.t1, &s.t2, &s.u1, &s.u2})
    if (std::fabs(*v) < kDenormalFloor) *v = 0;
}

}  // namespace

// K-weights channel c over the block and sums the squares per tick into seg_sums_[c] (at the
// segment that ends the tick; 0 at the others).
void LoudnessMeter::filter_channel(int c, const float* x, std::size_t n) {
  const auto ci = static_cast<std::size_t>(c);
  FilterState& s = state_[ci];
  const KGroupStep& step = *kstep_;
  float* out = options_.mono_sum ? kout_[ci].data() : nullptr;
  std::size_t begin = 0;
  for (std::size_t seg = 0; seg < seg_ends_.size(); ++seg) {
    const std::size_t end = seg_ends_[seg];
    const std::size_t pn = static_cast<std::size_t>(frames_ + static_cast<std::int64_t>(begin)) % kGroup;
    double sum = 0.0;
    if (at_rest(s, pn) && simd::all_zero(x + begin, end - begin)) {
      if (out) std::fill(out + begin, out + end, 0.0f);  // at rest, silence in gives silence out
      sum = rest(s, pn, end - begin, seg_closes_[seg]);
    } else {
      k_mono_run(step, &s, x, out, begin, end, pn, seg_closes_[seg], &sum);
    }
    flush_denormals(s, pn, end - begin, seg_closes_[seg]);
    seg_sums_[ci][seg] = sum;
    begin = end;
  }
  if (options_.true_peak) true_peak_.add_channel(c, x, n);
}

// Channels c and c+1 together: the same operations in the same order as filter_channel, so the
// same bits, with twice the independent work in flight.
void LoudnessMeter::filter_pair(int c, const float* xa, const float* xb, std::size_t n) {
  const auto ca = static_cast<std::size_t>(c), cb = ca + 1;
  FilterState& sa = state_[ca];
  FilterState& sb = state_[cb];
  const KGroupStep& step = *kstep_;
  float* oa = options_.mono_sum ? kout_[ca].data() : nullptr;
  float* ob = options_.mono_sum ? kout_[cb].data() : nullptr;
  std::size_t begin = 0;
  for (std::size_t seg = 0; seg < seg_ends_.size(); ++seg) {
    const std::size_t end = seg_ends_[seg];
    const std::size_t pn = static_cast<std::size_t>(frames_ + static_cast<std::int64_t>(begin)) % kGroup;
    double sum[2] = {0.0, 0.0};
    if (at_rest(sa, pn) && at_rest(sb, pn) && simd::all_zero(xa + begin, end - begin) &&
        simd::all_zero(xb + begin, end - begin)) {
      if (oa) {  // at rest, silence in gives silence out
        std::fill(oa + begin, oa + end, 0.0f);
        std::fill(ob + begin, ob + end, 0.0f);
      }
      sum[0] = rest(sa, pn, end - begin, seg_closes_[seg]);
      sum[1] = rest(sb, pn, end - begin, seg_closes_[seg]);
    } else {
      k_pair_run(step, &sa, &sb, xa, xb, oa, ob, begin, end, pn, seg_closes_[seg], sum);
    }
    flush_denormals(sa, pn, end - begin, seg_closes_[seg]);
    flush_denormals(sb, pn, end - begin, seg_closes_[seg]);
    seg_sums_[ca][seg] = sum[0];
    seg_sums_[cb][seg] = sum[1];
    begin = end;
  }
  if (options_.true_peak) {
    true_peak_.add_channel(c, xa, n);
    true_peak_.add_channel(c + 1, xb, n);
  }
}

void LoudnessMeter::add(const ConstAudioView& view) {
  if (view.num_channels() != channels_)
    throw failed("", "loudness meter: block has " + std::to_string(view.num_channels()) +
                         " channels, expected " + std::to_string(channels_));
  const std::size_t n = view.num_frames();
  if (n == 0) return;

  // NaN/Inf would poison the filter state for good: read them as 0 (and count them). One scan
  // of each channel's |x| bits finds them (an all-ones exponent) and gives its sample peak.
  std::vector<const float*> ptrs(static_cast<std::size_t>(channels_));
  for (int c = 0; c < channels_; ++c) {
    const float* x = view.channel(c);
    ptrs[static_cast<std::size_t>(c)] = x;
    std::uint32_t peak_bits = simd::max_abs_bits(x, n);
    if (simd::nonfinite_bits(peak_bits)) {
      if (clean_.size() < static_cast<std::size_t>(channels_)) clean_.resize(static_cast<std::size_t>(channels_));
      auto& buf = clean_[static_cast<std::size_t>(c)];
      buf.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const bool finite = std::isfinite(x[i]);
        buf[i] = finite ? x[i] : 0.0f;
        nonfinite_ += finite ? 0 : 1;
      }
      ptrs[static_cast<std::size_t>(c)] = buf.data();
      peak_bits = simd::max_abs_bits(buf.data(), n);
    }
    auto& peak = sample_peak_[static_cast<std::size_t>(c)];
    peak = std::max(peak, static_cast<double>(simd::from_bits(peak_bits)));
  }

  // Cut the block at tick boundaries.
  seg_ends_.clear();
  seg_closes_.clear();
  {
    std::int64_t tick = ticks_done_;
    const std::int64_t block_end = frames_ + static_cast<std::int64_t>(n);
    while (true) {
      const std::int64_t b = tick_boundary(tick + 1);
      if (b >= block_end) {
        seg_ends_.push_back(n);
        seg_closes_.push_back(b == block_end);
        break;
      }
      seg_ends_.push_back(static_cast<std::size_t>(b - frames_));
      seg_closes_.push_back(true);
      ++tick;
    }
  }
  for (auto& v : seg_sums_) v.assign(seg_ends_.size(), 0.0);
  for (auto& v : kout_) v.resize(n);

  if (options_.threads > 1 && channels_ > 1) {
    parallel_for(static_cast<std::size_t>(channels_), options_.threads, [&](std::size_t c) {
      filter_channel(static_cast<int>(c), ptrs[c], n);
    });
  } else {
    int c = 0;
    for (; c + 1 < channels_; c += 2)
      filter_pair(c, ptrs[static_cast<std::size_t>(c)], ptrs[static_cast<std::size_t>(c) + 1], n);
    if (c < channels_) filter_channel(c, ptrs[static_cast<std::size_t>(c)], n);
  }

  std::size_t begin = 0;
  for (std::size_t seg = 0; seg < seg_ends_.size(); ++seg) {
    const std::size_t end = seg_ends_[seg];
    double sum = 0.0;
    for (int c = 0; c < channels_; ++c)
      sum += weights_[static_cast<std::size_t>(c)] * seg_sums_[static_cast<std::size_t>(c)][seg];
    double mono = 0.0;
    if (options_.mono_sum) {
      // (kL + kR)^2 / 2: the mono fold-down (L+R)/2 played on both speakers.
      const float* a = kout_[0].data();
      const float* b = kout_[1].data();
      // Eight float lanes over one tick (<= 10 ms), then double: vectorizes, and a tick is too
      // short for single-precision sums to matter.
      float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      std::size_t i = begin;
      for (; i + 8 <= end; i += 8)
        for (std::size_t j = 0; j < 8; ++j) lanes[j] += a[i + j] * b[i + j];
      double cross = 0.0;
      for (; i < end; ++i) cross += static_cast<double>(a[i] * b[i]);
      for (float l : lanes) cross += l;
      mono = 0.5 * (seg_sums_[0][seg] + seg_sums_[1][seg]) + cross;
    }
    open_sum_ += sum;
    open_mono_ += mono;
    frames_ += static_cast<std::int64_t>(end - begin);
    if (frames_ == tick_boundary(ticks_done_ + 1)) {
      close_tick(open_sum_, open_mono_, tick_boundary(ticks_done_ + 1) - tick_boundary(ticks_done_));
      open_sum_ = 0.0;
      open_mono_ = 0.0;
    }
    begin = end;
  }
}

double LoudnessMeter::window_mean(const Ring& r, std::int64_t ticks_done, int width) {
  // The last `width` ticks: (at most) two contiguous runs of the ring. Summed afresh every
  // tick rather than kept as a running sum, which would drift: in four partial sums (ring slot
  // i into sum i % 4, added up in a fixed order at the end), so four additions are in flight
  // rather than one waiting on the one before (the short-term window's 300 terms were a chain
  // of 300). The slots follow from ticks_done alone, so the result does not depend on how the
  // stream was cut into blocks.
  const auto size = static_cast<std::int64_t>(r.sum.size());
  const std::int64_t newest = (ticks_done - 1) % size, oldest = newest - width + 1;
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  std::int64_t len = 0;
  // Written out by fours: a single `part[i & 3] +=` loop keeps the partial sums in memory and
  // took twice the time (bench BM_KWeightingAndGating: 12 % of it against 5-7 %).
  const auto run = [&](std::int64_t a, std::int64_t b) {
    auto i = static_cast<std::size_t>(a);
    const auto end = static_cast<std::size_t>(b);
    for (; i < end && (i & 3) != 0; ++i) {
      part[i & 3] += r.sum[i];
      len += r.len[i];
    }
    for (; i + 4 <= end; i += 4) {
      part[0] += r.sum[i];
      part[1] += r.sum[i + 1];
      part[2] += r.sum[i + 2];
      part[3] += r.sum[i + 3];
      len += (r.len[i] + r.len[i + 1]) + (r.len[i + 2] + r.len[i + 3]);
    }
    for (; i < end; ++i) {
      part[i & 3] += r.sum[i];
      len += r.len[i];
    }
  };
  if (oldest >= 0) {
    run(oldest, newest + 1);
  } else {
    run(0, newest + 1);
    run(size + oldest, size);
  }
  const double sum = (part[0] + part[1]) + (part[2] + part[3]);
  return len > 0 ? sum / static_cast<double>(len) : 0.0;
}

void LoudnessMeter::close_tick(double sum, double mono, std::int64_t len) {
  const auto slot = static_cast<std::size_t>(ticks_done_ % kShortTermTicks);
  ring_.sum[slot] = sum;
  ring_.len[slot] = len;
  if (options_.mono_sum) {
    const auto ms = static_cast<std::size_t>(ticks_done_ % kMomentaryTicks);
    mono_ring_.sum[ms] = mono;
    mono_ring_.len[ms] = len;
  }
  ++ticks_done_;
  if (ticks_done_ >= kMomentaryTicks) {
    const double m = window_mean(ring_, ticks_done_, kMomentaryTicks);
    if (!have_momentary_ || m > momentary_max_) momentary_max_ = m;
    have_momentary_ = true;
    if (ticks_done_ % kBlockHopTicks == 0) {
      blocks_.push_back(m);
      if (options_.mono_sum) mono_blocks_.push_back(window_mean(mono_ring_, ticks_done_, kMomentaryTicks));
    }
  }
  if (options_.short_term && ticks_done_ >= kShortTermTicks) {
    const double s = window_mean(ring_, ticks_done_, kShortTermTicks);
    if (!have_short_term_ || s > short_term_max_) short_term_max_ = s;
    have_short_term_ = true;
    if (ticks_done_ % kBlockHopTicks == 0) short_terms_.push_back(s);
  }
}

double LoudnessMeter::integrated_lufs() const { return gated_loudness(blocks_); }

double LoudnessMeter::range_lu() const {
  if (!options_.range) return -std::numeric_limits<double>::infinity();
  return loudness_range(short_terms_);
}

double LoudnessMeter::momentary_max_lufs() const {
  return have_momentary_ ? energy_to_lufs(momentary_max_) : -std::numeric_limits<double>::infinity();
}
double LoudnessMeter::short_term_max_lufs() const {
  return have_short_term_ ? energy_to_lufs(short_term_max_)
                          : -std::numeric_limits<double>::infinity();
}
double LoudnessMeter::momentary_lufs() const {
  return ticks_done_ >= kMomentaryTicks ? energy_to_lufs(window_mean(ring_, ticks_done_, kMomentaryTicks))
                                        : -std::numeric_limits<double>::infinity();
}
double LoudnessMeter::short_term_lufs() const {
  return ticks_done_ >= kShortTermTicks ? energy_to_lufs(window_mean(ring_, ticks_done_, kShortTermTicks))
                                        : -std::numeric_limits<double>::infinity();
}

double LoudnessMeter::true_peak_dbtp() const {
  if (!options_.true_peak) return -std::numeric_limits<double>::infinity();
  const double p = true_peak_.max_peak();
  return p > 0 ? 20.0 * std::log10(p) : -std::numeric_limits<double>::infinity();
}
double LoudnessMeter::sample_peak() const {
  double p = 0.0;
  for (double v : sample_peak_) p = std::max(p, v);
  return p;
}
double LoudnessMeter::sample_peak_dbfs() const {
  const double p = sample_peak();
  return p > 0 ? 20.0 * std::log10(p) : -std::numeric_limits<double>::infinity();
}
double LoudnessMeter::channel_true_peak(int c) const {
  return options_.true_peak ? true_peak_.peak(c) : 0.0;
}
double LoudnessMeter::channel_sample_peak(int c) const { return sample_peak_[static_cast<std::size_t>(c)]; }

double LoudnessMeter::mono_integrated_lufs() const {
  return options_.mono_sum ? gated_loudness(mono_blocks_) : -std::numeric_limits<double>::infinity();
}

double LoudnessMeter::mono_integrated_lufs(double energy_gain) const {
  if (!options_.mono_sum) return -std::numeric_limits<double>::infinity();
  std::vector<double> scaled(mono_blocks_);
  for (double& e : scaled) e *= energy_gain;
  return gated_loudness(scaled);
}

std::string LoudnessMeter::note() const {
  if (blocks_.empty())
    return "shorter than one 400 ms measurement block: loudness is not defined";
  if (!std::isfinite(integrated_lufs()))
    return "silent: no 400 ms block is above the -70 LUFS gate";
  return "";
}

LoudnessSeries LoudnessMeter::short_term_series() const {
  LoudnessSeries s;
  s.first_s = 3.0;
  s.step_s = 0.1;
  s.lufs.reserve(short_terms_.size());
  for (double e : short_terms_) s.lufs.push_back(static_cast<float>(energy_to_lufs(e)));
  return s;
}

LoudnessSeries LoudnessMeter::momentary_series() const {
  LoudnessSeries s;
  s.first_s = 0.4;
  s.step_s = 0.1;
  s.lufs.reserve(blocks_.size());
  for (double e : blocks_) s.lufs.push_back(static_cast<float>(energy_to_lufs(e)));
  return s;
}

void LoudnessMeter::merge(const LoudnessMeter& o) {
  blocks_.insert(blocks_.end(), o.blocks_.begin(), o.blocks_.end());
  short_terms_.insert(short_terms_.end(), o.short_terms_.begin(), o.short_terms_.end());
  mono_blocks_.insert(mono_blocks_.end(), o.mono_blocks_.begin(), o.mono_blocks_.end());
  if (o.have_momentary_ && (!have_momentary_ || o.momentary_max_ > momentary_max_)) {
    momentary_max_ = o.momentary_max_;
    have_momentary_ = true;
  }
  if (o.have_short_term_ && (!have_short_term_ || o.short_term_max_ > short_term_max_)) {
    short_term_max_ = o.short_term_max_;
    have_short_term_ = true;
  }
  const std::size_t nc = std::min(sample_peak_.size(), o.sample_peak_.size());
  for (std::size_t c = 0; c < nc; ++c) sample_peak_[c] = std::max(sample_peak_[c], o.sample_peak_[c]);
  if (options_.true_peak && o.options_.true_peak) true_peak_.merge(o.true_peak_);
  nonfinite_ += o.nonfinite_;
  // frames_ and the tick grid stay ours: a merged meter is for queries, not for more add()s.
}

}  // namespace mixdown::analysis
