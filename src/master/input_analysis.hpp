// What mastering needs to know about a mix, in ONE streaming pass: loudness (BS.1770-4 via
// analysis::LoudnessMeter, with the mono fold-down), the long-term average spectrum of the mid
// signal on a fractional-octave grid (Welch's averaged periodogram, Hann window, FFTW3), stereo
// width and correlation (overall and below 150 Hz), DC and clipped runs. Memory is fixed
// (one FFT frame, a few sums) whatever the length of the song.
#pragma once

#include <cstdint>
#include <memory>
#include <limits>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::master {

// Band centres from lo_hz to hi_hz at `bands_per_octave` per octave, anchored at 1 kHz
// (IEC 61260 base-2 centres: 1000 * 2^(k / bands_per_octave)).
std::vector<double> fractional_octave_centres(int bands_per_octave, double lo_hz = 20.0,
                                              double hi_hz = 20000.0);

struct InputAnalysis {
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  double duration_s = 0.0;

  double integrated_lufs = 0.0;  // -inf: silence
  double range_lu = 0.0;
  double true_peak_dbtp = 0.0;
  double sample_peak_dbfs = 0.0;
  double plr_db = 0.0;           // true peak minus integrated loudness
  double momentary_max_lufs = 0.0;
  double short_term_max_lufs = 0.0;
  double mono_lufs = 0.0;        // stereo: the (L+R)/2 fold-down; -inf otherwise
  double mono_loss_lu = 0.0;     // how much quieter the mono fold-down is (stereo only)

  double correlation = 1.0;      // L/R, whole file (1 for mono)
  double side_ratio = 0.0;       // side energy / (mid + side) energy: 0 mono .. 1 all side
  double low_correlation = 1.0;  // L/R below 150 Hz
  double channel_balance_db = 0.0;  // stereo: left power over right, dB (±inf: one side silent)
  std::vector<double> dc;        // mean per channel
  double ac_rms_dbfs = 0.0;      // RMS with the DC removed, loudest channel (-inf: none)
  std::int64_t clipped_runs = 0; // runs of >= 3 consecutive samples at full scale
  std::int64_t nonfinite_samples = 0;  // NaN or infinite samples in the file (read as silence)
  // A float file's isolated absurd samples (analysis::spike_ceiling): the level above which they
  // read as silence in every pass (0: none), how many did and the highest.
  float spike_ceiling = 0.0f;
  std::int64_t spike_samples = 0;
  float spike_peak = 0.0f;
  double first_clip_s = -1.0;
  // Flat tops at the file's own peak under full scale (analysis::FlatTops): clipped upstream,
  // then turned down. Counted only when clipped_runs finds nothing at full scale.
  std::int64_t flat_top_runs = 0;
  double first_flat_top_s = -1.0;

  // Long-term spectrum of the mid signal, 1/6-octave bands 20 Hz .. 20 kHz (up to Nyquist):
  // mean power per band in dB (relative; only differences between bands and files matter).
  std::vector<double> band_hz;
  std::vector<double> band_db;
  // Stereo: the side signal's ((L-R)/2) spectrum on the same grid and scale as band_db, whose
  // mid is (L+R)/2, so mid + side power is the channels' mean power; empty otherwise.
  std::vector<double> side_band_db;
  // The share of the power (a constant DC offset left out) in the spectrum's lowest four bins,
  // under about 20 Hz at any rate, in dB: infrasonic rumble nobody hears that
  // takes the limiter's headroom (-inf: no power).
  double infrasonic_db = -std::numeric_limits<double>::infinity();

  bool silent() const;
  double worst_dc() const;  // the largest |mean| over the channels
  bool operator==(const InputAnalysis&) const = default;
};

class InputAnalyzer {
public:
  // What a pass measures: everything (the mix to master), or what a reference is read for (its
  // spectra, width and whether it is silent): then the true peak, the loudness range, the
  // short-term values and the mono fold-down are not measured, and read -inf; nor are its
  // clipped runs and flat tops (read 0) or its low end's correlation (reads 1). The spectra,
  // stereo sums, DC, level and integrated loudness are as for a mix; the mono loss reads 0.
  enum class Scope { mix, reference };
  // Throws Error(rejected) for channel layouts BS.1770 gives no weights for.
  InputAnalyzer(int sample_rate, int channels, Scope scope = Scope::mix);
  ~InputAnalyzer();
  InputAnalyzer(InputAnalyzer&&) noexcept;
  InputAnalyzer& operator=(InputAnalyzer&&) noexcept;

  void add(const ConstAudioView& block);
  // add() in four independent parts that may run at the same time on the same block (the
  // loudness meter; the true peak; the long-term spectrum; everything else): calling all four
  // equals calling add().
  void add_loudness(const ConstAudioView& block);
  void add_true_peak(const ConstAudioView& block);
  void add_spectrum(const ConstAudioView& block);
  void add_rest(const ConstAudioView& block);
  InputAnalysis finish();  // call once, after the last add()

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and short signals.
InputAnalysis analyze_buffer(const ConstAudioView& audio, int sample_rate);

}  // namespace mixdown::master
