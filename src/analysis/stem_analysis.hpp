// The per-stem measurements the automatic mix decides from, in ONE streaming pass (create, add
// blocks, finish — libebur128's state model). Memory grows only with per-frame summaries
// (one row of band energies per 100 ms frame), never with the audio.
//
// Sources:
// - Loudness: ITU-R BS.1770-4 via analysis::LoudnessMeter (integrated, momentary series, LRA).
// - Perceptual bands: the ERB-rate scale of Glasberg & Moore, "Derivation of auditory filter
//   shapes from notched-noise data" (Hearing Research 47, 1990): E(f) = 21.4 log10(1 + 4.37 f/kHz).
//   Bands are equal steps on that scale (about 1.3 ERB each for 32 bands over 30 Hz .. 16 kHz).
// - Spectra: Hann-windowed STFT with FFTW3 (real-to-complex), power summed per band.
// - Onsets: half-wave rectified spectral flux (Dixon, "Onset detection revisited", DAFx 2006) on
//   a 10 ms energy grid; transient "punch" as the peak-to-mean energy ratio inside each frame.
// - Harmonicity: spectral peakiness and flatness (Peeters, CUIDADO 2004).
// - Stereo: mid/side energy ratio and L/R correlation.
// - K-weighted frame energy (the loudness of sums): band powers weighted by |K(f)|^2 of
//   BS.1770-4's pre-filter at each band centre, so stems' frames can be summed into a mix
//   estimate (assuming stems are uncorrelated; energies add) without rendering.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::analysis {

// Band layout shared by every stem of a session (same rate → same edges).
inline constexpr int kStemBands = 32;
inline constexpr double kStemBandLowHz = 30.0;
inline constexpr double kStemBandHighHz = 16000.0;
inline constexpr double kStemFrameS = 0.1;  // one row of summaries per 100 ms

double hz_to_erb_rate(double hz) noexcept;
double erb_rate_to_hz(double erb) noexcept;
// kStemBands + 1 edges, equal steps on the ERB-rate scale from kStemBandLowHz to
// min(kStemBandHighHz, 0.45 * sample_rate).
std::vector<double> stem_band_edges(double sample_rate);
// Centre (geometric mean of the edges) of band b.
std::vector<double> stem_band_centres(double sample_rate);

struct StemAnalysis {
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;

  // Loudness (BS.1770-4). -inf where undefined (silence) is stored as -200 to keep values finite.
  double integrated_lufs = -200.0;
  double loudness_range_lu = 0.0;
  double momentary_max_lufs = -200.0;
  double peak_dbfs = -200.0;      // sample peak over all channels
  double rms_dbfs = -200.0;        // whole file, mean over channels
  double crest_db = 0.0;           // peak_dbfs - rms over active frames (transient content)

  // Per-frame series, frame i spans [i, i+1) * frame_s.
  double frame_s = kStemFrameS;
  int bands = kStemBands;
  std::vector<float> band_edges_hz;   // bands + 1
  std::vector<float> frame_lufs;      // loudness of the frame (K-weighted energy, 100 ms)
  std::vector<float> band_db;         // frames × bands: band power (dB re full-scale sine-ish)
  std::vector<std::uint8_t> active;   // 1 where the stem carries sound (relative + absolute gate)
  std::vector<float> onset;           // spectral flux per frame (>= 0, arbitrary units)
  std::vector<float> punch_db;        // peak 10 ms energy over the frame's mean, dB
  // Onset strength on a finer grid for tempo: half-wave rectified rise of the 10 ms log energy
  // (dB), value j spans [j, j+1) * onset_env_s.
  double onset_env_s = 0.01;
  std::vector<float> onset_env;

  double active_fraction = 0.0;
  double active_lufs = -200.0;        // mean K-weighted energy over active frames, as LUFS

  // Long-term spectrum over active frames.
  std::vector<float> spectrum_db;     // per band, power mean over active frames, dB
  double fine_bin_hz = 0.0;           // resolution of fine_spectrum_db
  std::vector<float> fine_spectrum_db;  // power spectrum at FFT resolution, active frames
  double centroid_hz = 0.0;
  double low_share = 0.0;             // energy share below 150 Hz
  double sibilance_share = 0.0;       // energy share 5..10 kHz
  double rolloff_low_hz = 0.0;        // below this, < 1 % of the energy (10th of the energy: -20 dB)
  double rolloff_high_hz = 0.0;       // above this, < 1 % of the energy

  // Time structure.
  double onset_rate_hz = 0.0;         // onsets per second of active time
  double punch_mean_db = 0.0;         // mean punch over active frames
  // The floor between events: 20th percentile of the 10 ms levels from the first to the last
  // active frame, relative to their 99th percentile (dB, <= 0). A clean close-miked hit falls
  // to silence between hits (-60 and below); a stem that is mostly bleed sits at -15..-40.
  double floor_rel_db = -200.0;
  double event_level_db = -200.0;     // that 99th percentile: the level of the hits (dBFS, mean square summed over channels)

  // Tonality.
  double harmonicity = 0.0;           // 0 noise .. 1 pure tones (mean peakiness, active frames)
  double flatness = 0.0;              // 0 tonal .. 1 white (mean, active frames)

  // Stereo (channels >= 2, first two channels).
  double width = 0.0;                 // side / (mid + side) energy, 0 mono .. 1
  double correlation = 1.0;           // L/R correlation coefficient

  std::size_t num_frames() const noexcept { return frame_lufs.size(); }
  float band(std::size_t frame, int b) const noexcept {
    return band_db[frame * static_cast<std::size_t>(bands) + static_cast<std::size_t>(b)];
  }
  bool silent() const noexcept { return integrated_lufs <= -199.0; }

  bool operator==(const StemAnalysis&) const = default;
};

class StemAnalyzer {
public:
  // Throws Error(rejected) for channel counts LoudnessMeter has no weights for.
  StemAnalyzer(double sample_rate, int channels);
  ~StemAnalyzer();
  StemAnalyzer(StemAnalyzer&&) noexcept;
  StemAnalyzer& operator=(StemAnalyzer&&) noexcept;

  void add(const ConstAudioView& block);
  StemAnalysis finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and short signals.
StemAnalysis analyze_stem(const ConstAudioView& audio, double sample_rate);

// |K(f)|^2 of the BS.1770-4 pre-filter (shelf + high pass), at a frequency (linear power).
double k_weight_power(double hz) noexcept;

}  // namespace mixdown::analysis

// The contract gives stem_analysis.hpp's readers the song-level values too (SongAnalysis,
// analyze_song, choose_focus); they live in their own file, included here after StemAnalysis.
#include "analysis/song_analysis.hpp"  // IWYU pragma: export
