#include "mix/space.hpp"

#include <algorithm>
#include <cmath>

#include "mix/reason.hpp"
#include "mix/role_targets.hpp"

namespace mixdown::mix {
namespace {

struct SendPlan {
  double plate = -100, hall = -100, delay = -100;  // dB, -100: none
};

SendPlan role_sends(Role r) {
  switch (r) {
    case Role::lead_vocal: return {-14, -22, -20};
    case Role::vocal: return {-15, -20, -24};
    case Role::backing_vocal: return {-14, -16, -100};
    case Role::snare: return {-16, -26, -100};
    case Role::tom: return {-18, -26, -100};
    case Role::drums: return {-20, -26, -100};
    case Role::overhead: case Role::cymbal: return {-100, -24, -100};
    case Role::percussion: return {-100, -18, -100};
    case Role::guitar: return {-22, -20, -100};
    case Role::keys: case Role::piano: return {-100, -18, -100};
    case Role::synth: return {-22, -20, -100};
    case Role::pad: return {-100, -16, -100};
    case Role::strings: return {-100, -14, -100};
    case Role::brass: return {-100, -18, -100};
    case Role::other: return {-100, -20, -100};
    default: return {};  // kick, bass, hihat, room, fx: dry (low end and printed space stay clean)
  }
}

}  // namespace

void set_space(Console& console, const std::vector<StemInput>& stems, int focus,
               const analysis::SongAnalysis& song, const Brief& brief) {
  const double beat = std::clamp(song.beat_period_s > 0 ? song.beat_period_s : 0.5, 0.25, 1.5);
  const double bar = beat * std::max(1, song.beats_per_bar);
  const bool dry = brief.space == "dry", ambient = brief.space == "ambient";
  const double decay_scale = dry ? 0.7 : (ambient ? 1.4 : 1.0);
  const double send_offset = dry ? -6.0 : (ambient ? 5.0 : 0.0);
  // Hip-hop is dry and close, electronic music lives in its delays and reverbs as much as the
  // default; an acoustic song sits in a room (more of it, no longer), an orchestra in a hall
  // (more, and longer).
  double genre_offset = 0.0;
  if (brief.genre == "hiphop") genre_offset = -2.0;
  if (brief.genre == "orchestral" || brief.genre == "acoustic") genre_offset = 2.0;
  const double genre_decay = brief.genre == "orchestral" ? 1.3 : (brief.genre == "acoustic" ? 0.85 : 1.0);
  const double delay_extra = brief.genre == "electronic" ? 2.0 : std::min(genre_offset, 0.0);

  Return plate;
  plate.name = "plate";
  plate.kind = ReturnKind::reverb;
  plate.reverb.size = 0.5;
  plate.reverb.decay_s = std::clamp(0.5 * bar, 1.2, 2.5) * decay_scale;
  plate.reverb.predelay_ms = std::clamp(1000.0 * beat / 16.0, 10.0, 60.0);
  // vocal=* places a voice: with none in the session the plate is the snare's (and the other
  // parts'), and keeps its tempo's pre-delay.
  const bool voice = std::any_of(stems.begin(), stems.end(), [](const StemInput& s) {
    return is_vocal(s.role) && !s.printed_fx && !s.analysis.silent();
  });
  const double tempo_predelay = plate.reverb.predelay_ms;
  const bool intimate = voice && brief.vocal == "intimate", distant = voice && brief.vocal == "distant";
  if (intimate) plate.reverb.predelay_ms = std::min(90.0, plate.reverb.predelay_ms * 1.5);
  if (distant) plate.reverb.predelay_ms = std::max(5.0, plate.reverb.predelay_ms * 0.4);
  plate.reverb.damping_hz = brief.character == "vintage" ? 5000.0 : 7000.0;
  plate.reverb.low_cut_hz = 250.0;
  plate.reverb.width = 1.0;
  // Each time in its musical unit, and where a clamp or the brief moved it from that, said so.
  const auto held = [](double musical, double lo, double hi, const std::string& unit) {
    return musical < lo || musical > hi ? unit + " is " + db1(musical) + ", held to " + db1(lo) + "-" + db1(hi)
                                        : unit;
  };
  plate.reasons["reverb"] = "plate for vocals and snare: decay " + db1(plate.reverb.decay_s) + " s (" +
                            held(0.5 * bar, 1.2, 2.5, "half a bar") + ")" +
                            (dry ? "; space=dry: x0.7, shorter" : ambient ? "; space=ambient: x1.4, longer" : "") +
                            ", pre-delay " + db1(plate.reverb.predelay_ms) + " ms (" +
                            (intimate || distant ? db1(tempo_predelay) + " ms, " : "") +
                            held(1000.0 * beat / 16.0, 10.0, 60.0, "a 1/64 note") +
                            (intimate ? ", x1.5: vocal=intimate keeps the voice close" :
                             distant ? ", x0.4: vocal=distant pushes the voice back" : "") + ")";
  Return hall;
  hall.name = "hall";
  hall.kind = ReturnKind::reverb;
  hall.reverb.size = ambient ? 0.95 : 0.85;
  hall.reverb.decay_s = std::clamp(bar, 1.8, 3.5) * decay_scale * genre_decay;
  hall.reverb.predelay_ms = std::clamp(1000.0 * beat / 8.0, 20.0, 80.0);
  hall.reverb.damping_hz = brief.character == "vintage" ? 4000.0 : 5500.0;
  hall.reverb.low_cut_hz = 300.0;
  hall.reasons["reverb"] = "hall for the beds and the depth: decay " + db1(hall.reverb.decay_s) + " s (" +
                           held(bar, 1.8, 3.5, "a bar") + ")" +
                           (dry ? "; space=dry: x0.7, shorter" : ambient ? "; space=ambient: x1.4 and a larger room" : "") +
                           (genre_decay > 1.0   ? "; genre=orchestral: x1.3, a longer hall"
                            : genre_decay < 1.0 ? "; genre=acoustic: x0.85, a shorter room"
                                                : "") +
                           ", pre-delay " + db1(hall.reverb.predelay_ms) + " ms (" +
                           held(1000.0 * beat / 8.0, 20.0, 80.0, "a 1/32 note") + ")";
  Return delay;
  delay.name = "delay";
  delay.kind = ReturnKind::delay;
  const double dotted8 = 0.75 * beat;
  delay.delay.time_ms = 1000.0 * (beat > 0.75 ? 0.5 * beat : dotted8);
  delay.delay.feedback = ambient ? 0.45 : (dry ? 0.2 : 0.3);
  delay.delay.low_cut_hz = 300.0;
  delay.delay.high_cut_hz = brief.character == "vintage" ? 3000.0 : 5000.0;
  delay.delay.ping_pong = true;
  delay.reasons["delay"] = "tempo-synced delay (" + db1(song.tempo_bpm) + " BPM): " + db1(delay.delay.time_ms) +
                           " ms = " + (beat > 0.75 ? "an eighth note" : "a dotted eighth") +
                           ", feedback " + db1(100.0 * delay.delay.feedback) + " %" +
                           (ambient ? " (space=ambient: more repeats)" : dry ? " (space=dry: fewer repeats)" : "") +
                           ", filtered so repeats sit behind the dry voice";
  console.returns = {plate, hall, delay};

  for (std::size_t i = 0; i < stems.size(); ++i) {
    auto& st = console.strips[i];
    const auto& s = stems[i];
    if (s.printed_fx || s.analysis.silent()) continue;
    SendPlan p = role_sends(s.role);
    std::string why = std::string(to_string(s.role)) + " send by role";
    const bool is_focus = static_cast<int>(i) == focus;
    // A focus gets a voice's space, unless it is the low end (a bass or kick focus stays dry:
    // reverb on the low end muddies it).
    const bool low = s.role == Role::kick || s.role == Role::bass;
    if (is_focus && !low && p.delay < -99) p.delay = -24;
    if (is_focus && !low && p.plate < -99) p.plate = -18;
    if (is_vocal(s.role)) {
      if (brief.vocal == "intimate") {
        p.plate -= 6;
        p.hall -= 8;
        p.delay -= 4;
        why += "; vocal=intimate: drier and closer";
      } else if (brief.vocal == "distant") {
        p.plate += 4;
        p.hall += 8;
        p.delay += 2;
        why += "; vocal=distant: wetter, farther";
      }
    }
    if (brief.drums == "big" && is_drum(s.role) && s.role != Role::hihat && s.role != Role::cymbal) {
      if (p.plate < -99) p.plate = -22;
      if (p.hall < -99) p.hall = -24;
      p.plate += 4;
      p.hall += 4;
      why += "; drums=big: more room";
    }
    if (send_offset != 0.0) why += "; space=" + brief.space + " " + db1(send_offset, true) + " dB";
    if (genre_offset != 0.0) why += "; genre=" + brief.genre + " " + db1(genre_offset, true) + " dB";
    if (brief.genre == "electronic" && p.delay > -99) why += "; genre=electronic: the delay +2.0 dB";
    auto add = [&](const char* to, double level, double extra) {
      if (level < -99) return;
      st.sends.push_back(Send{to, std::round((level + send_offset + extra) * 10) / 10, false});
    };
    add("plate", p.plate, genre_offset);
    add("hall", p.hall, genre_offset);
    add("delay", p.delay, delay_extra);
    if (!st.sends.empty()) st.reasons["send"] = why;
    for (const auto& snd : st.sends) st.reasons["send." + snd.to] = why;
  }
}

}  // namespace mixdown::mix
