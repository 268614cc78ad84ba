// Sources: see features.hpp (Peeters 2004 descriptors, Dixon 2006 onset peak-picking, RBJ
// cookbook biquads, FFTW3 r2c).
#include "analysis/features.hpp"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <mutex>
#include <tuple>
#include <utility>

#include "dsp/fftw_planner.hpp"
#include "core/simd.hpp"
#include <numeric>

namespace mixdown::analysis {
namespace {

// One channel's block in a pass that vectorizes (eight lanes; the per-sample clip runs of
// StemFeatureAnalyzer::add and FlatTops' runs are branchy and ran at a quarter of this speed):
// its sum and sum of squares, peak, samples over full scale, and whether the block may hold a
// clip or a flat top at all (any sample near full scale; two equal neighbours, `prev` before the
// first, at or above `flat_floor`). When neither, the runs need no sample-by-sample look.
struct ChannelScan {
  double sum = 0, sumsq = 0;
  std::uint32_t peak_bits = 0;
  std::uint32_t over = 0;
  bool maybe_clip = false, maybe_flat = false;
};

MIXDOWN_SIMD_CLONES
ChannelScan scan_channel(const float* x, std::size_t n, float prev, std::uint32_t clip_bits, float flat_floor) noexcept {
  constexpr std::size_t L = 8;
  ChannelScan r;
  if (n == 0) return r;
  const std::uint32_t one_bits = std::bit_cast<std::uint32_t>(1.0f);
  const std::uint32_t floor_bits = std::bit_cast<std::uint32_t>(flat_floor);
  // The first sample against `prev`; the rest against their neighbour, eight at a time.
  const std::uint32_t b0 = simd::abs_bits(x[0]);
  double s[L] = {static_cast<double>(x[0])}, q[L] = {static_cast<double>(x[0]) * static_cast<double>(x[0])};
  std::uint32_t pk[L] = {b0}, ov[L] = {static_cast<std::uint32_t>(b0 > one_bits)}, clip[L] = {static_cast<std::uint32_t>(b0 >= clip_bits)};
  std::uint32_t flat[L] = {static_cast<std::uint32_t>((x[0] == prev) && (b0 >= floor_bits))};
  const auto step = [&](std::size_t k, std::size_t j) {  // sample k >= 1 into lane j
    const float v = x[k];
    const std::uint32_t b = simd::abs_bits(v);
    s[j] += static_cast<double>(v);
    q[j] += static_cast<double>(v) * static_cast<double>(v);
    pk[j] = simd::umax(pk[j], b);
    ov[j] += b > one_bits;
    clip[j] |= b >= clip_bits;
    flat[j] |= (v == x[k - 1]) & (b >= floor_bits);
  };
  std::size_t i = 1;
  for (; i + L <= n; i += L)
    for (std::size_t j = 0; j < L; ++j) step(i + j, j);
  for (std::size_t j = 0; i < n; ++i, ++j) step(i, j);
  for (std::size_t j = 0; j < L; ++j) {
    r.sum += s[j];
    r.sumsq += q[j];
    r.peak_bits = simd::umax(r.peak_bits, pk[j]);
    r.over += ov[j];
    r.maybe_clip |= clip[j] != 0;
    r.maybe_flat |= flat[j] != 0;
  }
  return r;
}

// Whether any sample equals the one before it (`prev` before the first) at `floor_bits` or more.
MIXDOWN_SIMD_CLONES
bool any_equal_neighbours(const float* x, std::size_t n, float prev, std::uint32_t floor_bits) noexcept {
  std::uint32_t any = static_cast<std::uint32_t>(x[0] == prev) & static_cast<std::uint32_t>(simd::abs_bits(x[0]) >= floor_bits);
  for (std::size_t i = 1; i < n; ++i)
    any |= static_cast<std::uint32_t>(x[i] == x[i - 1]) & static_cast<std::uint32_t>(simd::abs_bits(x[i]) >= floor_bits);
  return any != 0;
}

// Sums (double, eight lanes) of x and of x squared.
MIXDOWN_SIMD_CLONES
void lane_sums(const float* x, std::size_t n, double& sum, double& sumsq) noexcept {
  constexpr std::size_t L = 8;
  double s[L] = {}, q[L] = {};
  std::size_t i = 0;
  for (; i + L <= n; i += L)
    for (std::size_t j = 0; j < L; ++j) {
      s[j] += static_cast<double>(x[i + j]);
      q[j] += static_cast<double>(x[i + j]) * static_cast<double>(x[i + j]);
    }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    s[j] += static_cast<double>(x[i]);
    q[j] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  }
  for (std::size_t j = 0; j < L; ++j) {
    sum += s[j];
    sumsq += q[j];
  }
}

// A run of bins [a, b) in which the same sums are taken: the total (e), the centroid's
// numerator, the share above 5 kHz (high) when kHigh, one flux band's energy when kBand.
struct BinSpan {
  int a = 1, b = 1;
  bool high = false;
  int band = -1;
};

template <bool kHigh, bool kBand>
[[gnu::always_inline]] inline void sum_span(const fftwf_complex* X, double norm, double bin_hz, int a, int b,
                                            float* pf, double& e, double& cent, double& high,
                                            double& band) noexcept {
  double le = e, lc = cent, lh = high, lb = band;
  for (int k = a; k < b; ++k) {
    const double p = (double(X[k][0]) * X[k][0] + double(X[k][1]) * X[k][1]) * norm;
    const float f = static_cast<float>(p);
    pf[k] = f;
    le += p;
    lc += p * k * bin_hz;
    if constexpr (kHigh) lh += f;
    if constexpr (kBand) lb += f;
  }
  e = le;
  cent = lc;
  high = lh;
  band = lb;
}

struct SpectrumSums {
  double e = 0, cent = 0, high = 0;
};

// The bin powers (rounded to float into pf) and, in the same pass, Σ p and Σ p·k·bin_hz over
// bins 1..nb (p in double), Σ over k5k..nb and each flux band's Σ (p as float). Every sum runs
// in bin order as a loop of its own would: the same values, but the add chains overlap instead
// of following one another. Its own function: inlined in the long analyse_frame, GCC kept such
// sums in stack slots (a store-forward chain per bin).
[[gnu::noinline]] SpectrumSums power_and_sums(const fftwf_complex* X, double norm, double bin_hz,
                                              const std::vector<BinSpan>& spans, float* pf,
                                              double* band_e) noexcept {
  double e = 0, cent = 0, high = 0, none = 0;
  for (const BinSpan& s : spans) {
    if (s.band >= 0) {
      double& be = band_e[s.band];
      if (s.high) sum_span<true, true>(X, norm, bin_hz, s.a, s.b, pf, e, cent, high, be);
      else sum_span<false, true>(X, norm, bin_hz, s.a, s.b, pf, e, cent, high, be);
    } else {
      if (s.high) sum_span<true, false>(X, norm, bin_hz, s.a, s.b, pf, e, cent, high, none);
      else sum_span<false, false>(X, norm, bin_hz, s.a, s.b, pf, e, cent, high, none);
    }
  }
  return {e, cent, high};
}

using F4 = simd::f32x4;  // four float lanes (SSE)

constexpr double kPi = 3.14159265358979323846;
constexpr double kFullScale = 0.9999;  // 16-bit full scale is 32767/32768 = 0.99997
constexpr int kClipRun = 3;            // consecutive full-scale samples that mean clipping
constexpr float kFloorDb = -200.0f;


// RBJ Audio EQ Cookbook biquad in double precision (low corner frequencies at high rates need
// it), transposed direct form II.
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0, z1 = 0, z2 = 0;
  static Biquad make(bool highpass, double f0, double q, double fs) {
    const double w0 = 2.0 * kPi * f0 / fs;
    const double cw = std::cos(w0), alpha = std::sin(w0) / (2.0 * q);
    const double a0 = 1.0 + alpha;
    Biquad bq;
    if (highpass) {
      bq.b0 = (1.0 + cw) / 2.0 / a0;
      bq.b1 = -(1.0 + cw) / a0;
      bq.b2 = bq.b0;
    } else {
      bq.b0 = (1.0 - cw) / 2.0 / a0;
      bq.b1 = (1.0 - cw) / a0;
      bq.b2 = bq.b0;
    }
    bq.a1 = -2.0 * cw / a0;
    bq.a2 = (1.0 - alpha) / a0;
    return bq;
  }
  double operator()(double x) noexcept {
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
  }
  void reset() noexcept { z1 = z2 = 0; }
};

float to_db(double power) {
  return power > 1e-20 ? static_cast<float>(10.0 * std::log10(power)) : kFloorDb;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

double dc_offset_of(double mean, std::vector<double> part_means) {
  const double typical = median(std::move(part_means));
  return std::fabs(typical) < std::fabs(mean) ? typical : mean;
}

ExcerptPlan make_excerpt_plan(std::int64_t total_frames, int sample_rate, int count,
                              double window_s) {
  ExcerptPlan plan;
  if (total_frames <= 0 || sample_rate <= 0 || count <= 0) return plan;
  const auto win = static_cast<std::int64_t>(std::llround(window_s * sample_rate));
  plan.frames = win;
  const std::int64_t n = std::min<std::int64_t>(count, (total_frames + win - 1) / win);
  if (n * win >= total_frames) {
    for (std::int64_t i = 0; i < n; ++i) plan.starts.push_back(i * win);
  } else {
    // Centre of each of n equal slices of the song.
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t centre = (2 * i + 1) * total_frames / (2 * n);
      plan.starts.push_back(std::max<std::int64_t>(0, centre - win / 2));
    }
  }
  return plan;
}

struct StemFeatureAnalyzer::Impl {
  int rate = 0, nch = 0;
  ExcerptPlan plan;

  // STFT
  int n_fft = 2048, hop = 1024;
  std::vector<float> window, ring;  // ring: the last n_fft mono samples
  float* fft_in = nullptr;
  fftwf_complex* fft_out = nullptr;
  fftwf_plan fft_plan = nullptr;
  std::vector<float> power;
  std::vector<BinSpan> spans;   // bins 1..nb cut where the sums taken change
  std::vector<double> band_e;   // flux band energies of the frame
  std::size_t hop_fill = 0;
  double hop_sumsq = 0.0;
  double max_ac_power = 0.0;  // the loudest hop's mean square with its channels' means removed
  // Samples at the stream's end that are ±0.0 in every channel (the ring starts as zeros): a
  // frame whose whole window is silent has a known spectrum, all zeros, and is not transformed.
  std::size_t zero_tail = 0;
  int k40 = 1, k16k = 1, k120 = 1, k250 = 1, k500 = 1, k5k = 1, k30 = 1, k1000 = 1;
  std::vector<int> band_edges;
  std::vector<float> band_db_prev;
  double power_norm = 1.0;

  // Accumulators
  std::int64_t frames = 0;
  std::vector<double> ch_sum, ch_sumsq;
  std::vector<float> ch_peak;
  std::vector<int> clip_run;
  std::vector<float> last_value;
  std::int64_t clipped_runs = 0, over_fs = 0, first_clip_frame = -1;
  FlatTops flat{0};  // sized in the constructor
  double e_diff = 0, e_sum = 0, e_l = 0, e_r = 0, e_lr = 0;
  double spec_e = 0, spec_cent = 0, spec_120 = 0, spec_250 = 0, spec_500 = 0, spec_5k = 0, spec_flat = 0,
         spec_peaky = 0;

  std::vector<float> frame_db, flux, pitch;
  std::vector<double> hop_ch_sum;
  std::vector<std::vector<float>> hop_ch_mean;  // per channel, per hop

  // Excerpts
  int decim = 1;
  Biquad hp, lp1, lp2;
  std::int64_t excerpt_window = 0;
  std::vector<float> excerpt;
  std::size_t next_win = 0;       // first window not yet finished
  std::int64_t warmup = 0;        // source frames filtered before a window starts

  Impl(int r, int c, ExcerptPlan p) : rate(r), nch(c), plan(std::move(p)) {
    n_fft = rate <= 52800 ? 2048 : (rate <= 105600 ? 4096 : 8192);
    hop = n_fft / 2;
    window.resize(static_cast<std::size_t>(n_fft));
    double wsum2 = 0;
    for (int i = 0; i < n_fft; ++i) {
      window[static_cast<std::size_t>(i)] =
          static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * i / n_fft));
      wsum2 += double(window[static_cast<std::size_t>(i)]) * window[static_cast<std::size_t>(i)];
    }
    // One-sided power normalized so that the bins sum to the windowed mean square.
    power_norm = 2.0 / (double(n_fft) * wsum2);
    ring.assign(static_cast<std::size_t>(n_fft), 0.0f);
    zero_tail = static_cast<std::size_t>(n_fft);
    power.assign(static_cast<std::size_t>(n_fft / 2 + 1), 0.0f);
    {
      std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
      fft_in = fftwf_alloc_real(static_cast<std::size_t>(n_fft));
      fft_out = fftwf_alloc_complex(static_cast<std::size_t>(n_fft / 2 + 1));
      fft_plan = fftwf_plan_dft_r2c_1d(n_fft, fft_in, fft_out, FFTW_ESTIMATE);
    }
    const double bin_hz = double(rate) / n_fft;
    auto bin = [&](double hz) {
      return std::clamp(static_cast<int>(std::lround(hz / bin_hz)), 1, n_fft / 2);
    };
    k30 = bin(30);
    k40 = bin(40);
    k120 = bin(120);
    k250 = bin(250);
    k500 = bin(500);
    k1000 = bin(1000);
    k5k = bin(5000);
    k16k = bin(std::min(16000.0, 0.45 * rate));
    // Flux bands: 24 log-spaced bands, 40 Hz .. min(16 kHz, 0.45 fs).
    const double lo = 40.0, hi = std::min(16000.0, 0.45 * rate);
    int prev = -1;
    for (int b = 0; b <= 24; ++b) {
      int k = bin(lo * std::pow(hi / lo, b / 24.0));
      if (k <= prev) k = prev + 1;
      band_edges.push_back(k);
      prev = k;
    }
    band_db_prev.assign(band_edges.size() - 1, kFloorDb);
    band_e.assign(band_edges.size() - 1, 0.0);
    {
      const int nb = n_fft / 2;
      std::vector<int> cuts{1, nb + 1, std::clamp(k5k, 1, nb + 1)};
      for (int e : band_edges) cuts.push_back(std::clamp(e, 1, nb + 1));
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        BinSpan sp;
        sp.a = cuts[i];
        sp.b = cuts[i + 1];
        sp.high = sp.a >= k5k;
        for (std::size_t b = 0; b + 1 < band_edges.size(); ++b)
          if (band_edges[b] <= sp.a && sp.a < band_edges[b + 1]) sp.band = static_cast<int>(b);
        spans.push_back(sp);
      }
    }

    ch_sum.assign(static_cast<std::size_t>(nch), 0.0);
    hop_ch_sum.assign(static_cast<std::size_t>(nch), 0.0);
    hop_ch_mean.assign(static_cast<std::size_t>(nch), {});
    ch_sumsq.assign(static_cast<std::size_t>(nch), 0.0);
    ch_peak.assign(static_cast<std::size_t>(nch), 0.0f);
    clip_run.assign(static_cast<std::size_t>(nch), 0);
    flat = FlatTops(nch);
    last_value.assign(static_cast<std::size_t>(nch), 2.0f);

    // Excerpts: band 30 Hz .. 0.4 × decimated rate, decimated to ~4 kHz.
    decim = std::max(1, static_cast<int>(std::lround(rate / 4000.0)));
    const double fs_d = double(rate) / decim;
    hp = Biquad::make(true, 30.0, 0.7071, rate);
    lp1 = Biquad::make(false, 0.4 * fs_d, 0.5412, rate);  // 4th-order Butterworth
    lp2 = Biquad::make(false, 0.4 * fs_d, 1.3066, rate);
    excerpt_window = plan.frames / decim;
    excerpt.assign(plan.starts.size() * static_cast<std::size_t>(excerpt_window), 0.0f);
    warmup = rate / 10;
  }

  ~Impl() {
    std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
    if (fft_plan) fftwf_destroy_plan(fft_plan);
    if (fft_in) fftwf_free(fft_in);
    if (fft_out) fftwf_free(fft_out);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void analyse_frame() {
    const int nb = n_fft / 2;
    double e = 0, cent = 0;
    const double bin_hz = double(rate) / n_fft;
    std::fill(band_e.begin(), band_e.end(), 0.0);
    // A silent window: every band energy +0.0 and e = 0, as the transform would give (so the
    // frame ends at the e test below, before the bin powers are read).
    const bool silent = zero_tail >= static_cast<std::size_t>(n_fft);
    SpectrumSums sums;
    if (!silent) {
      for (int i = 0; i < n_fft; ++i)
        fft_in[i] = ring[static_cast<std::size_t>(i)] * window[static_cast<std::size_t>(i)];
      fftwf_execute_dft_r2c(fft_plan, fft_in, fft_out);
      sums = power_and_sums(fft_out, power_norm, bin_hz, spans, power.data(), band_e.data());
    }
    e = sums.e;
    cent = sums.cent;
    // Flux over log band energies (Dixon 2006: positive differences only).
    double fl = 0;
    const std::size_t nbands = band_db_prev.size();
    for (std::size_t b = 0; b < nbands; ++b) {
      const float db = static_cast<float>(10.0 * std::log10(band_e[b] + 1e-10));
      fl += std::max(0.0f, db - band_db_prev[b]);
      band_db_prev[b] = db;
    }
    flux.push_back(static_cast<float>(fl / double(nbands)));
    if (e < 1e-14) {
      pitch.push_back(0.0f);
      return;
    }
    double s120 = 0, s250 = 0, s500 = 0, s5k = 0;
    for (int k = 1; k < k500; ++k) {
      const double p = power[static_cast<std::size_t>(k)];
      s500 += p;
      if (k < k250) s250 += p;
      if (k < k120) s120 += p;
    }
    s5k = sums.high;
    // Flatness: geometric over arithmetic mean of power, 40 Hz .. 16 kHz.
    const double eps = e * 1e-10 + 1e-20;
    const int nflat = k16k - k40 + 1;
    double logsum = 0, lin = 0;
    if (nflat > 0) logsum = simd::sum_log(power.data() + k40, static_cast<std::size_t>(nflat), eps);
    for (int k = k40; k <= k16k; ++k) lin += power[static_cast<std::size_t>(k)] + eps;
    const double flat = nflat > 0 ? std::exp(logsum / nflat) / (lin / nflat) : 0.0;
    // Peakiness: energy within +-1 bin of the 5 strongest local maxima.
    std::array<std::pair<float, int>, 5> top{};
    for (auto& t : top) t = {-1.0f, 0};
    for (int k = 2; k < nb; ++k) {
      const float p = power[static_cast<std::size_t>(k)];
      // One branch, mostly not taken, instead of three that go either way on noise.
      if ((p > power[static_cast<std::size_t>(k - 1)]) & (p >= power[static_cast<std::size_t>(k + 1)]) &
          (p > top[4].first)) {
        top[4] = {p, k};
        for (int j = 4; j > 0 && top[static_cast<std::size_t>(j)].first > top[static_cast<std::size_t>(j - 1)].first; --j)
          std::swap(top[static_cast<std::size_t>(j)], top[static_cast<std::size_t>(j - 1)]);
      }
    }
    double peak_e = 0;
    for (auto& t : top)
      if (t.first > 0)
        peak_e += double(power[static_cast<std::size_t>(t.second - 1)]) + t.first +
                  power[static_cast<std::size_t>(t.second + 1)];
    // Strongest partial between 30 Hz and 1 kHz, parabolic interpolation on log power.
    int kmax = k30;
    for (int k = k30; k <= k1000; ++k)
      if (power[static_cast<std::size_t>(k)] > power[static_cast<std::size_t>(kmax)]) kmax = k;
    float hz = 0.0f;
    if (power[static_cast<std::size_t>(kmax)] > 0.02 * e && kmax > 1 && kmax < nb) {
      const double a = std::log(power[static_cast<std::size_t>(kmax - 1)] + eps);
      const double b = std::log(power[static_cast<std::size_t>(kmax)] + eps);
      const double c = std::log(power[static_cast<std::size_t>(kmax + 1)] + eps);
      const double den = a - 2 * b + c;
      const double d = den != 0 ? std::clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0.0;
      hz = static_cast<float>((kmax + d) * bin_hz);
    }
    pitch.push_back(hz);
    spec_e += e;
    spec_cent += cent;
    spec_120 += s120;
    spec_250 += s250;
    spec_500 += s500;
    spec_5k += s5k;
    spec_flat += flat * e;
    spec_peaky += std::min(1.0, peak_e / e) * e;
  }

  void end_hop() {
    const double mean_square = hop_fill > 0 ? hop_sumsq / (double(hop_fill) * nch) : 0.0;
    frame_db.push_back(hop_fill > 0 ? to_db(mean_square) : kFloorDb);
    if (hop_fill > 0) {
      // The hop's power without its channels' means: what is left of a DC offset's hop.
      double dc_power = 0.0;
      for (double sum : hop_ch_sum) dc_power += (sum / double(hop_fill)) * (sum / double(hop_fill));
      max_ac_power = std::max(max_ac_power, mean_square - dc_power / nch);
    }
    for (std::size_t c = 0; c < hop_ch_sum.size(); ++c) {
      hop_ch_mean[c].push_back(hop_fill > 0 ? static_cast<float>(hop_ch_sum[c] / double(hop_fill)) : 0.0f);
      hop_ch_sum[c] = 0.0;
    }
    analyse_frame();
    hop_sumsq = 0;
    hop_fill = 0;
  }

  // Filters only around the planned windows (plus a warm-up for the filters to settle), so
  // the cost does not grow with the song.
  void excerpts(const ConstAudioView& block, std::int64_t block_start) {
    const std::int64_t block_end = block_start + static_cast<std::int64_t>(block.num_frames());
    const float inv = 1.0f / float(nch);
    while (next_win < plan.starts.size()) {
      const std::int64_t ws = plan.starts[next_win];
      const std::int64_t we = ws + plan.frames;
      const std::int64_t fstart = std::max<std::int64_t>(0, ws - warmup);
      if (block_end <= fstart) return;  // window still ahead
      const std::int64_t s0 = std::max(block_start, fstart);
      if (s0 == fstart) {
        hp.reset();
        lp1.reset();
        lp2.reset();
      }
      const std::int64_t s1 = std::min(block_end, we);
      float* out = excerpt.data() + next_win * static_cast<std::size_t>(excerpt_window);
      for (std::int64_t s = s0; s < s1; ++s) {
        float m = 0;
        for (int c = 0; c < nch; ++c) m += block.channel(c)[s - block_start];
        const double y = lp2(lp1(hp(double(m * inv))));
        if (s >= ws && (s - ws) % decim == 0) {
          const std::int64_t d = (s - ws) / decim;
          if (d < excerpt_window) out[d] = static_cast<float>(y);
        }
      }
      if (block_end < we) return;
      ++next_win;
    }
  }

  void add(const ConstAudioView& block) {
    const std::size_t n = block.num_frames();
    if (n == 0) return;
    for (int c = 0; c < nch; ++c) {
      const float* x = block.channel(c);
      const auto cu = static_cast<std::size_t>(c);
      // Just under full scale as float bits: a conservative test, the exact one runs below.
      static const std::uint32_t clip_bits = std::bit_cast<std::uint32_t>(std::nextafter(static_cast<float>(kFullScale), 0.0f));
      const ChannelScan scan = scan_channel(x, n, last_value[cu], clip_bits, kFlatTopFloor);
      flat.add(c, x, n, frames, scan.maybe_flat);
      if (!scan.maybe_clip) {
        // No sample reaches full scale: the clip run ends at 0.
        ch_sum[cu] += scan.sum;
        ch_sumsq[cu] += scan.sumsq;
        ch_peak[cu] = std::max(ch_peak[cu], simd::from_bits(scan.peak_bits));
        over_fs += scan.over;
        clip_run[cu] = 0;
        last_value[cu] = x[n - 1];
        continue;
      }
      double s = 0, s2 = 0;
      float pk = ch_peak[cu];
      int run = clip_run[cu];
      float last = last_value[cu];
      for (std::size_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float a = std::fabs(v);
        s += v;
        s2 += double(v) * v;
        pk = std::max(pk, a);
        if (a >= kFullScale) {
          if (run > 0 && breaks_clip_run(v, last)) run = 0;
          if (++run == kClipRun) {
            ++clipped_runs;
            if (first_clip_frame < 0) first_clip_frame = frames + static_cast<std::int64_t>(i);
          }
        } else {
          run = 0;
        }
        if (a > 1.0f) ++over_fs;
        last = v;
      }
      ch_sum[cu] += s;
      ch_sumsq[cu] += s2;
      ch_peak[cu] = pk;
      clip_run[cu] = run;
      last_value[cu] = last;
    }
    if (nch >= 2) {
      const float* l = block.channel(0);
      const float* r = block.channel(1);
      const simd::StereoSums e = simd::stereo_sums(l, r, n);
      e_diff += e.diff;
      e_sum += e.sum;
      e_l += e.ll;
      e_r += e.rr;
      e_lr += e.lr;
    }
    excerpts(block, frames);
    // Mono into the STFT ring, one hop at a time.
    const float inv = 1.0f / float(nch);
    std::size_t i = 0;
    while (i < n) {
      const std::size_t take = std::min(n - i, static_cast<std::size_t>(hop) - hop_fill);
      zero_tail = block.sub(i, take).digital_silence() ? zero_tail + take : 0;
      float* dst = ring.data() + (n_fft - hop) + hop_fill;
      // The mono mix into the ring; the hop's sums in eight lanes (lane_sums).
      double hs = hop_sumsq;
      if (nch == 2) {
        const float* l = block.channel(0) + i;
        const float* r = block.channel(1) + i;
        for (std::size_t j = 0; j < take; ++j) dst[j] = (l[j] + r[j]) * inv;
        double sq = 0.0;
        lane_sums(l, take, hop_ch_sum[0], sq);
        lane_sums(r, take, hop_ch_sum[1], sq);
        hs += sq;
      } else if (nch == 1) {
        const float* x = block.channel(0) + i;
        for (std::size_t j = 0; j < take; ++j) dst[j] = x[j] * inv;
        double sq = 0.0;
        lane_sums(x, take, hop_ch_sum[0], sq);
        hs += sq;
      } else {
        for (std::size_t j = 0; j < take; ++j) {
          float m = 0, sq = 0;
          for (int c = 0; c < nch; ++c) {
            const float v = block.channel(c)[i + j];
            m += v;
            sq += v * v;
            hop_ch_sum[static_cast<std::size_t>(c)] += v;
          }
          dst[j] = m * inv;
          hs += sq;
        }
      }
      hop_sumsq = hs;
      hop_fill += take;
      i += take;
      if (hop_fill == static_cast<std::size_t>(hop)) {
        end_hop();
        std::copy(ring.begin() + hop, ring.end(), ring.begin());
      }
    }
    frames += static_cast<std::int64_t>(n);
  }

  StemFeatures finish() {
    if (hop_fill > 0) {
      std::fill(ring.begin() + (n_fft - hop) + static_cast<std::ptrdiff_t>(hop_fill), ring.end(), 0.0f);
      zero_tail += static_cast<std::size_t>(hop) - hop_fill;
      end_hop();
    }
    StemFeatures f;
    f.sample_rate = rate;
    f.channels = nch;
    f.frames = frames;
    f.frame_s = double(hop) / rate;
    float peak = 0;
    double sumsq = 0;
    for (int c = 0; c < nch; ++c) {
      const auto cu = static_cast<std::size_t>(c);
      peak = std::max(peak, ch_peak[cu]);
      sumsq += ch_sumsq[cu];
      f.dc.push_back(dc_offset_of(frames > 0 ? ch_sum[cu] / double(frames) : 0.0,
                                  std::vector<double>(hop_ch_mean[cu].begin(), hop_ch_mean[cu].end())));
    }
    f.peak_dbfs = peak > 0 ? 20.0 * std::log10(double(peak)) : -200.0;
    f.rms_dbfs = frames > 0 ? std::max(-200.0, double(to_db(sumsq / (double(frames) * nch)))) : -200.0;
    f.clipped_runs = clipped_runs;
    f.flat_top_runs = flat.runs_at(peak);
    f.over_full_scale = over_fs;
    f.first_clip_s = first_clip_frame >= 0 ? double(first_clip_frame) / rate : -1.0;
    if (nch >= 2) {
      // Identical up to -80 dB of difference: bit-identical, or identical through a codec's
      // joint-stereo coding; a real stereo recording differs far more.
      f.dual_mono = e_sum > 1e-12 && e_diff <= 1e-8 * e_sum;
      f.side_ratio = (e_sum + e_diff) > 0 ? e_diff / (e_sum + e_diff) : 0.0;
      f.lr_correlation = (e_l > 0 && e_r > 0) ? e_lr / std::sqrt(e_l * e_r) : 1.0;
      const double lo = std::min(e_l, e_r), hi = std::max(e_l, e_r);
      f.one_sided = hi > 1e-12 && !f.dual_mono && lo <= hi * std::pow(10.0, -kOneSidedDb / 10.0);
      f.left_minus_right_db = e_l > 0 && e_r > 0 ? 10.0 * std::log10(e_l / e_r) : e_l > 0 ? 200.0 : e_r > 0 ? -200.0 : 0.0;
      f.out_of_phase = !f.dual_mono && !f.one_sided && e_l > 0 && e_r > 0 && f.lr_correlation < kOutOfPhaseCorrelation;
      // Identical once one is inverted: the dual-mono test on the sum instead of the difference.
      f.inverted_dual_mono = f.out_of_phase && e_diff > 1e-12 && e_sum <= 1e-8 * e_diff;
    }
    if (spec_e > 0) {
      f.centroid_hz = spec_cent / spec_e;
      f.low120_share = spec_120 / spec_e;
      f.low250_share = spec_250 / spec_e;
      f.low500_share = spec_500 / spec_e;
      f.high5k_share = spec_5k / spec_e;
      f.flatness = spec_flat / spec_e;
      f.peakiness = spec_peaky / spec_e;
    }

    // Activity from the per-hop levels.
    const std::size_t nf = frame_db.size();
    const float max_db = nf ? *std::max_element(frame_db.begin(), frame_db.end()) : kFloorDb;
    const float thr = std::max(-70.0f, max_db - 50.0f);
    f.silent = max_db < -70.0f || f.peak_dbfs < -80.0;
    // Level in every hop, but none once each hop's mean is taken off: a constant (a DC offset)
    // with nothing audible on it (-70 dBFS, the activity floor). It holds no sound to mix; a
    // high-pass would only turn its start and end into thumps.
    f.dc_only = !f.silent && max_ac_power < 1e-7;
    if (f.dc_only) f.silent = true;
    if (!f.silent && nf > 0 && max_db < kNoiseFloorDbfs) {
      std::vector<double> levels(frame_db.begin(), frame_db.end());
      const double typical = median(std::move(levels));
      if (max_db - typical < kNoiseSteadyDb) {
        f.noise_only = true;
        f.noise_dbfs = typical;
        f.silent = true;
      }
    }
    std::vector<char> active(nf, 0);
    std::size_t n_active = 0, first = nf, last = 0;
    for (std::size_t t = 0; t < nf; ++t) {
      if (!f.silent && frame_db[t] > thr) {
        active[t] = 1;
        ++n_active;
        first = std::min(first, t);
        last = t;
      }
    }
    const double dur = double(frames) / rate;
    f.sound_end_s = dur;
    if (!f.silent) {
      const auto floor_db = static_cast<float>(std::min(kSoundFloorDbfs, double(max_db) - kSoundBelowPeakDb));
      std::size_t end = nf;
      while (end > 0 && frame_db[end - 1] <= floor_db) --end;
      f.sound_end_s = std::min(dur, double(end) * f.frame_s);
    }
    f.active_fraction = nf ? double(n_active) / double(nf) : 0.0;
    if (n_active) {
      std::size_t runs = 0, run = 0, longest_run = 0;
      for (std::size_t t = 0; t < nf; ++t) {
        run = active[t] ? run + 1 : 0;
        if (run == 1) ++runs;
        longest_run = std::max(longest_run, run);
      }
      const double at_peak_s = dur * std::pow(10.0, (f.rms_dbfs - f.peak_dbfs) / 10.0);
      f.clicks_only = double(longest_run) * f.frame_s <= kClickMaxS && at_peak_s < kClickEnergyS;
      if (f.clicks_only) {
        f.clicks = static_cast<int>(runs);
        f.first_click_s = double(first) * f.frame_s;
      }
      f.head_silence_s = std::min(dur, double(first) * f.frame_s);
      f.tail_silence_s = std::max(0.0, dur - double(last + 1) * f.frame_s);
    } else {
      f.head_silence_s = dur;
    }

    // Onsets: local maxima of the flux above a moving mean (Dixon 2006), 40 ms apart at least.
    std::vector<std::size_t> onsets;
    const std::size_t w = 3, m = 10;
    const auto min_gap = static_cast<std::size_t>(std::ceil(0.04 / f.frame_s));
    for (std::size_t t = 1; t + 1 < nf; ++t) {
      const bool is_active = active[t] || active[t + 1];
      if (!is_active || flux[t] < 3.0f) continue;
      bool is_max = true;
      for (std::size_t k = (t > w ? t - w : 0); k <= std::min(nf - 1, t + w); ++k)
        if (flux[k] > flux[t] || (k < t && flux[k] == flux[t])) is_max = false;
      if (!is_max) continue;
      double mean = 0;
      std::size_t cnt = 0;
      for (std::size_t k = (t > m ? t - m : 0); k <= std::min(nf - 1, t + w); ++k, ++cnt) mean += flux[k];
      mean /= double(cnt);
      if (flux[t] < mean + 2.0) continue;
      if (!onsets.empty() && t - onsets.back() < min_gap) continue;
      onsets.push_back(t);
    }
    f.onsets = static_cast<int>(onsets.size());
    f.onset_rate_hz = n_active ? double(onsets.size()) / (double(n_active) * f.frame_s) : 0.0;

    // Decay after each onset: from the hit's peak (within ~85 ms) down to the lowest level
    // before the next onset (at most 0.3 s later), as a rate. Struck drums fall fast (a kick
    // cut off by silence, a snare dying away); held notes barely move.
    std::vector<double> decays, pitches, rings, glides;
    const auto peak_span = static_cast<std::size_t>(std::lround(0.085 / f.frame_s));
    const auto decay_span = static_cast<std::size_t>(std::lround(0.3 / f.frame_s));
    const auto ring_span = static_cast<std::size_t>(std::lround(2.0 / f.frame_s));
    const auto event_span = static_cast<std::size_t>(std::lround(0.2 / f.frame_s));
    for (std::size_t i = 0; i < onsets.size(); ++i) {
      const std::size_t next = i + 1 < onsets.size() ? onsets[i + 1] : nf;
      std::size_t tp = onsets[i];
      for (std::size_t k = onsets[i]; k <= std::min(nf - 1, onsets[i] + peak_span) && k < next; ++k)
        if (frame_db[k] > frame_db[tp]) tp = k;
      if (!active[tp]) continue;
      const std::size_t end = std::min({nf - 1, tp + decay_span, next - 1});
      if (end >= tp + 2) {
        std::size_t tl = tp + 1;
        for (std::size_t k = tp + 1; k <= end; ++k)
          if (frame_db[k] < frame_db[tl]) tl = k;
        const double drop = std::min(60.0, double(frame_db[tp] - frame_db[tl]));
        decays.push_back(drop / (double(end - tp) * f.frame_s));
      }
      // Ring time: until 20 dB below the peak (or the next hit, or 2 s).
      std::size_t k = tp + 1;
      while (k < nf && k < next && k < tp + ring_span && frame_db[k] > frame_db[tp] - 20.0f) ++k;
      rings.push_back(double(k - tp) * f.frame_s);
      // The event's pitch: energy-weighted over its first 200 ms, so the frame grid's jitter
      // against the hit averages out.
      double wsum = 0, lsum = 0;
      for (std::size_t q = tp; q < std::min({nf, next, tp + event_span}); ++q) {
        if (pitch[q] <= 0) continue;
        const double wq = std::pow(10.0, frame_db[q] / 10.0);
        wsum += wq;
        lsum += wq * std::log2(double(pitch[q]));
      }
      if (wsum > 0) pitches.push_back(std::exp2(lsum / wsum));
      // Pitch glide over the first ~60 ms: membranes and drum synths fall in pitch.
      const std::size_t tg = tp + 3;
      if (tg < nf && tg < next && pitch[tp] > 0 && pitch[tg] > 0)
        glides.push_back(12.0 * std::log2(double(pitch[tp]) / double(pitch[tg])));
    }
    f.decay_db_per_s = median(decays);
    // An exponential decay falls 8.7 dB per time constant: struck drums (tau <= 150 ms) fall
    // 60 dB/s and faster; held and plucked notes (tau >= 0.4 s) 20 dB/s and slower.
    f.percussiveness = std::clamp((f.decay_db_per_s - 20.0) / 40.0, 0.0, 1.0);
    f.ring_s = median(rings);
    f.pitch_glide_st = median(glides);
    f.hits_per_s = dur > 0 ? double(onsets.size()) / dur : 0.0;
    f.dominant_hz = median(pitches);
    if (pitches.size() >= 2 && f.dominant_hz > 0) {
      // A drum repeats one pitch (up to the frame grid's jitter); a bass line moves.
      int away = 0;
      for (double hz : pitches)
        if (std::fabs(12.0 * std::log2(hz / f.dominant_hz)) > 2.5) ++away;
      f.pitch_change_rate = double(away) / double(pitches.size());
    }

    f.frame_db = std::move(frame_db);
    f.excerpt_rate = rate / decim;
    f.excerpt_window = excerpt_window;
    f.excerpt = std::move(excerpt);
    return f;
  }
};

StemFeatureAnalyzer::StemFeatureAnalyzer(int sample_rate, int channels, ExcerptPlan plan)
    : impl_(std::make_unique<Impl>(sample_rate, std::max(1, channels), std::move(plan))) {}
StemFeatureAnalyzer::~StemFeatureAnalyzer() = default;
StemFeatureAnalyzer::StemFeatureAnalyzer(StemFeatureAnalyzer&&) noexcept = default;
StemFeatureAnalyzer& StemFeatureAnalyzer::operator=(StemFeatureAnalyzer&&) noexcept = default;

void StemFeatureAnalyzer::add(const ConstAudioView& block) { impl_->add(block); }
StemFeatures StemFeatureAnalyzer::finish() { return impl_->finish(); }

StemFeatures compute_features(const ConstAudioView& audio, int sample_rate, ExcerptPlan plan) {
  StemFeatureAnalyzer a(sample_rate, audio.num_channels(), std::move(plan));
  const std::size_t block = 4096;
  for (std::size_t s = 0; s < audio.num_frames(); s += block)
    a.add(audio.sub(s, std::min(block, audio.num_frames() - s)));
  return a.finish();
}

PairCorrelation correlate_excerpts(const StemFeatures& a, const StemFeatures& b, double max_lag_s) {
  PairCorrelation pc;
  if (a.excerpt_rate != b.excerpt_rate || a.excerpt_window != b.excerpt_window ||
      a.excerpt.size() != b.excerpt.size() || a.excerpt_window <= 0)
    return pc;
  const auto L = static_cast<std::ptrdiff_t>(std::lround(max_lag_s * a.excerpt_rate));
  const auto W = static_cast<std::ptrdiff_t>(a.excerpt_window);
  if (W <= 2 * L + 8) return pc;
  const std::size_t nwin = a.excerpt.size() / static_cast<std::size_t>(W);
  const auto nl = static_cast<std::size_t>(2 * L + 1);
  std::vector<double> xc(nl, 0.0), eb_lag(nl, 0.0);
  std::vector<double> cum(static_cast<std::size_t>(W) + 1);
  double ea = 0, eb = 0;
  for (std::size_t w = 0; w < nwin; ++w) {
    const float* x = a.excerpt.data() + w * static_cast<std::size_t>(W);
    const float* y = b.excerpt.data() + w * static_cast<std::size_t>(W);
    cum[0] = 0;
    for (std::ptrdiff_t i = 0; i < W; ++i)
      cum[static_cast<std::size_t>(i) + 1] = cum[static_cast<std::size_t>(i)] + double(y[i]) * y[i];
    // a over the centre, b over the centre shifted by the lag; b's energy per lag from the
    // running sum so every lag is normalized over exactly the samples it multiplies.
    for (std::ptrdiff_t i = L; i < W - L; ++i) {
      ea += double(x[i]) * x[i];
      eb += double(y[i]) * y[i];
    }
    // 16 lags at a time, one float lane each: every lane sums x[i]·y[i + lag] over i in order,
    // as the one-lag loop does (the same float products and adds), but the lanes' add chains
    // run side by side.
    std::ptrdiff_t lag = -L;
    for (; lag + 15 <= L; lag += 16) {
      F4 acc[4] = {};
      for (std::ptrdiff_t i = L; i < W - L; ++i) {
        const F4 xi = {x[i], x[i], x[i], x[i]};
        for (int q = 0; q < 4; ++q) {
          F4 yv;
          std::memcpy(&yv, y + i + lag + 4 * q, sizeof yv);
          acc[q] += xi * yv;
        }
      }
      for (int j = 0; j < 16; ++j) xc[static_cast<std::size_t>(lag + L + j)] += acc[j / 4][j % 4];
    }
    for (; lag <= L; ++lag) {
      float acc = 0;
      for (std::ptrdiff_t i = L; i < W - L; ++i) acc += x[i] * y[i + lag];
      xc[static_cast<std::size_t>(lag + L)] += acc;
    }
    for (lag = -L; lag <= L; ++lag)
      eb_lag[static_cast<std::size_t>(lag + L)] +=
          cum[static_cast<std::size_t>(W - L + lag)] - cum[static_cast<std::size_t>(L + lag)];
  }
  pc.energy_a = ea;
  pc.energy_b = eb;
  if (ea <= 1e-12 || eb <= 1e-12) return pc;
  std::vector<double> r(nl, 0.0);
  for (std::size_t i = 0; i < nl; ++i)
    r[i] = eb_lag[i] > 1e-12 ? xc[i] / std::sqrt(ea * eb_lag[i]) : 0.0;
  // Periodic material (a drum's ringing fundamental) gives near-equal peaks a period apart; two
  // mics on one source are close together, so among peaks within 5% of the best take the one
  // nearest zero lag.
  std::size_t best = static_cast<std::size_t>(L);
  for (std::size_t i = 0; i < nl; ++i)
    if (std::fabs(r[i]) > std::fabs(r[best])) best = i;
  const double top = std::fabs(r[best]);
  for (std::size_t i = 0; i < nl; ++i) {
    const bool is_peak = (i == 0 || std::fabs(r[i]) >= std::fabs(r[i - 1])) &&
                         (i + 1 == nl || std::fabs(r[i]) >= std::fabs(r[i + 1]));
    const auto dist = [&](std::size_t k) { return std::llabs(static_cast<long long>(k) - L); };
    if (is_peak && std::fabs(r[i]) >= 0.95 * top && dist(i) < dist(best)) best = i;
  }
  pc.r = std::clamp(r[best], -1.0, 1.0);
  pc.r_zero_lag = std::clamp(r[static_cast<std::size_t>(L)], -1.0, 1.0);
  double d = 0;
  if (best > 0 && best + 1 < nl) {
    const double y0 = std::fabs(r[best - 1]), y1 = std::fabs(r[best]), y2 = std::fabs(r[best + 1]);
    const double den = y0 - 2 * y1 + y2;
    if (den != 0) d = std::clamp(0.5 * (y0 - y2) / den, -0.5, 0.5);
  }
  pc.lag_s = (double(static_cast<std::ptrdiff_t>(best) - L) + d) / a.excerpt_rate;
  pc.valid = true;
  return pc;
}


void FlatTopTally::add(float magnitude, std::int64_t frame) noexcept {
  if (magnitude > mag_ + kFlatTopTolerance) {  // louder tops: the quieter ones were not the peak's
    mag_ = magnitude;
    count_ = 1;
    first_ = frame;
  } else if (magnitude >= mag_ - kFlatTopTolerance) {
    mag_ = std::max(mag_, magnitude);
    ++count_;
    first_ = first_ < 0 ? frame : std::min(first_, frame);
  }
}

std::int64_t FlatTopTally::runs_at(float peak) const noexcept {
  return count_ > 0 && mag_ >= peak - kFlatTopTolerance ? count_ : 0;
}

void FlatTops::add(int channel, const float* x, std::size_t n, std::int64_t frame0) noexcept {
  if (n == 0) return;
  add(channel, x, n, frame0,
      any_equal_neighbours(x, n, last_[static_cast<std::size_t>(channel)], std::bit_cast<std::uint32_t>(kFlatTopFloor)));
}

void FlatTops::add(int channel, const float* x, std::size_t n, std::int64_t frame0, bool maybe) noexcept {
  if (n == 0) return;
  const auto c = static_cast<std::size_t>(channel);
  int run = run_[c];
  float last = last_[c];
  if (!maybe) {
    // No run at the floor goes on here; one of quieter samples may, and never counts.
    run_[c] = 1;
    last_[c] = x[n - 1];
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v == last) {
      if (++run == kFlatTopRun && std::fabs(v) >= kFlatTopFloor)
        tally_.add(std::fabs(v), frame0 + static_cast<std::int64_t>(i) - (kFlatTopRun - 1));
    } else {
      run = 1;
    }
    last = v;
  }
  run_[c] = run;
  last_[c] = last;
}

}  // namespace mixdown::analysis
