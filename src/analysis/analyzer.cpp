#include "analysis/analyzer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>

#include "analysis/features.hpp"
#include "core/error.hpp"
#include "core/simd.hpp"
#include "core/parallel.hpp"

namespace mixdown::analysis {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr std::size_t kChunk = 4096;

double db20(double x) { return x > 0 ? 20.0 * std::log10(x) : kNegInf; }
double db10(double x) { return x > 0 ? 10.0 * std::log10(x) : kNegInf; }

const char* channel_name(int c, int channels) {
  if (channels == 1) return "the channel";
  static const char* stereo[] = {"left", "right"};
  static const char* surround[] = {"left", "right", "centre", "LFE", "left surround", "right surround"};
  if (channels == 2) return stereo[c];
  if (channels == 6 && c < 6) return surround[c];
  return nullptr;
}

std::string channel_label(int c, int channels) {
  const char* n = channel_name(c, channels);
  return n ? std::string(n) : fmt::format("channel {}", c + 1);
}

// Per-channel time-domain statistics.
struct ChannelStats {
  double sum = 0, sumsq = 0;
  std::int64_t run = 0;           // current run of full-scale samples, all of one value
  float run_value = 0.0f;         // that value (valid while run > 0)
  std::int64_t runs = 0, clipped = 0;
  std::int64_t first_clip = -1;   // frame where the first counted run started
  std::int64_t first_loud = -1, last_loud = -1;
  std::vector<double> chunk_means;  // of the sounding chunks, for the DC offset (dc_offset_of)
};

struct ChunkStats {
  double sum = 0, sumsq = 0;
  float max_abs = 0;
};

// Sum, sum of squares and max |x| of a chunk: eight float lanes (a chunk is short enough for
// single-precision partial sums), the max as IEEE bits so the loop vectorizes.
MIXDOWN_SIMD_CLONES ChunkStats chunk_stats(const float* p, std::size_t len) noexcept {
  float lsum[8] = {}, lsq[8] = {};
  std::uint32_t lmax[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (std::size_t j = 0; j < 8; ++j) {
      const float v = p[i + j];
      lsum[j] += v;
      lsq[j] += v * v;
      lmax[j] = simd::umax(lmax[j], simd::abs_bits(v));
    }
  ChunkStats s;
  std::uint32_t mx = 0;
  for (; i < len; ++i) {
    s.sum += p[i];
    s.sumsq += static_cast<double>(p[i]) * p[i];
    mx = simd::umax(mx, simd::abs_bits(p[i]));
  }
  for (std::size_t j = 0; j < 8; ++j) {
    s.sum += lsum[j];
    s.sumsq += lsq[j];
    mx = simd::umax(mx, lmax[j]);
  }
  s.max_abs = simd::from_bits(mx);
  return s;
}

// "1:23.4" for messages.
std::string clock_time(double s) {
  if (!std::isfinite(s) || s < 0) s = 0;
  const auto minutes = static_cast<long long>(s / 60.0);
  return fmt::format("{}:{:04.1f}", minutes, s - 60.0 * static_cast<double>(minutes));
}

}  // namespace

struct Analyzer::Impl {
  double rate;
  int channels;
  AnalyzerOptions opt;
  std::vector<double> weights;
  LoudnessMeter meter;
  TruePeakMeter tp;
  SpectrumAccumulator spectrum;
  std::vector<ChannelStats> stats;
  FlatTops flat;
  double cross = 0;  // sum of L*R
  std::int64_t frames = 0;
  std::int64_t nonfinite = 0;
  std::vector<std::vector<float>> clean;

  Impl(double r, int c, AnalyzerOptions o)
      : rate(r),
        channels(c),
        opt(o),
        weights(channel_weights(c)),
        meter(r, c, LoudnessOptions{.true_peak = false, .range = true, .mono_sum = c == 2, .threads = 1}),
        tp(c),
        spectrum(r, c, included(weights)),
        stats(static_cast<std::size_t>(c)),
        flat(c) {}

  static std::vector<bool> included(const std::vector<double>& w) {
    std::vector<bool> v;
    for (double x : w) v.push_back(x > 0);
    return v;
  }

  void channel_stats(int c, const float* x, std::size_t n) {
    ChannelStats& s = stats[static_cast<std::size_t>(c)];
    const auto clip = static_cast<float>(opt.clip_level);
    const auto loud = static_cast<float>(std::pow(10.0, opt.silence_dbfs / 20.0));
    for (std::size_t pos = 0; pos < n; pos += kChunk) {
      const std::size_t len = std::min(kChunk, n - pos);
      const float* p = x + pos;
      const ChunkStats cs = chunk_stats(p, len);
      const float mx = cs.max_abs;
      s.sum += cs.sum;
      s.sumsq += cs.sumsq;
      if (mx > loud) s.chunk_means.push_back(cs.sum / double(len));  // sounding chunks only
      const std::int64_t base = frames + static_cast<std::int64_t>(pos);
      if (mx >= clip || s.run > 0) {
        for (std::size_t k = 0; k < len; ++k) {
          if (std::fabs(p[k]) >= clip) {
            if (s.run > 0 && breaks_clip_run(p[k], s.run_value)) s.run = 0;
            s.run_value = p[k];
            ++s.run;
            if (s.run == opt.clip_run) {
              ++s.runs;
              s.clipped += s.run;
              if (s.first_clip < 0) s.first_clip = base + static_cast<std::int64_t>(k) - (s.run - 1);
            } else if (s.run > opt.clip_run) {
              ++s.clipped;
            }
          } else {
            s.run = 0;
          }
        }
      }
      if (mx > loud) {
        if (s.first_loud < 0)
          for (std::size_t k = 0; k < len; ++k)
            if (std::fabs(p[k]) > loud) {
              s.first_loud = base + static_cast<std::int64_t>(k);
              break;
            }
        for (std::size_t k = len; k-- > 0;)
          if (std::fabs(p[k]) > loud) {
            s.last_loud = base + static_cast<std::int64_t>(k);
            break;
          }
      }
    }
  }

  void cross_stats(const float* l, const float* r, std::size_t n) {
    for (std::size_t pos = 0; pos < n; pos += kChunk) {
      const std::size_t len = std::min(kChunk, n - pos);
      float lanes[8] = {};
      std::size_t i = 0;
      for (; i + 8 <= len; i += 8)
        for (std::size_t j = 0; j < 8; ++j) lanes[j] += l[pos + i + j] * r[pos + i + j];
      double sum = 0;
      for (; i < len; ++i) sum += static_cast<double>(l[pos + i]) * r[pos + i];
      for (float v : lanes) sum += v;
      cross += sum;
    }
  }
};

Analyzer::Analyzer(double sample_rate, int channels, AnalyzerOptions options)
    : impl_(std::make_unique<Impl>(sample_rate, channels, options)) {}
Analyzer::~Analyzer() = default;
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;

const LoudnessMeter& Analyzer::loudness() const noexcept { return impl_->meter; }

void Analyzer::note_nonfinite(std::int64_t count) noexcept { impl_->nonfinite += count; }

void Analyzer::add(const ConstAudioView& block) {
  Impl& s = *impl_;
  if (block.num_channels() != s.channels)
    throw failed("", fmt::format("analyzer: block has {} channels, expected {}", block.num_channels(), s.channels));
  const std::size_t n = block.num_frames();
  if (n == 0) return;
  std::vector<const float*> ptrs(static_cast<std::size_t>(s.channels));
  for (int c = 0; c < s.channels; ++c) {
    const auto ci = static_cast<std::size_t>(c);
    ptrs[ci] = block.channel(c);
    if (has_nonfinite(ptrs[ci], n)) {
      s.clean.resize(static_cast<std::size_t>(s.channels));
      auto& buf = s.clean[ci];
      buf.assign(ptrs[ci], ptrs[ci] + n);
      for (float& v : buf)
        if (!std::isfinite(v)) {
          v = 0.0f;
          ++s.nonfinite;
        }
      ptrs[ci] = buf.data();
    }
  }
  const ConstAudioView view(ptrs.data(), s.channels, n);

  // Independent jobs on disjoint state; the loudness filters (the longest serial chain) first.
  std::vector<std::function<void()>> jobs;
  jobs.emplace_back([&] { s.meter.add(view); });
  if (s.opt.true_peak)
    for (int c = 0; c < s.channels; ++c)
      jobs.emplace_back([&, c] { s.tp.add_channel(c, view.channel(c), n); });
  jobs.emplace_back([&] { s.spectrum.add(view); });
  jobs.emplace_back([&] {
    for (int c = 0; c < s.channels; ++c) {
      s.channel_stats(c, view.channel(c), n);
      s.flat.add(c, view.channel(c), n, s.frames);
    }
    if (s.channels >= 2) s.cross_stats(view.channel(0), view.channel(1), n);
  });
  const int threads = s.opt.threads <= 0 ? default_threads() : s.opt.threads;
  parallel_for(jobs.size(), threads, [&](std::size_t i) { jobs[i](); });
  s.frames += static_cast<std::int64_t>(n);
}

AnalysisReport Analyzer::finish() {
  Impl& s = *impl_;
  s.spectrum.finish();
  AnalysisReport r;
  r.sample_rate = static_cast<int>(std::lround(s.rate));
  r.channels = s.channels;
  r.frames = s.frames;
  r.duration_s = static_cast<double>(s.frames) / s.rate;
  r.nonfinite_samples = s.nonfinite;

  // Loudness.
  LoudnessReport& L = r.loudness;
  const LoudnessMeter& m = s.meter;
  L.integrated_lufs = m.integrated_lufs();
  L.range_lu = m.range_lu();
  L.momentary_max_lufs = m.momentary_max_lufs();
  L.short_term_max_lufs = m.short_term_max_lufs();
  L.sample_peak_dbfs = m.sample_peak_dbfs();
  for (int c = 0; c < s.channels; ++c) {
    L.channel_sample_peak_dbfs.push_back(db20(m.channel_sample_peak(c)));
    if (s.opt.true_peak) L.channel_true_peak_dbtp.push_back(db20(s.tp.peak(c)));
  }
  if (s.opt.true_peak) L.true_peak_dbtp = db20(s.tp.max_peak());
  L.note = m.note();
  if (std::isfinite(L.range_lu) == false && L.note.empty() && s.frames < static_cast<std::int64_t>(3 * s.rate))
    L.note = "shorter than one 3 s window: loudness range and short-term loudness are not defined";
  const double peak_for_ratios = s.opt.true_peak ? L.true_peak_dbtp : L.sample_peak_dbfs;
  if (std::isfinite(L.integrated_lufs) && std::isfinite(peak_for_ratios))
    L.plr_db = peak_for_ratios - L.integrated_lufs;

  // Spectrum.
  SpectrumReport& S = r.spectrum;
  const auto third = s.spectrum.third_octave_db();
  const auto& nominal = third_octave_nominal_hz();
  for (std::size_t i = 0; i < third.size(); ++i) S.third_octave.push_back({nominal[i], third[i]});
  S.bands_db = s.spectrum.bands_db();
  S.centroid_hz = s.spectrum.centroid_hz();
  S.tilt_db_per_octave = s.spectrum.tilt_db_per_octave();

  // Stereo.
  StereoReport& St = r.stereo;
  if (s.channels >= 2) {
    St.stereo = true;
    const double el = s.stats[0].sumsq, er = s.stats[1].sumsq, c = s.cross;
    St.correlation = (el > 0 && er > 0) ? std::clamp(c / std::sqrt(el * er), -1.0, 1.0) : (el == er ? 1.0 : 0.0);
    const double mid = el + er + 2 * c, side = el + er - 2 * c;
    St.width = mid > 0 ? std::max(0.0, side) / mid : (side > 0 ? std::numeric_limits<double>::infinity() : 0.0);
    St.balance = (el + er) > 0 ? (er - el) / (el + er) : 0.0;
    // One silent side reads 120 dB to the other (not 0 dB, "centred"), and is a problem below.
    St.balance_db = (el > 0 || er > 0) ? 10.0 * std::log10(std::max(er, el * 1e-12) / std::max(el, er * 1e-12)) : 0.0;
    St.low_end_correlation = s.spectrum.correlation(20.0, 150.0);
    for (std::size_t b = 0; b < 6; ++b) {
      St.band_correlation[b] = s.spectrum.correlation(kBandEdgesHz[b], kBandEdgesHz[b + 1]);
      St.band_width[b] = s.spectrum.side_to_mid(kBandEdgesHz[b], kBandEdgesHz[b + 1]);
    }
    if (s.channels == 2 && std::isfinite(L.integrated_lufs)) {
      const double mono = m.mono_integrated_lufs();
      // A fold-down that cancels to nothing loses at least everything above the gate.
      St.mono_loss_lu = std::isfinite(mono) ? L.integrated_lufs - mono : L.integrated_lufs - kAbsoluteGateLufs;
    }
  }

  // Dynamics.
  DynamicsReport& D = r.dynamics;
  double sumsq = 0;
  for (const auto& cs : s.stats) sumsq += cs.sumsq;
  const double ms = s.frames > 0 ? sumsq / (static_cast<double>(s.frames) * s.channels) : 0.0;
  D.rms_dbfs = db10(ms);
  D.crest_db = (std::isfinite(L.sample_peak_dbfs) && std::isfinite(D.rms_dbfs)) ? L.sample_peak_dbfs - D.rms_dbfs : 0.0;
  D.plr_db = L.plr_db;
  if (std::isfinite(peak_for_ratios) && std::isfinite(L.short_term_max_lufs))
    D.psr_db = peak_for_ratios - L.short_term_max_lufs;
  D.short_term = m.short_term_series();

  // Time-domain findings.
  std::int64_t first_loud = -1, last_loud = -1, first_clip = -1;
  for (int c = 0; c < s.channels; ++c) {
    const ChannelStats& cs = s.stats[static_cast<std::size_t>(c)];
    // The check's rule (features), over the sounding chunks.
    r.dc_offset.push_back(dc_offset_of(s.frames > 0 ? cs.sum / static_cast<double>(s.frames) : 0.0, cs.chunk_means));
    r.clipped_runs += cs.runs;
    r.clipped_samples += cs.clipped;
    if (cs.first_clip >= 0 && (first_clip < 0 || cs.first_clip < first_clip)) first_clip = cs.first_clip;
    if (cs.first_loud >= 0 && (first_loud < 0 || cs.first_loud < first_loud)) first_loud = cs.first_loud;
    last_loud = std::max(last_loud, cs.last_loud);
  }
  const bool all_silent = first_loud < 0;
  r.head_silence_s = all_silent ? r.duration_s : static_cast<double>(first_loud) / s.rate;
  r.tail_silence_s = all_silent ? r.duration_s : static_cast<double>(s.frames - 1 - last_loud) / s.rate;

  // Problems, in plain words.
  auto add = [&r](std::string code, Severity sev, std::string msg, std::string fix, std::optional<double> at = {}) {
    Problem p;
    p.code = std::move(code);
    p.severity = sev;
    p.message = std::move(msg);
    p.fix = std::move(fix);
    p.at_s = at;
    r.problems.push_back(std::move(p));
  };
  if (r.nonfinite_samples > 0)
    add("nonfinite_samples", Severity::error,
        fmt::format("{} sample{} were not numbers (NaN or infinity); they were read as silence",
                    r.nonfinite_samples, r.nonfinite_samples == 1 ? "" : "s"),
        "the file is damaged or was written by a faulty plug-in: export it again");
  if (s.frames == 0) {
    add("empty", Severity::error, "the file holds no audio frames", "export the audio again");
  } else if (all_silent) {
    add("silent", Severity::error,
        fmt::format("the whole file is silent (every sample below {:.0f} dBFS)", s.opt.silence_dbfs),
        "check that the right file was exported");
  } else if (!L.note.empty() && !std::isfinite(L.integrated_lufs)) {
    add("too_short", Severity::warning, "loudness not measured: " + L.note, "");
  }
  if (r.clipped_runs > 0)
    add("clipping", Severity::error,
        fmt::format("clipped in {} place{} ({} or more samples in a row at full scale), first at {}: the "
                    "waveform was cut off, which sounds like crackle or distortion",
                    r.clipped_runs, r.clipped_runs == 1 ? "" : "s", s.opt.clip_run,
                    clock_time(static_cast<double>(first_clip) / s.rate)),
        "lower the level before the final export and let a true-peak limiter catch the peaks",
        static_cast<double>(first_clip) / s.rate);
  if (r.clipped_runs == 0) r.flat_top_runs = s.flat.runs_at(static_cast<float>(s.meter.sample_peak()));
  if (r.flat_top_runs >= kFlatTopsToFlag) {
    const double at = static_cast<double>(s.flat.first_frame()) / s.rate;
    add("clipping", Severity::warning,
        fmt::format("{} flat-topped peaks at its own peak level ({:.1f} dBFS), first at {}: the waveform was "
                    "cut off somewhere upstream and then turned down, which sounds like crackle or distortion",
                    r.flat_top_runs, L.sample_peak_dbfs, clock_time(at)),
        "export again from before the stage that clipped (a plug-in, a bus or a converter)", at);
  }
  if (s.opt.true_peak && L.true_peak_dbtp > 0.0) {
    const std::int64_t at = s.tp.first_over_frame();
    add("intersample_overs", Severity::warning,
        fmt::format("the true peak reaches {:+.1f} dBTP{}: between the samples the waveform goes over full "
                    "scale, which distorts in converters and lossy encoders",
                    L.true_peak_dbtp, at >= 0 ? ", first at " + clock_time(static_cast<double>(at) / s.rate) : ""),
        "leave at least 1 dB of true-peak headroom (ceiling -1 dBTP)",
        at >= 0 ? std::optional<double>(static_cast<double>(at) / s.rate) : std::nullopt);
  }
  const double dc_limit = std::pow(10.0, s.opt.dc_offset_dbfs / 20.0);
  for (int c = 0; c < s.channels; ++c) {
    const double dc = r.dc_offset[static_cast<std::size_t>(c)];
    if (std::fabs(dc) > dc_limit)
      add("dc_offset", Severity::warning,
          fmt::format("{} sits off centre (DC offset {:.1f} dBFS): it wastes headroom and clicks at "
                      "edits and fades",
                      s.channels == 1 ? std::string("the file") : "the " + channel_label(c, s.channels) + " channel",
                      db20(std::fabs(dc))),
          "remove it with a DC-blocking high-pass filter (a few Hz)");
  }
  // Decorrelated channels (a wide pad, a reverb, noise) measure about 0; opposed ones under it.
  constexpr double kOpposed = -0.1;
  // One side under the other by 40 dB or more: the file plays on one side only.
  const bool one_sided = St.stereo && !all_silent && std::fabs(St.balance_db) >= 40.0;
  if (one_sided)
    add("one_sided", Severity::warning,
        fmt::format("the {} channel is {}: the file plays on one side only",
                    St.balance_db < 0 ? "right" : "left",
                    std::fabs(St.balance_db) >= 120.0 ? std::string("silent") : fmt::format("{:.0f} dB under the other", std::fabs(St.balance_db))),
        "re-export it as mono, or from the channel that holds the sound");
  if (St.stereo && !all_silent && !one_sided) {
    if (St.correlation < kOpposed)
      add("out_of_phase", St.correlation < -0.3 ? Severity::error : Severity::warning,
          fmt::format("the two channels work against each other (correlation {:.2f}): the mix thins out or "
                      "vanishes in mono ({:.1f} LU quieter)",
                      St.correlation, St.mono_loss_lu),
          "check for a polarity-inverted channel or an over-wide stereo effect");
    else if (St.low_end_correlation < kOpposed && std::isfinite(S.bands_db[1]) && S.bands_db[1] > -70.0)
      add("low_end_out_of_phase", Severity::warning,
          fmt::format("below 150 Hz the channels work against each other (correlation {:.2f}): the bass loses "
                      "weight in mono, on phones and on club systems",
                      St.low_end_correlation),
          "keep the low end mono (mono-ize below ~150 Hz)");
  }
  if (!all_silent && r.head_silence_s >= s.opt.long_silence_s)
    add("long_silence_head", Severity::info,
        fmt::format("the file starts with {:.1f} s of silence", r.head_silence_s),
        "trim it unless the gap is intended", 0.0);
  if (!all_silent && r.tail_silence_s >= s.opt.long_silence_s)
    add("long_silence_tail", Severity::info,
        fmt::format("the file ends with {:.1f} s of silence", r.tail_silence_s),
        "trim it unless the gap is intended", r.duration_s - r.tail_silence_s);
  return r;
}

namespace {

const char* band_words(std::size_t b) {
  static const char* words[] = {"sub (20-60 Hz)",        "low end (60-250 Hz)",  "low mids (250-500 Hz)",
                                "mids (500 Hz-2 kHz)", "upper mids (2-6 kHz)", "highs (6-20 kHz)"};
  return words[b];
}

double band_energy(const BandArray& b, std::size_t from, std::size_t to) {
  double e = 0;
  for (std::size_t i = from; i < to; ++i)
    if (std::isfinite(b[i])) e += std::pow(10.0, b[i] / 10.0);
  return e;
}

}  // namespace

ReferenceComparison compare(const AnalysisReport& mix, const AnalysisReport& ref) {
  ReferenceComparison c;
  c.file = ref.file;
  const double mi = mix.loudness.integrated_lufs, ri = ref.loudness.integrated_lufs;
  const bool loud_ok = std::isfinite(mi) && std::isfinite(ri);
  c.loudness_lu = loud_ok ? mi - ri : 0.0;
  for (std::size_t b = 0; b < 6; ++b) {
    const double x = mix.spectrum.bands_db[b], y = ref.spectrum.bands_db[b];
    c.bands_db[b] = (std::isfinite(x) && std::isfinite(y)) ? (x - y) - c.loudness_lu : 0.0;
  }
  c.width = mix.stereo.width - ref.stereo.width;
  c.range_lu = (std::isfinite(mix.loudness.range_lu) && std::isfinite(ref.loudness.range_lu))
                   ? mix.loudness.range_lu - ref.loudness.range_lu
                   : 0.0;
  const double mt = band_energy(mix.spectrum.bands_db, 0, 6), rt = band_energy(ref.spectrum.bands_db, 0, 6);
  auto share_db = [&](std::size_t from, std::size_t to) {
    const double a = band_energy(mix.spectrum.bands_db, from, to), b = band_energy(ref.spectrum.bands_db, from, to);
    return (a > 0 && b > 0 && mt > 0 && rt > 0) ? 10.0 * std::log10((a / mt) / (b / rt)) : 0.0;
  };
  c.low_end_db = share_db(0, 2);
  c.brightness_db = share_db(4, 6);

  auto more_less = [](double d) { return d > 0 ? "more" : "less"; };
  if (loud_ok && std::fabs(c.loudness_lu) >= 1.0)
    c.sentences.push_back(fmt::format("The mix is {:.1f} LU {} than the reference; the comparisons below are at "
                                      "matched loudness.",
                                      std::fabs(c.loudness_lu), c.loudness_lu > 0 ? "louder" : "quieter"));
  for (std::size_t b = 0; b < 6; ++b)
    if (std::fabs(c.bands_db[b]) >= 1.5)
      c.sentences.push_back(fmt::format("{:.1f} dB {} {} than the reference.", std::fabs(c.bands_db[b]),
                                        more_less(c.bands_db[b]), band_words(b)));
  if (std::fabs(c.low_end_db) >= 1.5)
    c.sentences.push_back(fmt::format("Overall the low end (below 250 Hz) weighs {:.1f} dB {} than in the "
                                      "reference.",
                                      std::fabs(c.low_end_db), c.low_end_db > 0 ? "more" : "less"));
  if (std::fabs(c.brightness_db) >= 1.5)
    c.sentences.push_back(fmt::format("The mix is {} than the reference ({:.1f} dB {} energy above 2 kHz).",
                                      c.brightness_db > 0 ? "brighter" : "darker", std::fabs(c.brightness_db),
                                      more_less(c.brightness_db)));
  if (mix.stereo.stereo && ref.stereo.stereo) {
    const double a = db10(mix.stereo.width), b = db10(ref.stereo.width);
    if (std::isfinite(a) && std::isfinite(b) && std::fabs(a - b) >= 2.0)
      c.sentences.push_back(fmt::format("The mix is {} than the reference (side {:.1f} dB under the mid, against "
                                        "{:.1f} dB).",
                                        a > b ? "wider" : "narrower", -a, -b));
    else if ((a == -std::numeric_limits<double>::infinity()) != (b == -std::numeric_limits<double>::infinity()))
      c.sentences.push_back(std::isfinite(b) ? "The mix is mono where the reference is stereo."
                                             : "The mix is stereo where the reference is mono.");
  }
  if (std::fabs(c.range_lu) >= 2.0)
    c.sentences.push_back(fmt::format("The mix's loudness range is {:.1f} LU {} than the reference's: it is {} "
                                      "compressed.",
                                      std::fabs(c.range_lu), c.range_lu > 0 ? "wider" : "narrower",
                                      c.range_lu > 0 ? "less" : "more"));
  return c;
}

}  // namespace mixdown::analysis
