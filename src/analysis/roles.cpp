// Sources: see roles.hpp.
#include "analysis/roles.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace mixdown::analysis {

namespace {
// Energy shares past which a named role cannot be right (impossible_name). Measured on the
// corpus stems (kick 70-95 % below 120 Hz, bass 39-66 %, snares 0-5 %, hi-hats 0 % below and
// 77-87 % above 5 kHz) and on voices (a few % below 120 Hz), with a wide margin either side.
constexpr double kVoiceMaxLow120 = 0.35;
constexpr double kCymbalMaxLow120 = 0.3;
constexpr double kSnareMaxLow120 = 0.6;
constexpr double kLowPartMinLow120 = 0.02;
constexpr double kLowPartMaxHigh5k = 0.3;
}  // namespace

namespace {

struct Entry {
  Role role;
  double confidence;
};

// Token → role. Strong words (0.95) name the instrument; weak ones (0.6-0.8) usually do.
const std::map<std::string, Entry, std::less<>>& role_table() {
  static const std::map<std::string, Entry, std::less<>> t = [] {
    std::map<std::string, Entry, std::less<>> m;
    auto add = [&](Role r, double c, std::initializer_list<const char*> words) {
      for (const char* w : words) m.emplace(w, Entry{r, c});
    };
    add(Role::kick, 0.95, {"kick", "kik", "kck", "kic", "bd", "bassdrum", "bdrum", "kickdrum",
                           "kicks", "kk"});
    add(Role::snare, 0.95, {"snare", "snr", "sn", "sd", "snares", "rimshot", "sidestick",
                            "xstick", "snaredrum"});
    add(Role::snare, 0.7, {"rim"});
    add(Role::hihat, 0.95, {"hh", "hihat", "hihats", "hat", "hats", "hhat", "hhats", "hithat",
                            "hihhat"});
    add(Role::tom, 0.95, {"tom", "toms", "tomtom", "floortom", "racktom", "tm", "fltom"});
    add(Role::tom, 0.7, {"ft", "rack", "floor"});
    add(Role::cymbal, 0.95, {"cymbal", "cymbals", "cym", "cyms", "crash", "ride", "china",
                             "splash", "crashes"});
    add(Role::overhead, 0.95, {"oh", "ohs", "overhead", "overheads", "ovh", "ovhd", "ovhds"});
    add(Role::room, 0.9, {"room", "rooms", "rm", "rms", "roommic", "trash"});
    add(Role::room, 0.6, {"amb", "ambience"});
    add(Role::percussion, 0.9, {"perc", "percs", "percussion", "shaker", "shakers", "shk", "tamb",
                                "tambourine", "tambo", "conga", "congas", "bongo", "bongos",
                                "cowbell", "clap", "claps", "snap", "snaps", "fingersnap",
                                "triangle", "cajon", "woodblock", "timbale", "timbales", "guiro",
                                "cabasa", "agogo", "clave", "claves", "djembe", "tabla",
                                "handclap", "handclaps", "maracas", "chimes"});
    add(Role::drums, 0.9, {"drums", "drum", "kit", "drm", "drms", "drumkit", "drumloop",
                           "breakbeat", "beat", "beats", "drumbus"});
    add(Role::bass, 0.95, {"bass", "bs", "bss", "bassguitar", "subbass", "bassline", "basses",
                           "synthbass", "bassdi", "bassamp", "bgtr", "ebass", "fretless"});
    add(Role::bass, 0.8, {"sub", "808", "bas", "subs"});
    add(Role::guitar, 0.95, {"gtr", "guitar", "guitars", "gtrs", "guit", "egtr", "agtr", "acgtr",
                             "egt", "agt", "gtar", "strat", "tele", "lespaul", "dobro",
                             "banjo", "mandolin", "ukulele", "uke"});
    add(Role::guitar, 0.7, {"gt", "acoustic", "acou", "elec", "dist", "crunch", "riff", "riffs",
                            "ac", "eg", "ag", "slide"});
    add(Role::keys, 0.95, {"keys", "keyboard", "keyboards", "organ", "b3", "hammond", "rhodes",
                           "wurli", "wurlitzer", "epiano", "epno", "clav", "clavinet",
                           "mellotron", "harpsichord", "celesta", "vibes", "vibraphone",
                           "marimba", "xylophone", "glock", "glockenspiel", "kbd", "kb", "kybd",
                           "farfisa"});
    add(Role::keys, 0.75, {"key", "ep", "org", "bells"});
    add(Role::piano, 0.95, {"piano", "pno", "pn", "pianos", "grand", "upright", "pianoforte"});
    add(Role::synth, 0.9, {"synth", "synths", "syn", "synt", "arp", "arps", "arpeggio",
                           "arpeggiator", "pluck", "plucks", "supersaw", "moog", "juno", "seq",
                           "sequence", "chip", "chiptune", "stab", "stabs", "saw", "square"});
    add(Role::synth, 0.6, {"fm", "bell", "lead", "leads", "poly", "mono"});
    add(Role::pad, 0.9, {"pad", "pads", "atmos", "atmosphere", "texture", "textures", "drone",
                         "drones", "swell", "swells"});
    add(Role::strings, 0.95, {"strings", "string", "str", "strs", "violin", "violins", "vln",
                              "vlns", "viola", "violas", "vla", "cello", "cellos", "vc", "vlc",
                              "celli", "contrabass", "orch", "orchestra", "ensemble", "ens",
                              "harp", "pizz", "pizzicato", "spiccato", "legato"});
    add(Role::brass, 0.95, {"brass", "horn", "horns", "hrn", "trumpet", "trumpets", "tpt", "trp",
                            "trombone", "trombones", "tbn", "trb", "sax", "saxes",
                            "saxophone", "flugel", "flugelhorn", "tuba", "cornet"});
    add(Role::brass, 0.7, {"woodwind", "woodwinds", "ww", "flute", "flutes", "clarinet", "clar",
                           "oboe", "bassoon", "winds", "tenor", "alto", "bari"});
    add(Role::vocal, 0.9, {"vox", "vocal", "vocals", "voc", "vo", "voice", "voices", "singer",
                           "sing", "vocs", "vx", "vcl", "vocl", "acapella", "acappella",
                           "rap", "rapper", "verse", "hook", "talkbox", "spoken"});
    add(Role::lead_vocal, 0.95, {"lv", "lvox", "leadvox", "mainvox", "leadvocal", "leadvocals",
                                 "lvocal", "lvocals"});
    add(Role::backing_vocal, 0.95, {"bgv", "bgvs", "bv", "bvs", "backing", "backings", "backs",
                                    "bvox", "harmony", "harmonies", "harm", "harms", "choir",
                                    "choirs", "adlib", "adlibs", "oohs", "aahs", "ooh", "aah",
                                    "gang", "bkg", "bckg", "bgvox", "backup", "backingvocals",
                                    "bgs", "response"});
    // The same in the languages sessions are most often labelled in besides English (German,
    // French, Spanish, Portuguese, Italian), accents folded (tokenize_name): slightly weaker,
    // as some are everyday words too.
    add(Role::vocal, 0.85, {"gesang", "stimme", "stimmen", "voix", "chant", "chanteur", "chanteuse",
                            "voz", "voces", "vozes", "voce", "canto", "cantante"});
    add(Role::lead_vocal, 0.85, {"hauptstimme", "leadgesang"});
    add(Role::backing_vocal, 0.85, {"chor", "chore", "choeur", "choeurs", "coro", "coros", "cori",
                                    "backgroundgesang"});
    add(Role::drums, 0.85, {"schlagzeug", "batterie", "bateria", "batteria", "trommel", "trommeln"});
    add(Role::kick, 0.85, {"bombo", "cassa", "grossetrommel", "grossecaisse", "basstrommel"});
    add(Role::snare, 0.85, {"caja", "rullante", "kleinetrommel", "caisseclaire"});
    add(Role::cymbal, 0.85, {"becken", "cymbale", "cymbales", "platillo", "platillos", "piatti", "prato"});
    add(Role::hihat, 0.85, {"charley", "charleston"});
    add(Role::bass, 0.85, {"basse", "bajo", "baixo", "basso", "kontrabass"});
    add(Role::guitar, 0.85, {"gitarre", "gitarren", "guitare", "guitares", "guitarra", "guitarras",
                             "chitarra", "chitarre", "violao"});
    add(Role::keys, 0.85, {"orgel", "orgue", "organo", "orgao", "clavier", "teclado", "teclados",
                           "tastiera", "tastiere"});
    add(Role::piano, 0.85, {"klavier"});
    add(Role::strings, 0.85, {"streicher", "geige", "geigen", "cordes", "violon", "violons",
                              "violoncelle", "cuerdas", "cordas", "archi", "violino", "violini"});
    add(Role::brass, 0.85, {"blaser", "blechblaser", "trompete", "posaune", "cuivres", "trompette",
                            "metales", "metais", "trompeta", "tromba", "ottoni", "saxofon"});
    add(Role::fx, 0.9, {"fx", "sfx", "efx", "riser", "risers", "sweep", "sweeps", "impact",
                        "impacts", "whoosh", "swoosh", "noise", "downlifter", "uplifter",
                        "transition", "foley", "reverse", "rev", "sfxr", "zap", "laser",
                        "glitch", "vinyl", "crackle"});
    return m;
  }();
  return t;
}

const std::set<std::string, std::less<>>& returns_words() {
  static const std::set<std::string, std::less<>> s = {
      "verb", "reverb", "rvb", "delay", "dly", "echo", "plate", "hall", "chamber", "spring",
      "return", "ret", "aux", "send", "verbs", "delays", "tape", "slapback", "pingpong"};
  return s;
}
const std::set<std::string, std::less<>>& strong_return_words() {
  static const std::set<std::string, std::less<>> s = {
      "verb", "reverb", "rvb", "delay", "dly", "echo", "plate", "hall", "chamber", "verbs",
      "delays", "slapback", "pingpong", "return"};
  return s;
}
const std::map<std::string, std::string, std::less<>>& not_stem_words() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"rough", "rough mix"}, {"roughmix", "rough mix"}, {"mix", "mix"}, {"mixdown", "mix"},
      {"bounce", "bounce"}, {"reference", "reference"}, {"ref", "reference"},
      {"master", "master"}, {"mastered", "master"}, {"premaster", "master"},
      {"2mix", "mix"}, {"2trk", "mix"}, {"2track", "mix"}, {"stereomix", "mix"},
      {"fullmix", "mix"}, {"demo", "reference"}, {"guide", "guide track"}, {"scratch", "scratch track"},
      {"click", "click track"}, {"clicktrack", "click track"}, {"metronome", "click track"},
      {"countin", "count-in"}};
  return m;
}
// Tracks made for the players, not the listener, whatever part they name ("Guide Vocal",
// "Scratch Gtr", "Metronome"): never stems, even beside an instrument word. ("Click" alone is a
// click track, but "Rim Click" is a snare.)
bool cue_word(std::string_view w) {
  return w == "guide" || w == "scratch" || w == "clicktrack" || w == "metronome" || w == "countin";
}
const std::set<std::string, std::less<>>& generic_words() {
  static const std::set<std::string, std::less<>> s = {
      "audio", "track", "trk", "tr", "tk", "default", "preset", "untitled", "new", "inst",
      "instrument", "insert", "ins", "channel", "ch", "chan", "input", "stem", "stems", "take",
      "comp", "stereo", "st", "file", "recording", "rec", "sample", "sampler", "output", "midi",
      "unnamed", "region", "clip", "copy", "dup", "export", "sound", "instr", "layer", "plugin",
      "vst", "bus", "group", "grp", "part", "wav", "aif", "aiff", "flac", "mp3", "ogg", "ds",
      "final", "edit", "edited", "consolidated", "bip", "print", "printed", "tracks", "mic",
      "mics", "main", "master", "none", "empty", "test", "temp", "tmp", "idea", "song", "v",
      "version", "ver"};
  return s;
}
const std::set<std::string, std::less<>>& position_words() {
  static const std::set<std::string, std::less<>> s = {
      "in", "out", "top", "bottom", "btm", "bot", "up", "down", "under", "close", "far",
      "di", "amp", "inside", "outside", "front", "back", "near", "dir", "direct", "line",
      "clean", "sub", "hi", "lo", "high", "low", "beater", "shell", "reso", "mic", "mic1",
      "mic2", "cab", "room"};
  return s;
}
const std::set<std::string, std::less<>>& double_words() {
  static const std::set<std::string, std::less<>> s = {"dt", "dbl", "double", "doubled",
                                                       "doubles", "dub", "dbls", "x2"};
  return s;
}
const std::set<std::string, std::less<>>& lead_words() {
  static const std::set<std::string, std::less<>> s = {"lead", "ld", "main", "lv", "solo",
                                                       "primary"};
  return s;
}

bool is_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string strip_extensions(std::string_view name) {
  std::string s(name);
  // Drop the folder part and up to two audio-ish extensions ("bassdrum02.ogg.flac").
  if (auto slash = s.find_last_of("/\\"); slash != std::string::npos) s = s.substr(slash + 1);
  static const std::array<const char*, 16> exts = {".wav", ".wave", ".aif", ".aiff", ".aifc",
                                                   ".flac", ".ogg", ".oga", ".opus", ".mp3",
                                                   ".w64", ".caf", ".rf64", ".m4a", ".bwf", ".ds"};
  for (int round = 0; round < 3; ++round) {
    bool stripped = false;
    for (const char* e : exts) {
      const std::string_view ev(e);
      if (s.size() > ev.size()) {
        std::string tail = s.substr(s.size() - ev.size());
        std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return std::tolower(c); });
        if (tail == ev) {
          s.resize(s.size() - ev.size());
          stripped = true;
          break;
        }
      }
    }
    if (!stripped) break;
  }
  return s;
}

double ramp(double x, double a, double b) { return std::clamp((x - a) / (b - a), 0.0, 1.0); }

}  // namespace

// Latin letters with accents (UTF-8) folded to ASCII, so "Batería" and "Chœurs" tokenize as
// "bateria" and "choeurs"; any other non-ASCII byte stays a separator.
static std::string fold_accents(const std::string& in) {
  static const std::array<std::pair<const char*, const char*>, 40> kFold{{
      {"á", "a"}, {"à", "a"}, {"â", "a"}, {"ä", "a"}, {"ã", "a"}, {"å", "a"}, {"é", "e"}, {"è", "e"},
      {"ê", "e"}, {"ë", "e"}, {"í", "i"}, {"ì", "i"}, {"î", "i"}, {"ï", "i"}, {"ó", "o"}, {"ò", "o"},
      {"ô", "o"}, {"ö", "o"}, {"õ", "o"}, {"ø", "o"}, {"ú", "u"}, {"ù", "u"}, {"û", "u"}, {"ü", "u"},
      {"ñ", "n"}, {"ç", "c"}, {"œ", "oe"}, {"æ", "ae"}, {"ß", "ss"}, {"Á", "A"}, {"É", "E"}, {"Í", "I"},
      {"Ó", "O"}, {"Ú", "U"}, {"Ä", "A"}, {"Ö", "O"}, {"Ü", "U"}, {"Ñ", "N"}, {"Ç", "C"}, {"Œ", "OE"}}};
  // Instrument words of scripts without letters to fold (Japanese, Korean, Chinese), as the
  // English word between separators: "ベース" reads as bass. Longer words before the words they hold.
  static const std::array<std::pair<const char*, const char*>, 47> kScript{{
      {"ハイハット", " hihat "}, {"パーカッション", " perc "}, {"ストリングス", " strings "}, {"キーボード", " keys "},
      {"ヴォーカル", " vocal "}, {"ボーカル", " vocal "}, {"コーラス", " backing "}, {"シンバル", " cymbal "},
      {"オルガン", " organ "}, {"キック", " kick "}, {"スネア", " snare "}, {"ドラム", " drums "}, {"ベース", " bass "},
      {"ギター", " guitar "}, {"ピアノ", " piano "}, {"シンセ", " synth "}, {"パッド", " pad "}, {"ブラス", " brass "},
      {"タム", " tom "},
      {"하이햇", " hihat "}, {"스네어", " snare "}, {"베이스", " bass "}, {"피아노", " piano "}, {"코러스", " backing "},
      {"스트링", " strings "}, {"드럼", " drums "}, {"기타", " guitar "}, {"신스", " synth "}, {"보컬", " vocal "},
      {"킥", " kick "},
      {"合成器", " synth "}, {"底鼓", " kick "}, {"军鼓", " snare "}, {"軍鼓", " snare "}, {"踩镲", " hihat "},
      {"贝斯", " bass "}, {"貝斯", " bass "}, {"吉他", " guitar "}, {"钢琴", " piano "}, {"鋼琴", " piano "},
      {"主唱", " leadvox "}, {"和声", " backing "}, {"和聲", " backing "}, {"人声", " vocal "}, {"人聲", " vocal "},
      {"弦乐", " strings "}, {"鼓", " drums "}}};
  std::string out;
  out.reserve(in.size());
  // The first entry of `table` that `in` holds at i, written out in its place.
  const auto replace = [&](const auto& table, std::size_t& i) {
    for (const auto& [from, to] : table) {
      const std::size_t n = std::strlen(from);
      if (in.compare(i, n, from) == 0) {
        out += to;
        i += n;
        return true;
      }
    }
    return false;
  };
  for (std::size_t i = 0; i < in.size();) {
    const bool folded = static_cast<unsigned char>(in[i]) >= 0x80 && (replace(kScript, i) || replace(kFold, i));
    if (!folded) out += in[i++];
  }
  return out;
}

std::vector<std::string> tokenize_name(std::string_view name) {
  const std::string s = fold_accents(strip_extensions(name));
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (!cur.empty()) {
      const auto p = static_cast<unsigned char>(s[i - 1]);
      const bool case_break = std::islower(p) && std::isupper(c);
      // "BGVox" style: an upper-case run followed by Upper+lower splits before the last upper.
      const bool acronym_break = i + 1 < s.size() && std::isupper(p) && std::isupper(c) &&
                                 std::islower(static_cast<unsigned char>(s[i + 1])) && cur.size() >= 2;
      const bool digit_break = (std::isdigit(p) != 0) != (std::isdigit(c) != 0);
      // Keep "808", "b3", "2mix", "x2", "mic1" style tokens whole when they are known words.
      if (case_break || digit_break || acronym_break) flush();
    }
    cur.push_back(static_cast<char>(std::tolower(c)));
  }
  flush();
  // Rejoin letter+digit tokens that form known words ("b" "3" → "b3", "2" "mix" → "2mix").
  std::vector<std::string> joined;
  const auto& table = role_table();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i + 1 < out.size()) {
      const std::string j = out[i] + out[i + 1];
      const bool alpha_digit = is_number(out[i]) != is_number(out[i + 1]);
      if (alpha_digit && (table.count(j) || not_stem_words().count(j) || j == "x2")) {
        joined.push_back(j);
        ++i;
        continue;
      }
    }
    joined.push_back(out[i]);
  }
  // Leading track numbers ("01_Kick") say nothing.
  std::size_t first = 0;
  while (first + 1 < joined.size() && is_number(joined[first]) && joined[first] != "808") ++first;
  return {joined.begin() + static_cast<std::ptrdiff_t>(first), joined.end()};
}

NameInfo role_from_name(std::string_view file_name) {
  NameInfo info;
  info.tokens = tokenize_name(file_name);
  const auto& toks = info.tokens;
  const auto& table = role_table();

  std::vector<Entry> found;
  std::vector<bool> used(toks.size(), false);
  bool has_lead = false, has_backing_word = false, has_return = false, has_strong_return = false;
  std::string not_stem_kind;
  bool cue = false;  // a cue_word among the tokens
  bool all_generic = true;
  // Adjacent pairs first: "hi hat", "bass drum", "e piano", "over head", "ad lib", "floor tom".
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    const std::string j = toks[i] + toks[i + 1];
    if (auto it = table.find(j); it != table.end()) {
      found.push_back(it->second);
      used[i] = used[i + 1] = true;
      all_generic = false;
    } else if (not_stem_words().count(j)) {
      not_stem_kind = not_stem_words().at(j);
      cue = cue || cue_word(j);
      used[i] = used[i + 1] = true;
    }
  }
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const std::string& t = toks[i];
    if (used[i]) continue;
    if (lead_words().count(t)) has_lead = true;
    if (returns_words().count(t)) {
      has_return = true;
      if (strong_return_words().count(t)) has_strong_return = true;
      all_generic = false;
      continue;
    }
    if (auto it = table.find(t); it != table.end()) {
      found.push_back(it->second);
      if (it->second.role == Role::backing_vocal) has_backing_word = true;
      all_generic = false;
      continue;
    }
    if (auto it = not_stem_words().find(t); it != not_stem_words().end()) {
      if (not_stem_kind.empty() || (cue_word(t) && !cue)) not_stem_kind = it->second;
      cue = cue || cue_word(t);
      continue;
    }
    if (t == "l" || t == "left" || t == "lft") {
      info.side = "L";
      continue;
    }
    if (t == "r" || t == "right" || t == "rgt") {
      info.side = "R";
      continue;
    }
    if (double_words().count(t)) {
      info.double_track = true;
      continue;
    }
    if (is_number(t) || generic_words().count(t) || position_words().count(t) || t.size() == 1)
      continue;
    if (lead_words().count(t)) continue;
    all_generic = false;
  }
  // The pair key: tokens minus side, double and trailing numbers.
  {
    std::vector<std::string> keep;
    for (const auto& t : toks) {
      if (t == "l" || t == "r" || t == "left" || t == "right" || t == "lft" || t == "rgt") continue;
      if (double_words().count(t)) continue;
      keep.push_back(t);
    }
    while (!keep.empty() && is_number(keep.back())) keep.pop_back();
    for (std::size_t i = 0; i < keep.size(); ++i) info.base += (i ? " " : "") + keep[i];
  }

  const bool has = !found.empty();
  auto has_role = [&](Role r) {
    return std::any_of(found.begin(), found.end(), [&](const Entry& e) { return e.role == r; });
  };

  // A rough mix or a reference names no instrument ("Rough Mix 3", "Ref - Artist").
  if (!not_stem_kind.empty() && ((!has && !has_return) || cue)) {
    info.not_a_stem = true;
    info.not_a_stem_kind = not_stem_kind;
    return info;
  }
  if (has_strong_return || (has_return && !has)) {
    info.role = Role::fx;
    info.confidence = has_strong_return ? 0.9 : 0.7;
    info.printed_return = true;
    return info;
  }
  if (!has) {
    info.unlabeled = all_generic;
    return info;
  }

  // Combinations that change the meaning of a single word.
  const bool vocalish = has_role(Role::vocal) || has_role(Role::lead_vocal) || has_role(Role::backing_vocal);
  Role role;
  double conf = 0;
  if (has_role(Role::kick)) {
    role = Role::kick;  // "808 Kick", "Kick Sub"
  } else if (vocalish && has_role(Role::pad) && std::any_of(toks.begin(), toks.end(), [](const std::string& w) {
               static const std::set<std::string, std::less<>> sung = {"choir", "choirs", "chor", "chore", "choeur",
                                                                        "choeurs", "coro", "coros", "cori", "ooh",
                                                                        "oohs", "aah", "aahs"};
               return sung.count(w) > 0;
             })) {
    role = Role::pad;  // "Choir Pad", "Flächen Pad (Chor)": a pad preset that sounds like a choir
  } else if (vocalish) {
    if (has_backing_word || has_role(Role::backing_vocal)) role = Role::backing_vocal;
    else if (has_lead || has_role(Role::lead_vocal)) role = Role::lead_vocal;
    else role = Role::vocal;
  } else if (has_role(Role::bass) && (has_role(Role::synth) || has_role(Role::guitar))) {
    role = Role::bass;  // "Synth Bass", "Bass Gtr"
  } else if (has_role(Role::synth) && has_role(Role::pad)) {
    role = Role::pad;
  } else if (has_role(Role::strings) && has_role(Role::synth)) {
    role = Role::strings;
  } else {
    // Most specific first.
    static const std::array<Role, 21> order = {
        Role::snare, Role::hihat, Role::tom, Role::cymbal, Role::overhead, Role::room,
        Role::percussion, Role::bass, Role::piano, Role::keys, Role::guitar, Role::strings,
        Role::brass, Role::pad, Role::drums, Role::fx, Role::lead_vocal, Role::backing_vocal,
        Role::vocal, Role::synth, Role::other};
    role = Role::other;
    double best_c = -1;
    for (Role r : order) {
      for (const auto& e : found)
        if (e.role == r && e.confidence > best_c + 0.15) {
          role = r;
          best_c = e.confidence;
        }
      if (best_c >= 0.9) break;
    }
  }
  for (const auto& e : found)
    if (e.role == role) conf = std::max(conf, e.confidence);
  if (role == Role::lead_vocal && !has_role(Role::lead_vocal) && !has_role(Role::vocal)) conf = 0.6;
  if (conf == 0) conf = 0.8;  // decided by a combination
  if (role == Role::synth && has_lead && found.size() == 1) {
    // "Lead" alone: in most sessions the lead vocal.
    role = Role::lead_vocal;
    conf = 0.6;
  }
  // Several instruments named at once ("Gtr Keys") lower the confidence.
  std::set<Role> distinct;
  for (const auto& e : found) distinct.insert(e.role);
  if (distinct.size() > 1 && !(distinct.size() == 2 && vocalish)) conf = std::min(conf, 0.75);
  info.role = role;
  info.confidence = conf;
  return info;
}

ContentRole role_from_content(const StemFeatures& f) {
  ContentRole out;
  if (f.silent) {
    out.role = Role::other;
    out.confidence = 0.0;
    out.reason = "silent";
    return out;
  }
  const double perc = f.percussiveness;
  const double sustain = 1.0 - perc;
  const double stable_pitch = 1.0 - ramp(f.pitch_change_rate, 0.15, 0.4);
  const double tonal = ramp(f.peakiness, 0.45, 0.75);
  const double noise = ramp(f.flatness, 0.008, 0.04);
  const double body = f.low500_share - f.low120_share;  // 120-500 Hz: snare and tom shells
  const double bright = ramp(f.high5k_share, 0.35, 0.6);
  const double no_lows = 1.0 - ramp(f.low250_share, 0.03, 0.1);

  struct Cand {
    Role role;
    double score;
    const char* why;
  };
  const double glide = ramp(f.pitch_glide_st, 1.0, 4.0);
  const double sparse = 1.0 - ramp(f.hits_per_s, 0.4, 1.0);
  const double metal = ramp(f.centroid_hz, 1500, 3500) * (1.0 - 0.7 * tonal) *
                       (1.0 - ramp(f.low250_share, 0.1, 0.2));
  std::vector<Cand> c = {
      // Kick: struck, energy mostly below 120 Hz, one pitch hit after hit, falling in pitch
      // within each hit (a membrane or a drum synth's pitch envelope).
      {Role::kick, perc * ramp(f.low120_share, 0.35, 0.6) * stable_pitch * (0.4 + 0.6 * glide) *
                       (1.0 - ramp(f.high5k_share, 0.1, 0.3)),
       "struck, energy below 120 Hz, the same falling pitch every hit"},
      // Bass: low and tonal, held notes, a moving line, or a steady stream of notes that hold
      // their pitch (a staccato line; sparse unpitched-glide hits are toms).
      // Most bass lines keep their fundamentals below 120 Hz much of the time.
      {Role::bass, ramp(f.low250_share, 0.5, 0.8) * ramp(f.low120_share, 0.1, 0.3) *
                       (1.0 - ramp(f.centroid_hz, 400, 900)) *
                       std::max({sustain, 1.0 - stable_pitch,
                                 (1.0 - glide) * ramp(f.hits_per_s, 0.6, 1.2)}) * tonal,
       "tonal, energy below 250 Hz, notes that hold their pitch or a moving line"},
      // Snare: struck, shell body (120-500 Hz) plus wire noise, little sub; the same drum hit
      // after hit (a plucked synth playing a melody has a body and noise too, but its pitch
      // moves from note to note) and a drum centred in its stem (a wide stem of them is a
      // synth or a kit's room).
      {Role::snare, perc * noise * (1.0 - ramp(f.low120_share, 0.15, 0.35)) *
                        std::max(ramp(body, 0.05, 0.2), 0.5 * ramp(f.low250_share, 0.05, 0.12)) *
                        (1.0 - 0.7 * ramp(f.pitch_change_rate, 0.15, 0.35)) * (1.0 - 0.6 * ramp(f.side_ratio, 0.2, 0.45)),
       "struck, shell body with wire noise"},
      // Toms: struck but ringing one pitch in the low mids, no wire noise, in sparse fills.
      {Role::tom, ramp(perc, 0.2, 0.6) * tonal * (1.0 - noise) * ramp(body, 0.2, 0.4) *
                      (1.0 - ramp(f.low120_share, 0.4, 0.6)) * (1.0 - ramp(f.hits_per_s, 0.6, 1.5)) *
                      ramp(f.ring_s, 0.1, 0.2) * (0.5 + 0.5 * stable_pitch),
       "struck, a ringing pitch in the low mids, in sparse fills"},
      // Hi-hat: noise above 5 kHz, short, frequent.
      {Role::hihat, bright * no_lows * ramp(f.flatness, 0.03, 0.1) * ramp(perc, 0.3, 0.7) *
                        (1.0 - sparse),
       "short, frequent noise bursts above 5 kHz"},
      // Cymbal: noisy highs without a pitch, a few hits in the song.
      {Role::cymbal, metal * sparse, "unpitched high noise, a few hits in the song"},
      // Pad: sustained, steady, often wide.
      {Role::pad, sustain * (1.0 - ramp(f.decay_db_per_s, 10, 25)) * ramp(f.active_fraction, 0.25, 0.5) *
                      (1.0 - ramp(f.onset_rate_hz, 1.5, 3.0)) * (1.0 - ramp(f.low250_share, 0.4, 0.7)),
       "sustained and steady"},
      // Other struck sounds: percussion (not a wide stem of notes whose pitch moves: plucked
      // or struck synth notes playing a part).
      {Role::percussion,
       0.45 * perc * (1.0 - tonal * 0.5) *
           (1.0 - 0.6 * ramp(f.pitch_change_rate, 0.15, 0.35) * ramp(f.side_ratio, 0.2, 0.45)),
       "struck, not a kit piece I recognize"},
      // Anything tonal otherwise: an instrument the sound alone cannot name.
      {Role::other, 0.3, "tonal instrument; the sound alone does not say which"},
  };
  std::stable_sort(c.begin(), c.end(), [](const Cand& a, const Cand& b) { return a.score > b.score; });
  out.role = c[0].role;
  const double margin = c[0].score - c[1].score;
  out.confidence = std::clamp(0.5 * c[0].score + 0.5 * margin, 0.05, 0.95);
  if (out.role == Role::other) out.confidence = 0.2;
  out.reason = fmt::format("{} (centroid {:.0f} Hz, {:.0f}% below 120 Hz, {:.0f}% above 5 kHz, "
                           "decay {:.0f} dB/s, ring {:.2f} s, flatness {:.3f}, peakiness {:.2f}, {:.1f} hits/s, "
                           "pitch {:.0f} Hz, glide {:.1f} st, pitch moves {:.0f}%)",
                           c[0].why, f.centroid_hz, 100 * f.low120_share, 100 * f.high5k_share,
                           f.decay_db_per_s, f.ring_s, f.flatness, f.peakiness, f.hits_per_s,
                           f.dominant_hz, f.pitch_glide_st, 100 * f.pitch_change_rate);
  return out;
}

std::optional<ContentRole> synthetic_voice(const NameInfo& name, const StemFeatures& f) {
  if (!name.role || !is_vocal(*name.role) || f.silent) return std::nullopt;
  bool voice_word = false;
  for (const auto& t : name.tokens) {
    if (t == "voice" || t == "voices") {
      voice_word = true;
      continue;
    }
    const auto r = role_from_name(t).role;
    if (r && is_vocal(*r)) return std::nullopt;  // "vox", "vocal", "lead", "bgv": a voice
  }
  if (!voice_word) return std::nullopt;
  if (f.flatness >= 0.003 || f.high5k_share >= 0.003) return std::nullopt;
  ContentRole c;
  c.role = Role::synth;
  c.confidence = 0.7;
  c.overrules_name = true;
  c.reason = fmt::format("its only vocal word is \"voice\" and it carries no breath or consonant noise (flatness {:.4f}, "
                         "{:.2f}% above 5 kHz): a synthesizer voice, mixed as a synth",
                         f.flatness, 100.0 * f.high5k_share);
  return c;
}

std::optional<ContentRole> impossible_name(Role named, const StemFeatures& f, const ContentRole& heard) {
  if (f.silent || !strongly_disagree(named, heard)) return std::nullopt;
  const double low = f.low120_share, high = f.high5k_share;
  const char* why = nullptr;
  if (is_vocal(named) && low >= kVoiceMaxLow120) why = "below 120 Hz, where no voice has a third of its energy";
  else if ((named == Role::hihat || named == Role::cymbal) && low >= kCymbalMaxLow120)
    why = "below 120 Hz, where a hi-hat or cymbal has almost none";
  else if ((named == Role::kick || named == Role::bass) && low <= kLowPartMinLow120 && high >= kLowPartMaxHigh5k)
    why = "above 5 kHz and almost nothing below 120 Hz, where a kick or a bass has its body";
  else if (named == Role::snare && low >= kSnareMaxLow120) why = "below 120 Hz, where a snare has little";
  if (!why) return std::nullopt;
  ContentRole c = heard;
  c.overrules_name = true;
  c.contradicts_name = true;
  const bool high_side = named == Role::kick || named == Role::bass;
  c.reason = fmt::format("{:.0f}% of its energy lies {}: it sounds like {}, and is mixed as one ({})",
                         100.0 * (high_side ? high : low), why, to_string(heard.role), heard.reason);
  return c;
}

bool strongly_disagree(Role named, const ContentRole& heard) {
  if (heard.confidence < 0.5) return false;
  const Role h = heard.role;
  if (h == named || h == Role::other) return false;
  // Kit pieces that sound alike, or parts that bleed into each other, are not a contradiction.
  auto family = [](Role r) {
    switch (r) {
      case Role::kick: return 1;
      case Role::bass: return 2;
      case Role::snare: case Role::tom: case Role::percussion: return 3;
      case Role::hihat: case Role::cymbal: return 4;
      case Role::overhead: case Role::room: case Role::drums: return 5;
      default: return 6;  // melodic, vocal, fx: the sound rules do not separate them
    }
  };
  if (family(named) == 5) return false;  // multi-source mics sound like anything
  if (named == Role::fx || named == Role::other) return false;  // effects sound like anything
  if (family(named) == 6 && h == Role::pad) return false;
  return family(named) != family(h);
}

std::vector<StemPair> find_pairs(const std::vector<std::string>& names) {
  std::vector<StemPair> pairs;
  std::vector<NameInfo> info;
  info.reserve(names.size());
  for (const auto& n : names) info.push_back(role_from_name(n));
  auto trailing_number = [](const NameInfo& i) -> int {
    if (!i.tokens.empty() && is_number(i.tokens.back()) && i.tokens.back().size() <= 2)
      return std::stoi(i.tokens.back());
    return -1;
  };
  std::vector<bool> paired(names.size(), false);
  for (std::size_t a = 0; a < names.size(); ++a) {
    for (std::size_t b = a + 1; b < names.size(); ++b) {
      if (paired[a] || paired[b]) continue;
      const NameInfo& x = info[a];
      const NameInfo& y = info[b];
      if (x.base.empty() || x.base != y.base) {
        // Multi-mic: same tokens but for one position word ("Kick In" / "Kick Out").
        if (x.role && y.role && *x.role == *y.role && x.tokens.size() == y.tokens.size() &&
            !x.tokens.empty()) {
          // Register words name different parts, not microphones: "Tom Hi" / "Tom Lo" are two
          // drums, "Strings High" / "Strings Low" violins and cellos.
          auto mic_position = [](const std::string& t) {
            return position_words().count(t) && t != "hi" && t != "lo" && t != "high" && t != "low";
          };
          int diff = 0;
          bool positional = true;
          for (std::size_t i = 0; i < x.tokens.size(); ++i)
            if (x.tokens[i] != y.tokens[i]) {
              ++diff;
              positional = positional && mic_position(x.tokens[i]) && mic_position(y.tokens[i]);
            }
          if (diff == 1 && positional) {
            pairs.push_back({"multi_mic", a, b});
            paired[a] = paired[b] = true;
          }
        }
        continue;
      }
      if (!x.side.empty() && !y.side.empty() && x.side != y.side) {
        pairs.push_back({"stereo", x.side == "L" ? a : b, x.side == "L" ? b : a});
        paired[a] = paired[b] = true;
      } else if (x.side == y.side) {
        const int nx = trailing_number(x), ny = trailing_number(y);
        // Numbered drums ("Tom 1", "Tom 2") are different drums, not a double-track.
        const bool numbered_ok = !(x.role && is_drum(*x.role));
        const bool dbl = x.double_track != y.double_track ||
                         (x.double_track && y.double_track && nx != ny) ||
                         (numbered_ok && nx != ny && std::max(nx, ny) == 2 && std::min(nx, ny) <= 1);
        if (dbl) {
          pairs.push_back({"double", a, b});
          paired[a] = paired[b] = true;
        }
      }
    }
  }
  return pairs;
}

}  // namespace mixdown::analysis
