#include "io/translate_file.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "analysis/stem_check.hpp"
#include "analysis/true_peak.hpp"
#include "core/error.hpp"
#include "core/simd.hpp"
#include "core/worker_pool.hpp"
#include "dsp/limiter.hpp"
#include "io/audio_file.hpp"
#include "io/integrity.hpp"
#include "io/temp_registry.hpp"

namespace mixdown::io {
namespace fs = std::filesystem;
using analysis::PlaybackSystem;

namespace {

constexpr std::size_t kBlock = 16384;

// MPEG audio runs at these rates only; other files are resampled for the codec round trip.
bool mp3_rate(int rate) {
  for (int r : {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
    if (rate == r) return true;
  return false;
}

// Every listenable simulation passes a device-protection true-peak limiter (-1 dBTP) before
// it is written, as a phone, earbuds or a club system's own output stage would: a simulation
// played at the device's level must not reach full scale in the file. The measurements and
// checks are taken before it (they describe the device's output); what the file holds after
// it is measured too (describe()), so the report can say how far the two differ. Its
// look-ahead latency is skipped at the start and flushed at the end, so the file stays aligned
// with its source.
class ProtectedWriter {
public:
  ProtectedWriter(const fs::path& path, int rate, int channels)
      : writer_(path, WriteSpec{rate, channels, SampleFormat::wav_float}),
        limiter_(dsp::LimiterSettings{kCeilingDbtp, 5.0, 60.0}),
        meter_(double(rate), channels, analysis::LoudnessOptions{false, false, false, 1, false}),
        buf_(channels, kBlock) {
    limiter_.prepare(dsp::ProcessSpec{double(rate), channels, kBlock});
    skip_ = limiter_.latency_frames();
  }
  void write(const ConstAudioView& in) {
    for (std::size_t pos = 0; pos < in.num_frames(); pos += kBlock) {
      const std::size_t n = std::min(kBlock, in.num_frames() - pos);
      AudioView v = buf_.view(n);
      v.copy_from(in.sub(pos, n));
      emit(v);
    }
  }
  void commit() {
    std::size_t left = limiter_.latency_frames();
    while (left > 0) {
      const std::size_t n = std::min(kBlock, left);
      AudioView v = buf_.view(n);
      v.clear();
      emit(v);
      left -= n;
    }
    writer_.commit();
  }
  // The written file's loudness and peak, and how much the protection took off, into `m`;
  // with a note when the file differs audibly from the figures (more than half a dB limited).
  void describe(analysis::SystemMeasure& m) const {
    m.file_loudness_lufs = meter_.integrated_lufs();
    m.file_sample_peak_dbfs = meter_.sample_peak_dbfs();
    m.protection_db = std::max(0.0, limiter_.max_gain_reduction_db());
    if (m.protection_db > kAudibleProtectionDb)
      m.notes.push_back(fmt::format("{} is limited to {:.0f} dBTP for listening (up to {:.1f} dB off its peaks; it plays at "
                                    "{:.1f} LUFS): the figures here are the device's output before that protection",
                                    m.file, kCeilingDbtp, m.protection_db, m.file_loudness_lufs));
  }

private:
  static constexpr double kCeilingDbtp = -1.0;
  static constexpr double kAudibleProtectionDb = 0.5;
  void emit(const AudioView& v) {
    limiter_.process(v);
    const std::size_t drop = std::min(skip_, v.num_frames());
    skip_ -= drop;
    if (drop < v.num_frames()) {
      const AudioView w = v.sub(drop, v.num_frames() - drop);
      writer_.write(w);
      meter_.add(w);
    }
  }
  AudioWriter writer_;
  dsp::TruePeakLimiter limiter_;
  analysis::LoudnessMeter meter_;
  AudioBuffer buf_;
  std::size_t skip_ = 0;
};

// The file's integrated loudness; a float file's isolated absurd samples (analysis::
// spike_ceiling) found on the way are read as silence, and the level they are found above is
// kept for every later read of the file.
struct InputLoudness {
  double lufs = 0.0;
  double peak_dbfs = -200.0;  // the sample peak, when measured here
  float swing = 0.0f;         // the largest max - min of a channel: 0 for a constant (DC) signal
  analysis::Spikes spikes;
};
InputLoudness measure_loudness(const fs::path& input) {
  InputLoudness m;
  for (;;) {
    AudioReader r(input);
    r.set_spike_ceiling(m.spikes.ceiling);
    std::optional<analysis::SpikeScan> scan;
    if (m.spikes.ceiling == 0.0f && r.info().is_float) scan.emplace();
    const int ch = r.info().channels;
    analysis::LoudnessMeter meter(r.info().sample_rate, ch, analysis::LoudnessOptions{false, false, false, 1});
    AudioBuffer buf(ch, kBlock);
    std::int64_t decoded = 0;
    std::vector<float> lo(static_cast<std::size_t>(ch), std::numeric_limits<float>::max()),
        hi(static_cast<std::size_t>(ch), std::numeric_limits<float>::lowest());
    while (const std::size_t n = r.read(buf.view())) {
      meter.add(buf.view(n));
      if (scan) scan->add(buf.view(n));
      decoded += static_cast<std::int64_t>(n);
      for (int c = 0; c < ch; ++c) {
        const auto [a, b] = std::minmax_element(buf.channel(c), buf.channel(c) + n);
        lo[static_cast<std::size_t>(c)] = std::min(lo[static_cast<std::size_t>(c)], *a);
        hi[static_cast<std::size_t>(c)] = std::max(hi[static_cast<std::size_t>(c)], *b);
      }
    }
    m.swing = 0.0f;
    for (int c = 0; c < ch && decoded > 0; ++c)
      m.swing = std::max(m.swing, hi[static_cast<std::size_t>(c)] - lo[static_cast<std::size_t>(c)]);
    reject_if_decoded_short(input, r.info(), decoded);  // as analyze and master refuse it
    if (scan && (m.spikes = scan->found()).ceiling > 0.0f) continue;
    m.lufs = meter.integrated_lufs();
    m.peak_dbfs = meter.sample_peak_dbfs();
    return m;
  }
}

// The loudest passages for the codec: one per started minute of a `dur`-second stream (at most
// four), each the 3 s window of highest short-term loudness at least 4 s from the others, with
// kCodecMarginS either side, in time order; `hottest` receives the loudest one's place.
std::vector<std::pair<double, double>> codec_windows(const analysis::LoudnessSeries& st, double dur, std::size_t& hottest) {
  const std::size_t count = std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(dur / 60.0)), 1, 4);
  std::vector<std::size_t> order(st.lufs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return st.lufs[a] > st.lufs[b]; });
  std::vector<double> ends;
  for (std::size_t i : order) {
    if (ends.size() == count || !(st.lufs[i] > -70.0)) break;
    const double e = std::min(dur, st.first_s + double(i) * st.step_s);
    if (std::none_of(ends.begin(), ends.end(), [&](double x) { return std::abs(x - e) < 4.0; })) ends.push_back(e);
  }
  if (ends.empty()) ends.push_back(dur);
  const double loudest = ends.front();
  std::sort(ends.begin(), ends.end());
  hottest = static_cast<std::size_t>(std::find(ends.begin(), ends.end(), loudest) - ends.begin());
  std::vector<std::pair<double, double>> windows;
  for (double e : ends) windows.push_back(codec_passage(e, dur));
  return windows;
}

// One passage through the codec at kCodecQuality (resampled first where MPEG has no such
// rate), decoded and measured: its sample peak, and with `true_peak` its true peak.
struct RoundTrip {
  float sample_peak = 0.0f;
  double true_peak = 0.0;
};
RoundTrip codec_round_trip(AudioBuffer excerpt, int rate, const fs::path& path, bool true_peak) {
  const ScratchFile scratch(path);
  const int ch = excerpt.num_channels();
  if (!mp3_rate(rate)) {
    excerpt = resample(excerpt.view(), rate, 48000);
    rate = 48000;
  }
  write_file(path, excerpt.view(), WriteSpec{rate, ch, SampleFormat::mp3, false, 0, kCodecQuality});
  AudioReader dec(path);
  AudioBuffer d(dec.info().channels, kBlock);
  std::optional<analysis::TruePeakMeter> tp;
  if (true_peak) tp.emplace(dec.info().channels);
  RoundTrip r;
  while (const std::size_t n = dec.read(d.view())) {
    for (int c = 0; c < dec.info().channels; ++c)
      for (std::size_t i = 0; i < n; ++i) r.sample_peak = std::max(r.sample_peak, std::abs(d.channel(c)[i]));
    if (tp) tp->add(d.view(n));
  }
  if (tp) r.true_peak = tp->max_peak();
  return r;
}

// The Bluetooth lane from its passages' round trips: the input's level and balance, the
// highest decoded peak; `hottest` from the loudest passage's.
void fill_bluetooth(analysis::SystemMeasure& bt, const analysis::StreamMeter& input_meter,
                    const std::vector<std::pair<double, double>>& windows, const std::vector<RoundTrip>& trips,
                    std::size_t hottest_window, HottestPassage* hottest) {
  analysis::fill_measure(bt, input_meter);
  float peak = 0.0f;
  for (const auto& t : trips) peak = std::max(peak, t.sample_peak);
  bt.sample_peak_dbfs = peak > 0.0f ? 20.0 * std::log10(double(peak)) : -std::numeric_limits<double>::infinity();
  double secs = 0.0;
  for (const auto& [a, b] : windows) secs += b - a;
  bt.notes.push_back(fmt::format("codec round trip of the {} loudest passages ({:.0f} s); level and balance as the file",
                                 windows.size(), secs));
  if (hottest && hottest_window < trips.size()) {
    hottest->start_s = windows[hottest_window].first;
    hottest->length_s = windows[hottest_window].second - windows[hottest_window].first;
    hottest->decoded_true_peak = trips[hottest_window].true_peak;
    hottest->decoded_sample_peak = trips[hottest_window].sample_peak;
    hottest->done = true;
  }
}

// The passages' scratch files: `codec_path`, then its stem with -1, -2, ... for the others.
fs::path passage_path(const fs::path& codec_path, std::size_t w) {
  return w == 0 ? codec_path
                : codec_path.parent_path() / fmt::format("{}-{}{}", codec_path.stem().string(), w, codec_path.extension().string());
}

// The loudest passages (codec_windows) read from the file and through the codec side by side,
// each encoded apart (a joined excerpt would add edges the song does not have). With
// `hottest`: the loudest passage's decode is measured for it too (its true peak).
void bt_from_passages(analysis::SystemMeasure& bt, const TranslateRequest& req, const analysis::StreamMeter& input_meter,
                      const fs::path& codec_path, WorkerPool& pool, HottestPassage* hottest = nullptr,
                      float spike_ceiling = 0.0f) {
  AudioReader r(req.input);
  r.set_spike_ceiling(spike_ceiling);
  const AudioInfo info = r.info();
  std::size_t hottest_window = 0;
  const auto windows = codec_windows(input_meter.loudness().short_term_series(), info.duration_s(), hottest_window);
  // Each passage read from its start (io::read_range: WAV and FLAC seek exactly), its channels
  // as the lanes play them. The windows are in time order and do not overlap.
  std::vector<AudioBuffer> excerpts;
  std::int64_t pos = 0;
  for (const auto& [a, b] : windows) {
    const auto first = static_cast<std::int64_t>(a * info.sample_rate);
    const auto last = std::max(first, static_cast<std::int64_t>(b * info.sample_rate));
    const AudioBuffer span = read_range(r, pos, first, last);
    excerpts.emplace_back(kPlayedChannels, span.num_frames()).view().copy_from(PlayedPair(span.view()).view(span.num_frames()));
  }
  std::vector<RoundTrip> trips(excerpts.size());
  pool.run(excerpts.size(), [&](std::size_t w) {
    trips[w] = codec_round_trip(std::move(excerpts[w]), info.sample_rate, passage_path(codec_path, w), hottest && w == hottest_window);
  });
  fill_bluetooth(bt, input_meter, windows, trips, hottest_window, hottest);
}

// The playback lanes (every system but the codec) and the input's own meter, fed block by
// block: shared by translate_file, which reads a file, and TranslationFeed, which a caller's
// stream feeds.
struct Lane {
  analysis::PlaybackRenderer renderer;
  std::unique_ptr<analysis::StreamMeter> meter;
  std::unique_ptr<ProtectedWriter> writer;
  AudioBuffer out, music;
  analysis::SystemMeasure measure;
  double noise_lufs = -std::numeric_limits<double>::infinity();
  bool excerpted = false;  // plays `spans` only
  bool derived = false;    // the mono lane of a stereo stream: from the input's meter, not played
  // An excerpted lane without a limiter (earbuds, car) is rendered in full, its filters being
  // cheap beside the meter, and measured on the excerpts: its peak, which no limiter holds
  // and a sample of the song would miss, is taken over every frame (full_peak).
  bool full_render = false;
  float full_peak = 0.0f;
  // Two full-render lanes are played by one item, their filters side by side
  // (PlaybackRenderer::process_music_two): `partner` is the other lane's index in the first,
  // and the second's own item does nothing (`played_by_partner`).
  int partner = -1;
  bool played_by_partner = false;
};
// Spans of the file the excerpted lanes play: [from, to), measured from `measure`.
struct Span {
  std::int64_t from, measure, to;
};

struct LaneSet {
  int rate = 0, in_ch = 0;
  std::vector<Lane> lanes;
  std::vector<Span> spans;
  analysis::StreamMeter input_meter;

  // in_lufs: the loudness of the stream, which sets every device's drive gain.
  LaneSet(int rate_, int in_ch_, std::int64_t frames, double in_lufs, bool lane_excerpts, bool write_files,
          const fs::path& out_dir, const std::string& file_prefix)
      : rate(rate_), in_ch(in_ch_), input_meter(rate_, in_ch_, true, true, false) {
    const bool excerpts = lane_excerpts && !write_files && frames > std::int64_t(kExcerptsFromS * rate);
    if (excerpts) {
      const auto len = static_cast<std::int64_t>(kLaneExcerptS * rate), runin = static_cast<std::int64_t>(kLaneRunInS * rate);
      for (int k = 0; k < kLaneExcerpts; ++k) {
        const auto centre = static_cast<std::int64_t>((double(k) + 0.5) / kLaneExcerpts * double(frames));
        const std::int64_t m = std::clamp<std::int64_t>(centre - len / 2, runin, frames - len);
        spans.push_back({m - runin, m, m + len});
      }
    }
    const auto excerpt_note = fmt::format("measured on {} excerpts of {:.0f} s spread over the song ({:.0f} s of {:.0f} s)",
                                          kLaneExcerpts, kLaneExcerptS, kLaneExcerpts * kLaneExcerptS, double(frames) / rate);
    lanes.reserve(analysis::kPlaybackSystems.size());
    for (auto sys : analysis::kPlaybackSystems) {
      if (sys == PlaybackSystem::bluetooth) continue;
      Lane& l = lanes.emplace_back();
      l.renderer.prepare(sys, rate, in_ch, kBlock);
      const auto& m = l.renderer.model();
      l.measure.system = sys;
      l.excerpted = excerpts && sys != PlaybackSystem::mono;
      // Without a file to write, the mono lane's fold-down is measured by the input's own
      // meter (its mono sum, its channels' cross spectrum, its largest |L + R|:
      // analysis::fill_mono_measure) rather than rendered and measured again.
      l.derived = sys == PlaybackSystem::mono && !write_files && in_ch == 2;
      l.full_render = l.excerpted && !m.limiter;
      if (l.excerpted) l.measure.notes.push_back(l.full_render ? excerpt_note + "; its peak over the whole song" : excerpt_note);
      l.measure.drive_gain_db = std::isfinite(m.drive_lufs) ? m.drive_lufs - in_lufs : 0.0;
      l.renderer.set_gain_db(l.measure.drive_gain_db);
      if (m.noise_below_music_db > 0.0) {
        // Road noise at a set distance under the music's drive level: its rms for unit
        // density follows from its loudness, measured once on a few seconds of it.
        analysis::PlaybackRenderer probe;
        probe.prepare(sys, rate, 1, kBlock);
        probe.set_gain_db(-300.0);
        probe.set_noise_rms(1.0);
        analysis::LoudnessMeter nm(rate, m.out_channels, analysis::LoudnessOptions{false, false, false, 1});
        AudioBuffer silence(1, kBlock), o(m.out_channels, kBlock);
        for (int i = 0; i < int(5.0 * rate / kBlock) + 1; ++i) {
          probe.process(silence.view(), o.view());
          nm.add(o.view());
        }
        l.noise_lufs = m.drive_lufs - m.noise_below_music_db;
        l.renderer.set_noise_rms(std::pow(10.0, (l.noise_lufs - nm.integrated_lufs()) / 20.0));
      }
      if (l.derived) continue;
      l.meter = std::make_unique<analysis::StreamMeter>(rate, m.out_channels, m.noise_below_music_db > 0.0);
      l.out.resize(m.out_channels, kBlock);
      l.music.resize(m.out_channels, kBlock);
      if (write_files) {
        const std::string file = std::string(to_string(sys)) + ".wav";
        l.measure.file = file_prefix + file;
        l.writer = std::make_unique<ProtectedWriter>(out_dir / file, rate, m.out_channels);
      }
    }
    // The first two stereo full-render lanes without a limiter (earbuds and car) go as a pair.
    int first = -1;
    for (std::size_t k = 0; k < lanes.size(); ++k) {
      Lane& l = lanes[k];
      if (!l.full_render || l.writer || l.renderer.model().out_channels != 2 || l.renderer.model().limiter) continue;
      if (first < 0) {
        first = static_cast<int>(k);
      } else {
        lanes[static_cast<std::size_t>(first)].partner = static_cast<int>(k);
        l.played_by_partner = true;
        break;
      }
    }
  }

  // A full-render lane's measurements of `music`, frames [b0, b1) of the stream: its peak over
  // every frame, its meter over the spans.
  void measure_full(Lane& l, const AudioView& music, std::int64_t b0, std::int64_t b1) const {
    for (int c = 0; c < music.num_channels(); ++c)
      l.full_peak = std::max(l.full_peak, simd::from_bits(simd::max_abs_bits(music.channel(c), music.num_frames())));
    for (const Span& s : spans) {
      const std::int64_t m = std::max(b0, s.measure), b = std::min(b1, s.to);
      if (m < b) l.meter->add(music.sub(static_cast<std::size_t>(m - b0), static_cast<std::size_t>(b - m)));
    }
  }

  // Lane k plays `in` (at most kBlock frames), which starts at frame `at` of the stream.
  void play(std::size_t k, const ConstAudioView& in, std::int64_t at) {
    Lane& l = lanes[k];
    if (l.derived || l.played_by_partner) return;
    const std::size_t n = in.num_frames();
    // The lanes are measured on the music as played (before any road noise). The noisy output
    // is rendered only to be written (car, with files); the music apart from it only then.
    const bool noisy = l.writer && l.renderer.model().noise_below_music_db > 0.0 && l.renderer.noise_rms() > 0.0;
    // Renders `len` frames of `from` into the lane's buffers: the music (and the output).
    auto render = [&](const ConstAudioView& from, std::size_t len) {
      const AudioView out = l.out.view(len), music = noisy ? l.music.view(len) : out;
      if (l.writer) l.renderer.process(from, out, noisy ? &music : nullptr);
      else l.renderer.process_music(from, out);
      return music;
    };
    if (!l.excerpted) {
      const AudioView music = render(in, n);
      l.meter->add(music);
      if (l.writer) l.writer->write(l.out.view(n));
      return;
    }
    const std::int64_t b0 = at, b1 = at + static_cast<std::int64_t>(n);
    if (l.partner >= 0) {
      Lane& o = lanes[static_cast<std::size_t>(l.partner)];
      const AudioView a = l.out.view(n), b = o.out.view(n);
      analysis::PlaybackRenderer::process_music_two(l.renderer, a, o.renderer, b, in);
      measure_full(l, a, b0, b1);
      measure_full(o, b, b0, b1);
      return;
    }
    if (l.full_render) {
      measure_full(l, render(in, n), b0, b1);
      return;
    }
    for (const Span& s : spans) {
      const std::int64_t a = std::max(b0, s.from), b = std::min(b1, s.to);
      if (a >= b) continue;
      const auto len = static_cast<std::size_t>(b - a);
      const AudioView music = render(in.sub(static_cast<std::size_t>(a - b0), len), len);
      const std::int64_t m = std::max(a, s.measure);
      if (m < b) l.meter->add(music.sub(static_cast<std::size_t>(m - a), static_cast<std::size_t>(b - m)));
    }
  }

  void finish() {
    for (auto& l : lanes) {
      if (l.writer) l.writer->commit();
      if (l.meter) l.meter->finish();
    }
    input_meter.finish();
  }

  // The report's input and systems (the codec lane `bt` in its place), before the checks.
  void fill(analysis::TranslationReport& rep, const analysis::SystemMeasure& bt, bool stereo,
            const analysis::TranslationThresholds& thresholds) {
    const Lane* mono = nullptr;
    for (auto& l : lanes) {
      if (l.derived) analysis::fill_mono_measure(l.measure, input_meter, l.measure.drive_gain_db);
      else analysis::fill_measure(l.measure, *l.meter, l.noise_lufs, thresholds.masked_margin_db);
      if (l.full_render)
        l.measure.sample_peak_dbfs = l.full_peak > 0.0f ? 20.0 * std::log10(double(l.full_peak)) : -std::numeric_limits<double>::infinity();
      if (l.writer) l.writer->describe(l.measure);
      if (l.measure.system == PlaybackSystem::mono) mono = &l;
    }
    const double mono_gain = mono->measure.drive_gain_db;
    rep.input = mono->derived ? analysis::measure_input(input_meter, analysis::mono_spectrum(input_meter, mono_gain), mono_gain, stereo)
                              : analysis::measure_input(input_meter, *mono->meter, mono_gain, stereo);
    for (auto sys : analysis::kPlaybackSystems) {
      if (sys == PlaybackSystem::bluetooth) {
        rep.systems.push_back(bt);
        continue;
      }
      for (auto& l : lanes)
        if (l.measure.system == sys) rep.systems.push_back(l.measure);
    }
  }
};

LeadReading read_lead_files(const fs::path& vocal, const fs::path& rest_file) {
  LeadReading lr;
  lr.files = true;
  AudioReader v(vocal), r(rest_file);
  analysis::VocalBalance vb(v.info().sample_rate, v.info().channels, r.info().channels);
  AudioBuffer vbuf(v.info().channels, kBlock), rbuf(r.info().channels, kBlock), sum(r.info().channels, kBlock);
  // The loudness of lead + rest (the mix at the versions' level), so the road noise can be
  // placed against them as it is against the translated file.
  analysis::LoudnessMeter sum_meter(r.info().sample_rate, r.info().channels, analysis::LoudnessOptions{false, false, false, 1});
  for (;;) {
    const std::size_t nv = v.read(vbuf.view());
    const std::size_t nr = r.read(rbuf.view());
    const std::size_t n = std::min(nv, nr);
    if (n == 0) break;
    vb.add(vbuf.view(n), rbuf.view(n));
    const AudioView s = sum.view(n);
    s.copy_from(rbuf.view(n));
    for (int c = 0; c < s.num_channels(); ++c) {
      const float* x = vbuf.channel(std::min(c, v.info().channels - 1));
      float* y = s.channel(c);
      for (std::size_t i = 0; i < n; ++i) y[i] += x[i];
    }
    sum_meter.add(s);
  }
  lr.versions_lufs = sum_meter.integrated_lufs();
  vb.finish();
  lr.balance.emplace(std::move(vb));
  return lr;
}

// The request's lead files read, when it names both (else: no files).
LeadReading read_lead_of(const TranslateRequest& req) {
  return req.vocal && req.rest ? read_lead_files(*req.vocal, *req.rest) : LeadReading{};
}

// The lead against the rest, from the acapella and the instrumental; else why not.
void measure_lead(analysis::TranslationReport& rep, const LeadReading& lead, const LaneSet& set) {
  if (!lead.files) {
    rep.vocal_note = "a finished stereo mix cannot be separated into the lead and the rest, so the lead's "
                     "balance is not measured (mixdown mix measures it from the acapella)";
    return;
  }
  const analysis::VocalBalance& vb = *lead.balance;
  const double versions_lufs = lead.versions_lufs;
  if (!vb.has_vocal()) {
    rep.vocal_note = "the acapella is (nearly) silent: no lead to measure";
    return;
  }
  rep.input.lead_known = true;
  rep.vocal_note = "the lead measured from the mix's acapella against its instrumental, where the lead sings "
                   "(levels as mixed; the master's processing is not applied)";
  for (auto& m : rep.systems) {
    const auto model = analysis::playback_model(m.system, set.rate);
    double noise_rms = 0.0;
    if (model.noise_below_music_db > 0.0) {
      // The road noise relative to the instrumental's power at the same drive: the noise
      // sits noise_below_music_db under the whole mix's loudness.
      for (auto& l : set.lanes)
        if (l.measure.system == m.system) noise_rms = l.renderer.noise_rms();
    }
    const double gain = std::isfinite(model.drive_lufs) && std::isfinite(versions_lufs)
                            ? model.drive_lufs - versions_lufs : m.drive_gain_db;
    m.vocal_to_rest_db = vb.vocal_to_rest_db(model, gain, noise_rms);
  }
}

}  // namespace

analysis::TranslationReport translate_file(const TranslateRequest& req) {
  auto prog = [&](double f, const std::string& s) {
    if (req.progress) req.progress(f, s);
  };
  AudioReader reader(req.input);
  const AudioInfo info = reader.info();
  reject_if_truncated(req.input, info);
  const int rate = info.sample_rate;
  // Every system plays two channels: a mono file on both, as a player does (PlayedPair).
  const int in_ch = kPlayedChannels;
  const bool stereo = info.channels >= 2;
  const std::string name = req.input.string();

  prog(0.0, "measuring loudness");
  const InputLoudness measured = req.input_lufs ? InputLoudness{*req.input_lufs, -200.0, 1.0f, {}} : measure_loudness(req.input);
  const double in_lufs = measured.lufs + played_gain_db(info.channels);
  reader.set_spike_ceiling(measured.spikes.ceiling);
  if (!std::isfinite(in_lufs) && under_one_loudness_block(info.duration_s()))
    throw rejected(name, "too short to translate: " + under_one_loudness_block_words(info.duration_s()));
  // A file that plays but stays under the -70 LUFS gate is quiet, not silent (as master says);
  // one that holds a constant offset has nothing to play.
  // (The K-weighting's step response to a constant can reach the gate: its loudness is no sign.)
  if (measured.peak_dbfs >= -90.0 && measured.swing < 3.2e-5f)
    throw rejected(name, "nothing to translate: the file holds only a DC offset");
  if (!std::isfinite(in_lufs) && measured.peak_dbfs >= -90.0)
    throw rejected(name, "too quiet to translate: " + under_the_gate_words(measured.peak_dbfs) + "; raise it first");
  if (!std::isfinite(in_lufs)) throw rejected(name, "is silent: there is nothing to translate");
  if (req.write_files) create_output_dir(req.out_dir);

  LaneSet set(rate, in_ch, info.frames, in_lufs, req.lane_excerpts, req.write_files, req.out_dir, req.file_prefix);
  auto& lanes = set.lanes;
  auto& input_meter = set.input_meter;
  // The codec's scratch file sits in the output folder, or beside it when no files are written.
  const fs::path codec_path = (req.write_files ? req.out_dir : req.out_dir.parent_path()) /
                              fmt::format(".bluetooth-{}.mp3", ::getpid());
  std::unique_ptr<AudioWriter> codec;
  const bool codec_inline = req.codec_whole_file;
  // The codec lane reads the file again through soxr when MP3 cannot run at its rate, taking
  // as many 48 kHz frames per block as keep it level with the main read.
  const int codec_rate = mp3_rate(rate) ? rate : 48000;
  std::unique_ptr<ResamplingReader> codec_reader;
  AudioBuffer codec_buf;
  std::int64_t codec_done = 0;
  if (codec_inline && codec_rate != rate) {
    codec_reader = std::make_unique<ResamplingReader>(req.input, codec_rate);
    codec_reader->set_spike_ceiling(measured.spikes.ceiling);
    codec_buf.resize(info.channels, kBlock * 2);
  }
  if (codec_inline)
    codec = std::make_unique<AudioWriter>(codec_path, WriteSpec{codec_rate, in_ch, SampleFormat::mp3, false, 0, kCodecQuality});

  // Block t is played while block t + 1 is read (the last work item), on one pool of threads
  // for the whole pass (starting threads per block cost about a tenth of the pass).
  WorkerPool pool(req.threads);
  std::array<AudioBuffer, 2> bufs{AudioBuffer(info.channels, kBlock), AudioBuffer(info.channels, kBlock)};
  std::array<std::size_t, 2> got{reader.read(bufs[0].view()), 0};
  std::int64_t done = 0;
  const double total = double(std::max<std::int64_t>(1, info.frames));
  const double share = 0.8;
  for (std::size_t t = 0; got[t & 1] > 0; ++t) {
    const std::size_t n = got[t & 1];
    AudioBuffer& next = bufs[(t + 1) & 1];
    std::size_t& next_got = got[(t + 1) & 1];
    const ConstAudioView all = static_cast<const AudioBuffer&>(bufs[t & 1]).view().sub(0, n);
    const PlayedPair pair(all);
    const ConstAudioView in = pair.view(n);
    // Every lane, the codec and the input meter are independent: run them side by side (each
    // item always does the same work, so the outputs do not depend on the thread count).
    pool.run(lanes.size() + 4, [&](std::size_t k) {
      if (k == lanes.size() + 2) {
        next_got = reader.read(next.view());
        return;
      }
      if (k == lanes.size() + 3) return input_meter.add_spectrum(in);
      if (k == lanes.size()) {
        if (!codec) return;
        if (!codec_reader) return codec->write(in);
        const std::int64_t want = (done + static_cast<std::int64_t>(n)) * codec_rate / rate - codec_done;
        const std::size_t m = codec_reader->read(codec_buf.view(static_cast<std::size_t>(std::clamp<std::int64_t>(want, 0, static_cast<std::int64_t>(codec_buf.num_frames())))));
        codec_done += static_cast<std::int64_t>(m);
        const ConstAudioView cv = static_cast<const AudioBuffer&>(codec_buf).view().sub(0, m);
        return codec->write(PlayedPair(cv).view(m));
      }
      if (k == lanes.size() + 1) return input_meter.add_loudness(in);
      set.play(k, in, done);
    });
    done += static_cast<std::int64_t>(n);
    prog(share * double(done) / total, "playing on every system");
  }
  if (codec) codec->commit();
  set.finish();

  // Bluetooth: decode the lossy round trip; peaks beyond full scale survive the float decode.
  analysis::SystemMeasure bt;
  bt.system = PlaybackSystem::bluetooth;
  if (!codec_inline) {
    prog(share, "a codec round trip of the loudest passage");
    bt_from_passages(bt, req, input_meter, codec_path, pool, nullptr, measured.spikes.ceiling);
  } else {
    prog(share, "decoding the Bluetooth codec");
    AudioReader dec(codec_path);
    const int dch = dec.info().channels;
    analysis::StreamMeter meter(dec.info().sample_rate, dch, false);
    std::unique_ptr<ProtectedWriter> w;
    if (req.write_files) {
      bt.file = req.file_prefix + "bluetooth.wav";
      w = std::make_unique<ProtectedWriter>(req.out_dir / "bluetooth.wav", dec.info().sample_rate, dch);
    }
    AudioBuffer d(dch, kBlock);
    while (const std::size_t n = dec.read(d.view())) {
      meter.add(d.view(n));
      if (w) w->write(d.view(n));
    }
    if (w) w->commit();
    meter.finish();
    analysis::fill_measure(bt, meter);
    if (w) w->describe(bt);
  }
  std::error_code ec;
  fs::remove(codec_path, ec);

  analysis::TranslationReport rep;
  const analysis::TranslationThresholds thresholds;
  set.fill(rep, bt, stereo, thresholds);
  if (req.vocal && req.rest) prog(0.9, "measuring the lead on every system");
  measure_lead(rep, read_lead_of(req), set);
  analysis::check_translation(rep, thresholds);
  if (const std::int64_t bad = reader.nonfinite_samples(); bad > 0) {
    Problem p;
    p.code = "nonfinite_samples";
    p.severity = Severity::error;
    p.message = name + " holds " + nonfinite_samples_phrase(bad) + ": every system played silence there";
    p.fix = "export the file again; a plug-in that blows up is the usual cause";
    rep.problems.insert(rep.problems.begin(), p);
  }
  if (const std::int64_t spikes = reader.spike_samples(); spikes > 0)
    rep.problems.insert(rep.problems.begin(),
                        analysis::spike_problem_of(name, "every system played the file", spikes, measured.spikes.peak));
  prog(1.0, "done");
  return rep;
}

namespace {

// The lead's files of a mix output folder, when both exist.
bool find_versions(TranslateRequest& tr, const fs::path& out_dir) {
  const fs::path vocal = out_dir / "versions" / "acapella.wav", rest = out_dir / "versions" / "instrumental.wav";
  if (!fs::exists(vocal) || !fs::exists(rest)) return false;
  tr.vocal = vocal;
  tr.rest = rest;
  return true;
}

}  // namespace

bool find_lead_beside(TranslateRequest& req) {
  std::error_code ec;
  fs::path dir = fs::absolute(req.input, ec).parent_path();
  if (ec) return false;
  if (dir.filename() == "masters") dir = dir.parent_path();
  const fs::path mix = dir / "mix.wav";
  TranslateRequest found;
  if (!fs::is_regular_file(dir / "session.toml", ec) || !fs::is_regular_file(mix, ec) || !find_versions(found, dir)) return false;
  try {
    const std::int64_t frames = probe(mix).frames;
    if (probe(*found.vocal).frames != frames || probe(*found.rest).frames != frames) return false;
  } catch (const Error&) {
    return false;  // unreadable versions (or not files): the lead is not measured, as without them
  }
  req.vocal = found.vocal;
  req.rest = found.rest;
  return true;
}


analysis::TranslationReport translate_output(const fs::path& out_dir, const fs::path& file, double lufs, int threads,
                                             const std::function<void(double, const std::string&)>& progress,
                                             TranslateScope scope) {
  TranslateRequest tr;
  tr.write_files = scope.write_files;
  tr.codec_whole_file = scope.codec_whole_file;
  tr.lane_excerpts = scope.lane_excerpts;
  tr.threads = threads;
  tr.input = file;
  if (std::isfinite(lufs)) tr.input_lufs = lufs;
  tr.out_dir = out_dir / "translation";
  tr.file_prefix = "translation/";
  find_versions(tr, out_dir);
  tr.progress = progress;
  return translate_file(tr);
}

// ---- TranslationFeed ---------------------------------------------------------------------------

struct TranslationFeed::Impl {
  LaneSet set;
  bool own_loudness = true;
  bool stereo = true;  // the stream has two channels or more (a mono one is played on both)
  std::vector<std::int64_t> at;  // per item: the stream frame its next block starts at
  Impl(int rate, int channels, std::int64_t frames, double lufs, bool own)
      : set(rate, kPlayedChannels, frames, lufs + played_gain_db(channels), true, false, fs::path(), std::string()),
        own_loudness(own || channels != 2), stereo(channels >= 2), at(set.lanes.size() + (own_loudness ? 2 : 1), 0) {}
};

// A mono stream is played on both channels (as translate_file plays a mono file): its loudness
// as played is 3 dB over its own, and only the feed's own meter of the pair measures it.
TranslationFeed::TranslationFeed(int sample_rate, int channels, std::int64_t frames, double expected_lufs, bool own_loudness)
    : impl_(std::make_unique<Impl>(sample_rate, channels, frames, expected_lufs, own_loudness)) {}

bool TranslationFeed::takes_loudness() const noexcept { return !impl_->own_loudness; }
TranslationFeed::~TranslationFeed() = default;

std::size_t TranslationFeed::items() const noexcept { return impl_->at.size(); }

std::string TranslationFeed::item_name(std::size_t item) const {
  const LaneSet& set = impl_->set;
  if (item < set.lanes.size()) {
    const Lane& l = set.lanes[item];
    std::string name(to_string(l.measure.system));
    if (l.partner >= 0) name += fmt::format(" and {}", to_string(set.lanes[static_cast<std::size_t>(l.partner)].measure.system));
    if (l.derived || l.played_by_partner) name += " (measured elsewhere)";
    return name;
  }
  return item == set.lanes.size() && impl_->own_loudness ? "translation loudness" : "translation spectrum";
}

void TranslationFeed::add(std::size_t item, const ConstAudioView& block) {
  LaneSet& set = impl_->set;
  // As translate_file plays a file: its first two channels (the one of a mono file twice).
  std::int64_t& at = impl_->at[item];
  // In pieces of at most kBlock frames, the renderers' block size.
  for (std::size_t pos = 0; pos < block.num_frames(); pos += kBlock) {
    const std::size_t n = std::min(kBlock, block.num_frames() - pos);
    const PlayedPair piece(block.sub(pos, n));
    const ConstAudioView in = piece.view(n);
    // Items: the lanes, the loudness (unless handed over), the spectrum and peak.
    if (item < set.lanes.size()) set.play(item, in, at);
    else if (item == set.lanes.size() && impl_->own_loudness) set.input_meter.add_loudness(in);
    else set.input_meter.add_spectrum(in);
    at += static_cast<std::int64_t>(n);
  }
}

analysis::LoudnessOptions TranslationFeed::loudness_options() const noexcept {
  return impl_->set.input_meter.loudness().options();
}

void TranslationFeed::set_loudness(const analysis::LoudnessMeter& measured) { impl_->set.input_meter.set_loudness(measured); }

analysis::TranslationReport TranslationFeed::finish(const fs::path& file, const fs::path& out_dir, WorkerPool& pool,
                                                    HottestPassage* hottest, const LeadReading* lead) {
  LaneSet& set = impl_->set;
  set.finish();
  TranslateRequest req;
  req.input = file;
  find_versions(req, out_dir);
  analysis::SystemMeasure bt;
  bt.system = PlaybackSystem::bluetooth;
  bt_from_passages(bt, req, set.input_meter, out_dir / fmt::format(".bluetooth-{}.mp3", ::getpid()), pool, hottest);
  analysis::TranslationReport rep;
  const analysis::TranslationThresholds thresholds;
  set.fill(rep, bt, impl_->stereo, thresholds);
  if (lead) {
    measure_lead(rep, *lead, set);
  } else {
    measure_lead(rep, read_lead_of(req), set);  // req has out_dir's versions (find_versions)
  }
  analysis::check_translation(rep, thresholds);
  return rep;
}

LeadReading read_lead(const fs::path& out_dir) {
  TranslateRequest req;
  find_versions(req, out_dir);
  return read_lead_of(req);
}

}  // namespace mixdown::io
