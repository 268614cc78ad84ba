// The whole per-file analysis behind `mixdown analyze` (and the reports of mix and master): an
// incremental object fed block by block (memory independent of the file's length), whose
// finish() returns a plain AnalysisReport mirroring the analyze JSON of INTERFACE.md.
//
// Sources: loudness ITU-R BS.1770-4 / EBU R128 / Tech 3341 / Tech 3342 (loudness.hpp); true peak
// BS.1770-4 Annex 2 (true_peak.hpp); spectrum by Welch's method (spectrum.hpp); PLR and PSR as
// defined by the EBU/AES loudness literature (peak minus integrated / short-term loudness);
// stereo correlation as the normalised cross-correlation at lag 0 (a goniometer's
// correlation meter), width as side/mid energy ratio.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/loudness.hpp"
#include "analysis/spectrum.hpp"
#include "core/audio_buffer.hpp"
#include "core/problem.hpp"

namespace mixdown::analysis {

struct AnalyzerOptions {
  int threads = 1;                // 0 = all cores; results are identical for any count
  bool true_peak = true;
  double silence_dbfs = -60.0;    // head/tail silence: every channel below this sample level
  double long_silence_s = 2.0;    // head/tail silence this long is reported
  double clip_level = 0.9999;     // |x| at or above this is "at full scale" (16-bit max reads 0.99997)
  int clip_run = 3;               // this many consecutive full-scale samples make a clip
  double dc_offset_dbfs = -50.0;  // a channel mean above this is reported
  bool operator==(const AnalyzerOptions&) const = default;
};

struct LoudnessReport {
  // -inf (JSON null) where there is no measurement; `note` says why.
  double integrated_lufs = kMinusInfinity;
  double range_lu = kMinusInfinity;
  double momentary_max_lufs = kMinusInfinity;
  double short_term_max_lufs = kMinusInfinity;
  double true_peak_dbtp = kMinusInfinity;
  double sample_peak_dbfs = kMinusInfinity;
  double plr_db = kMinusInfinity;  // true peak minus integrated loudness
  std::vector<double> channel_true_peak_dbtp;
  std::vector<double> channel_sample_peak_dbfs;
  std::string note;
  static constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
  bool operator==(const LoudnessReport&) const = default;
};

struct BandLevel {
  double hz = 0;  // nominal centre
  double db = 0;  // dB of mean square; -inf when empty or above Nyquist
  bool operator==(const BandLevel&) const = default;
};

struct SpectrumReport {
  std::vector<BandLevel> third_octave;  // 31 bands, 20 Hz - 20 kHz
  BandArray bands_db{};                 // sub, low, low_mid, mid, high_mid, high (kBandNames)
  double centroid_hz = 0;
  double tilt_db_per_octave = 0;        // slope of the third-octave levels (pink noise ~ 0)
  bool operator==(const SpectrumReport&) const = default;
};

struct StereoReport {
  bool stereo = false;                  // false for mono files (then the values are trivial)
  double correlation = 1;               // -1 .. 1, whole band, time domain
  double low_end_correlation = 1;       // below 150 Hz
  double width = 0;                     // side/mid energy ratio (0 mono, 1 = as much side as mid)
  double balance = 0;                   // -1 all left .. +1 all right, by energy
  double balance_db = 0;                // right minus left level
  double mono_loss_lu = 0;              // integrated loudness lost by the mono fold-down
  BandArray band_correlation{1, 1, 1, 1, 1, 1};
  BandArray band_width{};
  bool operator==(const StereoReport&) const = default;
};

struct DynamicsReport {
  double crest_db = 0;                  // sample peak over RMS (all channels)
  double rms_dbfs = LoudnessReport::kMinusInfinity;
  double psr_db = LoudnessReport::kMinusInfinity;  // true peak minus the loudest short-term loudness
  double plr_db = LoudnessReport::kMinusInfinity;  // true peak minus integrated loudness
  LoudnessSeries short_term;            // every 100 ms from 3 s, for plots
  bool operator==(const DynamicsReport&) const = default;
};

struct ReferenceComparison {
  std::string file;
  double loudness_lu = 0;    // mix minus reference, integrated
  BandArray bands_db{};      // per band, after matching integrated loudness
  double width = 0;          // side/mid ratio, mix minus reference
  double range_lu = 0;       // LRA, mix minus reference
  double low_end_db = 0;     // share of energy below 250 Hz, mix relative to reference
  double brightness_db = 0;  // share of energy above 2 kHz, mix relative to reference
  std::vector<std::string> sentences;  // one plain sentence per delta that matters
  bool operator==(const ReferenceComparison&) const = default;
};

struct AnalysisReport {
  std::string file;
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  double duration_s = 0;
  LoudnessReport loudness;
  SpectrumReport spectrum;
  StereoReport stereo;
  DynamicsReport dynamics;
  std::vector<double> dc_offset;       // per channel, mean sample value
  std::int64_t clipped_runs = 0;       // runs of >= clip_run samples at full scale
  std::int64_t clipped_samples = 0;    // samples in those runs
  std::int64_t flat_top_runs = 0;      // with none: flat tops at the file's own peak (FlatTops)
  std::int64_t nonfinite_samples = 0;  // NaN/Inf read as 0
  double head_silence_s = 0, tail_silence_s = 0;
  std::vector<Problem> problems;
  std::optional<ReferenceComparison> reference;
  bool operator==(const AnalysisReport&) const = default;
};

class Analyzer {
public:
  // Throws Error(rejected) for channel counts without loudness weights (more than 6).
  Analyzer(double sample_rate, int channels, AnalyzerOptions options = {});
  ~Analyzer();
  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;

  // Feeds frames. NaN/Inf are read as 0 and counted.
  void add(const ConstAudioView& block);
  // Non-finite samples a reader already replaced by 0 before they reached add().
  void note_nonfinite(std::int64_t count) noexcept;
  // The report so far (file name left empty for the caller). Call after the last add().
  AnalysisReport finish();

  const LoudnessMeter& loudness() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where the mix stands against a reference once both play at the same loudness; sentences for
// the deltas that matter ("2.8 dB less sub (20-60 Hz) than the reference ...").
ReferenceComparison compare(const AnalysisReport& mix, const AnalysisReport& reference);

}  // namespace mixdown::analysis
