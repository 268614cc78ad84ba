#include "mix/level_model.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/loudness.hpp"
#include "dsp/biquad.hpp"

namespace mixdown::mix {

double static_filter_db(const Strip& strip, double hz, int sample_rate) {
  double db = 0.0;
  // Butterworth of order n: |H|^2 = 1 / (1 + (fc/f)^(2n)) (high pass), (f/fc)^(2n) (low pass).
  if (strip.high_pass.enabled)
    db += -10.0 * std::log10(1.0 + std::pow(strip.high_pass.freq_hz / std::max(hz, 1.0),
                                            2.0 * strip.high_pass.order));
  if (strip.low_pass.enabled)
    db += -10.0 * std::log10(1.0 + std::pow(hz / strip.low_pass.freq_hz, 2.0 * strip.low_pass.order));
  for (const auto& b : strip.eq.bands)
    if (b.enabled) db += dsp::BiquadCoeffs::from_band(b, sample_rate).magnitude_db(hz, sample_rate);
  return db;
}

double compressor_gain_db(const dsp::CompressorSettings& c, double level_db) {
  if (!c.enabled || c.ratio <= 1.0) return 0.0;
  const double over = level_db - c.threshold_db, w = std::max(0.0, c.knee_db);
  const double slope = 1.0 / c.ratio - 1.0;
  if (2.0 * over < -w) return 0.0;
  if (2.0 * std::abs(over) <= w && w > 0) return slope * (over + w / 2) * (over + w / 2) / (2 * w);
  return slope * over;
}

double frame_rms_db(const analysis::StemAnalysis& a, std::size_t frame, double trim_db) {
  if (frame >= a.frame_lufs.size() || a.frame_lufs[frame] <= -199.0f) return -200.0;
  // LUFS = -0.691 + 10 log10(sum of channel mean squares); the detector reads the mean.
  const double chan = a.channels >= 2 ? 10.0 * std::log10(2.0) : 0.0;
  return a.frame_lufs[frame] - analysis::kLoudnessOffset - chan + trim_db;
}

double pan_power_db(const Strip& strip, const analysis::StemAnalysis& a) {
  if (a.channels < 2 || strip.fold_to_mono) return 0.0;  // mono: constant-power law, no change
  // Stereo: width on mid/side, then the balance gains of dsp::PanWidth. With L and R of equal
  // power P and correlation rho, M^2 + S^2 = P ((1 + rho) + (1 - rho) w^2) / 2, and the output
  // power is (gL^2 + gR^2)(M^2 + S^2) against 2P at the input.
  constexpr double kPi = 3.14159265358979323846;
  const double theta = (std::clamp(strip.pan.pan, -1.0, 1.0) + 1.0) * kPi / 4.0;
  const double gl = std::min(1.0, std::sqrt(2.0) * std::cos(theta)), gr = std::min(1.0, std::sqrt(2.0) * std::sin(theta));
  const double rho = std::clamp(a.correlation, -1.0, 1.0), w = std::clamp(strip.pan.width, 0.0, 2.0);
  const double f = (gl * gl + gr * gr) / 4.0 * ((1.0 + rho) + (1.0 - rho) * w * w);
  return f > 1e-9 ? 10.0 * std::log10(f) : -90.0;
}

std::vector<float> processed_band_power(const Strip& strip, const analysis::StemAnalysis& a,
                                        int sample_rate) {
  const std::size_t nf = a.num_frames(), nb = static_cast<std::size_t>(a.bands);
  std::vector<double> filt(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    const double c = std::sqrt(double(a.band_edges_hz[b]) * a.band_edges_hz[b + 1]);
    filt[b] = static_filter_db(strip, c, sample_rate);
  }
  const bool comp = strip.compressor.enabled && strip.compressor.key.empty();
  const double pan_db = pan_power_db(strip, a);
  std::vector<float> out(nf * nb, 0.0f);
  for (std::size_t f = 0; f < nf; ++f) {
    if (a.frame_lufs[f] <= -199.0f) continue;
    double g = strip.trim_db + pan_db;
    if (comp) {
      const double gr = compressor_gain_db(strip.compressor, frame_rms_db(a, f, strip.trim_db));
      g += strip.compressor.mix * gr + strip.compressor.makeup_db;  // parallel share ~ linear in dB for small GR
    }
    for (std::size_t b = 0; b < nb; ++b) {
      const double db = a.band_db[f * nb + b];
      if (db <= -149.0) continue;
      out[f * nb + b] = static_cast<float>(std::pow(10.0, (db + g + filt[b]) / 10.0));
    }
  }
  return out;
}

std::vector<double> k_energy(const std::vector<float>& band_power, const analysis::StemAnalysis& a) {
  const std::size_t nb = static_cast<std::size_t>(a.bands);
  const std::size_t nf = nb ? band_power.size() / nb : 0;
  std::vector<double> kw(nb);
  for (std::size_t b = 0; b < nb; ++b)
    kw[b] = analysis::k_weight_power(std::sqrt(double(a.band_edges_hz[b]) * a.band_edges_hz[b + 1]));
  std::vector<double> e(nf, 0.0);
  for (std::size_t f = 0; f < nf; ++f)
    for (std::size_t b = 0; b < nb; ++b) e[f] += band_power[f * nb + b] * kw[b];
  return e;
}

double gated_lufs(const std::vector<double>& frame_energy) {
  // BS.1770-4 gates 400 ms blocks overlapping by 75 %: on the 100 ms grid, the mean of every
  // four consecutive frames, one block per frame. Gating single 100 ms frames instead drops the
  // gaps between a drum's hits and reads a sparse part several LU louder than a meter does.
  constexpr std::size_t kBlock = 4;
  std::vector<double> block;
  if (frame_energy.size() < kBlock) {
    double m = 0;
    for (double e : frame_energy) m += e;
    if (!frame_energy.empty()) block.push_back(m / double(frame_energy.size()));
  } else {
    double run = 0;
    for (std::size_t f = 0; f < frame_energy.size(); ++f) {
      run += frame_energy[f];
      if (f >= kBlock) run -= frame_energy[f - kBlock];
      if (f + 1 >= kBlock) block.push_back(std::max(0.0, run) / double(kBlock));
    }
  }
  std::vector<double> pass;
  for (double e : block)
    if (e > 0 && analysis::energy_to_lufs(e) > analysis::kAbsoluteGateLufs) pass.push_back(e);
  if (pass.empty()) return -200.0;
  double m = 0;
  for (double e : pass) m += e;
  const double rel = analysis::energy_to_lufs(m / double(pass.size())) - 10.0;
  double s = 0;
  std::size_t n = 0;
  for (double e : pass)
    if (analysis::energy_to_lufs(e) > rel) s += e, ++n;
  return n ? analysis::energy_to_lufs(s / double(n)) : -200.0;
}

}  // namespace mixdown::mix
