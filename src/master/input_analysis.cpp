#include "master/input_analysis.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "dsp/fftw_planner.hpp"
#include <numbers>

#include "analysis/features.hpp"
#include "analysis/loudness.hpp"
#include "analysis/true_peak.hpp"
#include "core/simd.hpp"
#include "core/units.hpp"
#include "dsp/biquad.hpp"
#include "dsp/pass_filter.hpp"

namespace mixdown::master {

namespace {

// The spectrum's FFT: 8192 points at 48 kHz (5.86 Hz bins, 171 ms frames), and the same length
// in time at any other rate (fft_size_for), so a song reads the same bands whatever its rate.
constexpr int kFftSize48k = 8192;

// The even 7-smooth length (FFTW's fast sizes) nearest 8192 * rate / 48000: within 0.5 % of it
// at the rates music comes in. With 8192 points at every rate (until session 40) a 96 kHz file's
// bins were twice as wide in Hz as a 48 kHz file's, and the same music read up to 1.8 dB apart
// in the low bands: a reference at another rate than the mix was matched on the resolution,
// not the music.
int fft_size_for(int rate) {
  const double want = double(kFftSize48k) * rate / 48000.0;
  const auto smooth = [](int n) {
    for (int f : {2, 3, 5, 7})
      while (n % f == 0) n /= f;
    return n == 1;
  };
  int best = 0;
  for (int n = std::max(16, static_cast<int>(want * 0.9)) & ~1; n <= static_cast<int>(want * 1.1) + 2; n += 2)
    if (smooth(n) && (best == 0 || std::abs(n - want) < std::abs(best - want))) best = n;
  return best > 0 ? best : kFftSize48k;
}
constexpr float kClipLevel = 0.99990f;  // within 0.001 dB of full scale
constexpr double kLowSplitHz = 150.0;

}  // namespace

std::vector<double> fractional_octave_centres(int bands_per_octave, double lo_hz, double hi_hz) {
  std::vector<double> c;
  const int kmin = static_cast<int>(std::ceil(std::log2(lo_hz / 1000.0) * bands_per_octave - 1e-9));
  const int kmax = static_cast<int>(std::floor(std::log2(hi_hz / 1000.0) * bands_per_octave + 1e-9));
  for (int k = kmin; k <= kmax; ++k) c.push_back(1000.0 * std::pow(2.0, double(k) / bands_per_octave));
  return c;
}

// Silent: no gated loudness, peaks below -90 dBFS, or nothing left once the DC is removed
// (an all-DC file measures some loudness from its first-sample step but holds no programme).
double InputAnalysis::worst_dc() const {
  double m = 0.0;
  for (double d : dc) m = std::max(m, std::abs(d));
  return m;
}

bool InputAnalysis::silent() const {
  return !std::isfinite(integrated_lufs) || sample_peak_dbfs < -90.0 || ac_rms_dbfs < -90.0;
}

struct InputAnalyzer::Impl {
  int rate;
  int channels;
  analysis::LoudnessMeter meter;     // without its true peak: that is `tp`, a work item apart
  analysis::TruePeakMeter tp;
  // Spectrum.
  float* in = nullptr;
  fftwf_complex* out = nullptr;
  fftwf_plan plan = nullptr;
  std::vector<float> window;
  std::vector<float> frame;  // mid samples waiting for a full FFT frame
  std::size_t fill = 0;
  std::vector<double> power;  // per bin
  std::vector<float> side_frame;   // stereo: side samples, in step with `frame`
  std::vector<double> side_power;  // stereo: per bin
  std::int64_t ffts = 0;
  // Stereo sums.
  double ll = 0, rr = 0, lr = 0, low_ll = 0, low_rr = 0, low_lr = 0;
  dsp::BiquadCascade low;  // 150 Hz low-pass on L and R
  std::vector<float> low_l, low_r;
  // Integrity.
  std::vector<double> dc_sum;
  std::vector<double> sq_sum;  // for the level left once the DC is removed
  std::vector<int> run;  // current clipped run per channel
  std::vector<float> last;  // per channel: the run's sample value (valid while run > 0)
  std::int64_t clipped_runs = 0;
  std::int64_t first_clip = -1;
  analysis::FlatTops flat;
  std::int64_t frames = 0;

  bool full;  // Scope::mix
  int fft_size;  // fft_size_for(rate)
  Impl(int r, int c, Scope scope)
      : rate(r), channels(c),
        meter(double(r), c,
              scope == Scope::mix ? analysis::LoudnessOptions{false, true, c == 2, 1}
                                  : analysis::LoudnessOptions{false, false, false, 1, false}),
        tp(c), flat(c), full(scope == Scope::mix), fft_size(fft_size_for(r)) {
    {
      std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
      in = fftwf_alloc_real(fft_size);
      out = fftwf_alloc_complex(fft_size / 2 + 1);
      plan = fftwf_plan_dft_r2c_1d(fft_size, in, out, FFTW_ESTIMATE);
    }
    window.resize(fft_size);
    for (int i = 0; i < fft_size; ++i)
      window[static_cast<std::size_t>(i)] =
          static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / fft_size));
    frame.assign(fft_size, 0.0f);
    power.assign(fft_size / 2 + 1, 0.0);
    if (c == 2) {
      side_frame.assign(fft_size, 0.0f);
      side_power.assign(fft_size / 2 + 1, 0.0);
    }
    dc_sum.assign(static_cast<std::size_t>(c), 0.0);
    sq_sum.assign(static_cast<std::size_t>(c), 0.0);
    run.assign(static_cast<std::size_t>(c), 0);
    last.assign(static_cast<std::size_t>(c), 0.0f);
    if (c == 2) {
      const auto d = dsp::PassFilter::design(dsp::PassKind::low_pass, kLowSplitHz, 2, double(r));
      low.prepare(2, d.count);
      low.set_coeffs(d.sections.data(), d.count);
    }
  }
  ~Impl() {
    std::lock_guard<std::mutex> lock(dsp::fftw_planner_mutex());
    if (plan) fftwf_destroy_plan(plan);
    if (in) fftwf_free(in);
    if (out) fftwf_free(out);
  }

  void spectrum_frame() {
    for (int i = 0; i < fft_size; ++i) in[i] = frame[static_cast<std::size_t>(i)] * window[static_cast<std::size_t>(i)];
    fftwf_execute(plan);
    for (int k = 0; k <= fft_size / 2; ++k)
      power[static_cast<std::size_t>(k)] += double(out[k][0]) * out[k][0] + double(out[k][1]) * out[k][1];
    if (!side_frame.empty()) {
      for (int i = 0; i < fft_size; ++i) in[i] = side_frame[static_cast<std::size_t>(i)] * window[static_cast<std::size_t>(i)];
      fftwf_execute(plan);
      for (int k = 0; k <= fft_size / 2; ++k)
        side_power[static_cast<std::size_t>(k)] += double(out[k][0]) * out[k][0] + double(out[k][1]) * out[k][1];
    }
    ++ffts;
  }

  void add(const ConstAudioView& b) {
    meter.add(b);
    if (full) tp.add(b);
    add_spectrum(b);
    add_rest(b);
  }

  void add_spectrum(const ConstAudioView& b) {
    const std::size_t n = b.num_frames();
    // Mid signal for the spectrum: mean of the channels (LFE of 5.1 excluded).
    const bool has_lfe = channels == 6;
    const float scale = 1.0f / static_cast<float>(has_lfe ? channels - 1 : channels);
    std::size_t i = 0;
    while (i < n) {
      const std::size_t take = std::min<std::size_t>(n - i, static_cast<std::size_t>(fft_size) - fill);
      if (channels == 2) {  // the general loop's sums, (0 + L) + R, in a loop that vectorizes
        const float* l = b.channel(0) + i;
        const float* r = b.channel(1) + i;
        float* f = frame.data() + fill;
        for (std::size_t k = 0; k < take; ++k) f[k] = (0.0f + l[k] + r[k]) * scale;
      } else {
        for (std::size_t k = 0; k < take; ++k) {
          float m = 0;
          for (int c = 0; c < channels; ++c)
            if (!(has_lfe && c == 3)) m += b.channel(c)[i + k];
          frame[fill + k] = m * scale;
        }
      }
      if (!side_frame.empty()) {
        const float* l = b.channel(0) + i;
        const float* r = b.channel(1) + i;
        float* f = side_frame.data() + fill;
        for (std::size_t k = 0; k < take; ++k) f[k] = 0.5f * (l[k] - r[k]);
      }
      fill += take;
      i += take;
      if (fill == static_cast<std::size_t>(fft_size)) {
        spectrum_frame();
        fill = 0;
      }
    }
  }

  void add_rest(const ConstAudioView& b) {
    const std::size_t n = b.num_frames();
    // Integrity: clipped runs, tracked sample by sample only in blocks that reach the clip
    // level (a vectorised max first; elsewhere every run ends at the block's first sample). A
    // NaN reads as over it, so its block is scanned, which finds what skipping it would.
    // A reference's integrity is not the master's business (the match reads its spectra).
    for (int c = 0; full && c < channels && n > 0; ++c) {
      const float* x = b.channel(c);
      int r = run[static_cast<std::size_t>(c)];
      if (simd::max_abs_bits(x, n) >= simd::abs_bits(kClipLevel)) {
        float prev = last[static_cast<std::size_t>(c)];  // read only while a run goes on
        for (std::size_t i = 0; i < n; ++i) {
          if (std::abs(x[i]) >= kClipLevel) {
            if (r > 0 && analysis::breaks_clip_run(x[i], prev)) r = 0;
            prev = x[i];
            if (++r == 3) {
              ++clipped_runs;
              if (first_clip < 0) first_clip = frames + static_cast<std::int64_t>(i);
            }
          } else {
            r = 0;
          }
        }
        last[static_cast<std::size_t>(c)] = prev;
      } else {
        r = 0;
      }
      run[static_cast<std::size_t>(c)] = r;
      flat.add(c, x, n, frames);
    }
    // DC and power per channel (and for stereo the L*R product, in lanes: simd::stereo_sums).
    // A channel's power is the stereo sums' LL or RR too.
    if (channels == 2) {
      const simd::StereoSums s = simd::stereo_sums(b.channel(0), b.channel(1), n);
      dc_sum[0] += s.l;
      dc_sum[1] += s.r;
      sq_sum[0] += s.ll;
      sq_sum[1] += s.rr;
      ll += s.ll;
      rr += s.rr;
      lr += s.lr;
    } else {
      for (int c = 0; c < channels; ++c) {
        const float* x = b.channel(c);
        double s = 0, q = 0;
        for (std::size_t i = 0; i < n; ++i) {
          s += x[i];
          q += double(x[i]) * x[i];
        }
        dc_sum[static_cast<std::size_t>(c)] += s;
        sq_sum[static_cast<std::size_t>(c)] += q;
      }
    }
    if (channels == 2 && full) {  // the low end's correlation: the mix's mono-bass decision
      const float* l = b.channel(0);
      const float* r = b.channel(1);
      low_l.assign(l, l + n);
      low_r.assign(r, r + n);
      float* lr_low[2] = {low_l.data(), low_r.data()};
      low.process(AudioView(lr_low, 2, n));  // both channels in the lanes of one register
      const simd::StereoSums s = simd::stereo_sums(low_l.data(), low_r.data(), n);
      low_ll += s.ll;
      low_rr += s.rr;
      low_lr += s.lr;
    }
    frames += static_cast<std::int64_t>(n);
  }
};

InputAnalyzer::InputAnalyzer(int sample_rate, int channels, Scope scope)
    : impl_(std::make_unique<Impl>(sample_rate, channels, scope)) {}
InputAnalyzer::~InputAnalyzer() = default;
InputAnalyzer::InputAnalyzer(InputAnalyzer&&) noexcept = default;
InputAnalyzer& InputAnalyzer::operator=(InputAnalyzer&&) noexcept = default;

void InputAnalyzer::add(const ConstAudioView& block) { impl_->add(block); }
void InputAnalyzer::add_loudness(const ConstAudioView& block) { impl_->meter.add(block); }
void InputAnalyzer::add_true_peak(const ConstAudioView& block) {
  if (impl_->full) impl_->tp.add(block);
}
void InputAnalyzer::add_spectrum(const ConstAudioView& block) { impl_->add_spectrum(block); }
void InputAnalyzer::add_rest(const ConstAudioView& block) { impl_->add_rest(block); }

InputAnalysis InputAnalyzer::finish() {
  Impl& m = *impl_;
  InputAnalysis a;
  a.sample_rate = m.rate;
  a.channels = m.channels;
  a.frames = m.frames;
  a.duration_s = m.rate > 0 ? double(m.frames) / m.rate : 0.0;
  a.integrated_lufs = m.meter.integrated_lufs();
  a.range_lu = m.meter.range_lu();
  a.true_peak_dbtp = m.tp.max_peak() > 0 ? 20.0 * std::log10(m.tp.max_peak()) : kMinusInf;
  a.sample_peak_dbfs = m.meter.sample_peak_dbfs();
  a.plr_db = a.true_peak_dbtp - a.integrated_lufs;
  a.momentary_max_lufs = m.meter.momentary_max_lufs();
  a.short_term_max_lufs = m.meter.short_term_max_lufs();
  a.mono_lufs = m.channels == 2 ? m.meter.mono_integrated_lufs() : kMinusInf;
  // A fold-down that cancels to nothing measurable loses at least down to the -70 LUFS gate
  // (as `analyze` reports it).
  a.mono_loss_lu = m.full && m.channels == 2 && std::isfinite(a.integrated_lufs)
                       ? a.integrated_lufs - (std::isfinite(a.mono_lufs) ? a.mono_lufs : analysis::kAbsoluteGateLufs)
                       : 0.0;
  if (m.channels == 2) {
    const double den = std::sqrt(m.ll * m.rr);
    a.correlation = den > 0 ? m.lr / den : 1.0;
    const double mid = 0.25 * (m.ll + m.rr + 2 * m.lr), side = 0.25 * (m.ll + m.rr - 2 * m.lr);
    a.side_ratio = mid + side > 0 ? side / (mid + side) : 0.0;
    const double lden = std::sqrt(m.low_ll * m.low_rr);
    a.low_correlation = lden > 0 ? m.low_lr / lden : 1.0;
    // Left over right in dB (±inf: one side silent); the correlation of a one-sided mix is
    // undefined and reads 1.
    a.channel_balance_db = m.ll > 0 && m.rr > 0 ? 10.0 * std::log10(m.ll / m.rr)
                           : m.ll > 0           ? std::numeric_limits<double>::infinity()
                           : m.rr > 0           ? -std::numeric_limits<double>::infinity()
                                                : 0.0;
  }
  for (double s : m.dc_sum) a.dc.push_back(m.frames > 0 ? s / double(m.frames) : 0.0);
  double ac_power = 0.0;
  for (std::size_t c = 0; c < m.sq_sum.size() && m.frames > 0; ++c)
    ac_power = std::max(ac_power, m.sq_sum[c] / double(m.frames) - a.dc[c] * a.dc[c]);
  a.ac_rms_dbfs = ac_power > 0 ? 10.0 * std::log10(ac_power) : -std::numeric_limits<double>::infinity();
  a.clipped_runs = m.clipped_runs;
  a.first_clip_s = m.first_clip >= 0 ? double(m.first_clip) / m.rate : -1.0;
  if (a.clipped_runs == 0 && m.full) {
    a.flat_top_runs = m.flat.runs_at(static_cast<float>(m.meter.sample_peak()));
    if (a.flat_top_runs > 0) a.first_flat_top_s = double(m.flat.first_frame()) / m.rate;
  }

  // Band powers from the averaged periodogram (including a final partial frame when the file is
  // shorter than one FFT frame, so a 3-second file still has a spectrum).
  if (m.ffts == 0 && m.fill > 0) {  // shorter than one FFT frame: zero-pad the last one
    std::fill(m.frame.begin() + static_cast<std::ptrdiff_t>(m.fill), m.frame.end(), 0.0f);
    if (!m.side_frame.empty()) std::fill(m.side_frame.begin() + static_cast<std::ptrdiff_t>(m.fill), m.side_frame.end(), 0.0f);
    m.spectrum_frame();
    m.fill = 0;
  }
  const std::int64_t ffts = m.ffts;
  const double nyquist = m.rate / 2.0;
  const double bin_hz = double(m.rate) / m.fft_size;
  auto band_db = [&](const std::vector<double>& power, double fc) {
    const double lo = fc * std::pow(2.0, -1.0 / 12.0), hi = fc * std::pow(2.0, 1.0 / 12.0);
    // Fractional bins at the edges so narrow low bands get a fair share (bins are 5.9 Hz wide).
    double sum = 0, width = 0;
    for (int k = std::max(1, int(lo / bin_hz)); k <= std::min(m.fft_size / 2, int(hi / bin_hz) + 1); ++k) {
      const double b0 = (k - 0.5) * bin_hz, b1 = (k + 0.5) * bin_hz;
      const double ov = std::max(0.0, std::min(hi, b1) - std::max(lo, b0)) / bin_hz;
      sum += ov * power[static_cast<std::size_t>(k)];
      width += ov;
    }
    // Power spectral density times bandwidth: band power, so pink noise reads flat. A frame's
    // bin powers grow with the square of its length: scaled to 48 kHz's, the same music reads
    // the same level at every rate.
    const double density = width > 0 && ffts > 0 ? sum / width / double(ffts) : 0.0;
    const double scale = double(kFftSize48k) / m.fft_size;
    return power_to_db(density * (hi - lo) / bin_hz * scale * scale + 1e-30);
  };
  if (m.power.size() > 1 && ffts > 0) {
    // The file's constant DC offset lies in bins 0 and 1 only (periodic Hann window: |X0| =
    // d N / 2, |X1| = d N / 4 every frame), and is removed on its own (a 10 Hz high-pass): it
    // is taken out; what else lies there, a drifting offset, rumble, a subsonic tone, is not.
    const bool lfe = a.channels == 6;
    double d = 0.0;
    for (std::size_t c = 0; c < a.dc.size(); ++c)
      if (!(lfe && c == 3)) d += a.dc[c];
    d /= double(lfe ? a.channels - 1 : std::max(1, a.channels));
    const double dc_power = double(ffts) * d * d * double(m.fft_size) * double(m.fft_size) * 5.0 / 16.0;
    double total = 0.0;
    for (double p : m.power) total += p;
    total -= dc_power;
    // Bins 0..3: up to 20.5 Hz (5.9 Hz bins at every rate); a kick's 40 Hz lies 4 bins away, in
    // the window's side lobes (-40 dB and under).
    double low = -dc_power;
    for (std::size_t k = 0; k < 4 && k < m.power.size(); ++k) low += m.power[k];
    if (total > 0.0) a.infrasonic_db = power_to_db(std::max(0.0, low) / total + 1e-30);
  }
  for (double fc : fractional_octave_centres(6, 20.0, std::min(20000.0, nyquist * 0.95))) {
    a.band_hz.push_back(fc);
    a.band_db.push_back(band_db(m.power, fc));
    if (!m.side_power.empty()) a.side_band_db.push_back(band_db(m.side_power, fc));
  }
  return a;
}

InputAnalysis analyze_buffer(const ConstAudioView& audio, int sample_rate) {
  InputAnalyzer an(sample_rate, audio.num_channels());
  for (std::size_t s = 0; s < audio.num_frames(); s += 8192)
    an.add(audio.sub(s, std::min<std::size_t>(8192, audio.num_frames() - s)));
  return an.finish();
}

}  // namespace mixdown::master
