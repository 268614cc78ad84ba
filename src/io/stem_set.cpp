#include "io/stem_set.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"
#include "io/integrity.hpp"
#include "io/session.hpp"
#include "io/stem_cache.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

constexpr std::size_t kBlock = 16384;

bool is_toml(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".toml";
}

// Whether a stereo stem may still turn out dual mono (StemFeatures::dual_mono: the energy of
// L - R at most 1e-8 of that of L + R over the whole stem), judged on the frames so far with
// a hundredfold margin. Only a guess that saves work: whatever it says, the mix uses a folded
// measurement only of a stem found dual mono, and measures it again if the guess dropped it.
struct DualMonoWatch {
  double diff = 0.0, sum = 0.0;
  bool add(const ConstAudioView& v) {
    const float* l = v.channel(0);
    const float* r = v.channel(1);
    float d = 0.0f, s = 0.0f;
    for (std::size_t i = 0; i < v.num_frames(); ++i) {
      d += (l[i] - r[i]) * (l[i] - r[i]);
      s += (l[i] + r[i]) * (l[i] + r[i]);
    }
    diff += d;
    sum += s;
    return !(diff > 1e-6 * sum);  // NaN reads as "still possible"
  }
};

}  // namespace

std::int64_t read_cost(std::int64_t frames, int channels) {
  // Decoding and the per-channel measurements grow with the channels; the features' own
  // work (on the mono sum) and the loudness gating do not.
  return std::max<std::int64_t>(0, frames) * (std::max(1, channels) + 2);
}

std::vector<std::size_t> longest_first(const std::vector<std::int64_t>& cost) {
  std::vector<std::size_t> order(cost.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  return order;
}

std::size_t StemCheckResult::usable() const {
  return static_cast<std::size_t>(
      std::count_if(stems.begin(), stems.end(), [](const StemResult& s) { return s.readable && !s.excluded; }));
}

std::string excluded_words(const StemResult& s) {
  if (!s.readable) return "unreadable";
  if (s.features.dc_only) return "only a DC offset, no sound";
  const std::string& r = s.excluded_reason;
  if (r == "duplicate") return "a copy of another stem";
  if (r == "clicks") return "only isolated clicks, no part";
  if (r == "silent" || r == "unreadable" || r.empty()) return r.empty() ? "left out" : r;
  return "a " + r + ", not a stem";
}

StemListing list_stems(const fs::path& stems) {
  StemListing out;
  out.source = stems;
  std::error_code ec;
  if (!fs::exists(stems, ec)) throw rejected(stems.string(), "no such folder or session file");
  if (fs::is_directory(stems, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(stems, ec)) {
      const std::string name = e.path().filename().string();
      std::error_code fe;
      if (!name.empty() && name[0] != '.' && e.is_directory(fe)) {
        // Audio in a sub-folder is not read (a session's stems lie side by side), but said:
        // "Drums/Kick.wav" left out unannounced was a part missing from the mix. A mixdown
        // output folder inside the stems (its session.toml or report.json) is not stems.
        std::error_code se;
        if (fs::exists(e.path() / "session.toml", se) || fs::exists(e.path() / "report.json", se)) continue;
        int audio = 0;
        for (const auto& f : fs::directory_iterator(e.path(), se))
          if (std::error_code re; f.is_regular_file(re) && f.path().filename().string()[0] != '.' && has_audio_extension(f.path())) ++audio;
        if (audio > 0) out.subfolders.push_back({name, audio});
        continue;
      }
      if (name.empty() || !e.is_regular_file(fe)) continue;
      // Hidden files are skipped (macOS "._Kick.wav" resource forks, ".DS_Store") but named, so
      // a stem exported with a leading dot does not vanish unannounced; our own partial
      // outputs (".NAME.partial") are not the user's and go unmentioned.
      if (name[0] == '.') {
        if (!(name.size() > 8 && name.compare(name.size() - 8, 8, ".partial") == 0)) out.hidden.push_back(name);
        continue;
      }
      files.push_back(e.path());
    }
    std::sort(out.hidden.begin(), out.hidden.end());
    std::sort(out.subfolders.begin(), out.subfolders.end());
    if (ec) throw rejected(stems.string(), "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    for (const auto& f : files) {
      if (looks_like_audio(f))
        out.stems.push_back({f, f.filename().string(), std::nullopt, 1.0});
      else
        out.ignored.push_back(f.filename().string());
    }
    return out;
  }
  if (is_toml(stems)) {
    out.from_session = true;
    const mix::Console console = load_session(stems);
    for (const auto& strip : console.strips) {
      ListedStem s;
      s.path = fs::path(strip.file);
      if (s.path.is_relative()) s.path = stems.parent_path() / s.path;
      s.name = strip.name.empty() ? s.path.filename().string() : strip.name;
      if (strip.role_source != kRoleToDetect) {
        s.session_role = strip.role;
        s.session_confidence = strip.role_confidence;
      }
      out.stems.push_back(std::move(s));
    }
    return out;
  }
  throw rejected(stems.string(), "is neither a folder of stems nor a session.toml");
}

StemCheckResult check_stems(const std::vector<fs::path>& files, int threads) {
  StemListing listing;
  for (const auto& f : files) listing.stems.push_back({f, f.filename().string(), std::nullopt, 1.0});
  return check_stems(listing, threads);
}

StemCheckResult check_stems(const StemListing& listing, int threads, const ProgressFn& progress,
                            const CheckOptions& options) {
  StemCheckResult res;
  res.ignored = listing.ignored;
  res.hidden = listing.hidden;
  const std::size_t n = listing.stems.size();
  res.stems.resize(n);

  // Probe everything first: the excerpt plan needs the longest stem.
  double longest_s = 0.0;
  std::int64_t total_frames = 0;
  for (std::size_t i = 0; i < n; ++i) {
    StemResult& s = res.stems[i];
    s.name = listing.stems[i].name;
    s.path = listing.stems[i].path;
    s.format.name = s.name;
    s.name_info = analysis::role_from_name(s.name);
    try {
      std::error_code ec;
      if (!fs::exists(s.path, ec)) throw rejected(s.name, "file not found (" + s.path.string() + ")");
      const AudioInfo info = probe(s.path);
      s.format.sample_rate = info.sample_rate;
      s.format.channels = info.channels;
      s.format.frames = info.frames;
      s.format.bit_depth = info.bit_depth;
      s.format.is_float = info.is_float;
      s.format.lossy = info.lossy;
      s.format.container = info.container;
      s.format.encoding = info.encoding;
      s.readable = true;
      // The damage master and analyze refuse (io::reject_if_truncated): a stem is still mixed
      // as far as it goes, and the check says so.
      if (const auto why = truncation(s.path, info))
        s.error = s.name + ": " + *why + " (a damaged or interrupted export)";
      longest_s = std::max(longest_s, info.duration_s());
      total_frames += info.frames;
    } catch (const std::exception& e) {
      s.readable = false;
      s.error = e.what();
    }
  }

  // The rate the mix will run at, as far as the probes tell (the final choice also leaves out
  // stems that turn out unreadable): the stems at this rate are measured for the mix here.
  int mix_rate = 0;
  if (options.analyse_for_mix) {
    std::vector<analysis::StemFormat> formats;
    for (std::size_t i = 0; i < n; ++i)
      if (res.stems[i].readable && !(res.stems[i].name_info.not_a_stem && !listing.stems[i].session_role))
        formats.push_back(res.stems[i].format);
    mix_rate = analysis::session_rate(formats);
  }

  // One streaming pass per stem, stems in parallel; each item writes only its own slot.
  // The longest reads start first (longest processing time first), so the last ones to finish
  // are short and no core idles long at the end while another reads a long stem alone.
  std::vector<std::size_t> order(n);
  {
    std::vector<std::int64_t> cost(n, 0);
    for (std::size_t i = 0; i < n; ++i)
      if (res.stems[i].readable) cost[i] = read_cost(res.stems[i].format.frames, res.stems[i].format.channels);
    order = longest_first(cost);
  }
  // Which stems the cache keeps, decided here in stem order (not by which read starts first).
  std::vector<char> keep(n, 0);
  if (options.cache && mix_rate > 0)
    for (std::size_t i = 0; i < n; ++i) {
      const StemResult& s = res.stems[i];
      if (s.readable && s.format.sample_rate == mix_rate && !(s.name_info.not_a_stem && !listing.stems[i].session_role))
        keep[i] = options.cache->reserve(s.format.frames, s.format.channels) ? 1 : 0;
    }
  std::atomic<std::int64_t> done_frames{0};
  std::mutex progress_mutex;
  parallel_for(n, threads, [&](std::size_t k) {
    const std::size_t i = order[k];
    StemResult& s = res.stems[i];
    if (!s.readable) return;
    try {
      // A float stem whose few blocks hold absurd samples (analysis::spike_ceiling) is read
      // again with them as silence: every measurement and the cache see the repaired stem.
      analysis::Spikes spikes;
      for (int attempt = 0;; ++attempt) {
        AudioReader reader(s.path);
        reader.set_spike_ceiling(spikes.ceiling);
        std::optional<analysis::SpikeScan> scan;
        if (attempt == 0 && reader.info().is_float) scan.emplace();
        const int rate = reader.info().sample_rate;
        const auto plan_frames = static_cast<std::int64_t>(std::llround(longest_s * rate));
        analysis::StemFeatureAnalyzer analyzer(rate, reader.info().channels,
                                               analysis::make_excerpt_plan(plan_frames, rate));
        const int channels = reader.info().channels;
        AudioBuffer block(channels, kBlock);
        // The mix's measurement, with the channels the renderer reads (io::FileStemSource).
        std::optional<analysis::StemAnalyzer> for_mix;
        AudioBuffer folded;
        // Dual mono is only known at the end of the read (StemFeatures::dual_mono); a stereo
        // stem is measured folded to mono as well while its channels stay close, so a dual-mono
        // stem needs no second read.
        std::optional<analysis::StemAnalyzer> for_mix_mono;
        AudioBuffer mono;
        DualMonoWatch watch;
        std::shared_ptr<DecodedStem> decoded;
        if (keep[i]) decoded = std::make_shared<DecodedStem>(channels, rate);
        // A stereo stem the cache keeps is measured in stereo only once the read has shown it is
        // not dual mono, from the kept copy (the same bits the read delivered; the measurement
        // does not depend on block edges): half the mix's spectra are not taken for a stem that
        // is mixed folded to mono (most of the bench session's 16 stems, and any mono instrument
        // exported to a stereo file).
        const bool stereo_later = channels == 2 && decoded != nullptr;
        if (mix_rate > 0 && rate == mix_rate) {
          for_mix.emplace(rate, std::min(channels, 2));
          if (channels > 2) folded.resize(2, kBlock);
          if (channels == 2) {
            for_mix_mono.emplace(rate, 1);
            mono.resize(1, kBlock);
          }
        }
        std::int64_t got_total = 0;
        for (;;) {
          const std::size_t got = reader.read(block.view());
          if (got == 0) break;
          if (scan) scan->add(block.view().sub(0, got));
          analyzer.add(block.view().sub(0, got));
          if (decoded) decoded->append(block.view().sub(0, got));
          if (for_mix && channels > 2) {
            fold_channels(block.view().sub(0, got), folded.view(got));
            for_mix->add(folded.view(got));
          } else if (for_mix && !stereo_later) {
            for_mix->add(block.view().sub(0, got));
          }
          if (for_mix_mono) {
            if (watch.add(block.view().sub(0, got))) {
              fold_channels(block.view().sub(0, got), mono.view(got));
              for_mix_mono->add(mono.view(got));
            } else {
              for_mix_mono.reset();
            }
          }
          got_total += static_cast<std::int64_t>(got);
          if (attempt > 0) continue;  // the progress counted the first read
          const auto d = done_frames.fetch_add(static_cast<std::int64_t>(got)) + static_cast<std::int64_t>(got);
          if (progress && total_frames > 0) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            progress(double(d) / double(total_frames));
          }
        }
        if (scan && (spikes = scan->found()).ceiling > 0.0f) continue;
        s.features = analyzer.finish();
        if (decoded && got_total == s.format.frames) decoded->finish();
        // The renderer pads a short read to the declared length; such a stem is measured again.
        if (for_mix && got_total == s.format.frames) {
          if (stereo_later && !analysis::mixed_as_mono(s.features)) {
            for (std::int64_t at = 0; at < got_total;) {
              const auto m = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(kBlock), got_total - at));
              decoded->copy(at, block.view().sub(0, m));
              for_mix->add(block.view().sub(0, m));
              at += static_cast<std::int64_t>(m);
            }
          }
          // Dual mono and measured in stereo later: the stereo measurement is never taken (the
          // mix reads the folded one, or measures the stem again if it was not kept).
          if (!stereo_later || !analysis::mixed_as_mono(s.features)) s.mix_analysis = for_mix->finish();
          s.mix_analysis_rate = rate;
          if (for_mix_mono) s.mix_analysis_folded = for_mix_mono->finish();
        }
        if (decoded && got_total == s.format.frames) options.cache->put(s.path, std::move(decoded));
        s.nonfinite_samples = reader.nonfinite_samples();
        s.spike_ceiling = spikes.ceiling;
        s.spike_samples = reader.spike_samples();
        s.spike_peak = spikes.peak;
        if (got_total == 0) {
          s.readable = false;
          s.error = s.name + ": no audio could be decoded";
        } else if (got_total < s.format.frames) {
          // Truncated: what was read is still usable; say so.
          s.error = fmt::format("{}: ends early: the header promises {:.3f} s, only {:.3f} s could be read",
                                s.name, s.format.duration_s(), double(got_total) / rate);
          s.format.frames = got_total;
        }
        break;
      }
    } catch (const std::exception& e) {
      s.readable = false;
      s.error = e.what();
    }
  });

  // Roles.
  for (std::size_t i = 0; i < n; ++i) {
    StemResult& s = res.stems[i];
    if (s.readable && !s.features.silent) s.content = analysis::role_from_content(s.features);
    const auto& ni = s.name_info;
    if (listing.stems[i].session_role) {
      s.role = *listing.stems[i].session_role;
      s.role_source = "session";
      s.role_confidence = listing.stems[i].session_confidence;
    } else if (ni.role) {
      s.role = *ni.role;
      s.role_source = "name";
      s.role_confidence = ni.confidence;
      if (s.readable) {
        if (auto synth = analysis::synthetic_voice(ni, s.features)) {
          s.role = synth->role;
          s.role_source = "content";
          s.role_confidence = synth->confidence;
          s.content = std::move(*synth);
        } else if (s.content) {
          if (auto heard = analysis::impossible_name(*ni.role, s.features, *s.content)) {
            s.role = heard->role;
            s.role_source = "content";
            s.role_confidence = heard->confidence;
            s.content = std::move(*heard);
          }
        }
      }
    } else if (ni.not_a_stem) {
      s.role = Role::other;
      s.role_source = "name";
      s.role_confidence = 0.9;
    } else if (s.content) {
      s.role = s.content->role;
      s.role_source = "content";
      s.role_confidence = s.content->confidence;
    } else {
      s.role = Role::other;
      s.role_source = "content";
      s.role_confidence = 0.0;
    }
    s.printed_return = ni.printed_return;
    if (!s.readable) {
      s.excluded = true;
      s.excluded_reason = "unreadable";
    } else if (ni.not_a_stem && !listing.stems[i].session_role) {
      s.excluded = true;
      s.excluded_reason = ni.not_a_stem_kind;
    } else if (s.features.silent) {
      s.excluded = true;
      s.excluded_reason = "silent";
    } else if (s.features.clicks_only) {
      s.excluded = true;
      s.excluded_reason = "clicks";
    }
  }
  // One vocal part and no named lead: that part is the lead ("Vox" and its "Vox Dbl" are one
  // part: the same name base).
  {
    std::set<std::string> bases;
    std::vector<std::size_t> vocals;
    bool has_lead = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (res.stems[i].excluded || res.stems[i].role_source == "session") continue;
      if (res.stems[i].role == Role::vocal) {
        vocals.push_back(i);
        bases.insert(res.stems[i].name_info.base);
      }
      if (res.stems[i].role == Role::lead_vocal) has_lead = true;
    }
    if (bases.size() == 1 && !has_lead)
      for (std::size_t i : vocals) res.stems[i].role = Role::lead_vocal;
  }

  // Pairs by name.
  {
    std::vector<std::string> names;
    for (const auto& s : res.stems) names.push_back(s.name);
    res.pairs = analysis::find_pairs(names);
    for (const auto& p : res.pairs) {
      res.stems[p.a].pair_kind = res.stems[p.b].pair_kind = p.kind;
      res.stems[p.a].pair_with = res.stems[p.b].name;
      res.stems[p.b].pair_with = res.stems[p.a].name;
    }
  }

  // Problems, gathered per stem and then in stem order.
  std::vector<std::vector<Problem>> per(n);
  std::vector<analysis::StemFormat> usable_formats;
  std::vector<std::size_t> usable_index;
  std::vector<const analysis::StemFeatures*> feats(n, nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    StemResult& s = res.stems[i];
    auto add = [&](std::vector<Problem> v) { per[i].insert(per[i].end(), v.begin(), v.end()); };
    if (!s.readable) {
      Problem p;
      p.stem = s.name;
      p.code = "unreadable";
      p.severity = Severity::error;
      p.message = s.error.empty() ? s.name + " could not be read" : s.error;
      p.fix = "re-export it as WAV or FLAC (24-bit); the other stems are checked without it";
      per[i].push_back(p);
      add(analysis::name_problems(s.name, s.name_info, std::nullopt));
      continue;
    }
    if (!s.error.empty()) {
      Problem p;
      p.stem = s.name;
      p.code = "unreadable";
      p.severity = Severity::warning;
      p.message = s.error;
      p.fix = "re-export it; the part that could be read is used meanwhile";
      per[i].push_back(p);
    }
    if (s.nonfinite_samples > 0) {
      Problem p;
      p.stem = s.name;
      p.code = "nonfinite_samples";
      p.severity = Severity::error;
      p.message = s.name + " holds " + nonfinite_samples_phrase(s.nonfinite_samples) +
                  (s.nonfinite_samples == 1 ? ": it is read as silence" : ": they are read as silence");
      p.fix = "re-export it; a plug-in that blows up (a filter at an extreme setting) is the usual cause";
      per[i].push_back(p);
    }
    if (s.spike_samples > 0) per[i].push_back(analysis::spike_problem(s.name, s.spike_samples, s.spike_peak));
    if (s.name_info.not_a_stem && !listing.stems[i].session_role) {
      add(analysis::name_problems(s.name, s.name_info, s.content));
      continue;  // a rough mix or a reference is not checked as a stem
    }
    add(analysis::format_problems(s.format));
    add(analysis::signal_problems(s.format, s.features));
    if (!listing.stems[i].session_role) add(analysis::name_problems(s.name, s.name_info, s.content));
    if (!s.excluded || s.excluded_reason == "silent" || s.excluded_reason == "clicks") {
      usable_formats.push_back(s.format);
      usable_index.push_back(i);
    }
    if (!s.excluded) feats[i] = &s.features;
  }
  auto route = [&](const std::vector<Problem>& v) {
    for (const auto& p : v)
      for (std::size_t i = 0; i < n; ++i)
        if (res.stems[i].name == p.stem) {
          per[i].push_back(p);
          break;
        }
  };
  res.session_rate = analysis::session_rate(usable_formats);
  route(analysis::rate_problems(usable_formats));
  {
    std::vector<double> sound_end;
    for (std::size_t i : usable_index) sound_end.push_back(res.stems[i].features.sound_end_s);
    route(analysis::length_problems(usable_formats, sound_end));
  }
  res.relations = analysis::find_relations(feats);
  // A stem that is the same audio as another is left out of the mix: summed, the two would
  // double the part (or cancel it, one inverted). A copy of a copy is left out once.
  for (const auto& r : res.relations)
    if (r.kind == "duplicate") {
      StemResult& copy = res.stems[analysis::duplicate_copy(r, res.stems[r.a].name, res.stems[r.b].name)];
      if (copy.excluded) continue;
      copy.excluded = true;
      copy.excluded_reason = "duplicate";
    }
  // A stem that is the sum of the others (the song's bounce under any name): left out and said,
  // among the stems still mixed (a copy left out above would double its part in the sum).
  {
    std::vector<const analysis::StemFeatures*> mixed(n, nullptr);
    for (std::size_t i = 0; i < n; ++i)
      if (!res.stems[i].excluded) mixed[i] = feats[i];
    for (const auto& b : analysis::find_bounces(mixed)) {
      StemResult& s = res.stems[b.index];
      s.excluded = true;
      s.excluded_reason = "bounce of the other stems";
      // What its name said about a part (unlabeled, role_mismatch) no longer applies.
      std::erase_if(per[b.index], [](const Problem& p) { return p.code == "unlabeled" || p.code == "role_mismatch"; });
      std::vector<std::string> names;
      for (std::size_t k : b.parts) names.push_back(res.stems[k].name);
      per[b.index].push_back(analysis::bounce_problem(s.name, b, names));
    }
  }
  // What a left-out copy relates to otherwise is its original's to say (a part opposite in
  // polarity to an inverted copy is in polarity with the original, which the mix keeps).
  std::erase_if(res.relations, [&](const analysis::Relation& r) {
    return r.kind != "duplicate" && (res.stems[r.a].excluded || res.stems[r.b].excluded);
  });
  {
    std::vector<analysis::StemFormat> all_formats;
    for (const auto& s : res.stems) all_formats.push_back(s.format);
    route(analysis::relation_problems(all_formats, res.relations));
  }
  for (auto& v : per) res.problems.insert(res.problems.end(), v.begin(), v.end());
  for (const auto& [folder, count] : listing.subfolders)
    res.problems.push_back({"stems_in_subfolder", Severity::warning,
                            fmt::format("{}/ holds {} audio file{} that {} not in the mix: stems are read from the folder "
                                        "itself, not from its sub-folders",
                                        folder, count, count == 1 ? "" : "s", count == 1 ? "is" : "are"),
                            "move the stems up into the stems folder (or drop the sub-folder if it holds other takes)",
                            std::nullopt, "", ""});
  return res;
}

StemCheckResult check_stem_source(const fs::path& stems, int threads, const ProgressFn& progress,
                                  const CheckOptions& options) {
  StemListing listing = list_stems(stems);
  if (listing.stems.empty()) {
    if (listing.from_session) throw rejected(stems.string(), "the session names no stems");
    throw rejected(stems.string(),
                   !listing.subfolders.empty()
                       ? fmt::format("no audio files in the folder itself; {}/ holds {} (stems are read from the folder, "
                                     "not its sub-folders: point mixdown at the sub-folder)",
                                     listing.subfolders[0].first, listing.subfolders[0].second)
                   : listing.ignored.empty()
                       ? std::string("the folder is empty: no audio files to check")
                       : fmt::format("no audio files (wav, aiff, flac, ogg, opus, mp3) among its {} file{}",
                                     listing.ignored.size(), listing.ignored.size() == 1 ? "" : "s"));
  }
  StemCheckResult res = check_stems(listing, threads, progress, options);
  if (res.usable() == 0) {
    std::string why;
    for (const auto& s : res.stems)
      if (s.excluded) {
        why = !s.readable ? s.error : s.name + " is " + excluded_words(s);
        break;
      }
    throw rejected(stems.string(),
                   fmt::format("none of the {} stem{} can be used ({}{})", res.stems.size(),
                               res.stems.size() == 1 ? "" : "s", why,
                               res.stems.size() > 1 ? ", ..." : ""));
  }
  return res;
}

}  // namespace mixdown::io
