#include "analysis/true_peak.hpp"

#include <algorithm>
#include <cmath>

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

}  // namespace

const std::array<std::array<float, TruePeakMeter::kTaps>, TruePeakMeter::kPhases>&
true_peak_coefficients() noexcept {
  return kCoeffs;
}

TruePeakMeter::TruePeakMeter(int channels)
    : state_(static_cast<std::size_t>(std::max(0, channels))),
      peak_(static_cast<std::size_t>(std::max(0, channels)), 0.0) {}

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
  for (std::size_t pos = 0; pos < n;) {
    const std::size_t len = std::min(kChunk, n - pos);
    // An interpolated value is at most kTapBound x the largest sample it is made of, and the
    // sample peak is at most that sample: when that bound stays under the peak so far and under
    // full scale, this chunk can change neither the peak nor the overs, and only the history
    // moves on. (A measured master spends most of its chunks more than 6.3 dB under its peak:
    // this skips about 70 % of the interpolation, with the same results to the bit.)
    const float span = simd::from_bits(simd::umax(simd::max_abs_bits(st.history.data(), kHist), simd::max_abs_bits(x + pos, len)));
    if (double(span) * kTapBound < std::min(pk, 1.0)) {
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
}

double TruePeakMeter::peak(int c) const noexcept { return peak_[static_cast<std::size_t>(c)]; }

double TruePeakMeter::max_peak() const noexcept {
  double m = 0.0;
  for (double p : peak_) m = std::max(m, p);
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
  for (std::size_t c = 0; c < nc; ++c) {
    peak_[c] = std::max(peak_[c], other.peak_[c]);
    state_[c].overs += other.state_[c].overs;
    if (state_[c].first_over < 0 && other.state_[c].first_over >= 0)
      state_[c].first_over = state_[c].frames + other.state_[c].first_over;
  }
}

}  // namespace mixdown::analysis
