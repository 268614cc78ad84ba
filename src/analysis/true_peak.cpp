#include "analysis/true_peak.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/simd.hpp"

namespace mixdown::analysis {
namespace {

// ITU-R BS.1770-4 Annex 2, Table: the order-48, 4-phase interpolating FIR. Phases 2 and 3 are
// phases 1 and 0 reversed (the prototype is symmetric).
constexpr std::array<std::array<float, TruePeakMeter::kTaps>, TruePeakMeter::kPhases> kCoeffs{{
    {0.0017089843750f, 0.0109863281250f, -0.0196533203125f, 0.0332031250000f, -0.0594482421875f,
     0.1373291015625f, 0.9721679687500f, -0.1022949218750f, 0.0476074218750f, -0.0266113281250f,
     0.0148925781250f, -0.0083007812500f},
    {-0.0291748046875f, 0.0292968750000f, -0.0517578125000f, 0.0891113281250f, -0.1665039062500f,
     0.4650878906250f, 0.7797851562500f, -0.2003173828125f, 0.1015625000000f, -0.0582275390625f,
     0.0330810546875f, -0.0189208984375f},
    {-0.0189208984375f, 0.0330810546875f, -0.0582275390625f, 0.1015625000000f, -0.2003173828125f,
     0.7797851562500f, 0.4650878906250f, -0.1665039062500f, 0.0891113281250f, -0.0517578125000f,
     0.0292968750000f, -0.0291748046875f},
    {-0.0083007812500f, 0.0148925781250f, -0.0266113281250f, 0.0476074218750f, -0.1022949218750f,
     0.9721679687500f, 0.1373291015625f, -0.0594482421875f, 0.0332031250000f, -0.0196533203125f,
     0.0109863281250f, 0.0017089843750f},
}};

constexpr std::size_t kChunk = 1024;

constexpr std::size_t kHist = TruePeakMeter::kTaps - 1;

// y_p[i] = sum_k h_p[k] * x[i + 11 - k]; z[i] = max_p |y_p[i]|. Straight-line taps so the loop
// over i vectorizes.
inline float phase(const float* x, const std::array<float, TruePeakMeter::kTaps>& h) noexcept {
  float acc = 0.0f;
  for (int k = 0; k < TruePeakMeter::kTaps; ++k) acc += h[static_cast<std::size_t>(k)] * x[kHist - static_cast<std::size_t>(k)];
  return acc;
}

// z[i] = max_p |y_p[i]| as IEEE bits (see simd.hpp).
MIXDOWN_SIMD_CLONES void interpolate_abs(const float* ext, std::uint32_t* z, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t a = simd::abs_bits(phase(ext + i, kCoeffs[0]));
    const std::uint32_t b = simd::abs_bits(phase(ext + i, kCoeffs[1]));
    const std::uint32_t c = simd::abs_bits(phase(ext + i, kCoeffs[2]));
    const std::uint32_t d = simd::abs_bits(phase(ext + i, kCoeffs[3]));
    z[i] = simd::umax(simd::umax(a, b), simd::umax(c, d));
  }
}

// Max of z and of |x| (as bits), eight lanes.
MIXDOWN_SIMD_CLONES std::uint32_t max_bits(const std::uint32_t* z, const float* x, std::size_t n) noexcept {
  std::uint32_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j)
      lanes[j] = simd::umax(lanes[j], simd::umax(z[i + j], simd::abs_bits(x[i + j])));
  std::uint32_t m = 0;
  for (; i < n; ++i) m = simd::umax(m, simd::umax(z[i], simd::abs_bits(x[i])));
  for (std::uint32_t l : lanes) m = simd::umax(m, l);
  return m;
}

// The largest sum of |taps| over the phases (2.06 for phases 1 and 2), a hair over so that
// float rounding in the 12-term sums cannot exceed it.
const double kTapBound = [] {
  double m = 0.0;
  for (const auto& h : kCoeffs) {
    double l1 = 0.0;
    for (float v : h) l1 += std::fabs(double(v));
    m = std::max(m, l1);
  }
  return m * 1.0001;
}();

// The refining reconstruction: 16 points per interval (lane 0 the sample itself, lane k the
// point k/16 past it) from the 64 samples around it, by a Kaiser-windowed (beta 8) sinc cut
// at Nyquist, stored tap-major so the 16 lanes accumulate side by side, each in tap order.
constexpr int kSincPhases = 16;
constexpr int kSincHalf = 32;
constexpr int kSincTaps = 2 * kSincHalf;
struct SincBank {
  alignas(64) float h[kSincTaps][kSincPhases];
  double l1 = 0.0;  // the largest sum of |taps| over the lanes, a hair over
};
const SincBank& sinc_bank() {
  static const SincBank bank = [] {
    SincBank b{};
    const double beta = 8.0;
    auto i0 = [](double x) {  // modified Bessel function of order 0, by its series
      double sum = 1.0, term = 1.0;
      for (int k = 1; k < 60; ++k) {
        term *= (x / 2.0) / k;
        sum += term * term;
      }
      return sum;
    };
    for (int k = 0; k < kSincPhases; ++k) {
      double l1 = 0.0;
      for (int m = 0; m < kSincTaps; ++m) {
        const double t = double(m - (kSincHalf - 1)) - double(k) / kSincPhases;  // from the point
        double v = 0.0;
        if (k == 0) {
          v = m == kSincHalf - 1 ? 1.0 : 0.0;
        } else {
          const double r = t / kSincHalf;
          v = std::sin(M_PI * t) / (M_PI * t) * i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0(beta);
        }
        b.h[m][k] = static_cast<float>(v);
        l1 += std::fabs(double(b.h[m][k]));
      }
      b.l1 = std::max(b.l1, l1 * 1.0001);
    }
    return b;
  }();
  return bank;
}

// The largest |value| over one interval's 16 points; w: the 64 samples around it, the
// interval's left sample at w[kSincHalf - 1].
MIXDOWN_SIMD_CLONES float interval_peak(const SincBank& b, const float* w) noexcept {
  float acc[kSincPhases] = {};
  for (int m = 0; m < kSincTaps; ++m)
    for (int k = 0; k < kSincPhases; ++k) acc[k] += b.h[m][k] * w[m];
  float mx = 0.0f;
  for (float a : acc) mx = std::max(mx, std::abs(a));
  return mx;
}

// The context a channel keeps for the reconstruction: the intervals waiting (their left sample
// up to kSincHalf before the end) and the candidates (up to 8 before a block) reach back
// kSincHalf - 1 samples further.
constexpr std::size_t kCtx = 2 * kSincHalf + 16;

}  // namespace

double sinc_peak(const float* x, std::size_t n) {
  const SincBank& b = sinc_bank();
  // Stream sample q at pad[q + kSincTaps], silence either side.
  std::vector<float> pad(kSincTaps, 0.0f);
  pad.insert(pad.end(), x, x + n);
  pad.resize(pad.size() + kSincTaps, 0.0f);
  float m = 0.0f;
  const auto last = static_cast<std::int64_t>(n) + kSincHalf - 1;
  for (std::int64_t j = -kSincHalf; j <= last; ++j)  // interval (j, j + 1): its window from j - 31
    m = std::max(m, interval_peak(b, pad.data() + (j - (kSincHalf - 1) + kSincTaps)));
  return m;
}

const std::array<std::array<float, TruePeakMeter::kTaps>, TruePeakMeter::kPhases>&
true_peak_coefficients() noexcept {
  return kCoeffs;
}

TruePeakMeter::TruePeakMeter(int channels, bool refine)
    : refine_(refine),
      state_(static_cast<std::size_t>(std::max(0, channels))),
      peak_(static_cast<std::size_t>(std::max(0, channels)), 0.0) {
  if (refine_)
    for (auto& st : state_) {
      st.ctx.assign(kCtx, 0.0f);  // silence before the stream
      st.ctx_start = -static_cast<std::int64_t>(kCtx);
    }
}

// Reconstructs the candidate intervals (and those left waiting) whose samples after them have
// arrived; x: the n samples just added (the stream now ends at st.frames).
void TruePeakMeter::refine_channel(Channel& st, const float* x, std::size_t n, std::vector<std::int64_t>& intervals) const {
  const SincBank& b = sinc_bank();
  const std::int64_t end = st.frames;
  if (!intervals.empty() || !st.pending.empty()) {
    std::vector<float> buf(st.ctx.size() + n);
    std::copy(st.ctx.begin(), st.ctx.end(), buf.begin());
    std::copy_n(x, n, buf.begin() + static_cast<std::ptrdiff_t>(st.ctx.size()));
    std::vector<std::int64_t> waiting;
    for (const auto* list : {&st.pending, &intervals})
      for (const std::int64_t j : *list) {
        if (j + kSincHalf >= end) {
          waiting.push_back(j);
          continue;
        }
        const std::int64_t from = j - (kSincHalf - 1) - st.ctx_start;
        if (from < 0) continue;  // the context (kCtx) reaches back far enough: never taken
        st.refined = std::max(st.refined, double(interval_peak(b, buf.data() + from)));
      }
    st.pending = std::move(waiting);
  }
  // The context moves on to the stream's last kCtx samples.
  const std::size_t keep = n >= kCtx ? 0 : kCtx - n;  // of the old context
  for (std::size_t i = 0; i < keep; ++i) st.ctx[i] = st.ctx[i + n];
  for (std::size_t i = keep; i < kCtx; ++i) st.ctx[i] = x[n - (kCtx - i)];
  st.ctx_start = end - static_cast<std::int64_t>(kCtx);
}

// The intervals still waiting at the end of the stream, with silence after it.
void TruePeakMeter::finish_refine() const {
  if (!refine_) return;
  const SincBank& b = sinc_bank();
  for (auto& st : state_) {
    if (st.pending.empty()) continue;
    std::vector<float> buf(st.ctx.size() + kSincTaps, 0.0f);
    std::copy(st.ctx.begin(), st.ctx.end(), buf.begin());
    for (const std::int64_t j : st.pending) {
      const std::int64_t from = j - (kSincHalf - 1) - st.ctx_start;
      if (from >= 0 && from + kSincTaps <= static_cast<std::int64_t>(buf.size()))
        st.refined = std::max(st.refined, double(interval_peak(b, buf.data() + from)));
    }
    st.pending.clear();
  }
}

void TruePeakMeter::add(const ConstAudioView& block) {
  const int nc = std::min(block.num_channels(), channels());
  for (int c = 0; c < nc; ++c) add_channel(c, block.channel(c), block.num_frames());
}

void TruePeakMeter::add_channel(int c, const float* x, std::size_t n) noexcept {
  Channel& st = state_[static_cast<std::size_t>(c)];
  double& pk = peak_[static_cast<std::size_t>(c)];
  constexpr std::uint32_t kFullScale = 0x3f800000u;  // bits of 1.0f
  float ext[kHist + kChunk];
  std::uint32_t z[kChunk];
  // refine: the intervals to reconstruct, and the skip's bound (the reconstruction's taps can
  // make more of a chunk's samples than the Annex's).
  std::vector<std::int64_t> intervals;
  const double bound = refine_ ? std::max(kTapBound, sinc_bank().l1) : kTapBound;
  const double window = std::pow(10.0, -kRefineWindowDb / 20.0);
  for (std::size_t pos = 0; pos < n;) {
    const std::size_t len = std::min(kChunk, n - pos);
    const double known = refine_ ? std::max(pk, st.refined) : pk;
    // An interpolated value is at most kTapBound x the largest sample it is made of, and the
    // sample peak is at most that sample: when that bound stays under the peak so far and under
    // full scale, this chunk can change neither the peak nor the overs, and only the history
    // moves on. (A measured master spends most of its chunks more than 6.3 dB under its peak:
    // this skips about 70 % of the interpolation, with the same results to the bit.)
    const float span = simd::from_bits(simd::umax(simd::max_abs_bits(st.history.data(), kHist), simd::max_abs_bits(x + pos, len)));
    if (double(span) * bound < std::min(known, 1.0)) {
      if (len >= kHist) {
        std::copy_n(x + pos + len - kHist, kHist, st.history.begin());
      } else {
        std::copy(st.history.begin() + static_cast<std::ptrdiff_t>(len), st.history.end(), st.history.begin());
        std::copy_n(x + pos, len, st.history.end() - static_cast<std::ptrdiff_t>(len));
      }
      st.frames += static_cast<std::int64_t>(len);
      pos += len;
      continue;
    }
    std::copy(st.history.begin(), st.history.end(), ext);
    std::copy_n(x + pos, len, ext + kHist);
    interpolate_abs(ext, z, len);
    const std::uint32_t mb = max_bits(z, x + pos, len);
    const double m = simd::from_bits(mb);
    if (refine_) {
      // Candidates: samples whose Annex reading is within the window of the peak so far; the
      // Annex phases centre about 5.5 samples before the newest sample they use, so the
      // intervals from 7 to 4 samples back are reconstructed.
      const float thr = static_cast<float>(std::max(known, m) * window);
      for (std::size_t i = 0; i < len; ++i) {
        if (!(simd::from_bits(z[i]) > thr)) continue;
        const std::int64_t s = st.frames + static_cast<std::int64_t>(i);
        for (std::int64_t j = std::max(s - 7, st.last_interval + 1); j <= s - 4; ++j) intervals.push_back(j);
        st.last_interval = std::max(st.last_interval, s - 4);
      }
    }
    if (m > pk) pk = m;
    if (mb > kFullScale) {  // rare: find where and how often the interpolated signal goes over
      for (std::size_t i = 0; i < len; ++i) {
        if (z[i] > kFullScale || simd::abs_bits(x[pos + i]) > kFullScale) {
          if (st.first_over < 0) st.first_over = st.frames + static_cast<std::int64_t>(i);
          ++st.overs;
        }
      }
    }
    std::copy(ext + len, ext + len + kHist, st.history.begin());
    st.frames += static_cast<std::int64_t>(len);
    pos += len;
  }
  if (refine_) refine_channel(st, x, n, intervals);
}

double TruePeakMeter::peak(int c) const noexcept {
  finish_refine();
  return std::max(peak_[static_cast<std::size_t>(c)], state_[static_cast<std::size_t>(c)].refined);
}

double TruePeakMeter::max_peak() const noexcept {
  double m = 0.0;
  for (int c = 0; c < channels(); ++c) m = std::max(m, peak(c));
  return m;
}

std::int64_t TruePeakMeter::first_over_frame() const noexcept {
  std::int64_t f = -1;
  for (const auto& s : state_)
    if (s.first_over >= 0 && (f < 0 || s.first_over < f)) f = s.first_over;
  return f;
}

std::int64_t TruePeakMeter::over_count() const noexcept {
  std::int64_t n = 0;
  for (const auto& s : state_) n += s.overs;
  return n;
}

void TruePeakMeter::merge(const TruePeakMeter& other) {
  const std::size_t nc = std::min(peak_.size(), other.peak_.size());
  other.finish_refine();
  for (std::size_t c = 0; c < nc; ++c) {
    peak_[c] = std::max({peak_[c], other.peak_[c], other.state_[c].refined});
    state_[c].overs += other.state_[c].overs;
    if (state_[c].first_over < 0 && other.state_[c].first_over >= 0)
      state_[c].first_over = state_[c].frames + other.state_[c].first_over;
  }
}

}  // namespace mixdown::analysis
