#include "mix/dynamics.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/loudness.hpp"
#include "mix/level_model.hpp"
#include "mix/reason.hpp"
#include "mix/role_targets.hpp"

namespace mixdown::mix {

double level_percentile(const analysis::StemAnalysis& a, double trim_db, double q) {
  std::vector<float> v;
  for (std::size_t f = 0; f < a.num_frames(); ++f)
    if (f < a.active.size() && a.active[f]) v.push_back(static_cast<float>(frame_rms_db(a, f, trim_db)));
  if (v.empty()) return -200.0;
  const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * double(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double compression_loss_lu(const dsp::CompressorSettings& c, const analysis::StemAnalysis& a,
                           double trim_db) {
  std::vector<double> before, after;
  for (std::size_t f = 0; f < a.num_frames(); ++f) {
    if (a.frame_lufs[f] <= -199.0f) continue;
    const double e = analysis::lufs_to_energy(a.frame_lufs[f] + trim_db);
    const double gr = compressor_gain_db(c, frame_rms_db(a, f, trim_db));
    before.push_back(e);
    after.push_back(e * std::pow(10.0, c.mix * gr / 10.0));
  }
  const double lb = gated_lufs(before), la = gated_lufs(after);
  return lb > -199.0 && la > -199.0 ? la - lb : 0.0;
}

void set_dynamics(Strip& strip, const StemInput& stem, const analysis::SongAnalysis& song,
                  const Brief& brief, bool focus) {
  const auto& a = stem.analysis;
  if (stem.printed_fx || a.silent()) return;
  auto& c = strip.compressor;
  const double beat_ms = 1000.0 * std::clamp(song.beat_period_s, 0.25, 1.5);
  const double p30 = level_percentile(a, strip.trim_db, 0.30);
  const double p50 = level_percentile(a, strip.trim_db, 0.50);
  const double p70 = level_percentile(a, strip.trim_db, 0.70);
  const double p95 = level_percentile(a, strip.trim_db, 0.95);
  const double spread = p95 - p30;
  const Role r = stem.role;
  const bool drum_hit = r == Role::kick || r == Role::snare || r == Role::tom || r == Role::drums;
  // The brief's vocal character is a voice's: a focus that is an instrument is levelled as one.
  const bool voice = is_vocal(r);
  // What the compressor is for; its words are written once every setting is final (below), so
  // the reason quotes the numbers the session holds.
  enum class Kind { none, lead, bass, punch, gentle } kind = Kind::none;
  if (voice || (focus && !is_drum(r) && r != Role::bass)) {
    kind = Kind::lead;
    c.enabled = true;
    c.ratio = voice && brief.vocal == "intimate" ? 4.0 : (voice && brief.vocal == "distant" ? 2.5 : 3.0);
    c.threshold_db = p50;
    c.attack_ms = 8.0;
    c.release_ms = 120.0;
    c.knee_db = 6.0;
  } else if (r == Role::bass) {
    kind = Kind::bass;
    c.enabled = true;
    c.ratio = 3.0;
    c.threshold_db = p50;
    c.attack_ms = 20.0;
    c.release_ms = std::clamp(beat_ms * 0.5, 80.0, 300.0);
  } else if (drum_hit) {
    kind = Kind::punch;
    c.enabled = true;
    // drums=natural: the kit as played, compressed lightly (2:1).
    c.ratio = brief.drums == "natural" ? 2.0 : 3.0;
    // On the hits, not on the decays that fill most active frames of a sparse part: 8 dB
    // under the hits' level (their 10 ms RMS, as the detector reads it).
    const double chan = a.channels >= 2 ? 3.0 : 0.0;
    const double hits = a.event_level_db > -199.0 ? a.event_level_db + strip.trim_db - chan : p95;
    c.threshold_db = std::max(p70, hits - 8.0);
    c.attack_ms = r == Role::kick ? 25.0 : 15.0;  // let the beater/stick transient through
    c.release_ms = std::clamp(beat_ms * 0.25, 40.0, 200.0);
    c.knee_db = 4.0;
  } else if (!is_bed(r) && r != Role::hihat && r != Role::cymbal && r != Role::fx && spread > 8.0) {
    kind = Kind::gentle;
    c.enabled = true;
    c.ratio = 2.0;
    c.threshold_db = p70;
    c.attack_ms = 15.0;
    c.release_ms = 150.0;
  } else {
    strip.reasons["compressor"] = "no compression: the part is steady (" + db1(spread) +
                                  " dB between its quiet and loud frames) or a bed/cymbal that needs none";
  }
  if (c.enabled) {
    std::string character;
    if (brief.character == "polished" || brief.character == "modern") {
      c.ratio *= 1.3;
      c.threshold_db -= 2.0;
      character = "; character=" + brief.character + ": firmer (ratio x1.3, threshold 2 dB lower)";
    } else if (brief.character == "restrained" || brief.character == "raw") {
      c.ratio = 1.0 + (c.ratio - 1.0) * 0.5;
      character = "; character=" + brief.character + ": lighter (half the ratio over 1:1)";
    } else if (brief.character == "aggressive") {
      c.ratio *= 1.5;
      c.attack_ms *= drum_hit ? 1.3 : 0.7;
      character = "; character=aggressive: harder (ratio x1.5" +
                  std::string(drum_hit ? ", a slower attack for the hits)" : ", a faster attack)");
    } else if (brief.character == "vintage") {
      c.attack_ms *= 1.5;
      c.release_ms *= 1.3;
      character = "; character=vintage: slower, smoother (attack x1.5, release x1.3)";
    }
    c.ratio = std::round(c.ratio * 100.0) / 100.0;
    c.threshold_db = std::round(c.threshold_db * 10.0) / 10.0;
    c.attack_ms = std::round(c.attack_ms * 10.0) / 10.0;
    c.release_ms = std::round(c.release_ms * 10.0) / 10.0;
    const std::string ratio = db1(c.ratio) + ":1";
    std::string why;
    switch (kind) {
      case Kind::lead:
        why = std::string(voice ? "vocal" : "the focus") + " levelled: the louder half (over " +
              db1(c.threshold_db) + " dBFS) at " + ratio +
              (voice && brief.vocal == "intimate" ? ", firm for an intimate, close vocal" :
               voice && brief.vocal == "distant" ? ", lighter for a distant vocal" : "");
        break;
      case Kind::bass:
        why = "bass held steady: everything over " + db1(c.threshold_db) + " dBFS (its median level, " + db1(p50) +
              ") at " + ratio;
        break;
      case Kind::punch:
        why = "punch: slow attack (" + db1(c.attack_ms) + " ms) passes the transient, the body over " +
              db1(c.threshold_db) + " dBFS at " + ratio + ", release " + db1(c.release_ms) + " ms (a quarter beat)" +
              (brief.drums == "natural" ? "; drums=natural: light, the kit as played" : "");
        break;
      case Kind::gentle:
        why = "the part moves " + db1(spread) + " dB between quiet and loud: " + ratio + " over " +
              db1(c.threshold_db) + " dBFS";
        break;
      case Kind::none: break;
    }
    why += character;
    c.detector = dsp::Detector::rms;
    // The static curve on 100 ms frames overstates what a compressor with an attack time takes
    // from a struck part (its transients pass before the gain falls): count 60 % of it there.
    // Makeup is capped at 6 dB: more means the settings, not the makeup, are wrong.
    const double loss = -compression_loss_lu(c, a, strip.trim_db) * (a.punch_mean_db > 6.0 ? 0.6 : 1.0);
    c.makeup_db = std::round(std::min(6.0, loss) * 10.0) / 10.0;
    why += "; makeup " + db1(c.makeup_db, true) + " dB keeps its loudness";
    strip.reasons["compressor"] = why;
  }
  // Saturation by character.
  auto& s = strip.saturator;
  if (brief.character == "vintage" && (r == Role::bass || is_drum(r) || r == Role::keys || r == Role::piano ||
                                       r == Role::guitar || voice)) {
    s.enabled = true;
    s.mode = dsp::SaturationMode::tape;
    s.drive_db = 4.0;
    s.mix = 0.6;
    strip.reasons["saturator"] = "character=vintage: tape warmth";
  } else if (brief.character == "aggressive" && (r == Role::bass || drum_hit || r == Role::guitar)) {
    s.enabled = true;
    s.mode = dsp::SaturationMode::soft_clip;
    s.drive_db = 6.0;
    s.mix = 0.4;
    strip.reasons["saturator"] = "character=aggressive: parallel soft clipping for bite";
  }
}

}  // namespace mixdown::mix
