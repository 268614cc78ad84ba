// Sources: see stem_check.hpp.
#include "analysis/stem_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/simd.hpp"

namespace mixdown::analysis {
namespace {

Problem make(const std::string& stem, const char* code, Severity sev, std::string message,
             std::string fix, std::optional<double> at = std::nullopt) {
  Problem p;
  p.stem = stem;
  p.code = code;
  p.severity = sev;
  p.message = std::move(message);
  p.fix = std::move(fix);
  p.at_s = at;
  return p;
}

std::string channel_name(std::size_t c, std::size_t n) {
  if (n == 1) return "the channel";
  if (n == 2) return c == 0 ? "the left channel" : "the right channel";
  return fmt::format("channel {}", c + 1);
}

// Level difference of b relative to a over the frames where both sound; its spread says
// whether b is a gain-changed copy.
bool envelope_gain(const StemFeatures& a, const StemFeatures& b, double* gain_db, double* spread_db) {
  const std::size_t n = std::min(a.frame_db.size(), b.frame_db.size());
  double s = 0, s2 = 0;
  std::size_t cnt = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (a.frame_db[i] < -60.0f || b.frame_db[i] < -60.0f) continue;
    const double d = double(b.frame_db[i]) - a.frame_db[i];
    s += d;
    s2 += d * d;
    ++cnt;
  }
  if (cnt < 4) return false;
  *gain_db = s / double(cnt);
  *spread_db = std::sqrt(std::max(0.0, s2 / double(cnt) - *gain_db * *gain_db));
  return true;
}

bool is_secondary_mic(const std::string& name) {
  for (const auto& t : tokenize_name(name))
    if (t == "bottom" || t == "btm" || t == "bot" || t == "out" || t == "under" || t == "back" ||
        t == "sub" || t == "outside" || t == "reso")
      return true;
  return false;
}

}  // namespace

std::string format_clock(double seconds) {
  if (seconds < 0) seconds = 0;
  const int m = static_cast<int>(seconds / 60.0);
  return fmt::format("{}:{:04.1f}", m, seconds - 60.0 * m);
}

int session_rate(const std::vector<StemFormat>& stems) {
  std::map<int, int> count;
  for (const auto& s : stems)
    if (s.sample_rate > 0) ++count[s.sample_rate];
  int best = 0, best_n = 0;
  for (const auto& [rate, n] : count)
    if (n >= best_n) {  // ascending rates: ties go to the higher one
      best = rate;
      best_n = n;
    }
  return best;
}

std::vector<Problem> format_problems(const StemFormat& s) {
  std::vector<Problem> out;
  if (s.lossy) {
    out.push_back(make(s.name, "lossy_format", Severity::warning,
                       fmt::format("{} is {} ({}), a lossy format: the encoder already threw away "
                                   "detail (the top octave, stereo nuance, the edges of "
                                   "transients) that mixing cannot bring back",
                                   s.name, s.encoding, s.container),
                       s.sample_rate > 0 ? fmt::format("ask for a lossless export (WAV or FLAC, 24-bit, {} Hz)", s.sample_rate)
                                         : std::string("ask for a lossless export (WAV or FLAC, 24-bit)")));
  } else if (!s.is_float && s.bit_depth > 0 && s.bit_depth < 24) {
    out.push_back(make(s.name, "low_bit_depth", s.bit_depth <= 8 ? Severity::error : Severity::warning,
                       fmt::format("{} is {}-bit: quiet passages, fades and reverb tails have less "
                                   "resolution and a higher noise floor than a 24-bit export "
                                   "(about {:.0f} dB of dynamic range instead of 144)",
                                   s.name, s.bit_depth, 6.02 * s.bit_depth),
                       s.sample_rate > 0 ? fmt::format("re-export at 24-bit ({} Hz, as it is); it is mixed as it is meanwhile",
                                                       s.sample_rate)
                                         : std::string("re-export at 24-bit; it is mixed as it is meanwhile")));
  }
  return out;
}

float spike_ceiling(std::vector<float> block_peaks) {
  std::erase_if(block_peaks, [](float p) { return !(p > 0.0f); });
  if (block_peaks.empty()) return 0.0f;
  const auto top = std::max_element(block_peaks.begin(), block_peaks.end());
  const float peak = *top;
  const auto k = static_cast<std::size_t>(0.99 * static_cast<double>(block_peaks.size() - 1));
  std::nth_element(block_peaks.begin(), block_peaks.begin() + static_cast<std::ptrdiff_t>(k), block_peaks.end());
  const double loud = block_peaks[k];
  const auto ceiling = static_cast<float>(std::max(1.0, loud) * std::pow(10.0, kSpikeMarginDb / 20.0));
  return peak > ceiling ? ceiling : 0.0f;
}

void SpikeScan::add(const ConstAudioView& block) {
  std::uint32_t bits = 0;
  for (int c = 0; c < block.num_channels(); ++c) bits = std::max(bits, simd::max_abs_bits(block.channel(c), block.num_frames()));
  peaks_.push_back(simd::from_bits(bits));
}

Spikes SpikeScan::found() const {
  Spikes s;
  s.ceiling = spike_ceiling(peaks_);
  if (s.ceiling > 0.0f) s.peak = *std::max_element(peaks_.begin(), peaks_.end());
  return s;
}

std::string spike_words(std::int64_t count, float peak) {
  return fmt::format("{} isolated sample{} up to {:+.1f} dBFS, more than {:.0f} dB over full scale and over its own "
                     "loudest passages (a corrupt float export)",
                     count, count == 1 ? "" : "s", 20.0 * std::log10(double(peak)), kSpikeMarginDb);
}

Problem spike_problem_of(const std::string& subject, const std::string& consequence, std::int64_t count, float peak) {
  Problem p;
  p.code = "spike_samples";
  p.severity = Severity::warning;
  p.message = fmt::format("{} holds {}: read as silence, so {} without {}", subject, spike_words(count, peak), consequence,
                          count == 1 ? "it" : "them");
  p.fix = "export it again; the plug-in or converter that wrote it is the usual cause";
  return p;
}

Problem spike_problem(const std::string& stem, std::int64_t count, float peak) {
  Problem p = spike_problem_of(stem, "the stem is measured and mixed", count, peak);
  p.stem = stem;
  return p;
}

std::vector<Problem> signal_problems(const StemFormat& s, const StemFeatures& f) {
  std::vector<Problem> out;
  if (f.silent) {
    out.push_back(make(s.name, "silent", Severity::warning,
                       f.peak_dbfs <= -199.0 ? fmt::format("{} is digital silence from start to end", s.name)
                       : f.dc_only
                           ? fmt::format("{} holds only a DC offset (a constant at {:.0f} dBFS) and no sound on it",
                                         s.name, f.peak_dbfs)
                       : f.noise_only
                           ? fmt::format("{} holds only a steady noise floor at {:.0f} dBFS (hum or hiss, nothing played "
                                         "over it)",
                                         s.name, f.noise_dbfs)
                           : fmt::format("{} holds no audible signal (peak {:.1f} dBFS)", s.name, f.peak_dbfs),
                       "check the export (muted track, wrong output, empty region); it is left "
                       "out of the mix"));
    return out;  // nothing else about a silent file is meaningful
  }
  if (f.clicks_only) {
    out.push_back(make(s.name, "clicks_only", Severity::warning,
                       fmt::format("{} holds nothing but {} isolated click{} (each shorter than {:.0f} ms, the loudest at "
                                   "{:.1f} dBFS, the first at {}) and silence: no part to mix",
                                   s.name, f.clicks, f.clicks == 1 ? "" : "s", 1000.0 * kClickMaxS, f.peak_dbfs,
                                   format_clock(f.first_click_s)),
                       "check the export (a muted or empty track that kept an edit click, the wrong output); it is left "
                       "out of the mix, so the clicks neither lead it nor set its level",
                       f.first_click_s));
    return out;  // as with silence, nothing else about it is meaningful
  }
  if (f.clipped_runs > 0) {
    out.push_back(make(s.name, "clipping", f.clipped_runs >= 100 ? Severity::error : Severity::warning,
                       fmt::format("{} clips: {} place{} where the waveform is flattened at full "
                                   "scale, the first at {}",
                                   s.name, f.clipped_runs, f.clipped_runs == 1 ? "" : "s",
                                   format_clock(f.first_clip_s)),
                       "re-export with the track's level lowered so it peaks below 0 dBFS; "
                       "clipping in the file cannot be undone by the mix",
                       f.first_clip_s));
  } else if (f.flat_top_runs >= kFlatTopsToFlag && f.peak_dbfs < -0.001) {
    out.push_back(make(s.name, "clipping", Severity::warning,
                       fmt::format("{} has {} flat-topped peaks at {:.1f} dBFS: it was clipped "
                                   "somewhere upstream and then turned down",
                                   s.name, f.flat_top_runs, f.peak_dbfs),
                       "re-export from before the stage that clipped (plug-in, bus or converter)"));
  } else if (f.over_full_scale > 0 && s.is_float) {
    out.push_back(make(s.name, "clipping", Severity::info,
                       fmt::format("{} peaks at {:+.1f} dBFS, above full scale; it is a float "
                                   "file, so nothing was lost",
                                   s.name, f.peak_dbfs),
                       "nothing to do: its level is brought down in the mix"));
  }
  for (std::size_t c = 0; c < f.dc.size(); ++c) {
    const double dc = f.dc[c];
    if (std::fabs(dc) >= 0.005) {
      out.push_back(make(s.name, "dc_offset", Severity::warning,
                         fmt::format("{} has a DC offset of {:.1f}% of full scale ({:.0f} dBFS) on "
                                     "{}: it wastes headroom and clicks at edits",
                                     s.name, 100.0 * std::fabs(dc), 20.0 * std::log10(std::fabs(dc)),
                                     channel_name(c, f.dc.size())),
                         "remove it with a high-pass filter (DC removal) before or while mixing"));
      break;
    }
  }
  if (f.dual_mono) {
    out.push_back(make(s.name, "dual_mono", Severity::warning,
                       s.channels > 2
                           ? fmt::format("{} has {} channels but its first two (left and right) are identical: it "
                                         "plays as a mono source",
                                         s.name, s.channels)
                           : fmt::format("{} is stereo but its two channels are identical: it is a mono "
                                         "source in a stereo file",
                                         s.name),
                       "will be folded to mono automatically (and panned like a mono source)"));
  }
  if (f.out_of_phase) {
    out.push_back(make(s.name, "channels_out_of_phase", Severity::warning,
                       fmt::format("{}'s two channels are opposite in polarity (correlation {:.2f}): one of them was "
                                   "inverted (a miswired cable or a phase-flipped channel), so the part cancels when "
                                   "the channels are summed and disappears in mono (a phone, a mono club or PA system)",
                                   s.name, f.lr_correlation),
                       f.inverted_dual_mono
                           ? std::string("it is mixed with its right channel inverted back, as the mono part it then is; "
                                         "re-export it with the channel's polarity corrected")
                           : std::string("it is mixed with its right channel inverted back; re-export it with the "
                                         "channel's polarity corrected")));
  }
  if (f.one_sided) {
    const bool left = f.left_minus_right_db > 0.0;
    const double gap = std::fabs(f.left_minus_right_db);
    out.push_back(make(s.name, "one_sided", Severity::warning,
                       fmt::format("{} is {} but only its {} channel carries sound (the {} is {}): it is a mono "
                                   "part on one side of a stereo file, which would lean the mix",
                                   s.name, s.channels > 2 ? fmt::format("{}-channel", s.channels) : std::string("stereo"),
                                   left ? "left" : "right", left ? "right" : "left",
                                   gap >= 199.0 ? std::string("silent") : fmt::format("{:.0f} dB under it", gap)),
                       "it is mixed as the mono part it is and panned by the mix; export it as mono, or check the "
                       "routing that left one side empty"));
  }
  return out;
}

std::vector<Problem> rate_problems(const std::vector<StemFormat>& stems) {
  std::vector<Problem> out;
  const int rate = session_rate(stems);
  for (const auto& s : stems) {
    if (s.sample_rate <= 0 || s.sample_rate == rate) continue;
    out.push_back(make(s.name, "sample_rate_mismatch", Severity::warning,
                       fmt::format("{} is at {} Hz while the session is at {} Hz: it will be "
                                   "resampled from {} to {} Hz",
                                   s.name, s.sample_rate, rate, s.sample_rate, rate),
                       fmt::format("export every stem at the session rate ({} Hz)", rate)));
  }
  return out;
}

std::vector<Problem> length_problems(const std::vector<StemFormat>& stems, const std::vector<double>& sound_end_s) {
  std::vector<Problem> out;
  const auto tol = [](const StemFormat& a, const StemFormat& b) { return (a.lossy || b.lossy) ? 0.06 : 0.01; };
  const auto sound_end = [&](std::size_t i) {
    return i < sound_end_s.size() ? std::min(sound_end_s[i], stems[i].duration_s()) : stems[i].duration_s();
  };
  // The session's length: the shortest stem length past which every longer stem holds only
  // silence (its sound ends within the tolerance, plus one analysis hop, of that length). The
  // longest stem when its sound runs to its end, as it does in most sessions.
  const StemFormat* session = nullptr;
  for (std::size_t j = 0; j < stems.size(); ++j) {
    const StemFormat& c = stems[j];
    if (c.sample_rate <= 0 || (session && c.duration_s() >= session->duration_s())) continue;
    bool beyond_is_silence = true;
    for (std::size_t i = 0; i < stems.size() && beyond_is_silence; ++i)
      if (stems[i].sample_rate > 0 && stems[i].duration_s() > c.duration_s() + tol(stems[i], c))
        beyond_is_silence = sound_end(i) <= c.duration_s() + tol(stems[i], c) + kSoundEndResolutionS;
    if (beyond_is_silence) session = &c;
  }
  if (!session) return out;
  // Of the stems within the tolerance of that length, the longest names it.
  for (const auto& c : stems)
    if (c.sample_rate > 0 && c.duration_s() > session->duration_s() && c.duration_s() <= session->duration_s() + tol(c, *session))
      session = &c;
  for (std::size_t i = 0; i < stems.size(); ++i) {
    const StemFormat& s = stems[i];
    if (&s == session || s.sample_rate <= 0) continue;
    const double diff = s.duration_s() - session->duration_s();
    if (diff > tol(s, *session)) {
      const double silence = s.duration_s() - sound_end(i);
      out.push_back(make(s.name, "length_mismatch", Severity::warning,
                         fmt::format("{} has {:.1f} s of silence after its last sound (at {}): it is {:.3f} s long, "
                                     "{:.3f} s longer than the other stems ({}, {:.3f} s) by that silence alone",
                                     s.name, silence, format_clock(sound_end(i)), s.duration_s(), diff, session->name,
                                     session->duration_s()),
                         "nothing to do for the mix: it ends after the music and its tail, not after the silence; "
                         "to tidy the export, set its end marker where the song ends"));
      continue;
    }
    if (-diff <= tol(s, *session)) continue;
    out.push_back(make(s.name, "length_mismatch", Severity::warning,
                       fmt::format("{} is {:.3f} s long, {:.3f} s shorter than {} ({:.3f} s): stems "
                                   "exported from the session start all have the same length, so "
                                   "it may not line up in time",
                                   s.name, s.duration_s(), -diff, session->name, session->duration_s()),
                       "re-export every stem from the very start of the session to the same end "
                       "point; it is mixed from time 0 meanwhile"));
  }
  return out;
}

std::vector<Relation> find_relations(const std::vector<const StemFeatures*>& features) {
  std::vector<Relation> out;
  for (std::size_t a = 0; a < features.size(); ++a) {
    const StemFeatures* fa = features[a];
    if (!fa || fa->silent || fa->excerpt.empty()) continue;
    for (std::size_t b = a + 1; b < features.size(); ++b) {
      const StemFeatures* fb = features[b];
      if (!fb || fb->silent || fb->sample_rate != fa->sample_rate) continue;
      const PairCorrelation pc = correlate_excerpts(*fa, *fb);
      if (!pc.valid || std::fabs(pc.r) < kRelatedCorrelation) continue;
      Relation rel;
      rel.a = a;
      rel.b = b;
      rel.r = pc.r;
      rel.lag_s = pc.lag_s;
      double gain = 0, spread = 99;
      const bool env = envelope_gain(*fa, *fb, &gain, &spread);
      rel.gain_db = env ? gain : fb->rms_dbfs - fa->rms_dbfs;
      const bool same_length = std::llabs(fa->frames - fb->frames) <= fa->sample_rate / 100;
      if (std::fabs(pc.r_zero_lag) >= 0.995 && env && spread < 0.5 && same_length) {
        rel.kind = "duplicate";
        rel.r = pc.r_zero_lag;
        rel.lag_s = 0;
      } else {
        rel.kind = pc.r < 0 ? "polarity" : "correlated";
      }
      out.push_back(rel);
    }
  }
  return out;
}

namespace {

// The gains g that fit stem c as the others o, by least squares on the inner products `gram`
// (n x n): the normal equations by Cholesky, with a ridge of 1e-9 of the diagonal. Empty when
// they cannot be solved.
std::vector<double> fit_gains(const std::vector<double>& gram, std::size_t n, const std::vector<std::size_t>& o, std::size_t c) {
  const std::size_t m = o.size();
  std::vector<double> A(m * m), g(m);
  for (std::size_t p = 0; p < m; ++p) {
    for (std::size_t q = 0; q < m; ++q) A[p * m + q] = gram[o[p] * n + o[q]];
    A[p * m + p] *= 1.0 + 1e-9;
    g[p] = gram[o[p] * n + c];
  }
  for (std::size_t p = 0; p < m; ++p) {
    for (std::size_t q = 0; q < p; ++q) {
      double s = A[p * m + q];
      for (std::size_t k = 0; k < q; ++k) s -= A[p * m + k] * A[q * m + k];
      A[p * m + q] = s / A[q * m + q];
    }
    double d = A[p * m + p];
    for (std::size_t k = 0; k < p; ++k) d -= A[p * m + k] * A[p * m + k];
    if (!(d > 0.0)) return {};
    A[p * m + p] = std::sqrt(d);
  }
  for (std::size_t p = 0; p < m; ++p) {  // L y = b
    for (std::size_t k = 0; k < p; ++k) g[p] -= A[p * m + k] * g[k];
    g[p] /= A[p * m + p];
  }
  for (std::size_t p = m; p-- > 0;) {  // L^T g = y
    for (std::size_t k = p + 1; k < m; ++k) g[p] -= A[k * m + p] * g[k];
    g[p] /= A[p * m + p];
  }
  return g;
}

// The correlation of stem c with the others o at gains g, on the inner products `gram`.
double fit_correlation(const std::vector<double>& gram, std::size_t n, const std::vector<std::size_t>& o, std::size_t c,
                       const std::vector<double>& g) {
  double cross = 0.0, fit = 0.0;
  for (std::size_t p = 0; p < o.size(); ++p) {
    cross += g[p] * gram[o[p] * n + c];
    for (std::size_t q = 0; q < o.size(); ++q) fit += g[p] * g[q] * gram[o[p] * n + o[q]];
  }
  const double e = gram[c * n + c];
  return fit > 0.0 && e > 0.0 ? cross / std::sqrt(fit * e) : 0.0;
}

}  // namespace

std::vector<Bounce> find_bounces(const std::vector<const StemFeatures*>& features) {
  std::vector<Bounce> out;
  const std::size_t n = features.size();
  std::vector<char> in(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    in[i] = features[i] && !features[i]->silent && !features[i]->excerpt.empty() && features[i]->excerpt_window > 0;
  const auto same_plan = [&](std::size_t a, std::size_t b) {
    return features[a]->excerpt_rate == features[b]->excerpt_rate && features[a]->excerpt_window == features[b]->excerpt_window &&
           features[a]->excerpt.size() == features[b]->excerpt.size();
  };
  // The excerpts' inner products over two halves of them: alternate windows (the halves of the
  // one window a short song has). The gains are fitted on one half and the fit judged on the
  // other: a bounce holds there, while a fit that only bends many others to one stem's samples
  // (narrowband parts, a short song, many stems) falls apart.
  std::vector<double> half[2] = {std::vector<double>(n * n, 0.0), std::vector<double>(n * n, 0.0)};
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a; b < n && in[a]; ++b) {
      if (!in[b] || !same_plan(a, b)) continue;
      const auto& x = features[a]->excerpt;
      const auto& y = features[b]->excerpt;
      const auto w = static_cast<std::size_t>(features[a]->excerpt_window);
      const bool by_window = x.size() >= 2 * w;
      double s[2] = {0.0, 0.0};
      for (std::size_t k = 0; k < x.size(); ++k) s[by_window ? (k / w) % 2 : (2 * (k % w) >= w)] += double(x[k]) * y[k];
      for (int h = 0; h < 2; ++h) half[h][a * n + b] = half[h][b * n + a] = s[h];
    }
  std::vector<double> gram(n * n);
  for (std::size_t k = 0; k < n * n; ++k) gram[k] = half[0][k] + half[1][k];
  for (std::size_t i = 0; i < n; ++i) in[i] = in[i] && half[0][i * n + i] > 0.0 && half[1][i * n + i] > 0.0;
  for (;;) {
    Bounce best;
    bool found = false;
    for (std::size_t c = 0; c < n; ++c) {
      if (!in[c]) continue;
      std::vector<std::size_t> o;
      for (std::size_t j = 0; j < n; ++j)
        if (j != c && in[j] && same_plan(c, j)) o.push_back(j);
      const std::size_t m = o.size();
      if (m < kBounceMinParts) continue;
      // Fitted on each half, judged on the other: the weaker of the two.
      double r = 1.0;
      for (int h = 0; h < 2 && r >= kBounceCorrelation; ++h) {
        const auto gh = fit_gains(half[h], n, o, c);
        r = gh.empty() ? 0.0 : std::min(r, fit_correlation(half[1 - h], n, o, c, gh));
      }
      if (r < kBounceCorrelation) continue;
      const auto g = fit_gains(gram, n, o, c);
      if (g.empty()) continue;
      Bounce b;
      b.index = c;
      b.r = r;
      b.others = m;
      const double energy = gram[c * n + c];
      double parts_energy = 0.0, explained = 0.0;
      for (std::size_t p = 0; p < m; ++p) {
        const double e = g[p] * g[p] * gram[o[p] * n + o[p]];
        parts_energy += e;
        explained += g[p] * gram[o[p] * n + c];
        if (e >= kBouncePartShare * energy) b.parts.push_back(o[p]);
      }
      // The fit's energy is g.b (the normal equations): the parts' energies over it.
      b.cancellation = explained > 0.0 ? parts_energy / explained : 0.0;
      // The parts it holds, as distinct sources: parts correlated with each other (two mics on
      // one drum, the same sound in two files) count once.
      std::vector<std::size_t> group(b.parts.size());
      for (std::size_t p = 0; p < group.size(); ++p) group[p] = p;
      const auto root = [&](std::size_t p) {
        while (group[p] != p) p = group[p];
        return p;
      };
      for (std::size_t p = 0; p < b.parts.size(); ++p)
        for (std::size_t q = p + 1; q < b.parts.size(); ++q) {
          const std::size_t x = b.parts[p], y = b.parts[q];
          if (std::fabs(gram[x * n + y]) >= kRelatedCorrelation * std::sqrt(gram[x * n + x] * gram[y * n + y]))
            group[root(q)] = root(p);
        }
      std::size_t sources = 0;
      for (std::size_t p = 0; p < group.size(); ++p) sources += root(p) == p;
      if (sources < kBounceMinParts || b.cancellation > kBounceMaxCancellation) continue;
      if (found && (b.cancellation > best.cancellation || (b.cancellation == best.cancellation && b.r <= best.r))) continue;
      best = std::move(b);
      found = true;
    }
    if (!found) return out;
    in[best.index] = 0;
    out.push_back(std::move(best));
  }
}

Problem bounce_problem(const std::string& stem, const Bounce& b, const std::vector<std::string>& part_names) {
  // Most of the others in it: the song's bounce (a quiet part, hats in a band-limited fit, may
  // carry under kBouncePartShare); a few: a submix of those, named.
  std::string parts;
  if (2 * part_names.size() >= b.others) {
    parts = fmt::format("the other {} stems", b.others);
  } else {
    parts = fmt::format("{} of the other stems (", part_names.size());
    for (std::size_t i = 0; i < part_names.size(); ++i) parts += (i ? ", " : "") + part_names[i];
    parts += ")";
  }
  return make(stem, "not_a_stem", Severity::warning,
              fmt::format("{} sounds like a mix of {} (correlation {:.3f}): a bounce, not a stem; mixed in, those parts "
                          "would play twice: it is left out of the mix",
                          stem, parts, b.r),
              "remove it from the stems folder; if it is a part of its own, export it without the other tracks");
}

std::size_t duplicate_copy(const Relation& r, const std::string& a, const std::string& b) {
  // "copy", "dup", "kopie", "copie" anywhere, or "(1)" just before the extension.
  const auto says_copy = [](std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    for (const char* w : {"copy", "dup", "kopie", "copie"})
      if (name.find(w) != std::string::npos) return true;
    const auto dot = name.rfind('.');
    const std::string base = name.substr(0, dot == std::string::npos ? name.size() : dot);
    const auto open = base.rfind('(');
    return open != std::string::npos && base.size() > open + 2 && base.back() == ')' &&
           std::all_of(base.begin() + static_cast<std::ptrdiff_t>(open) + 1, base.end() - 1,
                       [](unsigned char ch) { return std::isdigit(ch) != 0; });
  };
  const bool ca = says_copy(a), cb = says_copy(b);
  if (ca != cb) return ca ? r.a : r.b;
  return r.gain_db <= 0.05 ? r.b : r.a;
}

std::vector<Alignment> alignments(const std::vector<Relation>& relations, int sample_rate) {
  // The later stem of the same audio shifted is a copy (delayed_copy): it is left where it is,
  // and nothing is lined up with it.
  std::set<std::size_t> copies;
  for (const auto& r : relations)
    if (r.kind != "duplicate" && std::fabs(r.r) >= kShiftedCopyCorrelation) copies.insert(r.later());
  std::vector<const Relation*> order;
  for (const auto& r : relations)
    if (r.kind != "duplicate" && std::fabs(r.r) >= kAlignCorrelation && std::fabs(r.r) < kShiftedCopyCorrelation &&
        std::fabs(r.lag_s) * sample_rate >= 1.0 && !copies.count(r.a) && !copies.count(r.b))
      order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [](const Relation* x, const Relation* y) { return std::fabs(x->r) > std::fabs(y->r); });
  std::vector<Alignment> out;
  std::set<std::size_t> moved, anchors;
  for (const Relation* r : order) {
    const std::size_t later = r->later(), earlier = r->earlier();
    if (moved.count(later) || moved.count(earlier) || anchors.count(later)) continue;
    moved.insert(later);
    anchors.insert(earlier);
    out.push_back({later, earlier, std::fabs(r->lag_s), r->r});
  }
  return out;
}

std::vector<Problem> relation_problems(const std::vector<StemFormat>& stems,
                                       const std::vector<Relation>& relations) {
  std::vector<Problem> out;
  if (!stems.empty()) {
    for (const auto& al : alignments(relations, stems.front().sample_rate)) {
      if (al.stem >= stems.size() || al.to >= stems.size()) continue;
      const bool opposite = al.r < 0;
      const double ms = 1000.0 * al.advance_s;
      out.push_back(make(stems[al.stem].name, "time_offset", Severity::warning,
                         fmt::format("{} picks up the same source as {} (correlation {:.2f}) {:.2f} ms later: "
                                     "summed, the delay comb-filters the two (the first notch at {:.0f} Hz), "
                                     "thinning the sound; the mix moves {} {:.2f} ms earlier{}",
                                     stems[al.stem].name, stems[al.to].name, std::fabs(al.r), ms, 500.0 / ms,
                                     stems[al.stem].name, ms, opposite ? " (and flips one of them, see polarity)" : ""),
                         fmt::format("line {} up with {} in the session (nudge it {:.0f} samples earlier at {} Hz) "
                                     "and export again",
                                     stems[al.stem].name, stems[al.to].name,
                                     std::round(al.advance_s * stems[al.stem].sample_rate), stems[al.stem].sample_rate)));
    }
  }
  for (const auto& r : relations) {
    if (r.kind != "correlated" || std::fabs(r.r) < kShiftedCopyCorrelation || r.a >= stems.size() || r.b >= stems.size() ||
        std::fabs(r.lag_s) * stems[r.a].sample_rate < 1.0)
      continue;
    const std::size_t later = r.later(), earlier = r.earlier();
    const double ms = 1000.0 * std::fabs(r.lag_s);
    out.push_back(make(stems[later].name, "delayed_copy", Severity::warning,
                       fmt::format("{} is {} played again {:.1f} ms later (correlation {:.3f}): a doubling effect "
                                   "that widens when the two are panned apart, but folded to mono they comb-filter "
                                   "(notches every {:.0f} Hz from {:.0f} Hz); the mix keeps both as they are",
                                   stems[later].name, stems[earlier].name, ms, r.r, 1000.0 / ms, 500.0 / ms),
                       "if the doubling is meant, keep it and check the mix in mono; a second take (or a pitch- "
                       "and time-varied double) widens without the comb"));
  }
  for (const auto& r : relations) {
    if (r.a >= stems.size() || r.b >= stems.size()) continue;
    const std::string& na = stems[r.a].name;
    const std::string& nb = stems[r.b].name;
    if (r.kind == "duplicate") {
      const bool b_is_copy = duplicate_copy(r, na, nb) == r.b;
      const std::string& copy = b_is_copy ? nb : na;
      const std::string& orig = b_is_copy ? na : nb;
      const double g = std::fabs(r.gain_db);
      const std::string level = g < 0.05 ? "at the same level" : fmt::format("{:.1f} dB quieter", g);
      out.push_back(make(copy, "duplicate", Severity::warning,
                         fmt::format("{} is the same audio as {} ({}{}): summed, the two would {} that part, so a mix "
                                     "leaves {} out",
                                     copy, orig, level, r.r < 0 ? ", with inverted polarity" : "",
                                     r.r < 0 ? "cancel" : "double", copy),
                         "remove one of the two; if the copy is meant to double the part, export it as a take of "
                         "its own (a copy of the same samples only makes the part louder)"));
    } else if (r.kind == "polarity") {
      // Flip the secondary mic (bottom, out, under, back, sub): by convention the top/in mic
      // keeps its polarity. Otherwise the later stem in the list.
      const bool flip_a = is_secondary_mic(na) && !is_secondary_mic(nb);
      const std::string& flip = flip_a ? na : nb;
      const std::string& keep = flip_a ? nb : na;
      const double ms = 1000.0 * (flip_a ? -r.lag_s : r.lag_s);  // flip's delay after keep
      const std::string offset =
          std::fabs(ms) < 0.1 ? "and they line up in time"
                              : fmt::format("and {} is {:.1f} ms {} than {}", flip, std::fabs(ms),
                                            ms > 0 ? "later" : "earlier", keep);
      out.push_back(make(flip, "polarity", Severity::warning,
                         fmt::format("{} and {} pick up the same source (correlation {:.2f}) with "
                                     "opposite polarity, {}: summed, they cancel in the low end",
                                     keep, flip, r.r, offset),
                         std::fabs(ms) < 0.1
                             ? fmt::format("flip the polarity of {}", flip)
                             : fmt::format("flip the polarity of {} and move it {:.1f} ms {}", flip,
                                           std::fabs(ms), ms > 0 ? "earlier" : "later")));
    }
  }
  return out;
}

std::vector<Problem> name_problems(const std::string& file, const NameInfo& name,
                                   const std::optional<ContentRole>& heard) {
  std::vector<Problem> out;
  if (name.not_a_stem) {
    out.push_back(make(file, "not_a_stem", Severity::info,
                       fmt::format("{} looks like a {}, not a stem: it is left out of the mix",
                                   file, name.not_a_stem_kind),
                       "remove it from the stems, or rename it if it is a stem"));
    return out;
  }
  if (name.printed_return) {
    out.push_back(make(file, "printed_return", Severity::info,
                       fmt::format("{} is a printed effect return (reverb/delay): it is kept as an "
                                   "effect, level only, not processed as an instrument",
                                   file),
                       ""));
  }
  if (!name.role) {
    std::string guess = heard ? fmt::format("from its sound it is probably {} (confidence {:.2f})",
                                            to_string(heard->role), heard->confidence)
                              : std::string("its sound could not be analysed");
    out.push_back(make(file, "unlabeled", Severity::info,
                       fmt::format("{} {}; {}", file,
                                   name.unlabeled ? "is a generic name that says nothing about the part"
                                                  : "does not name an instrument",
                                   guess),
                       "rename it after the instrument (e.g. \"Kick In.wav\", \"Lead Vox.wav\") "
                       "so its role is certain"));
  } else if (heard && heard->contradicts_name) {
    out.push_back(make(file, "role_mismatch", Severity::warning,
                       fmt::format("{} is named as {} but {}", file, to_string(*name.role), heard->reason),
                       fmt::format("check that the file is the part its name says; if the name is right, say so "
                                   "in session.toml (role = \"{}\")",
                                   to_string(*name.role))));
  } else if (heard && heard->overrules_name) {
    out.push_back(make(file, "role_mismatch", Severity::info,
                       fmt::format("{} is named as {}, but {}", file, to_string(*name.role), heard->reason),
                       "if it is a recorded voice, say so in session.toml (role = \"lead_vocal\")"));
  } else if (heard && strongly_disagree(*name.role, *heard)) {
    out.push_back(make(file, "role_mismatch", Severity::info,
                       fmt::format("{} is named as {} but sounds like {} ({}); the name's role is "
                                   "kept",
                                   file, to_string(*name.role), to_string(heard->role), heard->reason),
                       "check that the file is what its name says"));
  }
  return out;
}

}  // namespace mixdown::analysis
