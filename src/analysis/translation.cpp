#include "analysis/translation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/simd.hpp"

namespace mixdown::analysis {
namespace {

using dsp::BiquadCoeffs;
constexpr double kInf = std::numeric_limits<double>::infinity();
// 4th-order Butterworth as two biquads (Q of the pole pairs, Butterworth 1930).
constexpr double kQ4a = 0.5411961, kQ4b = 1.3065630;
constexpr double kQ2 = 0.7071068;

double db10(double p) { return p > 0.0 ? 10.0 * std::log10(p) : -kInf; }

// max |l[i] + r[i]| over a block (NaN-free input, as SpectrumAccumulator::add expects), in
// eight lanes so that it vectorizes (a float max is exact in any order).
float max_abs_sum(const float* l, const float* r, std::size_t n) {
  float lanes[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const float a = std::fabs(l[i + j] + r[i + j]);
      lanes[j] = a > lanes[j] ? a : lanes[j];
    }
  float m = 0.0f;
  for (; i < n; ++i) {
    const float a = std::fabs(l[i] + r[i]);
    m = a > m ? a : m;
  }
  for (float v : lanes) m = v > m ? v : m;
  return m;
}

std::string clock(double s) {
  const int t = static_cast<int>(std::max(0.0, s));
  return fmt::format("{}:{:02d}", t / 60, t % 60);
}

}  // namespace

std::string_view to_string(PlaybackSystem s) noexcept {
  switch (s) {
    case PlaybackSystem::phone: return "phone";
    case PlaybackSystem::earbuds: return "earbuds";
    case PlaybackSystem::laptop: return "laptop";
    case PlaybackSystem::car: return "car";
    case PlaybackSystem::club: return "club";
    case PlaybackSystem::bluetooth: return "bluetooth";
    case PlaybackSystem::mono: return "mono";
  }
  return "mono";
}

std::string_view listener_phrase(PlaybackSystem s) noexcept {
  switch (s) {
    case PlaybackSystem::phone: return "phone speakers";
    case PlaybackSystem::earbuds: return "earbuds";
    case PlaybackSystem::laptop: return "laptop speakers";
    case PlaybackSystem::car: return "a car stereo";
    case PlaybackSystem::club: return "a club system";
    case PlaybackSystem::bluetooth: return "Bluetooth (lossy codec)";
    case PlaybackSystem::mono: return "a mono speaker";
  }
  return "a mono speaker";
}

double PlaybackModel::response_db(double hz, double sample_rate) const noexcept {
  double db = 0.0;
  for (const auto& c : response) db += c.magnitude_db(hz, sample_rate);
  return db;
}

PlaybackModel playback_model(PlaybackSystem system, double fs) {
  PlaybackModel m;
  m.system = system;
  switch (system) {
    case PlaybackSystem::phone:
      m.out_channels = 1;
      m.drive_lufs = -11.0;  // full volume: the limiter works
      m.cutoff_hz = 400.0;
      m.response = {BiquadCoeffs::high_pass(400.0, kQ4a, fs), BiquadCoeffs::high_pass(400.0, kQ4b, fs),
                    BiquadCoeffs::bell(1800.0, 6.0, 1.2, fs), BiquadCoeffs::low_pass(10000.0, kQ2, fs)};
      m.limiter = true;
      m.limiter_ceiling_dbtp = -3.0;
      m.description = "one small speaker: nothing below ~400 Hz, a resonance near 1.8 kHz, limited at full volume";
      break;
    case PlaybackSystem::earbuds:
      m.drive_lufs = -16.0;
      m.cutoff_hz = 80.0;
      m.response = {BiquadCoeffs::high_pass(80.0, kQ2, fs), BiquadCoeffs::low_shelf(150.0, -4.0, kQ2, fs),
                    BiquadCoeffs::bell(3200.0, 5.0, 1.0, fs), BiquadCoeffs::high_shelf(10000.0, -3.0, kQ2, fs)};
      m.description = "typical earbuds: weak below ~100 Hz, forward between 2 and 5 kHz";
      break;
    case PlaybackSystem::laptop:
      m.drive_lufs = -14.0;
      m.cutoff_hz = 200.0;
      m.side_gain = 0.5;
      m.response = {BiquadCoeffs::high_pass(200.0, kQ4a, fs), BiquadCoeffs::high_pass(200.0, kQ4b, fs),
                    BiquadCoeffs::bell(1000.0, 4.0, 1.0, fs), BiquadCoeffs::low_pass(12000.0, kQ2, fs)};
      m.limiter = true;
      m.limiter_ceiling_dbtp = -2.0;
      m.description = "laptop speakers: narrow image, nothing below ~200 Hz, boxy around 1 kHz";
      break;
    case PlaybackSystem::car:
      m.drive_lufs = -16.0;
      m.response = {BiquadCoeffs::low_shelf(80.0, 6.0, kQ2, fs), BiquadCoeffs::high_shelf(8000.0, -2.0, kQ2, fs)};
      m.noise_below_music_db = 18.0;
      m.description = "a car at speed: cabin bass gain, road noise 18 dB under the music";
      break;
    case PlaybackSystem::club:
      m.drive_lufs = -8.0;
      m.mono_below_hz = 120.0;
      m.response = {BiquadCoeffs::high_pass(25.0, kQ2, fs), BiquadCoeffs::low_shelf(50.0, 4.0, kQ2, fs)};
      m.limiter = true;
      m.limiter_ceiling_dbtp = -1.0;
      m.description = "a club rig: mono subs below 120 Hz, extended sub, played loud";
      break;
    case PlaybackSystem::bluetooth:
      m.description = "the file through a lossy codec round trip, at its own level";
      break;
    case PlaybackSystem::mono:
      m.out_channels = 1;
      m.drive_lufs = -14.0;
      m.description = "the (L+R)/2 fold-down on one speaker";
      break;
  }
  return m;
}

void PlaybackRenderer::prepare(PlaybackSystem system, double sample_rate, int in_channels,
                               std::size_t max_block_frames) {
  model_ = playback_model(system, sample_rate);
  rate_ = sample_rate;
  in_channels_ = in_channels;
  response_.prepare(model_.out_channels, model_.response.size());
  response_.set_coeffs(model_.response);
  if (model_.mono_below_hz > 0.0) {
    const auto lp = BiquadCoeffs::low_pass(model_.mono_below_hz, kQ2, sample_rate);
    const auto hp = BiquadCoeffs::high_pass(model_.mono_below_hz, kQ2, sample_rate);
    club_low_.prepare(1, 2);
    club_low_.set_coeffs(std::vector<BiquadCoeffs>{lp, lp});
    club_high_.prepare(model_.out_channels, 2);
    club_high_.set_coeffs(std::vector<BiquadCoeffs>{hp, hp});
    low_.resize(1, max_block_frames);
  }
  if (model_.noise_below_music_db > 0.0) {
    noise_shape_.prepare(1, 2);
    noise_shape_.set_coeffs(std::vector<BiquadCoeffs>{BiquadCoeffs::high_pass(30.0, kQ2, sample_rate),
                                                      BiquadCoeffs::low_pass(400.0, kQ2, sample_rate)});
    noise_.resize(1, max_block_frames);
  }
  if (model_.limiter) {
    limiter_.set_settings({model_.limiter_ceiling_dbtp, 5.0, 80.0});
    limiter_.prepare({sample_rate, model_.out_channels, max_block_frames});
  }
  reset();
}

void PlaybackRenderer::reset() noexcept {
  response_.reset();
  club_low_.reset();
  club_high_.reset();
  noise_shape_.reset();
  if (model_.limiter) limiter_.reset();
  noise_state_ = 0x9E3779B97F4A7C15ull;
}

void PlaybackRenderer::process(const ConstAudioView& in, const AudioView& out, const AudioView* music_only) noexcept {
  process_music(in, out);
  const std::size_t n = in.num_frames();
  const int oc = model_.out_channels;
  if (music_only) music_only->copy_from(out);
  if (model_.noise_below_music_db > 0.0 && noise_rms_ > 0.0) {
    float* z = noise_.channel(0);
    for (std::size_t i = 0; i < n; ++i) {
      // xorshift64*: a fixed-seed generator so renders are bit-identical run to run.
      noise_state_ ^= noise_state_ >> 12;
      noise_state_ ^= noise_state_ << 25;
      noise_state_ ^= noise_state_ >> 27;
      const std::uint64_t v = noise_state_ * 0x2545F4914F6CDD1Dull;
      // Uniform in [-1, 1) has variance 1/3: scale by sqrt(3) for unit variance.
      z[i] = static_cast<float>((static_cast<double>(v >> 11) * 0x1.0p-53 * 2.0 - 1.0) * 1.7320508 * noise_rms_);
    }
    noise_shape_.process_channel(0, z, n);
    for (int c = 0; c < oc; ++c) {
      float* o = out.channel(c);
      for (std::size_t i = 0; i < n; ++i) o[i] += z[i];
    }
  }
}

void PlaybackRenderer::process_music(const ConstAudioView& in, const AudioView& out) noexcept {
  music_in(in, out);
  response_.process(out);
  music_out(out);
}

void PlaybackRenderer::process_music_two(PlaybackRenderer& a, const AudioView& out_a, PlaybackRenderer& b,
                                         const AudioView& out_b, const ConstAudioView& in) noexcept {
  a.music_in(in, out_a);
  b.music_in(in, out_b);
  dsp::BiquadCascade::process_two(a.response_, out_a, b.response_, out_b);
  a.music_out(out_a);
  b.music_out(out_b);
}

void PlaybackRenderer::music_out(const AudioView& out) noexcept {
  if (model_.limiter) limiter_.process(out);
}

void PlaybackRenderer::music_in(const ConstAudioView& in, const AudioView& out) noexcept {
  const std::size_t n = in.num_frames();
  const int oc = model_.out_channels;
  const float* l = in.channel(0);
  const float* r = in_channels_ >= 2 ? in.channel(1) : in.channel(0);
  if (oc == 1) {
    float* o = out.channel(0);
    for (std::size_t i = 0; i < n; ++i) o[i] = 0.5f * gain_ * (l[i] + r[i]);
  } else {
    float* ol = out.channel(0);
    float* orr = out.channel(1);
    const float s = static_cast<float>(model_.side_gain);
    for (std::size_t i = 0; i < n; ++i) {
      const float mid = 0.5f * (l[i] + r[i]), side = 0.5f * (l[i] - r[i]) * s;
      ol[i] = gain_ * (mid + side);
      orr[i] = gain_ * (mid - side);
    }
  }
  if (model_.mono_below_hz > 0.0 && oc == 2) {
    float* lo = low_.channel(0);
    for (std::size_t i = 0; i < n; ++i) lo[i] = 0.5f * (out.channel(0)[i] + out.channel(1)[i]);
    club_low_.process_channel(0, lo, n);
    club_high_.process(out);
    for (int c = 0; c < 2; ++c) {
      float* o = out.channel(c);
      for (std::size_t i = 0; i < n; ++i) o[i] += lo[i];
    }
  }
}

double road_noise_density(double hz, double sample_rate) {
  const double h = BiquadCoeffs::high_pass(30.0, kQ2, sample_rate).magnitude_db(hz, sample_rate) +
                   BiquadCoeffs::low_pass(400.0, kQ2, sample_rate).magnitude_db(hz, sample_rate);
  return std::pow(10.0, h / 10.0) / (0.5 * sample_rate);
}

StreamMeter::StreamMeter(double sample_rate, int channels, bool keep_series, bool mono_sum, bool overlap)
    : loudness_(sample_rate, channels, LoudnessOptions{false, keep_series, mono_sum && channels == 2, 1, keep_series}),
      spectrum_(std::make_unique<SpectrumAccumulator>(sample_rate, channels)) {
  if (!overlap) spectrum_->set_no_overlap();
}

void StreamMeter::add(const ConstAudioView& block) {
  add_loudness(block);
  add_spectrum(block);
}

void StreamMeter::add_spectrum(const ConstAudioView& block) {
  spectrum_->add(block);
  const std::size_t n = block.num_frames();
  for (int c = 0; c < block.num_channels(); ++c)
    peak_ = std::max(peak_, simd::from_bits(simd::max_abs_bits(block.channel(c), n)));
  if (loudness_.options().mono_sum && block.num_channels() == 2)
    fold_peak_ = std::max(fold_peak_, max_abs_sum(block.channel(0), block.channel(1), n));
}

void StreamMeter::finish() { spectrum_->finish(); }

double StreamMeter::sample_peak_dbfs() const noexcept { return peak_ > 0.0f ? 20.0 * std::log10(double(peak_)) : -kInf; }

VocalBalance::VocalBalance(double sample_rate, int vocal_channels, int rest_channels)
    : rate_(sample_rate),
      vocal_(std::make_unique<SpectrumAccumulator>(sample_rate, vocal_channels)),
      rest_(std::make_unique<SpectrumAccumulator>(sample_rate, rest_channels)) {}

void VocalBalance::add(const ConstAudioView& vocal, const ConstAudioView& rest) {
  // Gate on 100 ms pieces: only where the lead is present (above -50 dBFS rms) does its
  // balance against the rest matter; silence between lines would dilute the average.
  const std::size_t piece = static_cast<std::size_t>(rate_ / 10.0);
  for (std::size_t start = 0; start < vocal.num_frames(); start += piece) {
    const std::size_t len = std::min(piece, vocal.num_frames() - start);
    double e = 0.0;
    for (int c = 0; c < vocal.num_channels(); ++c) {
      const float* x = vocal.channel(c) + start;
      for (std::size_t i = 0; i < len; ++i) e += double(x[i]) * x[i];
    }
    e /= double(len) * vocal.num_channels();
    frames_ += static_cast<std::int64_t>(len);
    if (e < 1e-5) continue;  // -50 dBFS
    active_frames_ += static_cast<std::int64_t>(len);
    vocal_->add(vocal.sub(start, len));
    rest_->add(rest.sub(start, len));
  }
}

void VocalBalance::finish() {
  vocal_->finish();
  rest_->finish();
}

bool VocalBalance::has_vocal() const noexcept { return frames_ > 0 && active_frames_ * 20 >= frames_; }

double VocalBalance::vocal_to_rest_db(const PlaybackModel& model, double rest_gain_db, double noise_rms) const {
  const auto pv = vocal_->power();
  const auto pr = rest_->power();
  const double bin = vocal_->bin_hz();
  const double g = std::pow(10.0, rest_gain_db / 10.0);
  double v = 0.0, r = 0.0;
  for (std::size_t k = 0; k < pv.size() && k < pr.size(); ++k) {
    const double hz = double(k) * bin;
    if (hz < 300.0 || hz > 4000.0) continue;
    const double h = std::pow(10.0, model.response_db(hz, rate_) / 10.0);
    v += h * pv[k] * g;
    r += h * pr[k] * g;
    if (noise_rms > 0.0) r += road_noise_density(hz, rate_) * bin * noise_rms * noise_rms;
  }
  return db10(v) - db10(r);
}

namespace {

void fill_spectral(SystemMeasure& m, const SpectrumAccumulator& s) {
  m.bands_db = s.bands_db();
  const double presence = s.band_power(2000.0, 5000.0) / std::log2(5000.0 / 2000.0);
  const double body = s.band_power(250.0, 2000.0) / 3.0;
  m.presence_db = db10(presence) - db10(body);
}

}  // namespace

SpectrumAccumulator mono_spectrum(const StreamMeter& input, double gain_db) {
  // PlaybackRenderer's gain, as a float; its fold-down is 0.5f * gain * (L + R).
  const float g = static_cast<float>(std::pow(10.0, gain_db / 20.0));
  return input.spectrum().fold_down(double(g));
}

void fill_mono_measure(SystemMeasure& m, const StreamMeter& input, double gain_db) {
  const float g = static_cast<float>(std::pow(10.0, gain_db / 20.0));
  const float c = 0.5f * g;  // the renderer's factor on L + R
  // A block's energy: (c (kL + kR))^2 = 2 c^2 times the meter's mono sum (kL + kR)^2 / 2.
  m.loudness_lufs = input.loudness().mono_integrated_lufs(2.0 * double(c) * double(c));
  fill_spectral(m, mono_spectrum(input, gain_db));
  // max |c (L + R)| = c max |L + R| in float too (rounding is monotonic).
  const float peak = c * input.fold_peak();
  m.sample_peak_dbfs = peak > 0.0f ? 20.0 * std::log10(double(peak)) : -kInf;
}

void fill_measure(SystemMeasure& m, const StreamMeter& meter, double noise_lufs, double masked_margin_db) {
  const auto& s = meter.spectrum();
  m.loudness_lufs = meter.loudness().integrated_lufs();
  m.sample_peak_dbfs = meter.sample_peak_dbfs();
  fill_spectral(m, s);
  if (std::isfinite(noise_lufs)) {
    const auto series = meter.loudness().short_term_series();
    std::int64_t music = 0, masked = 0;
    for (std::size_t i = 0; i < series.lufs.size(); ++i) {
      const double l = series.lufs[i];
      if (!(l > -60.0)) continue;
      ++music;
      if (l < noise_lufs + masked_margin_db) {
        ++masked;
        if (m.first_masked_s < 0) m.first_masked_s = series.first_s + double(i) * series.step_s - 3.0;
      }
    }
    m.masked_share = music > 0 ? double(masked) / double(music) : 0.0;
  }
}

InputMeasure measure_input(const StreamMeter& input, const StreamMeter& mono, double mono_gain_db, bool stereo) {
  return measure_input(input, mono.spectrum(), mono_gain_db, stereo);
}

InputMeasure measure_input(const StreamMeter& input, const SpectrumAccumulator& mono_spectrum, double mono_gain_db,
                           bool stereo) {
  InputMeasure m;
  const auto& s = input.spectrum();
  m.integrated_lufs = input.loudness().integrated_lufs();
  m.mono_lufs = stereo ? input.loudness().mono_integrated_lufs() : m.integrated_lufs;
  m.stereo = stereo;
  m.low_db = db10(s.band_power(30.0, 100.0));
  m.carry_db = db10(s.band_power(100.0, 300.0));
  m.low_share_db = db10(s.band_power(20.0, 150.0)) - db10(s.band_power(150.0, 20000.0));
  m.sample_peak_dbfs = input.sample_peak_dbfs();
  if (input.loudness().options().range) m.short_term = input.loudness().short_term_series();
  m.third_octave_db = s.third_octave_db();
  const auto in_bands = s.third_octave_db();
  const auto mono_bands = mono_spectrum.third_octave_db();
  const auto& hz = third_octave_nominal_hz();
  double loudest = -kInf;
  for (std::size_t i = 0; i < in_bands.size(); ++i) loudest = std::max(loudest, in_bands[i]);
  for (std::size_t i = 0; i < hz.size() && i < in_bands.size() && i < mono_bands.size(); ++i) {
    if (hz[i] < 40.0 || hz[i] > 12500.0) continue;
    m.band_hz.push_back(hz[i]);
    const bool counts = std::isfinite(in_bands[i]) && in_bands[i] > loudest - 30.0;
    m.mono_band_loss_db.push_back(counts ? in_bands[i] - (mono_bands[i] - mono_gain_db)
                                         : std::numeric_limits<double>::quiet_NaN());
  }
  return m;
}

void check_translation(TranslationReport& rep, const TranslationThresholds& t) {
  const auto& in = rep.input;
  auto add = [&](std::string code, PlaybackSystem sys, Severity sev, std::string msg, std::string fix) {
    Problem p;
    p.code = std::move(code);
    p.system = std::string(to_string(sys));
    p.severity = sev;
    p.message = std::move(msg);
    p.fix = std::move(fix);
    rep.problems.push_back(std::move(p));
  };
  auto find = [&](PlaybackSystem s) -> SystemMeasure* {
    for (auto& m : rep.systems)
      if (m.system == s) return &m;
    return nullptr;
  };

  // A file far under any delivery level: every system below plays it as brought up to its
  // listening level (as a platform's normalisation or a listener's volume knob would), so the
  // figures describe the music, not the file as it stands. Said once, for the file.
  if (std::isfinite(in.integrated_lufs) && in.integrated_lufs < t.quiet_input_lufs) {
    Problem p;
    p.code = "too_quiet";
    p.severity = Severity::warning;
    p.message = fmt::format("the file measures {:.1f} LUFS, {:.0f} dB under the quietest delivery level (-24 LUFS): "
                            "the speakers and headphones here play it brought up to their listening level (the "
                            "Bluetooth line is the file as it stands, through the codec); as it stands it is barely "
                            "audible, and bringing it up that far raises its noise floor with it",
                            in.integrated_lufs, -24.0 - in.integrated_lufs);
    p.fix = "master it (mixdown master FILE) or check the export's level, then translate the result";
    rep.problems.push_back(std::move(p));
  }
  // Low end with nothing above the small speakers' cut-off to carry it.
  const double gap = in.low_db - in.carry_db;
  if (std::isfinite(gap) && gap > t.low_without_carry_db) {
    for (auto sys : {PlaybackSystem::phone, PlaybackSystem::laptop}) {
      if (!find(sys)) continue;
      add("low_end_lost", sys, Severity::warning,
          fmt::format("the bass line disappears on {}: the low end sits below 100 Hz with almost nothing in "
                      "100-300 Hz ({:.0f} dB less) — no harmonics for a small speaker to play",
                      listener_phrase(sys), gap),
          "give the bass some upper harmonics (saturation, a brighter sound or an octave-up layer) so it reads "
          "above 200 Hz");
    }
  }
  // Far more low end than any genre carries.
  if (std::isfinite(in.low_share_db) && in.low_share_db > t.low_share_db) {
    for (auto sys : {PlaybackSystem::club, PlaybackSystem::car, PlaybackSystem::earbuds}) {
      if (!find(sys)) continue;
      add("low_end_overload", sys, Severity::warning,
          fmt::format("the low end booms on {}: below 150 Hz carries {:.1f} dB more energy than everything above "
                      "it, well past the genre norm; the bass swamps the song and small speakers distort on it",
                      listener_phrase(sys), in.low_share_db),
          "cut the lows (a shelf below 150 Hz, or less bass and kick level)");
    }
  }
  // Mono fold-down.
  if (auto* mono = find(PlaybackSystem::mono); mono && in.stereo) {
    // A fold-down under the -70 LUFS gate cancelled completely: its loss counts down to the gate.
    const double loss = in.integrated_lufs - (std::isfinite(in.mono_lufs) ? in.mono_lufs : kAbsoluteGateLufs);
    if (std::isfinite(loss) && loss > t.mono_loss_lu) {
      add("mono_cancellation", PlaybackSystem::mono, Severity::error,
          fmt::format("on a mono speaker the song gets {:.1f} LU quieter and hollow: left and right cancel each "
                      "other (a channel with flipped polarity or heavy stereo widening)", loss),
          "check the polarity of each channel and of every stereo-widened part");
      // A phone plays one speaker: the same fold-down (its lane measured it silent, or nearly,
      // without a word until session 40).
      if (find(PlaybackSystem::phone))
        add("mono_cancellation", PlaybackSystem::phone, Severity::error,
            fmt::format("on a phone's single speaker the song gets {:.1f} LU quieter and hollow, as on any mono "
                        "speaker: left and right cancel each other", loss),
            "check the polarity of each channel and of every stereo-widened part");
    } else {
      double worst = 0.0, worst_hz = 0.0;
      for (std::size_t i = 0; i < in.band_hz.size(); ++i)
        if (std::isfinite(in.mono_band_loss_db[i]) && in.mono_band_loss_db[i] > worst) {
          worst = in.mono_band_loss_db[i];
          worst_hz = in.band_hz[i];
        }
      if (worst > t.mono_band_loss_db)
        add("mono_cancellation", PlaybackSystem::mono, Severity::warning,
            fmt::format("on a mono speaker whatever plays around {:.0f} Hz drops {:.1f} dB: that part is out of "
                        "phase between left and right and vanishes when the channels are summed",
                        worst_hz, worst),
            "find the widened or phase-flipped part in that range and narrow it or fix its polarity");
    }
    mono->notes.push_back(fmt::format("the fold-down is {:.1f} LU quieter than stereo", std::max(0.0, loss)));
  }
  // Codec clipping.
  if (auto* bt = find(PlaybackSystem::bluetooth); bt && std::isfinite(bt->sample_peak_dbfs)) {
    if (bt->sample_peak_dbfs > t.codec_peak_dbfs)
      add("codec_clipping", PlaybackSystem::bluetooth, Severity::warning,
          fmt::format("over Bluetooth and streaming codecs the decoded file peaks at {:+.1f} dBFS and clips: "
                      "expect crackle on the loudest hits{}",
                      bt->sample_peak_dbfs,
                      bt->protection_db > 0.0 ? fmt::format(" (the listenable {} is limited to -1 dBTP so it plays "
                                                            "safely: the codec's sound, not the clipping)",
                                                            bt->file)
                                              : std::string()),
          "leave at least 1 dB of true-peak headroom (a ceiling of -1 dBTP) on the master");
    bt->notes.push_back(fmt::format("decoded peak {:.1f} dBFS", bt->sample_peak_dbfs));
  }
  // Harsh on earbuds: presence per octave against the body per octave, as played.
  if (auto* eb = find(PlaybackSystem::earbuds); eb && std::isfinite(eb->presence_db)) {
    if (eb->presence_db > t.harsh_db)
      add("harsh", PlaybackSystem::earbuds, Severity::warning,
          fmt::format("on earbuds the mix is harsh and tiring: 2-5 kHz stands {:.1f} dB above the body of "
                      "the song (250 Hz-2 kHz), octave for octave (a balanced mix sits a few dB below it)", eb->presence_db),
          "tame 2-5 kHz (cymbals, bright guitars, vocal edge) by a few dB");
    eb->notes.push_back(fmt::format("presence (2-5 kHz) {:+.1f} dB against the body (250 Hz-2 kHz), octave for octave", eb->presence_db));
  }
  // Vocal masking.
  for (auto& m : rep.systems) {
    if (!m.vocal_to_rest_db) continue;
    if (*m.vocal_to_rest_db < t.vocal_to_rest_db)
      add("vocal_masked", m.system, Severity::warning,
          fmt::format("on {} the lead vocal sinks under the band: in the speech range (300 Hz-4 kHz) it sits "
                      "{:.1f} dB below everything else{} (measured from the mix's acapella against its instrumental, where "
                      "the lead sings)", listener_phrase(m.system), -*m.vocal_to_rest_db,
                      m.system == PlaybackSystem::car ? ", road noise included" : ""),
          "raise the lead, or carve 1-4 kHz out of the instruments that play with it");
  }
  // Car: quiet passages under the road noise.
  if (auto* car = find(PlaybackSystem::car); car && car->masked_share >= 0.01) {
    car->notes.push_back(fmt::format("{:.0f} % of the song sits within {:.0f} dB of the road noise{}",
                                     100.0 * car->masked_share, t.masked_margin_db,
                                     car->first_masked_s >= 0 ? " (first at " + clock(car->first_masked_s) + ")" : ""));
  }
}

}  // namespace mixdown::analysis
