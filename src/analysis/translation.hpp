// Translation: how a mix holds up on the systems people actually play it on, and plain-word
// checks on what each would do to it.
//
// Playback models are deliberately simple linear responses plus the few non-linear traits that
// change what a listener hears (a small speaker's limiter, road noise, a club's mono sub):
//   phone    mono, 4th-order Butterworth high-pass at 400 Hz, a +6 dB resonance near 1.8 kHz,
//            roll-off above 10 kHz, driven hard into a peak limiter (small-speaker protection)
//   earbuds  2nd-order high-pass at 80 Hz and a shelf below 150 Hz (weak low end on a typical
//            seal), +5 dB presence bell at 3.2 kHz (the forward 2-5 kHz of most earbuds)
//   laptop   narrowed image (side halved), 4th-order high-pass at 200 Hz, +4 dB at 1 kHz, limiter
//   car      cabin gain (+6 dB low shelf at 80 Hz), gentle top roll-off, road noise 18 dB under
//            the music (a low-weighted pink-ish noise: tyre and engine noise sit below 500 Hz)
//   club     low end summed to mono below 120 Hz (Linkwitz-Riley 4th-order crossover, which sums
//            flat), sub extension (+4 dB shelf at 50 Hz, subsonic at 25 Hz), high level, limiter
//   bluetooth the file through a lossy codec round trip (done by the io layer; identity here)
//   mono     the (L+R)/2 fold-down
// Filter designs: RBJ Audio EQ Cookbook (dsp/biquad.hpp). Linkwitz-Riley: S. Linkwitz, "Active
// crossover networks for noncoincident drivers", JAES 24(1), 1976. Loudness: ITU-R BS.1770-4.
// Spectra: Welch (analysis/spectrum.hpp).
//
// The checks read measurements only; the thresholds are in TranslationThresholds with the
// reasoning beside each.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/loudness.hpp"
#include "analysis/spectrum.hpp"
#include "core/audio_buffer.hpp"
#include "core/problem.hpp"
#include "dsp/biquad.hpp"
#include "dsp/limiter.hpp"

namespace mixdown::analysis {

enum class PlaybackSystem { phone, earbuds, laptop, car, club, bluetooth, mono };
inline constexpr std::array<PlaybackSystem, 7> kPlaybackSystems{
    PlaybackSystem::phone, PlaybackSystem::earbuds, PlaybackSystem::laptop, PlaybackSystem::car,
    PlaybackSystem::club,  PlaybackSystem::bluetooth, PlaybackSystem::mono};
std::string_view to_string(PlaybackSystem s) noexcept;
// A phrase for messages: "phone speakers", "earbuds", ...
std::string_view listener_phrase(PlaybackSystem s) noexcept;

// What a playback system is, as numbers.
struct PlaybackModel {
  PlaybackSystem system = PlaybackSystem::mono;
  int out_channels = 2;           // 1 for phone and mono
  // The loudness the input is driven to before the device (its volume setting); NaN = play
  // the file at its own level (bluetooth: the codec sees the file as delivered).
  double drive_lufs = std::numeric_limits<double>::quiet_NaN();
  double cutoff_hz = 0.0;         // where the device stops reproducing bass (0 = full range)
  double side_gain = 1.0;         // laptop: a narrow image
  double mono_below_hz = 0.0;     // club: low end summed to mono below this
  std::vector<dsp::BiquadCoeffs> response;  // the device's frequency response
  bool limiter = false;
  double limiter_ceiling_dbtp = -1.0;
  double noise_below_music_db = 0.0;  // car: road noise this far under the drive level (0 = none)
  std::string description;
  // |H(f)| of `response` in dB.
  double response_db(double hz, double sample_rate) const noexcept;
};

PlaybackModel playback_model(PlaybackSystem system, double sample_rate);

// Renders a playback model on blocks (prepare / reset / process). process() writes
// model().out_channels channels into `out` and never allocates.
class PlaybackRenderer {
public:
  PlaybackRenderer() = default;
  void prepare(PlaybackSystem system, double sample_rate, int in_channels, std::size_t max_block_frames);
  void reset() noexcept;
  void set_gain_db(double gain_db) noexcept { gain_ = static_cast<float>(std::pow(10.0, gain_db / 20.0)); }
  // `out` has model().out_channels channels and in.num_frames() frames (<= max_block_frames).
  // `music_only` (same shape, optional) receives the output before road noise is added.
  void process(const ConstAudioView& in, const AudioView& out, const AudioView* music_only = nullptr) noexcept;
  // The output before road noise only (what process() puts in music_only): for measuring the
  // music as played when the noisy output itself is not wanted. The noise's generator does
  // not advance.
  void process_music(const ConstAudioView& in, const AudioView& out) noexcept;
  // a.process_music(in, out_a) and b.process_music(in, out_b), the same values (an exact zero
  // may take the other sign), their response filters side by side (dsp::BiquadCascade::process_two): two systems that play the whole
  // song for its peak (earbuds, car) cost about one.
  static void process_music_two(PlaybackRenderer& a, const AudioView& out_a, PlaybackRenderer& b,
                                const AudioView& out_b, const ConstAudioView& in) noexcept;
  const PlaybackModel& model() const noexcept { return model_; }
  double noise_rms() const noexcept { return noise_rms_; }
  void set_noise_rms(double rms) noexcept { noise_rms_ = rms; }
  std::size_t latency_frames() const noexcept { return model_.limiter ? limiter_.latency_frames() : 0; }
  std::size_t tail_frames() const noexcept { return latency_frames(); }

private:
  // process_music before the response filter and after it.
  void music_in(const ConstAudioView& in, const AudioView& out) noexcept;
  void music_out(const AudioView& out) noexcept;
  PlaybackModel model_;
  double rate_ = 48000.0;
  int in_channels_ = 2;
  float gain_ = 1.0f;
  dsp::BiquadCascade response_;
  dsp::BiquadCascade club_low_, club_high_;  // LR4 low-pass (mono sum) and high-pass (per channel)
  dsp::BiquadCascade noise_shape_;
  dsp::TruePeakLimiter limiter_;
  AudioBuffer low_;       // club: the summed low end
  AudioBuffer noise_;
  double noise_rms_ = 0.0;
  std::uint64_t noise_state_ = 0x9E3779B97F4A7C15ull;
};

// The spectral density (per Hz, linear power) of the road noise PlaybackRenderer adds for a
// noise rms of 1, at `hz`: for predicting masking without rendering.
double road_noise_density(double hz, double sample_rate);

// Measurements on one stream (a system's output, or the input).
class StreamMeter {
public:
  // mono_sum (stereo only): also the (L+R)/2 fold-down's loudness, which only the input's
  // meter needs (a lane's own fold-down is never read). overlap false: the long-term spectrum
  // from Hann frames that do not overlap (SpectrumAccumulator::set_no_overlap), half the FFTs;
  // the input's meter, which sees the whole stream, takes it.
  StreamMeter(double sample_rate, int channels, bool keep_series, bool mono_sum = false, bool overlap = true);
  void add(const ConstAudioView& block);
  // add() in two independent halves that may run at the same time on the same block (the
  // loudness; the spectrum and peak): calling both equals calling add().
  void add_loudness(const ConstAudioView& block) { loudness_.add(block); }
  void add_spectrum(const ConstAudioView& block);
  // Takes the loudness from a meter that saw the same stream (and has this meter's options)
  // instead of measuring it again: then only add_spectrum() is fed.
  void set_loudness(const LoudnessMeter& measured) { loudness_ = measured; }
  void finish();
  const LoudnessMeter& loudness() const noexcept { return loudness_; }
  const SpectrumAccumulator& spectrum() const noexcept { return *spectrum_; }
  double sample_peak_dbfs() const noexcept;
  // With mono_sum: the largest |L + R| seen (float sums, as a renderer's fold-down forms them).
  float fold_peak() const noexcept { return fold_peak_; }

private:
  LoudnessMeter loudness_;
  std::unique_ptr<SpectrumAccumulator> spectrum_;
  float peak_ = 0.0f, fold_peak_ = 0.0f;
};

// The lead against the rest, accumulated only where the lead sings: two gated long-term
// spectra (the acapella and the instrumental of a mix), from which each system's
// vocal-to-rest ratio in the speech band follows through its response.
class VocalBalance {
public:
  VocalBalance(double sample_rate, int vocal_channels, int rest_channels);
  // Same-length blocks of the lead and of everything else.
  void add(const ConstAudioView& vocal, const ConstAudioView& rest);
  void finish();
  bool has_vocal() const noexcept;
  // Lead minus rest in 300 Hz - 4 kHz (where intelligibility lives), through the model's
  // response; noise_rms_rel: the road noise rms relative to the rest's rms (0 for none).
  double vocal_to_rest_db(const PlaybackModel& model, double rest_gain_db, double noise_rms) const;

private:
  double rate_;
  std::unique_ptr<SpectrumAccumulator> vocal_, rest_;
  std::int64_t active_frames_ = 0, frames_ = 0;
};

struct SystemMeasure {
  PlaybackSystem system = PlaybackSystem::mono;
  double drive_gain_db = 0.0;          // applied before the device
  double loudness_lufs = -std::numeric_limits<double>::infinity();
  BandArray bands_db{};                // sub .. high, dB of mean square, as played
  double sample_peak_dbfs = -std::numeric_limits<double>::infinity();
  // 2-5 kHz power per octave minus 250 Hz-2 kHz power per octave, as played: how forward the
  // presence range is against the body.
  double presence_db = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> vocal_to_rest_db;
  double masked_share = 0.0;           // car: share of the music's short-term windows under the noise
  double first_masked_s = -1.0;
  std::vector<std::string> notes;
  std::string file;                    // the listenable file, relative to the output folder
  // The listenable file as written, after its -1 dBTP device protection (NaN with no file):
  // its loudness, sample peak and the deepest gain reduction the protection applied.
  double file_loudness_lufs = std::numeric_limits<double>::quiet_NaN();
  double file_sample_peak_dbfs = std::numeric_limits<double>::quiet_NaN();
  double protection_db = std::numeric_limits<double>::quiet_NaN();
};

// What the checks need from the input itself.
struct InputMeasure {
  double integrated_lufs = -std::numeric_limits<double>::infinity();
  double mono_lufs = -std::numeric_limits<double>::infinity();
  bool stereo = false;
  double low_db = 0.0;        // 30-100 Hz power: where bass fundamentals live
  double carry_db = 0.0;      // 100-300 Hz: their 2nd-4th harmonics, what small speakers play
  double low_share_db = 0.0;  // power below 150 Hz minus power 150 Hz - 20 kHz
  double sample_peak_dbfs = -std::numeric_limits<double>::infinity();
  // Per third-octave band (40 Hz - 12.5 kHz): mono fold-down minus the channel mean, dB, for
  // bands carrying real energy (within 30 dB of the loudest band); NaN elsewhere.
  std::vector<double> band_hz, mono_band_loss_db;
  bool lead_known = false;    // vocal_to_rest measured (a mix with its acapella)
  LoudnessSeries short_term;  // the input's 3 s loudness every 100 ms (for plots)
  std::vector<double> third_octave_db;  // the input's long-term spectrum (for plots)
};

struct TranslationThresholds {
  // Mono: the fold-down 3 LU quieter is the limit; one band 6 dB down is an element
  // (a widened synth, a flipped double) vanishing. Uncorrelated content loses 3 dB, so 6 dB
  // needs real anti-phase.
  double mono_loss_lu = 3.0;
  double mono_band_loss_db = 6.0;
  // Bass with no harmonics: fundamentals (30-100 Hz) this far above their carry region
  // (100-300 Hz). Finished mixes measure -10..+6 dB here (bass, kick, guitars, vocals all
  // reach into 100-300 Hz); a sub-only bass with an empty low-mid reads far higher.
  double low_without_carry_db = 12.0;
  // Low end overload: power below 150 Hz against the rest. Bass-heavy genres run up to about
  // +6 dB; beyond +9 dB the low end swamps everything and small speakers distort on it.
  double low_share_db = 9.0;
  // Harsh: the earbuds' 2-5 kHz power per octave against 250 Hz-2 kHz per octave. A balanced
  // mix falls 3-4 dB/octave, so this reads about -6..0 through the earbuds' presence bump.
  double harsh_db = 4.0;
  // A decoded lossy file above full scale clips in every player's DAC.
  double codec_peak_dbfs = 0.0;
  // Lead against the rest in the speech band: below this the words are lost.
  double vocal_to_rest_db = -6.0;
  // Car: music windows under the road noise + this margin count as masked; a problem once
  // more than this share of the song is masked.
  double masked_margin_db = 6.0;
  double masked_share = 0.2;
  // An input this far under every delivery level (the quietest target, ATSC A/85, is -24
  // LKFS): the systems play it brought up to their listening level, which it is not.
  double quiet_input_lufs = -40.0;
  bool operator==(const TranslationThresholds&) const = default;
};

struct TranslationReport {
  InputMeasure input;
  std::vector<SystemMeasure> systems;
  std::vector<Problem> problems;
  std::string vocal_note;  // how vocal_to_rest was measured, or why it was not
};

// Fills loudness, bands, peak and presence from a system's meter; with a finite noise_lufs
// (car), the share of the music's short-term windows (above -60 LUFS) within masked_margin_db
// of the noise.
void fill_measure(SystemMeasure& m, const StreamMeter& meter, double noise_lufs = -std::numeric_limits<double>::infinity(),
                  double masked_margin_db = 6.0);

// The mono system's measure (playback_model(mono): (L+R)/2 on one speaker at drive gain
// gain_db, as PlaybackRenderer forms it) derived from the stereo input's meter (with mono_sum)
// instead of played and measured apart: the fold-down's loudness from the meter's mono sum,
// its spectrum from the channels' powers and cross power, its peak from the largest |L + R|.
// The same figures as a meter fed the rendered lane, to float rounding (the peak exactly).
void fill_mono_measure(SystemMeasure& m, const StreamMeter& input, double gain_db);
// That fold-down's spectrum.
SpectrumAccumulator mono_spectrum(const StreamMeter& input, double gain_db);

// Fills report.problems (and system notes) from the measurements.
void check_translation(TranslationReport& report, const TranslationThresholds& t = {});

// Fills an InputMeasure from the input's meter (with mono_sum) and the mono system's meter
// (whose drive gain was mono_gain_db).
InputMeasure measure_input(const StreamMeter& input, const StreamMeter& mono, double mono_gain_db, bool stereo);
// The same with the mono system's spectrum given (see mono_spectrum).
InputMeasure measure_input(const StreamMeter& input, const SpectrumAccumulator& mono_spectrum, double mono_gain_db,
                           bool stereo);

}  // namespace mixdown::analysis
