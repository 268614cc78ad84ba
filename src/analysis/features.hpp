// Per-stem sound features for intake QC and role recognition, computed in ONE streaming pass
// (create, add blocks, finish — after libebur128's state model). Memory holds only per-frame
// summaries (one level, one flux and one pitch value per ~21 ms hop) and a fixed budget of
// band-limited, decimated excerpts used to correlate stems with each other (polarity, offset,
// duplicates); nothing grows with the length of the song beyond those frame summaries.
//
// Sources: spectral centroid / flatness / band shares as in Peeters, "A large set of audio
// features for sound description" (CUIDADO, 2004); spectral flux onset function and
// peak-picking after Dixon, "Onset detection revisited" (DAFx 2006); Hann-windowed STFT with
// FFTW3 (real-to-complex); RBJ Audio EQ Cookbook biquads for the anti-alias filters of the
// decimated excerpts; mid/side width as energy ratio of (L-R)/2 to (L+R)/2.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::analysis {

// Whether sample x, at or over the clip level, ends the clipped run that prev (the sample
// before it) belongs to. At full scale any top code continues it (the few top codes of a
// fixed-point file; dither or a lossy decode may wobble among them); over full scale (a float
// file) only a flat top does, each sample equal to the one before: overs that still move were
// not cut off. The one rule of analyze, check and master's QC.
inline bool breaks_clip_run(float x, float prev) noexcept { return (x > 1.0f || x < -1.0f) && x != prev; }

// Flat tops below full scale: a mix or stem clipped somewhere upstream and then turned down keeps
// its flattened peaks at its own peak level (-1 or -6 dBFS, where the full-scale rule never
// looks). A flat top is a run of kFlatTopRun identical samples at kFlatTopFloor or more; the runs
// are tallied at the largest magnitude they reach, within kFlatTopTolerance of it (two codes of a
// 16-bit file: a dithered or 24-bit bounce puts its positive and negative tops a code or two
// apart), and count only when that magnitude is the file's own peak: a low note's crest in a
// 16-bit file repeats a code for two or three samples, never six.
inline constexpr int kFlatTopRun = 6;
inline constexpr float kFlatTopFloor = 0.25f;
inline constexpr float kFlatTopTolerance = 0x1p-14f;
// Flat tops that say a file was clipped: one or two can be a synthesiser's square wave at its peak.
inline constexpr std::int64_t kFlatTopsToFlag = 3;

class FlatTopTally {
public:
  // A run of kFlatTopRun identical samples of this magnitude completed, starting at `frame`.
  void add(float magnitude, std::int64_t frame) noexcept;
  // The runs at the file's peak (0 when the loudest runs lie under it), and where the first began.
  std::int64_t runs_at(float peak) const noexcept;
  std::int64_t first_frame() const noexcept { return first_; }

private:
  float mag_ = 0.0f;
  std::int64_t count_ = 0, first_ = -1;
};

// Runs of identical samples, channel by channel, into one tally: for analyzers that do not scan
// every sample themselves (a vectorised look for two equal neighbours at the floor first).
class FlatTops {
public:
  explicit FlatTops(int channels) : run_(static_cast<std::size_t>(channels), 0), last_(static_cast<std::size_t>(channels), 0.0f) {}
  // The channel's next n samples, the first at frame `frame0`. Channels and blocks in the same
  // order every time (the tally's tolerance makes it order-dependent).
  void add(int channel, const float* x, std::size_t n, std::int64_t frame0) noexcept;
  // The same, for a caller whose own vectorised pass over the block already looked for two
  // equal neighbours (the channel's previous sample before the first) at kFlatTopFloor or more:
  // `maybe` false when there are none, and the block needs no sample-by-sample look.
  void add(int channel, const float* x, std::size_t n, std::int64_t frame0, bool maybe) noexcept;
  std::int64_t runs_at(float peak) const noexcept { return tally_.runs_at(peak); }
  std::int64_t first_frame() const noexcept { return tally_.first_frame(); }

private:
  std::vector<int> run_;
  std::vector<float> last_;
  FlatTopTally tally_;
};

// Where to keep decimated excerpts: windows [start, start + frames) in source frames. Every
// stem of a session gets the same plan (same absolute times) so excerpts line up across stems.
struct ExcerptPlan {
  std::vector<std::int64_t> starts;
  std::int64_t frames = 0;
  bool operator==(const ExcerptPlan&) const = default;
};

// Evenly spread windows over `total_frames`: at most `count` windows of `window_s` seconds
// (contiguous when the song is shorter than count × window).
ExcerptPlan make_excerpt_plan(std::int64_t total_frames, int sample_rate, int count = 24,
                              double window_s = 0.5);

// A stereo stem whose quieter channel lies this far under the other holds its part on one side
// only.
inline constexpr double kOneSidedDb = 40.0;
// A stereo stem whose L/R correlation (energy-weighted over the file, so over its sounding
// parts) is under kOutOfPhaseCorrelation has one channel inverted (a miswired cable, a
// phase-flipped channel): it cancels in mono. Wide stereo (room mics, a spread pad, M/S
// tricks) sits around 0 and at worst mildly negative (-0.3); -0.8 and below is no recording's
// image but the same part on both sides with opposite signs.
inline constexpr double kOutOfPhaseCorrelation = -0.8;
// A stem whose loudest hop stays under kNoiseFloorDbfs and within kNoiseSteadyDb of its median
// hop holds a noise floor, not a part (a part, however quiet, has events over its floor).
inline constexpr double kNoiseFloorDbfs = -50.0;
inline constexpr double kNoiseSteadyDb = 6.0;
// Where a stem's sound ends (StemFeatures::sound_end_s): the last hop above kSoundFloorDbfs, or
// kSoundBelowPeakDb under the stem's loudest hop when that is lower (a quiet part's own fade).
// Below -90 dBFS lies only a 16-bit export's dither (about -96 dBFS) and digital silence: what
// follows is an export's padding, not part of the music.
inline constexpr double kSoundFloorDbfs = -90.0;
inline constexpr double kSoundBelowPeakDb = 60.0;
// A stem that holds nothing but a few isolated clicks (a muted track that kept an edit click, a
// stray digital tick): every sounding stretch lasts at most kClickMaxS, and all its sound
// together carries less energy than kClickEnergyS of its peak level would (a one-shot impact,
// a single hit or a crash rings for tens of milliseconds and more). Two 1 ms clicks: 0.75 ms.
inline constexpr double kClickMaxS = 0.05;
inline constexpr double kClickEnergyS = 0.005;
// sound_end_s is known to one analysis hop (1024 frames at 44.1/48 kHz, 2048 at 88.2/96 kHz):
// at most this much after the true end.
inline constexpr double kSoundEndResolutionS = 0.025;

// A channel's DC offset from its whole-file mean and the means of its parts (hops, chunks): a
// DC offset is a constant, so it shows in the typical part (the median), not just in the mean,
// which an asymmetric kick waveform also moves. The smaller of the two (0 with no parts).
double dc_offset_of(double mean, std::vector<double> part_means);

struct StemFeatures {
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;

  // Level and integrity.
  double peak_dbfs = -200.0;        // highest sample magnitude over all channels
  double rms_dbfs = -200.0;         // whole file, mean over channels
  std::int64_t clipped_runs = 0;    // runs of >= 3 consecutive samples at full scale
  std::int64_t flat_top_runs = 0;   // flat tops at the file's own peak (FlatTopTally)
  std::int64_t over_full_scale = 0; // samples beyond +-1.0 (float and lossy files)
  double first_clip_s = -1.0;
  std::vector<double> dc;           // per channel: the smaller of the file mean and the median hop mean
  bool silent = true;               // nothing above the activity floor
  bool dc_only = false;             // silent but for a constant (a DC offset): also `silent`
  // A steady floor and nothing on it: every hop within kNoiseSteadyDb of the median and none
  // above kNoiseFloorDbfs (an unused channel's hum and hiss). Also `silent`: no part to mix.
  bool noise_only = false;
  double noise_dbfs = -200.0;       // that floor's median hop level
  double active_fraction = 0.0;     // share of frames that carry sound
  double head_silence_s = 0.0;      // before the first active frame
  double tail_silence_s = 0.0;      // after the last active frame
  // The end of the last hop that holds any sound (kSoundFloorDbfs): what follows is silence.
  // The file's length when it is silent throughout (nothing ends: its length is all it says).
  double sound_end_s = 0.0;
  // Nothing but isolated clicks (kClickMaxS, kClickEnergyS): no part to mix. Not `silent`.
  bool clicks_only = false;
  int clicks = 0;                   // sounding stretches (with clicks_only)
  double first_click_s = -1.0;

  // Stereo (channels >= 2; first two channels).
  bool dual_mono = false;           // L and R identical up to -60 dB of difference
  // One of L and R silent, or more than kOneSidedDb under the other: a mono part on one side
  // of a stereo file (left_db - right_db says which). Mixed, like dual mono, as the mono part
  // it is (MixedAsMono).
  bool one_sided = false;
  double left_minus_right_db = 0.0;
  // L/R correlation under kOutOfPhaseCorrelation: one channel inverted. Mixed with its right
  // channel inverted back (Strip::invert_right); `inverted_dual_mono` when the two are then
  // identical (L = -R up to -80 dB), and then also folded to mono (MixedAsMono).
  bool out_of_phase = false;
  bool inverted_dual_mono = false;
  double side_ratio = 0.0;          // side energy / (mid + side) energy, 0 (mono) .. 1
  double lr_correlation = 1.0;

  // Spectral shape, energy-weighted over frames.
  double centroid_hz = 0.0;
  double low120_share = 0.0;        // energy below 120 Hz / total
  double low250_share = 0.0;
  double low500_share = 0.0;
  double high5k_share = 0.0;        // energy above 5 kHz / total
  double flatness = 0.0;            // 0 tonal .. 1 white noise
  double peakiness = 0.0;           // energy share of the 5 strongest spectral peaks: harmonicity

  // Time structure.
  double onset_rate_hz = 0.0;       // onsets per second of active time
  int onsets = 0;
  double decay_db_per_s = 0.0;      // median level fall just after onsets: percussiveness
  double percussiveness = 0.0;      // 0 held (<= 20 dB/s) .. 1 struck (>= 60 dB/s)
  double ring_s = 0.0;              // median time for a hit to fall 20 dB (or the next hit)
  double pitch_glide_st = 0.0;      // median pitch fall over the first ~60 ms, semitones
  double hits_per_s = 0.0;          // onsets per second of the whole file
  double dominant_hz = 0.0;         // median strongest low/mid frequency shortly after onsets
  double pitch_change_rate = 0.0;   // share of onsets more than 2.5 semitones off the median pitch

  // Per-frame summaries (hop = frame_s seconds).
  double frame_s = 0.0;
  std::vector<float> frame_db;      // mean-square level per hop, dBFS

  // Band-limited (30 Hz .. ~1.6 kHz), decimated mono excerpts following the ExcerptPlan.
  int excerpt_rate = 0;
  std::int64_t excerpt_window = 0;  // decimated samples per window
  std::vector<float> excerpt;       // windows concatenated (zeros beyond the end of the file)

  bool operator==(const StemFeatures&) const = default;
};

// Mixed as a mono source (folded, then panned by the mix): dual mono (also once one channel is
// inverted back), or one-sided.
inline bool mixed_as_mono(const StemFeatures& f) noexcept { return f.dual_mono || f.one_sided || f.inverted_dual_mono; }

class StemFeatureAnalyzer {
public:
  StemFeatureAnalyzer(int sample_rate, int channels, ExcerptPlan plan = {});
  ~StemFeatureAnalyzer();
  StemFeatureAnalyzer(StemFeatureAnalyzer&&) noexcept;
  StemFeatureAnalyzer& operator=(StemFeatureAnalyzer&&) noexcept;

  void add(const ConstAudioView& block);
  StemFeatures finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and short signals.
StemFeatures compute_features(const ConstAudioView& audio, int sample_rate, ExcerptPlan plan = {});

// Normalized cross-correlation of two stems' excerpts over lags within +-max_lag_s (b later
// than a for positive lags). Meaningful only when both excerpts share a rate and plan.
struct PairCorrelation {
  double r = 0.0;          // correlation at the best |r| lag
  double r_zero_lag = 0.0;
  double lag_s = 0.0;      // positive: b is late relative to a
  double energy_a = 0.0, energy_b = 0.0;
  bool valid = false;
};
PairCorrelation correlate_excerpts(const StemFeatures& a, const StemFeatures& b,
                                   double max_lag_s = 0.010);

}  // namespace mixdown::analysis
