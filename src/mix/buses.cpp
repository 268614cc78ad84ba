#include "mix/buses.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/loudness.hpp"
#include "mix/balance.hpp"
#include "mix/level_model.hpp"
#include "mix/reason.hpp"

namespace mixdown::mix {
namespace {

// 90th percentile of a bus's predicted RMS levels (dBFS per channel, stereo), over frames
// where it plays.
double bus_p90(const std::vector<std::vector<float>>& pw, const std::vector<std::size_t>& members,
               const std::vector<StemInput>& stems) {
  if (members.empty()) return -200.0;
  std::size_t len = 0;
  for (auto i : members) len = std::max(len, pw[i].size());
  const std::size_t nb = static_cast<std::size_t>(analysis::kStemBands);
  std::vector<float> lv;
  for (std::size_t f = 0; f * nb < len; ++f) {
    double e = 0;
    for (auto i : members)
      for (std::size_t b = 0; b < nb && f * nb + b < pw[i].size(); ++b) e += pw[i][f * nb + b];
    if (e > 1e-12) lv.push_back(static_cast<float>(10.0 * std::log10(e / 2.0)));  // stereo mean
  }
  (void)stems;
  if (lv.empty()) return -200.0;
  const auto k = static_cast<std::size_t>(0.9 * double(lv.size() - 1));
  std::nth_element(lv.begin(), lv.begin() + static_cast<std::ptrdiff_t>(k), lv.end());
  return lv[k];
}

dsp::CompressorSettings glue(double p90, double ratio, double want_gr_db, double attack_ms, double release_ms) {
  dsp::CompressorSettings c;
  c.enabled = true;
  c.ratio = ratio;
  c.knee_db = 6.0;
  c.attack_ms = attack_ms;
  c.release_ms = release_ms;
  // Over threshold by x dB the reduction is x (1 - 1/r): x = gr / (1 - 1/r).
  c.threshold_db = std::round((p90 - want_gr_db / (1.0 - 1.0 / ratio)) * 10.0) / 10.0;
  c.makeup_db = 0.0;
  c.detector = dsp::Detector::rms;
  return c;
}

}  // namespace

void set_buses(Console& console, const std::vector<StemInput>& stems,
               const analysis::SongAnalysis& song, const Brief& brief, int sample_rate) {
  const auto pw = mix_band_powers(console, stems, sample_rate);
  const double beat_ms = 1000.0 * std::clamp(song.beat_period_s > 0 ? song.beat_period_s : 0.5, 0.25, 1.5);
  const double rel = std::clamp(beat_ms / 2.0, 100.0, 400.0);
  console.buses.clear();
  const std::vector<double> share = song_shares(stems);
  std::vector<std::size_t> all;
  for (const char* name : {"drums", "bass", "music", "vocals"}) {
    Bus b;
    b.name = name;
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < stems.size(); ++i)
      if (console.strips[i].bus == name && !stems[i].printed_fx) members.push_back(i);
    const double p90 = bus_p90(pw, members, stems);
    // Glue binds parts that play together: a one-shot or a part heard for a moment (under a
    // tenth of the song) is nothing to bind.
    const auto playing = std::count_if(members.begin(), members.end(), [&](std::size_t i) { return share[i] >= 0.1; });
    const bool sparse = playing < 2;
    if (p90 > -199.0 && !sparse && (b.name == "drums" || b.name == "music" || b.name == "vocals")) {
      const bool natural = b.name == "drums" && brief.drums == "natural";
      const double gr = brief.character == "restrained" || brief.character == "raw" || natural ? 1.0 : 1.5;
      b.compressor = glue(p90, 2.0, gr, 30.0, rel);
      b.reasons["compressor"] = "glue: 2:1, 30 ms attack, release " + db1(rel) + " ms (half a beat), about " +
                                db1(gr) + " dB on the loud passages" +
                                (natural ? "; drums=natural: lighter" :
                                 gr < 1.5 ? "; character=" + brief.character + ": lighter" : "");
    } else {
      b.reasons["compressor"] = members.empty() ? "no stems on this bus"
                                : members.size() == 1 ? "a single part: nothing to glue"
                                                      : "a single part plays through the song (the others only for moments): nothing to glue";
    }
    if (b.name == "drums" && brief.drums == "big" && p90 > -199.0) {
      // The compressed copy is all body: a 1 ms attack clamps the hits in it too, so
      // blended under the dry kit it lifts the sustain and the room, not the transients (at 10 ms
      // the copy kept its hits and the bus came out peakier than without it).
      b.compressor = glue(p90, 6.0, 8.0, 1.0, std::clamp(beat_ms / 4.0, 60.0, 200.0));
      b.compressor.mix = 0.4;
      b.compressor.makeup_db = 5.0;
      b.reasons["compressor"] = "drums=big: parallel compression — 6:1 with a 1 ms attack for about 8 dB of "
                                "reduction, 40 % blended under the dry kit with 5 dB makeup, so the body and room of the "
                                "kit thicken under hits that keep their shape";
    }
    b.reasons["fader"] = "unity: the balance is set on the strips";
    console.buses.push_back(b);
    for (auto i : members) all.push_back(i);
  }
  auto& mb = console.mix_bus;
  const double p90 = bus_p90(pw, all, stems);
  if (p90 > -199.0 && brief.character != "raw") {
    // An orchestra keeps its dynamics: light glue, as for a restrained character. A modern mix
    // is punchy and forward: a faster attack clamps the body of the hits; a polished one is
    // held smooth at the slower attack.
    const bool light = brief.character == "restrained" || brief.genre == "orchestral";
    const double gr = light ? 1.0 : (brief.character == "polished" || brief.character == "modern" ? 2.0 : 1.5);
    const double attack = brief.character == "modern" ? 10.0 : 30.0;
    mb.compressor = glue(p90, 1.5, gr, attack, std::clamp(beat_ms, 150.0, 600.0));
    mb.reasons["compressor"] = "mix-bus glue: 1.5:1, " + db1(attack) + " ms attack, about " + db1(gr) +
                               " dB of reduction on the loudest passages (never a limiter)" +
                               (brief.genre == "orchestral" && brief.character != "restrained" ? "; genre=orchestral: light, the orchestra keeps its dynamics" : "") +
                               (brief.character == "modern" ? "; character=modern: a faster attack for punch" : "");
  } else {
    mb.reasons["compressor"] = brief.character == "raw" ? "character=raw: no mix-bus compression" : "nothing to compress";
  }
  mb.target_true_peak_dbtp = -4.5;
  mb.reasons["target_true_peak_dbtp"] = "-4.5 dBTP leaves mastering 3-6 dB of headroom, no limiter on the mix";
  if (brief.character == "vintage") {
    mb.eq.bands.push_back({true, dsp::EqType::high_shelf, 10000.0, -1.5, 0.7});
    mb.reasons["eq"] = "character=vintage: a gentle top roll-off";
  } else if (brief.character == "modern") {
    mb.eq.bands.push_back({true, dsp::EqType::high_shelf, 10000.0, 1.5, 0.7});
    mb.reasons["eq"] = "character=modern: a bright, forward top";
  } else if (brief.character == "polished") {
    // Glossy and smooth: air on top, and the upper presence where harshness lives eased a little.
    mb.eq.bands.push_back({true, dsp::EqType::high_shelf, 12000.0, 1.0, 0.7});
    mb.eq.bands.push_back({true, dsp::EqType::bell, 3500.0, -1.0, 1.0});
    mb.reasons["eq"] = "character=polished: a touch of air, the harsh upper presence eased";
  }
}

}  // namespace mixdown::mix
