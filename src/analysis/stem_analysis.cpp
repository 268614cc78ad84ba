// Per-stem analysis for the automatic mix; sources in stem_analysis.hpp.
#include "analysis/stem_analysis.hpp"

#include <fftw3.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <array>
#include <cmath>
#include <complex>
#include <mutex>
#include <utility>

#include "dsp/fftw_planner.hpp"
#include <numeric>

#include "analysis/loudness.hpp"
#include "core/error.hpp"
#include "core/simd.hpp"

namespace mixdown::analysis {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kFloorDb = -150.0f;
constexpr double kTiny = 1e-15;
constexpr double kLoudnessBlockS = 0.4;  // BS.1770-4 gating block


double to_db(double power) { return 10.0 * std::log10(std::max(power, kTiny)); }

float clamp_db(double db) { return static_cast<float>(std::max(db, double(kFloorDb))); }

double percentile(std::vector<float> v, double q) {
  if (v.empty()) return -200.0;
  const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * double(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Σ p·w and Σ p over [from, to), in index order.
[[gnu::noinline]] std::pair<double, double> weighted_and_total(const double* p, const float* w, std::size_t from,
                                                              std::size_t to) noexcept {
  double pw = 0, sum = 0;
  for (std::size_t k = from; k < to; ++k) {
    pw += p[k] * w[k];
    sum += p[k];
  }
  return {pw, sum};
}


// Running sums of one or two channels in four double lanes, a sample's lane fixed by its
// position since the last flush (so where the caller's blocks split the stream changes
// nothing): each channel's energy (a non-finite sample counts as 0), a pair's energies and
// product L R over the frames where both are finite, and the largest finite magnitude.
struct LaneSums {
  static constexpr std::size_t L = 4;
  double e0[L] = {}, e1[L] = {}, pl[L] = {}, pr[L] = {}, x[L] = {};
  std::uint32_t pk[L] = {};
  std::size_t pos = 0;  // samples since the last flush
};

inline bool finite_bits(float v) noexcept { return (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) != 0x7f800000u; }

template <int NCH>
MIXDOWN_SIMD_CLONES void add_lanes(LaneSums& ls, const float* l, const float* r, std::size_t m) noexcept {
  constexpr std::size_t L = LaneSums::L;
  const auto step = [&](std::size_t k, std::size_t j) {
    const bool fa = finite_bits(l[k]);
    const float a = fa ? l[k] : 0.0f;
    const double da = a;
    ls.e0[j] += da * da;
    ls.pk[j] = simd::umax(ls.pk[j], simd::abs_bits(a));
    if constexpr (NCH == 2) {
      const bool fb = finite_bits(r[k]);
      const float b = fb ? r[k] : 0.0f;
      const double db = b;
      ls.e1[j] += db * db;
      ls.pk[j] = simd::umax(ls.pk[j], simd::abs_bits(b));
      const bool both = fa && fb;
      ls.pl[j] += both ? da * da : 0.0;
      ls.pr[j] += both ? db * db : 0.0;
      ls.x[j] += both ? da * db : 0.0;
    }
  };
  std::size_t i = 0;
  for (; i < m && (ls.pos + i) % L != 0; ++i) step(i, (ls.pos + i) % L);
  for (; i + L <= m; i += L)
    for (std::size_t j = 0; j < L; ++j) step(i + j, j);
  for (std::size_t j = 0; i < m; ++i, ++j) step(i, j);
  ls.pos += m;
}

}  // namespace

double hz_to_erb_rate(double hz) noexcept { return 21.4 * std::log10(1.0 + 4.37 * hz / 1000.0); }
double erb_rate_to_hz(double erb) noexcept {
  return (std::pow(10.0, erb / 21.4) - 1.0) * 1000.0 / 4.37;
}

std::vector<double> stem_band_edges(double sample_rate) {
  const double lo = hz_to_erb_rate(kStemBandLowHz);
  const double hi = hz_to_erb_rate(std::min(kStemBandHighHz, 0.45 * sample_rate));
  std::vector<double> e(kStemBands + 1);
  for (int b = 0; b <= kStemBands; ++b)
    e[static_cast<std::size_t>(b)] = erb_rate_to_hz(lo + (hi - lo) * b / kStemBands);
  return e;
}

std::vector<double> stem_band_centres(double sample_rate) {
  const auto e = stem_band_edges(sample_rate);
  std::vector<double> c(kStemBands);
  for (std::size_t b = 0; b < c.size(); ++b) c[b] = std::sqrt(e[b] * e[b + 1]);
  return c;
}

double k_weight_power(double hz) noexcept {
  // Evaluate the K-weighting biquads (designed for 48 kHz from the analog prototype) on the
  // unit circle; at audio frequencies far below Nyquist this is the prototype's response.
  static const KWeighting k = k_weighting(48000.0);
  const double w = 2.0 * kPi * std::min(hz, 23999.0) / 48000.0;
  const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
  auto h = [&](const BiquadCoefficients& c) {
    return (c.b0 + c.b1 * z1 + c.b2 * z2) / (1.0 + c.a1 * z1 + c.a2 * z2);
  };
  return std::norm(h(k.shelf) * h(k.highpass));
}

struct StemAnalyzer::Impl {
  double rate = 48000;
  int nch = 1;
  int nspec = 1;  // channels transformed (1 or 2; more are folded)
  std::size_t hop = 4800, n_fft = 8192, sub = 480;
  std::vector<float> window;
  std::vector<std::vector<float>> ring;  // [spec channel][n_fft], oldest first (shifted per hop)
  float* fft_in = nullptr;
  fftwf_complex* fft_out = nullptr;
  fftwf_plan plan = nullptr;
  double power_norm = 1.0, bin_hz = 1.0;
  std::vector<float> kw;              // |K|^2 per bin
  std::vector<std::size_t> band_bin;  // first bin of each band, bands+1
  std::vector<double> power, spec_sum;
  std::size_t hop_fill = 0;
  // Samples at the stream's end that are ±0.0 in every channel (the ring starts as zeros): a
  // frame whose whole window is silent has a known spectrum, all zeros, and is not transformed.
  std::size_t zero_tail = 0;
  std::size_t k50 = 1, k5k = 1, k10k = 1, k100 = 1;

  LoudnessMeter meter;

  // time domain
  std::int64_t frames = 0;
  std::vector<double> ch_sumsq;
  double peak = 0;
  double e_l = 0, e_r = 0, e_lr = 0;
  double sub_sum = 0, sub_max = 0, frame_sum = 0;
  LaneSums lanes;  // mono and stereo stems: the sums since the last flush_lanes
  std::size_t sub_fill = 0;
  std::vector<float> sub_db;  // 10 ms levels

  StemAnalysis out;
  std::vector<float> prev_band;
  std::vector<float> peaky, flat;

  Impl(double r, int c) : rate(r), nch(c), meter(r, c, LoudnessOptions{false, true, false, 1}) {
    if (!(rate > 0)) throw failed("stem analysis", "sample rate must be positive");
    nspec = std::min(nch, 2);
    hop = static_cast<std::size_t>(std::lround(rate * kStemFrameS));
    sub = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(rate * 0.01)));
    n_fft = 1;
    while (n_fft < hop + hop / 2) n_fft *= 2;  // window ≥ 1.5 hops: frames overlap, no gaps
    window.resize(n_fft);
    double w2 = 0;
    for (std::size_t i = 0; i < n_fft; ++i) {
      window[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * double(i) / double(n_fft)));
      w2 += double(window[i]) * window[i];
    }
    power_norm = 2.0 / (double(n_fft) * w2);  // one-sided bins sum to the windowed mean square
    bin_hz = rate / double(n_fft);
    ring.assign(static_cast<std::size_t>(nspec), std::vector<float>(n_fft, 0.0f));
    zero_tail = n_fft;
    {
      std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
      fft_in = fftwf_alloc_real(n_fft);
      fft_out = fftwf_alloc_complex(n_fft / 2 + 1);
      plan = fftwf_plan_dft_r2c_1d(static_cast<int>(n_fft), fft_in, fft_out, FFTW_ESTIMATE);
    }
    const std::size_t nb = n_fft / 2 + 1;
    power.assign(nb, 0.0);
    spec_sum.assign(nb, 0.0);
    kw.resize(nb);
    for (std::size_t k = 0; k < nb; ++k) kw[k] = static_cast<float>(k_weight_power(double(k) * bin_hz));
    auto bin = [&](double hz) {
      return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(hz / bin_hz)), 1, nb - 1);
    };
    const auto edges = stem_band_edges(rate);
    for (double e : edges) band_bin.push_back(bin(e));
    for (std::size_t b = 1; b < band_bin.size(); ++b)
      band_bin[b] = std::max(band_bin[b], band_bin[b - 1]);  // empty low bands allowed
    k50 = bin(50);
    k100 = bin(100);
    k5k = bin(5000);
    k10k = bin(std::min(10000.0, 0.45 * rate));
    ch_sumsq.assign(static_cast<std::size_t>(nch), 0.0);

    out.sample_rate = static_cast<int>(std::lround(rate));
    out.channels = nch;
    out.bands = kStemBands;
    for (double e : edges) out.band_edges_hz.push_back(static_cast<float>(e));
    out.fine_bin_hz = bin_hz;
    prev_band.assign(kStemBands, kFloorDb);
  }

  ~Impl() {
    std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
    if (plan) fftwf_destroy_plan(plan);
    if (fft_in) fftwf_free(fft_in);
    if (fft_out) fftwf_free(fft_out);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void analyse_frame() {
    std::fill(power.begin(), power.end(), 0.0);
    // A silent window: every power below is +0.0, as the transform would give, and the sums
    // over them are known without running them.
    const bool silent = zero_tail >= n_fft;
    for (int c = 0; c < nspec && !silent; ++c) {
      const auto& rg = ring[static_cast<std::size_t>(c)];
      for (std::size_t i = 0; i < n_fft; ++i) fft_in[i] = rg[i] * window[i];
      fftwf_execute(plan);
      for (std::size_t k = 1; k < power.size(); ++k)
        power[k] += (double(fft_out[k][0]) * fft_out[k][0] + double(fft_out[k][1]) * fft_out[k][1]) *
                    power_norm;
    }
    // The sums in their own function: inlined in this long one, GCC kept etot in a stack slot
    // (a store-forward chain per bin). Same sums in the same order.
    if (!silent)
      for (std::size_t k = 1; k < power.size(); ++k) spec_sum[k] += power[k];
    const auto [ek, etot] = silent ? std::pair{0.0, 0.0} : weighted_and_total(power.data(), kw.data(), 1, power.size());
    out.frame_lufs.push_back(static_cast<float>(ek > 0 ? kLoudnessOffset + to_db(ek) : -200.0));
    double fl = 0;
    int counted = 0;
    for (int b = 0; b < kStemBands; ++b) {
      double be = 0;
      for (std::size_t k = band_bin[static_cast<std::size_t>(b)];
           !silent && k < band_bin[static_cast<std::size_t>(b) + 1]; ++k)
        be += power[k];
      const float db = clamp_db(to_db(be));
      out.band_db.push_back(db);
      if (db > -90.0f || prev_band[static_cast<std::size_t>(b)] > -90.0f) {
        fl += std::max(0.0f, db - std::max(prev_band[static_cast<std::size_t>(b)], -90.0f));
        ++counted;
      }
      prev_band[static_cast<std::size_t>(b)] = db;
    }
    out.onset.push_back(static_cast<float>(fl / kStemBands));
    // Peakiness: share of 50 Hz .. 5 kHz energy in the 5 strongest local maxima (±1 bin);
    // flatness: geometric over arithmetic mean of 100 Hz .. 10 kHz.
    double pk = 0, pf = 0;
    if (etot > 1e-12) {
      double sband = 0;
      std::array<double, 5> top{};
      for (std::size_t k = k50; k < k5k && k + 1 < power.size(); ++k) {
        sband += power[k];
        if (power[k] > power[k - 1] && power[k] >= power[k + 1]) {
          const double v = power[k - 1] + power[k] + power[k + 1];
          auto it = std::min_element(top.begin(), top.end());
          if (v > *it) *it = v;
        }
      }
      if (sband > 0) pk = std::min(1.0, std::accumulate(top.begin(), top.end(), 0.0) / sband);
      double ar = 0;
      const std::size_t n = k10k > k100 ? k10k - k100 : 0;
      const double lg = simd::sum_log(power.data() + k100, n, 1e-20);
      for (std::size_t k = k100; k < k10k; ++k) ar += power[k];
      if (n > 0 && ar > 0) pf = std::exp(lg / double(n)) / (ar / double(n) + 1e-20);
    }
    peaky.push_back(static_cast<float>(pk));
    flat.push_back(static_cast<float>(pf));
    const double fm = frame_sum / double(hop);
    out.punch_db.push_back(static_cast<float>(fm > 1e-12 && sub_max > 0 ? to_db(sub_max / fm) : 0.0));
    frame_sum = 0;
    sub_max = 0;
  }

  // The lanes' sums into the running totals, in a fixed order: at every 10 ms boundary, before
  // a frame is analysed and at the end (positions in the stream, never a block's edge).
  void flush_lanes() {
    if (lanes.pos == 0) return;
    double e0 = 0, e1 = 0, el = 0, er = 0, elr = 0;
    std::uint32_t pk = 0;
    for (std::size_t j = 0; j < LaneSums::L; ++j) {
      e0 += lanes.e0[j];
      e1 += lanes.e1[j];
      el += lanes.pl[j];
      er += lanes.pr[j];
      elr += lanes.x[j];
      pk = simd::umax(pk, lanes.pk[j]);
    }
    ch_sumsq[0] += e0;
    if (nch == 2) {
      ch_sumsq[1] += e1;
      e_l += el;
      e_r += er;
      e_lr += elr;
    }
    peak = std::max(peak, static_cast<double>(simd::from_bits(pk)));
    sub_sum += e0 + e1;
    frame_sum += e0 + e1;
    lanes = LaneSums{};
  }

  // The time-domain sums of `take` frames from `pos`: for one or two channels in lanes (see
  // LaneSums); for more, sample by sample with the accumulators in locals (members reached
  // through `this` were reloaded and stored every sample). NCH 1 or 2 fixes the channel count
  // at compile time, 0 reads nch.
  // `zero`: these frames are all ±0.0, which add nothing to any sum (the lanes only move on).
  template <int NCH>
  void accumulate(const ConstAudioView& block, std::size_t pos, std::size_t take, bool zero) {
    if constexpr (NCH == 1 || NCH == 2) {
      // Into the lanes (add_lanes) in stretches up to the next 10 ms boundary, where they are
      // summed (flush_lanes).
      const float* l = block.channel(0) + pos;
      const float* r = NCH == 2 ? block.channel(1) + pos : nullptr;
      std::size_t i = 0;
      while (i < take) {
        const std::size_t m = std::min(take - i, sub - sub_fill);
        if (zero) lanes.pos += m;
        else add_lanes<NCH>(lanes, l + i, NCH == 2 ? r + i : nullptr, m);
        sub_fill += m;
        i += m;
        if (sub_fill == sub) {
          flush_lanes();
          sub_max = std::max(sub_max, sub_sum / double(sub));
          sub_db.push_back(clamp_db(to_db(sub_sum / double(sub))));
          sub_sum = 0;
          sub_fill = 0;
        }
      }
      return;
    }
    const int nc = NCH > 0 ? NCH : nch;
    constexpr int kMaxLocal = 2;
    double cs[kMaxLocal] = {0.0, 0.0};
    if constexpr (NCH > 0)
      for (int c = 0; c < NCH; ++c) cs[c] = ch_sumsq[static_cast<std::size_t>(c)];
    const float* x[kMaxLocal] = {block.channel(0) + pos, nc >= 2 ? block.channel(1) + pos : nullptr};
    // The stereo sums: for a pair in the main loop below (with GCC 12 in registers there, and
    // their add chains overlap the others'); for more channels in a loop of their own. Each
    // sum runs in the same order either way.
    if (NCH != 2 && nc >= 2) {
      double el = e_l, er = e_r, elr = e_lr;
      for (std::size_t i = 0; i < take; ++i) {
        const double l = x[0][i], r = x[1][i];
        if (std::isfinite(l) && std::isfinite(r)) {
          el += l * l;
          er += r * r;
          elr += l * r;
        }
      }
      e_l = el;
      e_r = er;
      e_lr = elr;
    }
    double pk = peak, ssum = sub_sum, smax = sub_max, fsum = frame_sum;
    double el = e_l, er = e_r, elr = e_lr;
    std::size_t fill = sub_fill;
    for (std::size_t i = 0; i < take; ++i) {
      if constexpr (NCH == 2) {
        // The stereo sums in this loop for a pair. Adding +0.0 for a frame with a NaN/Inf
        // leaves a sum as skipping it did (none of them is ever -0.0: they start at +0.0).
        const double l = x[0][i], r = x[1][i];
        const bool both = std::isfinite(l) && std::isfinite(r);
        el += both ? l * l : 0.0;
        er += both ? r * r : 0.0;
        elr += both ? l * r : 0.0;
      }
      double s = 0;
      if constexpr (NCH > 0) {
        for (int c = 0; c < NCH; ++c) {
          const double v = x[c][i];
          const bool finite = std::isfinite(v);
          const double v2 = finite ? v * v : 0.0;
          s += v2;
          cs[c] += v2;
          if (finite) pk = std::max(pk, std::abs(v));
        }
      } else {
        for (int c = 0; c < nc; ++c) {
          const double v = block.channel(c)[pos + i];
          const bool finite = std::isfinite(v);
          const double v2 = finite ? v * v : 0.0;
          s += v2;
          ch_sumsq[static_cast<std::size_t>(c)] += v2;
          if (finite) pk = std::max(pk, std::abs(v));
        }
      }
      ssum += s;
      fsum += s;
      if (++fill == sub) {
        smax = std::max(smax, ssum / double(sub));
        const float d = clamp_db(to_db(ssum / double(sub)));
        sub_db.push_back(d);
        ssum = 0;
        fill = 0;
      }
    }
    if constexpr (NCH > 0)
      for (int c = 0; c < NCH; ++c) ch_sumsq[static_cast<std::size_t>(c)] = cs[c];
    if constexpr (NCH == 2) {
      e_l = el;
      e_r = er;
      e_lr = elr;
    }
    peak = pk;
    sub_sum = ssum;
    sub_max = smax;
    frame_sum = fsum;
    sub_fill = fill;
  }

  void add(const ConstAudioView& block) {
    if (block.num_channels() != nch) throw failed("stem analysis", "channel count changed");
    meter.add(block);
    const std::size_t n = block.num_frames();
    std::size_t pos = 0;
    while (pos < n) {
      const std::size_t take = std::min(n - pos, hop - hop_fill);
      const bool zero = block.sub(pos, take).digital_silence();
      zero_tail = zero ? zero_tail + take : 0;
      for (int c = 0; c < nspec; ++c) {
        auto& rg = ring[static_cast<std::size_t>(c)];
        const float* x = block.channel(c) + pos;
        std::copy(x, x + take, rg.end() - static_cast<std::ptrdiff_t>(hop - hop_fill));
      }
      if (nch > 2) {  // fold the rest onto the first two transformed channels, power-wise
        for (int c = 2; c < nch; ++c) {
          const float* x = block.channel(c) + pos;
          auto& rg = ring[static_cast<std::size_t>(c % 2)];
          auto dst = rg.end() - static_cast<std::ptrdiff_t>(hop - hop_fill);
          for (std::size_t i = 0; i < take; ++i) dst[static_cast<std::ptrdiff_t>(i)] += x[i];
        }
      }
      if (nch == 1) accumulate<1>(block, pos, take, zero);
      else if (nch == 2) accumulate<2>(block, pos, take, zero);
      else accumulate<0>(block, pos, take, zero);
      for (auto& rg : ring) {  // NaN/Inf would poison the FFT: read them as 0 (silence has none)
        if (zero) break;
        // On the exponent bits, branch-free, so it vectorises (std::isfinite's branch did not).
        float* x = rg.data() + (n_fft - (hop - hop_fill));
        for (std::size_t i = 0; i < take; ++i) {
          const bool finite = (std::bit_cast<std::uint32_t>(x[i]) & 0x7f800000u) != 0x7f800000u;
          x[i] = finite ? x[i] : 0.0f;
        }
      }
      hop_fill += take;
      pos += take;
      frames += static_cast<std::int64_t>(take);
      if (hop_fill == hop) {
        flush_lanes();
        analyse_frame();
        // The newest n_fft - hop samples to the front; the last hop is overwritten by the next
        // frame's input before it is read (a copy, where std::rotate also moved that hop).
        for (auto& rg : ring) std::copy(rg.begin() + static_cast<std::ptrdiff_t>(hop), rg.end(), rg.begin());
        hop_fill = 0;
      }
    }
  }

  StemAnalysis finish() {
    flush_lanes();
    if (hop_fill > hop / 4) {  // a last partial frame: zeros after the end
      for (auto& rg : ring)
        std::fill(rg.end() - static_cast<std::ptrdiff_t>(hop - hop_fill), rg.end(), 0.0f);
      zero_tail += hop - hop_fill;
      analyse_frame();
    }
    hop_fill = 0;
    StemAnalysis& a = out;
    a.frames = frames;
    // A one-shot shorter than one 400 ms gating block (an impact, a single hit) has no
    // BS.1770 block of its own and would read as silence: it is measured as the file padded
    // with silence to one block (its momentary loudness), which is how it sounds placed in a
    // song. Digital silence stays silent.
    if (const auto block = static_cast<std::int64_t>(std::ceil(kLoudnessBlockS * rate)); frames > 0 && frames < block) {
      AudioBuffer pad(nch, static_cast<std::size_t>(block - frames));
      meter.add(pad.view());
    }
    auto fin = [](double v) { return std::isfinite(v) ? v : -200.0; };
    a.integrated_lufs = fin(meter.integrated_lufs());
    a.loudness_range_lu = std::max(0.0, fin(meter.range_lu()));
    a.momentary_max_lufs = fin(meter.momentary_max_lufs());
    a.peak_dbfs = peak > 0 ? 20.0 * std::log10(peak) : -200.0;
    double ms = 0;
    for (double s : ch_sumsq) ms += s;
    ms /= std::max<double>(1.0, double(frames) * nch);
    a.rms_dbfs = ms > 0 ? to_db(ms) : -200.0;

    const std::size_t nf = a.frame_lufs.size();
    // Activity: the frame's loudness within 30 dB of the stem's integrated loudness and above
    // BS.1770's absolute gate (-70 LUFS); 30 dB is where a part falls below audibility against
    // a typical mix (beyond the -20 dB of masked thresholds plus margin).
    a.active.assign(nf, 0);
    double e_act = 0;
    std::size_t n_act = 0;
    const double gate = std::max(-70.0, a.integrated_lufs - 30.0);
    for (std::size_t i = 0; i < nf; ++i) {
      if (a.integrated_lufs > -199.0 && a.frame_lufs[i] > gate) {
        a.active[i] = 1;
        ++n_act;
        e_act += lufs_to_energy(a.frame_lufs[i]);
      }
    }
    a.active_fraction = nf ? double(n_act) / double(nf) : 0.0;
    a.active_lufs = n_act ? energy_to_lufs(e_act / double(n_act)) : -200.0;

    // Long-term spectra over active frames.
    a.spectrum_db.assign(kStemBands, kFloorDb);
    a.fine_spectrum_db.assign(spec_sum.size(), kFloorDb);
    if (n_act) {
      for (int b = 0; b < kStemBands; ++b) {
        double s = 0;
        for (std::size_t i = 0; i < nf; ++i)
          if (a.active[i]) s += std::pow(10.0, a.band(i, b) / 10.0);
        a.spectrum_db[static_cast<std::size_t>(b)] = clamp_db(to_db(s / double(n_act)));
      }
      double tot = 0, cent = 0, low = 0, sib = 0;
      for (std::size_t k = 1; k < spec_sum.size(); ++k) {
        const double p = spec_sum[k] / double(n_act);
        a.fine_spectrum_db[k] = clamp_db(to_db(p));
        const double hz = double(k) * bin_hz;
        tot += p;
        cent += p * hz;
        if (hz < 150) low += p;
        if (hz >= 5000 && hz < 10000) sib += p;
      }
      if (tot > 0) {
        a.centroid_hz = cent / tot;
        a.low_share = low / tot;
        a.sibilance_share = sib / tot;
        double c = 0;
        a.rolloff_low_hz = 0;
        for (std::size_t k = 1; k < spec_sum.size(); ++k) {
          c += spec_sum[k] / double(n_act);
          if (c >= 0.01 * tot) {
            a.rolloff_low_hz = double(k) * bin_hz;
            break;
          }
        }
        c = 0;
        a.rolloff_high_hz = double(spec_sum.size() - 1) * bin_hz;
        for (std::size_t k = spec_sum.size() - 1; k >= 1; --k) {
          c += spec_sum[k] / double(n_act);
          if (c >= 0.01 * tot) {
            a.rolloff_high_hz = double(k) * bin_hz;
            break;
          }
        }
      }
      double pk = 0, fl = 0, pu = 0;
      for (std::size_t i = 0; i < nf; ++i)
        if (a.active[i]) {
          pk += peaky[i];
          fl += flat[i];
          pu += a.punch_db[i];
        }
      a.harmonicity = pk / double(n_act);
      a.flatness = fl / double(n_act);
      a.punch_mean_db = pu / double(n_act);
    }

    // Tempo's onset strength: the rise of each 10 ms level, counted from at most 80 dB under the
    // stem's loudest 10 ms, so silence → sound is one finite step and the envelope's shape does
    // not depend on the level the stem was exported at (an absolute floor made the song's tempo
    // follow the stems' export gains).
    if (!sub_db.empty()) {
      const float floor = *std::max_element(sub_db.begin(), sub_db.end()) - 80.0f;
      a.onset_env.resize(sub_db.size());
      for (std::size_t i = 0; i < sub_db.size(); ++i) {
        const float d = sub_db[i];
        const float prev = i ? sub_db[i - 1] : kFloorDb;
        a.onset_env[i] = d > floor ? std::max(0.0f, d - std::max(prev, floor)) : 0.0f;
      }
    }

    // Onsets on the 10 ms grid: a rise of 9 dB over the minimum of the previous 50 ms, above the
    // activity gate, at least 60 ms after the previous onset (Dixon 2006's peak-picking idea
    // applied to the energy envelope).
    if (!sub_db.empty() && n_act) {
      const double sub_gate = std::max(-80.0, a.integrated_lufs - 35.0);
      int onsets = 0;
      std::size_t last = 0;
      bool any = false;
      for (std::size_t i = 5; i < sub_db.size(); ++i) {
        const float mn = *std::min_element(sub_db.begin() + static_cast<std::ptrdiff_t>(i - 5),
                                           sub_db.begin() + static_cast<std::ptrdiff_t>(i));
        if (sub_db[i] > sub_gate && sub_db[i] - mn >= 9.0f && (!any || i - last >= 6)) {
          ++onsets;
          last = i;
          any = true;
        }
      }
      a.onset_rate_hz = double(onsets) / (double(n_act) * kStemFrameS);
      // Floor between events over the span where the stem plays.
      std::size_t first = nf, lastf = 0;
      for (std::size_t i = 0; i < nf; ++i)
        if (a.active[i]) {
          first = std::min(first, i);
          lastf = i;
        }
      const std::size_t per = static_cast<std::size_t>(std::lround(kStemFrameS / 0.01));
      const std::size_t s0 = first * per, s1 = std::min(sub_db.size(), (lastf + 1) * per);
      if (s1 > s0 + 10) {
        std::vector<float> span(sub_db.begin() + static_cast<std::ptrdiff_t>(s0),
                                sub_db.begin() + static_cast<std::ptrdiff_t>(s1));
        const double hi = percentile(span, 0.99), lo = percentile(span, 0.20);
        a.floor_rel_db = std::max(-200.0, lo - hi);
        a.event_level_db = hi;
      }
    }
    a.crest_db = a.peak_dbfs > -199.0 && a.active_lufs > -199.0 ? a.peak_dbfs - (a.active_lufs + 0.691)
                                                                : 0.0;
    if (nch >= 2 && e_l + e_r > 0) {
      const double mid = 0.25 * (e_l + e_r + 2 * e_lr), side = 0.25 * (e_l + e_r - 2 * e_lr);
      a.width = std::clamp(side / std::max(mid + side, kTiny), 0.0, 1.0);
      a.correlation = e_lr / std::sqrt(std::max(e_l * e_r, kTiny));
      if (e_l <= 0 || e_r <= 0) a.correlation = 0.0;
    }
    return std::move(out);
  }
};

StemAnalyzer::StemAnalyzer(double sample_rate, int channels)
    : impl_(std::make_unique<Impl>(sample_rate, channels)) {}
StemAnalyzer::~StemAnalyzer() = default;
StemAnalyzer::StemAnalyzer(StemAnalyzer&&) noexcept = default;
StemAnalyzer& StemAnalyzer::operator=(StemAnalyzer&&) noexcept = default;
void StemAnalyzer::add(const ConstAudioView& block) { impl_->add(block); }
StemAnalysis StemAnalyzer::finish() { return impl_->finish(); }

StemAnalysis analyze_stem(const ConstAudioView& audio, double sample_rate) {
  StemAnalyzer an(sample_rate, audio.num_channels());
  an.add(audio);
  return an.finish();
}

}  // namespace mixdown::analysis
