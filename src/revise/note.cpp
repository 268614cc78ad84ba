#include "revise/note.hpp"

#include "analysis/roles.hpp"
#include "core/role.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <set>

namespace mixdown::revise {
namespace {

// Lower case, words separated by single spaces, padded with a space at both ends so that
// " phrase " finds whole words. ':' and '.' stay inside numbers (times); a '-' between two
// digits reads as " to " ("0:45-1:10"); apostrophes vanish ("can't" → "cant").
std::string normalize(std::string_view in) {
  std::string s;
  s.reserve(in.size() + 2);
  s.push_back(' ');
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    const bool digit_before = i > 0 && std::isdigit(static_cast<unsigned char>(in[i - 1]));
    const bool digit_after = i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1]));
    if (std::isalnum(c)) {
      s.push_back(static_cast<char>(std::tolower(c)));
    } else if ((c == ':' || c == '.') && digit_before && digit_after) {
      s.push_back(static_cast<char>(c));
    } else if (c == '\'') {
      continue;
    } else if ((c == '-' || static_cast<unsigned char>(c) == 0xE2) &&
               (digit_before || (s.size() >= 2 && s.back() == ' ' && std::isdigit(static_cast<unsigned char>(s[s.size() - 2])) &&
                                 i + 1 < in.size() && in[i + 1] == ' '))) {
      // "0:45-1:10", "0:45–1:10" (en dash, UTF-8 E2 80 93), "0:05 - 0:10"
      std::size_t j = i + 1;
      if (c == 0xE2) j = i + 3;
      while (j < in.size() && in[j] == ' ' && !digit_before) ++j;
      if (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) {
        if (s.back() == ' ') s.pop_back();
        s += " to ";
        i = j - 1;
      } else if (s.back() != ' ') {
        s.push_back(' ');
      }
    } else if (c == '-' && !digit_before && digit_after &&
               !(s.size() >= 2 && s.back() == ' ' && std::isdigit(static_cast<unsigned char>(s[s.size() - 2])))) {
      // "-0:05": a sign on a time no song has, kept so that the time is refused rather than
      // read as 0:05 (a sign on anything else is no word: "-2dB" is read from the raw text).
      std::size_t j = i + 1;
      while (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) ++j;
      if (j < in.size() && in[j] == ':') {
        if (s.back() != ' ') s.push_back(' ');
        s.push_back('-');
      } else if (s.back() != ' ') {
        s.push_back(' ');
      }
    } else if (s.back() != ' ') {
      s.push_back(' ');
    }
  }
  if (s.back() != ' ') s.push_back(' ');
  return s;
}

// Occurrences of a whole-word phrase in a normalized text (positions of the leading space).
std::vector<std::size_t> find_all(const std::string& text, const std::string& phrase) {
  std::vector<std::size_t> out;
  const std::string needle = " " + phrase + " ";
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) out.push_back(p);
  return out;
}

bool has(const std::string& text, std::string_view phrase) { return !find_all(text, std::string(phrase)).empty(); }

// Longest phrases claim their words first, so "bass drum" is a kick and not the bass, and
// "pre chorus" is not a chorus.
struct Span {
  std::size_t begin = 0, end = 0;
};
struct Hit {
  std::size_t pos = 0;
  std::string value;
  std::string phrase;
};

using Table = std::vector<std::pair<std::string_view, std::string_view>>;
// A table's phrases normalized like the text and sorted longest first.
using Prepared = std::vector<std::pair<std::string, std::string>>;

Prepared prepare(const Table& table) {
  Prepared entries;
  for (const auto& [phrase, value] : table) {
    std::string n = normalize(phrase);
    if (n.size() < 3) continue;  // nothing but spaces
    entries.emplace_back(n.substr(1, n.size() - 2), std::string(value));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return entries;
}

std::vector<Hit> scan(const std::string& text, const Prepared& entries, std::vector<Span>* claimed = nullptr) {
  std::vector<Span> local;
  std::vector<Span>& spans = claimed ? *claimed : local;
  std::vector<Hit> hits;
  for (const auto& [phrase, value] : entries) {
    for (std::size_t p : find_all(text, phrase)) {
      const Span s{p + 1, p + 1 + phrase.size()};
      const bool overlaps = std::any_of(spans.begin(), spans.end(),
                                        [&](const Span& o) { return s.begin < o.end && o.begin < s.end; });
      if (overlaps) continue;
      spans.push_back(s);
      hits.push_back({p, value, phrase});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.pos < b.pos; });
  return hits;
}


const Table& element_table() {
  static const Table t = {
      {"lead vocal", "lead_vocal"}, {"lead vocals", "lead_vocal"}, {"lead vox", "lead_vocal"},
      {"lead singer", "lead_vocal"}, {"main vocal", "lead_vocal"}, {"vocal", "lead_vocal"},
      {"vocals", "lead_vocal"}, {"all the vocals", "vocal"}, {"all vocals", "vocal"},
      {"all of the vocals", "vocal"}, {"every vocal", "vocal"}, {"both vocals", "vocal"}, {"all the voices", "vocal"},
      {"all the vox", "vocal"}, {"vox", "lead_vocal"}, {"singer", "lead_vocal"},
      {"voice", "lead_vocal"}, {"lead", "lead_vocal"}, {"singing", "lead_vocal"},
      {"lyrics", "lead_vocal"}, {"words", "lead_vocal"}, {"rap", "lead_vocal"}, {"verses vocal", "lead_vocal"},
      {"bgvs", "backing_vocal"}, {"bgv", "backing_vocal"}, {"bvs", "backing_vocal"},
      {"backing vocals", "backing_vocal"}, {"backing vocal", "backing_vocal"}, {"backings", "backing_vocal"},
      {"background vocals", "backing_vocal"}, {"backgrounds", "backing_vocal"}, {"backups", "backing_vocal"},
      {"backup vocals", "backing_vocal"}, {"harmonies", "backing_vocal"}, {"harmony", "backing_vocal"},
      {"harmony vocals", "backing_vocal"}, {"ad libs", "backing_vocal"}, {"adlibs", "backing_vocal"},
      {"ad lib", "backing_vocal"}, {"doubles", "backing_vocal"}, {"choir", "backing_vocal"},
      {"oohs", "backing_vocal"}, {"gang vocals", "backing_vocal"}, {"stacks", "backing_vocal"},
      {"kick", "kick"}, {"kick drum", "kick"}, {"bass drum", "kick"}, {"kicks", "kick"}, {"bd", "kick"},
      {"hh", "hihat"}, {"hhs", "hihat"}, {"sn", "snare"}, {"snr", "snare"}, {"sd", "snare"}, {"lv", "lead_vocal"},
      {"vx", "lead_vocal"}, {"bv", "backing_vocal"}, {"pno", "piano"},
      {"snare", "snare"}, {"snares", "snare"}, {"snare drum", "snare"}, {"rimshot", "snare"},
      {"clap", "snare"}, {"claps", "snare"},
      {"hats", "hihat"}, {"hat", "hihat"}, {"hi hat", "hihat"}, {"hi hats", "hihat"}, {"hihat", "hihat"},
      {"hihats", "hihat"}, {"high hat", "hihat"}, {"high hats", "hihat"}, {"closed hat", "hihat"},
      {"open hat", "hihat"},
      {"cymbals", "cymbal"}, {"cymbal", "cymbal"}, {"crash", "cymbal"}, {"crashes", "cymbal"},
      {"ride", "cymbal"}, {"ride cymbal", "cymbal"}, {"overheads", "cymbal"}, {"oh", "cymbal"},
      {"toms", "tom"}, {"tom", "tom"}, {"floor tom", "tom"}, {"tom fills", "tom"}, {"rack tom", "tom"},
      {"drums", "drums"}, {"drum", "drums"}, {"kit", "drums"}, {"drum kit", "drums"}, {"the beat", "drums"},
      {"beat", "drums"}, {"drum bus", "drums"},
      {"sfx", "fx"}, {"sound effects", "fx"}, {"sound fx", "fx"}, {"fx sounds", "fx"},
      {"percussion", "percussion"}, {"perc", "percussion"}, {"shaker", "percussion"},
      {"tambourine", "percussion"}, {"congas", "percussion"}, {"bongos", "percussion"},
      {"cowbell", "percussion"}, {"cowbells", "percussion"}, {"conga", "percussion"}, {"bongo", "percussion"},
      {"triangle", "percussion"}, {"woodblock", "percussion"}, {"claves", "percussion"}, {"guiro", "percussion"},
      {"timbales", "percussion"}, {"cajon", "percussion"}, {"maracas", "percussion"}, {"tabla", "percussion"},
      {"glockenspiel", "percussion"}, {"vibraphone", "percussion"}, {"marimba", "percussion"},
      {"bass", "bass"}, {"bass guitar", "bass"}, {"808", "bass"}, {"808s", "bass"}, {"sub", "bass"},
      {"sub bass", "bass"}, {"low end", "bass"}, {"bottom end", "bass"}, {"bassline", "bass"},
      {"bass line", "bass"}, {"synth bass", "bass"}, {"upright", "bass"},
      {"guitar", "guitar"}, {"guitars", "guitar"}, {"gtr", "guitar"}, {"gtrs", "guitar"},
      {"electric guitar", "guitar"}, {"acoustic guitar", "guitar"}, {"acoustic", "guitar"},
      {"rhythm guitar", "guitar"}, {"lead guitar", "guitar"}, {"guitar solo", "guitar"}, {"riff", "guitar"},
      {"keys", "keys"}, {"keyboard", "keys"}, {"keyboards", "keys"}, {"organ", "keys"}, {"rhodes", "keys"},
      {"e piano", "keys"}, {"epiano", "keys"}, {"electric piano", "keys"}, {"wurli", "keys"},
      {"piano", "piano"}, {"pianos", "piano"},
      {"synth", "synth"}, {"synths", "synth"}, {"lead synth", "lead_synth"}, {"synth lead", "lead_synth"}, {"lead line", "lead_synth"}, {"arp", "synth"}, {"arps", "synth"},
      {"pad", "pad"}, {"pads", "pad"}, {"synth pad", "pad"},
      {"strings", "strings"}, {"string section", "strings"}, {"violins", "strings"}, {"violin", "strings"},
      {"cellos", "strings"}, {"cello", "strings"}, {"orchestra", "strings"}, {"string", "strings"},
      {"brass", "brass"}, {"horns", "brass"}, {"horn section", "brass"}, {"trumpet", "brass"},
      {"trumpets", "brass"}, {"sax", "brass"}, {"saxes", "brass"}, {"saxophone", "brass"}, {"saxophones", "brass"},
      {"horn", "brass"}, {"trombone", "brass"}, {"trombones", "brass"}, {"tuba", "brass"}, {"flugelhorn", "brass"},
      {"flute", "brass"}, {"flutes", "brass"}, {"clarinet", "brass"}, {"woodwinds", "brass"},
      {"viola", "strings"}, {"violas", "strings"}, {"harp", "strings"},
      {"reverb", "reverb"}, {"reverbs", "reverb"}, {"verb", "reverb"}, {"ambience", "reverb"},
      {"hall", "reverb"}, {"plate", "reverb"}, {"room sound", "reverb"},
      {"delay", "delay"}, {"delays", "delay"}, {"echo", "delay"}, {"echoes", "delay"}, {"slapback", "delay"},
      {"the mix", "mix"}, {"mix", "mix"}, {"everything", "mix"}, {"the track", "mix"}, {"the song", "mix"},
      {"overall", "mix"}, {"whole thing", "mix"}, {"whole mix", "mix"}, {"the master", "mix"},
  };
  return t;
}

// What is wrong → the fix. "enough" phrases ("not loud enough") and "not X" read as asking for X.
const Table& fix_table() {
  static const Table t = {
      // level, up
      {"buried", "up"}, {"burried", "up"}, {"gets lost", "up"}, {"lost", "up"}, {"disappears", "up"},
      {"disappear", "up"}, {"disappearing", "up"}, {"vanishes", "up"}, {"cant hear", "up"},
      {"can not hear", "up"}, {"cannot hear", "up"}, {"hard to hear", "up"}, {"barely hear", "up"},
      {"barely audible", "up"}, {"inaudible", "up"}, {"too quiet", "up"}, {"quiet", "up"}, {"too soft", "up"},
      {"too low", "up"}, {"loud enough", "up"}, {"not loud", "up"}, {"louder", "up"}, {"bring up", "up"},
      {"bring it up", "up"}, {"turn up", "up"}, {"turn it up", "up"}, {"push up", "up"}, {"push it", "up"},
      {"up a bit", "up"}, {"up a touch", "up"}, {"up a little", "up"}, {"drowned out", "up"},
      {"drowned", "up"}, {"too far down", "up"}, {"more level", "up"}, {"swallowed", "up"},
      {"masked", "up"}, {"covered", "up"}, {"underneath", "up"}, {"cant make out", "up"},
      {"hard to make out", "up"}, {"cant understand", "up"}, {"cannot understand", "up"},
      {"unintelligible", "up"}, {"understand the", "up"}, {"needs to come up", "up"}, {"audible", "up"}, {"weak in the mix", "up"},
      {"raise", "up"}, {"boost", "up"}, {"increase", "up"}, {"louder by", "up"},
      {"reduce", "down"}, {"decrease", "down"}, {"attenuate", "down"},
      {"halve", "down"}, {"by half", "down"}, {"in half", "down"},  // -6 dB (see halved())
      {"lift", "up"}, {"lifted", "up"},
      {"not enough reverb", "wetter"}, {"not enough delay", "wetter"}, {"not enough space", "wetter"},
      {"add reverb", "wetter"}, {"add some reverb", "wetter"}, {"add a delay", "wetter"}, {"add delay", "wetter"},
      {"add an echo", "wetter"}, {"remove the reverb", "drier"}, {"remove the delay", "drier"},
      {"take the reverb off", "drier"}, {"no reverb", "drier"},
      // level, down
      {"too loud", "down"}, {"loud", "down"}, {"too hot", "down"}, {"overpowers", "down"},
      {"overpowering", "down"}, {"overpower", "down"}, {"drowns", "down"}, {"drowns out", "down"},
      {"masks", "down"}, {"mask", "down"}, {"masking", "down"}, {"sticks out", "down"}, {"jumps out", "down"},
      {"pokes out", "down"}, {"dominates", "down"}, {"dominating", "down"}, {"too dominant", "down"},
      {"quieter", "down"}, {"turn down", "down"}, {"turn it down", "down"}, {"bring down", "down"},
      {"bring it down", "down"}, {"pull down", "down"}, {"pull back", "down"}, {"pull it back", "down"},
      {"back off", "down"}, {"lower", "down"}, {"softer", "down"}, {"down a bit", "down"},
      {"down a touch", "down"}, {"too prominent", "down"}, {"too forward", "down"}, {"too much", "down"},
      {"too big", "down"}, {"covers", "down"}, {"buries", "down"}, {"eats", "down"}, {"steps on", "down"},
      {"on top of everything", "down"}, {"too present", "down"},
      // tone
      {"dull", "brighter"}, {"dark", "brighter"}, {"too dark", "brighter"}, {"muffled", "brighter"},
      {"bright enough", "brighter"}, {"not bright", "brighter"}, {"brighter", "brighter"},
      {"more air", "brighter"}, {"needs air", "brighter"}, {"more top", "brighter"}, {"more top end", "brighter"},
      {"sparkle", "brighter"}, {"more highs", "brighter"}, {"veiled", "brighter"}, {"crisper", "brighter"},
      {"more crisp", "brighter"}, {"more presence", "brighter"}, {"lacks presence", "brighter"},
      {"no highs", "brighter"}, {"smothered", "brighter"}, {"blanket", "brighter"},
      {"too bright", "darker"}, {"bright", "darker"}, {"brittle", "darker"}, {"tinny", "darker"},
      {"fizzy", "darker"}, {"darker", "darker"}, {"too much top", "darker"}, {"too much high end", "darker"},
      {"sizzly", "darker"}, {"too crispy", "darker"}, {"too airy", "darker"}, {"splashy", "darker"},
      {"trashy", "darker"}, {"too much treble", "darker"}, {"trebly", "darker"}, {"warmer", "fuller"},
      {"harsh", "less_harsh"}, {"harshness", "less_harsh"}, {"sharp", "less_harsh"}, {"piercing", "less_harsh"},
      {"ear piercing", "less_harsh"}, {"shrill", "less_harsh"}, {"painful", "less_harsh"},
      {"hurts", "less_harsh"}, {"grating", "less_harsh"}, {"abrasive", "less_harsh"}, {"edgy", "less_harsh"},
      {"stabby", "less_harsh"}, {"ice pick", "less_harsh"}, {"spitty", "less_sibilance"}, {"biting", "less_harsh"},
      {"cluttered", "less_mud"}, {"clutter", "less_mud"}, {"clean up", "less_mud"}, {"clean it up", "less_mud"},
      {"tighten up the low end", "less_boom"}, {"tighten the low end", "less_boom"}, {"tighter low end", "less_boom"},
      {"tighten up the bottom", "less_boom"}, {"tighten the bottom", "less_boom"},
      {"muddy", "less_mud"}, {"mud", "less_mud"}, {"murky", "less_mud"}, {"cloudy", "less_mud"},
      {"muddled", "less_mud"}, {"woolly", "less_mud"}, {"wooly", "less_mud"}, {"unclear", "less_mud"},
      {"not clear", "less_mud"}, {"clear enough", "less_mud"}, {"clarity", "less_mud"}, {"mushy", "less_mud"},
      {"congested", "less_mud"}, {"clogged", "less_mud"}, {"smeared", "less_mud"},
      {"boomy", "less_boom"}, {"boom", "less_boom"}, {"booming", "less_boom"}, {"woofy", "less_boom"},
      {"tubby", "less_boom"}, {"flabby", "less_boom"}, {"too much low end", "less_boom"},
      {"too much bottom", "less_boom"}, {"rumbly", "less_boom"}, {"rumble", "less_boom"},
      {"bloated", "less_boom"}, {"too much bass", "less_boom"}, {"wooly low end", "less_boom"},
      {"thin", "fuller"}, {"too thin", "fuller"}, {"no body", "fuller"}, {"lacks body", "fuller"},
      {"needs body", "fuller"}, {"more body", "fuller"}, {"fuller", "fuller"}, {"wimpy", "fuller"},
      {"needs weight", "fuller"}, {"more weight", "fuller"}, {"more bottom", "fuller"},
      {"to the left", "pan_left"}, {"more left", "pan_left"}, {"further left", "pan_left"},
      {"more to the left", "pan_left"}, {"too far right", "pan_left"}, {"too far to the right", "pan_left"},
      {"too much to the right", "pan_left"}, {"too far on the right", "pan_left"},
      {"hard left", "pan_left"}, {"fully left", "pan_left"}, {"all the way left", "pan_left"},
      {"hard right", "pan_right"}, {"fully right", "pan_right"}, {"all the way right", "pan_right"},
      {"to the right", "pan_right"}, {"more right", "pan_right"}, {"further right", "pan_right"},
      {"more to the right", "pan_right"}, {"too far left", "pan_right"}, {"too far to the left", "pan_right"},
      {"too much to the left", "pan_right"}, {"too far on the left", "pan_right"},
      {"to the centre", "centre"}, {"to the center", "centre"}, {"in the middle", "centre"},
      {"to the middle", "centre"}, {"centre", "centre"}, {"center", "centre"}, {"centred", "centre"},
      {"centered", "centre"}, {"pan it centre", "centre"},
      {"less low end", "less_boom"}, {"less bottom", "less_boom"}, {"less bottom end", "less_boom"},
      {"more bottom", "fuller"}, {"more bottom end", "fuller"},
      {"compress", "more_controlled"}, {"more compressed", "more_controlled"}, {"compress it more", "more_controlled"},
      {"more low end", "fuller"}, {"more warmth", "fuller"}, {"cold", "fuller"}, {"weedy", "fuller"},
      {"anemic", "fuller"}, {"no weight", "fuller"}, {"lacks weight", "fuller"},
      // The low end of a part, not its level: "more thump", "more sub on the kick" (had moved the fader).
      {"more thump", "fuller"}, {"lacks thump", "fuller"}, {"no thump", "fuller"}, {"more sub", "fuller"},
      {"too much sub", "less_boom"}, {"too much thump", "less_boom"}, {"too much bottom", "less_boom"},
      {"more weight", "fuller"}, {"more oomph", "fuller"}, {"lacking low end", "fuller"}, {"lacks low end", "fuller"},
      {"boxy", "less_boxy"}, {"cardboard", "less_boxy"}, {"cardboardy", "less_boxy"}, {"papery", "less_boxy"},
      {"like a box", "less_boxy"}, {"in a box", "less_boxy"}, {"hollow", "less_boxy"},
      {"nasal", "less_nasal"}, {"nasally", "less_nasal"}, {"honky", "less_nasal"}, {"honk", "less_nasal"},
      {"telephone", "less_nasal"}, {"megaphone", "less_nasal"},
      {"high pass", "high_pass"}, {"highpass", "high_pass"}, {"hpf", "high_pass"}, {"low cut", "high_pass"},
      {"lowcut", "high_pass"}, {"high pass filter", "high_pass"}, {"low cut filter", "high_pass"},
      {"low pass", "low_pass"}, {"lowpass", "low_pass"}, {"lpf", "low_pass"}, {"high cut", "low_pass"},
      {"highcut", "low_pass"}, {"low pass filter", "low_pass"}, {"high cut filter", "low_pass"},
      {"sibilant", "less_sibilance"}, {"sibilance", "less_sibilance"}, {"esses", "less_sibilance"},
      {"essy", "less_sibilance"}, {"s sounds", "less_sibilance"}, {"ss", "less_sibilance"},
      {"hissy", "less_sibilance"}, {"lispy", "less_sibilance"},
      // dynamics
      {"less limiting", "less_compressed"}, {"less limited", "less_compressed"}, {"too limited", "less_compressed"},
      {"more dynamics", "less_compressed"}, {"more dynamic", "less_compressed"}, {"more dynamic range", "less_compressed"},
      {"less compression", "less_compressed"}, {"not so compressed", "less_compressed"},
      {"bump the", "up"}, {"bump it", "up"}, {"bump up", "up"}, {"give it a bump", "up"}, {"widen", "wider"},
      {"squashed", "less_compressed"}, {"squished", "less_compressed"}, {"over compressed", "less_compressed"},
      {"overcompressed", "less_compressed"}, {"too compressed", "less_compressed"}, {"crushed", "less_compressed"},
      {"pumping", "less_compressed"}, {"pumps", "less_compressed"}, {"breathing", "less_compressed"},
      {"lifeless", "less_compressed"}, {"no dynamics", "less_compressed"}, {"choked", "less_compressed"},
      {"strangled", "less_compressed"}, {"flattened", "less_compressed"}, {"smashed", "less_compressed"},
      {"less compression", "less_compressed"}, {"too much compression", "less_compressed"},
      {"not punchy", "punchier"}, {"punchy enough", "punchier"}, {"no punch", "punchier"},
      {"lacks punch", "punchier"}, {"needs punch", "punchier"}, {"more punch", "punchier"},
      {"punchier", "punchier"}, {"punch", "punchier"}, {"flat", "punchier"}, {"limp", "punchier"},
      {"no attack", "punchier"}, {"more attack", "punchier"}, {"needs attack", "punchier"},
      {"more snap", "punchier"}, {"snappier", "punchier"}, {"needs snap", "punchier"}, {"no snap", "punchier"},
      {"weak transients", "punchier"}, {"no impact", "punchier"}, {"more impact", "punchier"},
      {"hit harder", "punchier"}, {"hits harder", "punchier"}, {"lacks impact", "punchier"},
      {"soft", "punchier"}, {"more click", "punchier"}, {"click", "punchier"}, {"beater", "punchier"}, {"spongy", "punchier"}, {"floppy", "punchier"},
      {"uneven", "more_controlled"}, {"inconsistent", "more_controlled"}, {"all over the place", "more_controlled"},
      {"jumps around", "more_controlled"}, {"up and down", "more_controlled"}, {"too dynamic", "more_controlled"},
      {"spiky", "more_controlled"}, {"peaky", "more_controlled"}, {"more compression", "more_controlled"},
      {"more consistent", "more_controlled"}, {"level jumps", "more_controlled"},
      // a part ducked under another's hits (sidechain compression)
      {"sidechain", "duck"}, {"side chain", "duck"}, {"sidechained", "duck"}, {"side chained", "duck"},
      {"sidechaining", "duck"}, {"side chaining", "duck"}, {"sidechain compression", "duck"},
      {"duck", "duck"}, {"ducks", "duck"}, {"ducking", "duck"}, {"ducked", "duck"}, {"pump with", "duck"},
      {"pumps with", "duck"}, {"pumping with", "duck"}, {"pump to", "duck"}, {"pumps to", "duck"},
      {"breathe with", "duck"}, {"breathes with", "duck"}, {"keyed to", "duck"}, {"keyed by", "duck"},
      {"key it to", "duck"}, {"get out of the way of", "duck"}, {"gets out of the way of", "duck"},
      {"make room for", "duck"}, {"makes room for", "duck"},
      // glue: gentle compression of the parts together
      {"glue", "glue"}, {"glued", "glue"}, {"more glue", "glue"}, {"needs glue", "glue"}, {"glue together", "glue"},
      {"gel", "glue"}, {"gels", "glue"}, {"gel together", "glue"}, {"doesnt gel", "glue"}, {"cohesive", "glue"},
      {"more cohesive", "glue"}, {"not cohesive", "glue"}, {"cohesion", "glue"}, {"bus compression", "glue"},
      {"glue compression", "glue"}, {"disjointed", "glue"}, {"sounds disconnected", "glue"},
      // a part's saturation: more, or less
      {"add distortion", "saturate"}, {"more distortion", "saturate"}, {"some distortion", "saturate"},
      {"bit of distortion", "saturate"}, {"needs distortion", "saturate"}, {"distort", "saturate"},
      {"distort it", "saturate"}, {"saturate", "saturate"}, {"saturation", "saturate"},
      {"more saturation", "saturate"}, {"some saturation", "saturate"}, {"add saturation", "saturate"},
      {"tape saturation", "saturate"}, {"grit", "saturate"}, {"gritty", "saturate"}, {"grittier", "saturate"},
      {"more grit", "saturate"}, {"dirtier", "saturate"}, {"more dirt", "saturate"}, {"dirty it up", "saturate"},
      {"dirty up", "saturate"}, {"crunchier", "saturate"}, {"more crunch", "saturate"}, {"some crunch", "saturate"},
      {"add crunch", "saturate"}, {"more drive", "saturate"}, {"add drive", "saturate"}, {"more fuzz", "saturate"},
      {"fuzzier", "saturate"}, {"more harmonics", "saturate"}, {"too clean", "saturate"}, {"too sterile", "saturate"},
      {"distorted", "cleaner"}, {"distorting", "cleaner"}, {"distortion", "cleaner"}, {"too distorted", "cleaner"},
      {"too much distortion", "cleaner"}, {"less distortion", "cleaner"}, {"too dirty", "cleaner"},
      {"too gritty", "cleaner"}, {"too crunchy", "cleaner"}, {"fuzzy", "cleaner"}, {"too fuzzy", "cleaner"},
      {"overdriven", "cleaner"}, {"too saturated", "cleaner"}, {"less saturation", "cleaner"},
      {"too much saturation", "cleaner"}, {"less drive", "cleaner"}, {"breaking up", "cleaner"},
      // space
      {"too wet", "drier"}, {"wet", "drier"}, {"washy", "drier"}, {"swimming", "drier"},
      {"too much reverb", "drier"}, {"too much delay", "drier"}, {"too much echo", "drier"},
      {"less reverb", "drier"}, {"less delay", "drier"}, {"less echo", "drier"}, {"drier", "drier"},
      {"dryer", "drier"}, {"cavernous", "drier"}, {"washed out", "drier"}, {"echoey", "drier"},
      {"dry up", "drier"}, {"dry it up", "drier"}, {"dry them up", "drier"}, {"dry out", "drier"},
      {"dry it out", "drier"}, {"more dry", "drier"}, {"make it dry", "drier"}, {"keep it dry", "drier"},
      {"too dry", "wetter"}, {"dry", "wetter"}, {"needs reverb", "wetter"}, {"more reverb", "wetter"},
      {"more delay", "wetter"}, {"more echo", "wetter"}, {"more space", "wetter"}, {"wetter", "wetter"},
      {"needs space", "wetter"}, {"more ambience", "wetter"}, {"more room", "wetter"},
      {"needs depth", "wetter"}, {"more depth", "wetter"}, {"some reverb", "wetter"}, {"some delay", "wetter"},
      {"distant", "closer"}, {"far away", "closer"}, {"too far", "closer"}, {"far back", "closer"},
      {"too far back", "closer"}, {"set back", "closer"}, {"in the back", "closer"},
      {"in the background", "closer"}, {"sounds far", "closer"}, {"not upfront", "closer"},
      {"not up front", "closer"}, {"more upfront", "closer"}, {"more up front", "closer"}, {"closer", "closer"},
      {"more intimate", "closer"}, {"intimate", "closer"}, {"more present", "closer"}, {"present enough", "closer"},
      {"more in your face", "closer"}, {"too close", "further"}, {"too upfront", "further"},
      {"too up front", "further"}, {"in your face", "further"}, {"too in your face", "further"},
      {"further back", "further"}, {"push back", "further"}, {"push it back", "further"},
      {"sit back", "further"}, {"sit further back", "further"}, {"more distant", "further"},
      {"narrow", "wider"}, {"too narrow", "wider"}, {"wider", "wider"}, {"more width", "wider"},
      {"needs width", "wider"}, {"more stereo", "wider"}, {"spread out", "wider"}, {"wide enough", "wider"},
      {"not wide", "wider"}, {"sounds mono", "wider"}, {"too mono", "wider"}, {"spread", "wider"},
      {"too wide", "narrower"}, {"wide", "narrower"}, {"narrower", "narrower"}, {"too spread", "narrower"},
      {"less wide", "narrower"}, {"phasey", "narrower"}, {"phasy", "narrower"}, {"too stereo", "narrower"},
      {"more centered", "narrower"}, {"more centred", "narrower"},
      // a reverb's length (its decay), not its level
      {"too long", "shorter"}, {"tail is too long", "shorter"}, {"rings too long", "shorter"}, {"shorter", "shorter"},
      {"rings on", "shorter"}, {"hangs too long", "shorter"}, {"hangs on too long", "shorter"},
      {"too short", "longer"}, {"longer", "longer"}, {"longer tail", "longer"}, {"longer decay", "longer"},
      {"shorter tail", "shorter"}, {"shorter decay", "shorter"}, {"decay is too short", "longer"},
  };
  return t;
}

const Table& vague_table() {
  static const Table t = {
      // A note that asks for nothing: approval ("love it, no changes"), said as such.
      {"love it", "approval"}, {"loving it", "approval"}, {"sounds great", "approval"}, {"sounds good", "approval"},
      {"sounds perfect", "approval"}, {"no changes", "approval"}, {"no more changes", "approval"},
      {"all good", "approval"}, {"approved", "approval"}, {"ship it", "approval"}, {"nailed it", "approval"},
      {"great job", "approval"}, {"good job", "approval"}, {"its perfect", "approval"}, {"perfect thanks", "approval"},
      {"perfect thank you", "approval"}, {"looks good", "approval"}, {"happy with it", "approval"},
      {"pop", "pop"}, {"bigger", "bigger"}, {"big", "bigger"}, {"huge", "bigger"}, {"epic", "bigger"},
      {"fatter", "bigger"}, {"fat", "bigger"}, {"massive", "bigger"}, {"professional", "professional"},
      {"pro", "professional"}, {"radio ready", "professional"}, {"radio", "professional"},
      {"commercial", "professional"}, {"polished", "professional"}, {"polish", "professional"},
      {"expensive", "professional"}, {"finished", "professional"}, {"better", "better"},
      {"energy", "energy"}, {"exciting", "energy"}, {"excitement", "energy"}, {"vibe", "vibe"},
      {"vibey", "vibe"}, {"magic", "vibe"},
      {"modern", "modern"}, {"life", "energy"}, {"alive", "energy"}, {"emotion", "vibe"},
      {"emotional", "vibe"}, {"feel", "vibe"}, {"weird", "something"}, {"off", "something"},
      {"not right", "something"}, {"dont like", "something"}, {"something missing", "something"},
      {"missing something", "something"}, {"slap", "energy"}, {"hit", "energy"}, {"dope", "vibe"},
      {"amazing", "better"}, {"good", "better"}, {"like the reference", "reference"},
      {"sound like", "reference"}, {"more like", "reference"}, {"boring", "energy"}, {"wow", "energy"},
      {"fighting", "clash"}, {"fight", "clash"}, {"clash", "clash"}, {"clashing", "clash"},
      {"competing", "clash"}, {"compete", "clash"}, {"depth", "bigger"}, {"3d", "bigger"}, {"lush", "bigger"}, {"cinematic", "bigger"},
  };
  return t;
}

// Words that name a section; ordinals before or a number after pick one of them.
const Table& section_table() {
  static const Table t = {
      {"intro", "intro"}, {"intros", "intro"}, {"beginning", "intro"}, {"the start", "intro"},
      {"verse", "verse"}, {"verses", "verse"}, {"pre chorus", "prechorus"}, {"prechorus", "prechorus"},
      {"pre choruses", "prechorus"}, {"pre", "prechorus"}, {"chorus", "chorus"}, {"choruses", "chorus"},
      {"choruss", "chorus"}, {"hook", "chorus"}, {"hooks", "chorus"}, {"refrain", "chorus"},
      {"bridge", "bridge"}, {"bridges", "bridge"}, {"middle eight", "bridge"}, {"middle eights", "bridge"},
      {"outros", "outro"}, {"breakdowns", "breakdown"}, {"solos", "solo"}, {"interludes", "solo"}, {"middle 8", "bridge"}, {"outro", "outro"},
      {"ending", "outro"}, {"the end", "outro"}, {"breakdown", "breakdown"}, {"drop", "drop"},
      {"drops", "drop"}, {"solo", "solo"}, {"instrumental", "solo"}, {"interlude", "solo"},
  };
  return t;
}

const Table& context_table();
const Table& element_table();
const Table& fix_table();
const Table& vague_table();
const Table& section_table();

const Table& context_table() {
  static const Table t = {
      {"small speakers", "small_speakers"}, {"small speaker", "small_speakers"},
      {"little speakers", "small_speakers"}, {"computer speakers", "laptop"}, {"laptop", "laptop"},
      {"macbook", "laptop"}, {"phone", "phone"}, {"iphone", "phone"}, {"my phone", "phone"},
      {"phone speaker", "phone"}, {"car", "car"}, {"the car", "car"}, {"in my car", "car"},
      {"headphones", "headphones"}, {"earbuds", "headphones"}, {"airpods", "headphones"},
      {"cans", "headphones"}, {"club", "club"}, {"big speakers", "club"}, {"big system", "club"},
      {"pa", "club"}, {"subwoofer", "club"}, {"in mono", "mono"}, {"bluetooth", "small_speakers"},
      {"smart speaker", "small_speakers"}, {"tv", "small_speakers"}, {"monitors", "studio"},
  };
  return t;
}

const Prepared& prepared_element_table() { static const Prepared p = prepare(element_table()); return p; }
const Prepared& prepared_fix_table() { static const Prepared p = prepare(fix_table()); return p; }
const Prepared& prepared_vague_table() { static const Prepared p = prepare(vague_table()); return p; }
const Prepared& prepared_section_table() { static const Prepared p = prepare(section_table()); return p; }
const Prepared& prepared_context_table() { static const Prepared p = prepare(context_table()); return p; }

struct ProductionRule {
  std::string_view phrase;
  std::string_view reason;
};

const std::string_view kReplace =
    "replacing a sound changes the recording itself: the mix can shape the sound that is there, not swap it "
    "for another (a new sample or stem has to come from the producer)";
const std::string_view kNewPart =
    "a new or extra part is arrangement: the mix can only balance the parts that were recorded";
const std::string_view kTake =
    "choosing or re-recording a performance is production: the mix works with the takes it was given";
const std::string_view kTuning =
    "tuning a performance is editing the recording (pitch correction on the track), not a mix setting";
const std::string_view kTiming =
    "tempo and timing are performance and editing decisions made before the mix; changing them means "
    "re-editing or re-recording the parts";
const std::string_view kArrangement =
    "adding, cutting or moving parts and sections is arrangement: it changes what is played, not how it "
    "is balanced";

const std::vector<ProductionRule>& production_rules() {
  static const std::vector<ProductionRule> r = {
      {"replace", kReplace}, {"replaced", kReplace}, {"replacing", kReplace}, {"swap the", kReplace},
      {"swap out", kReplace}, {"different sample", kReplace}, {"new sample", kReplace},
      {"another sample", kReplace}, {"better sample", kReplace}, {"change the sample", kReplace},
      {"different sound", kReplace}, {"different snare", kReplace}, {"different kick", kReplace},
      {"different guitar sound", kReplace}, {"sample replace", kReplace}, {"trigger", kReplace},
      {"new part", kNewPart}, {"another part", kNewPart}, {"extra part", kNewPart}, {"new line", kNewPart},
      {"counter melody", kNewPart}, {"countermelody", kNewPart}, {"add a", kNewPart}, {"add an", kNewPart},
      {"add another", kNewPart}, {"layer a", kNewPart}, {"layer another", kNewPart}, {"double the", kNewPart},
      {"overdub", kNewPart}, {"more parts", kNewPart}, {"add strings", kNewPart}, {"add harmonies", kNewPart},
      {"add percussion", kNewPart}, {"add backing vocals", kNewPart}, {"add some harmonies", kNewPart},
      {"different take", kTake}, {"another take", kTake}, {"better take", kTake}, {"other take", kTake},
      {"retake", kTake}, {"re take", kTake}, {"re record", kTake}, {"rerecord", kTake}, {"re sing", kTake},
      {"resing", kTake}, {"sing it again", kTake}, {"play it again", kTake}, {"punch in", kTake},
      {"the performance", kTake}, {"comp", kTake}, {"redo the", kTake}, {"re do the", kTake},
      {"out of tune", kTuning}, {"pitchy", kTuning}, {"autotune", kTuning}, {"auto tune", kTuning},
      {"melodyne", kTuning}, {"tune the", kTuning}, {"tuning", kTuning}, {"off key", kTuning},
      {"wrong note", kTuning}, {"wrong notes", kTuning}, {"bum note", kTuning}, {"sings flat", kTuning},
      {"sings sharp", kTuning}, {"flat on the", kTuning}, {"sharp on the", kTuning}, {"pitch", kTuning},
      {"in tune", kTuning}, {"detuned", kTuning},
      {"tempo", kTiming}, {"faster", kTiming}, {"slower", kTiming}, {"bpm", kTiming}, {"speed up", kTiming},
      {"slow down", kTiming}, {"slow it down", kTiming}, {"speed it up", kTiming}, {"timing", kTiming},
      {"out of time", kTiming}, {"off time", kTiming}, {"off the grid", kTiming}, {"rushing", kTiming},
      {"rushed", kTiming}, {"rushes", kTiming}, {"dragging", kTiming}, {"drags", kTiming},
      {"quantize", kTiming}, {"quantise", kTiming}, {"sloppy", kTiming}, {"behind the beat", kTiming},
      {"ahead of the beat", kTiming}, {"not tight", kTiming}, {"tighten up the playing", kTiming},
      {"arrangement", kArrangement}, {"key change", kArrangement}, {"change the key", kArrangement},
      {"transpose", kArrangement}, {"modulate", kArrangement}, {"rewrite", kArrangement},
      {"new lyrics", kArrangement}, {"change the lyrics", kArrangement}, {"shorter intro", kArrangement},
      {"longer intro", kArrangement}, {"shorten", kArrangement}, {"extend", kArrangement},
      {"repeat the", kArrangement}, {"another chorus", kArrangement}, {"extra chorus", kArrangement},
      {"edit out", kArrangement},
  };
  return r;
}

// Verbs that, followed closely by an element or a section, drop a part or a section.
// Followed by a part, they mute it (in the place the note names); followed by a section, they
// cut the section, which is arrangement.
const std::array<std::string_view, 11> kDropVerbs{"cut", "remove", "delete", "drop", "lose", "mute", "take out",
                                                  "get rid of", "kill", "take away", "pull out"};

bool is_vocal(const std::string& e) { return e == "lead_vocal" || e == "backing_vocal" || e == "vocal"; }

std::optional<int> ordinal_word(const std::string& w) {
  static const std::vector<std::pair<std::string, int>> t = {
      {"first", 1}, {"1st", 1}, {"second", 2}, {"2nd", 2}, {"third", 3}, {"3rd", 3}, {"fourth", 4},
      {"4th", 4}, {"fifth", 5}, {"5th", 5}, {"last", -1}, {"final", -1}, {"closing", -1}, {"opening", 1}};
  for (const auto& [k, v] : t)
    if (k == w) return v;
  return std::nullopt;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> w;
  std::string cur;
  for (char c : text) {
    if (c == ' ') {
      if (!cur.empty()) w.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) w.push_back(cur);
  return w;
}

// Word index of a character position in a normalized text.
std::size_t word_index_at(const std::string& text, std::size_t pos) {
  std::size_t n = 0;
  for (std::size_t i = 1; i <= pos && i < text.size(); ++i)
    if (text[i] == ' ' && text[i - 1] != ' ') ++n;
  return n;
}

// A count written in digits or in words ("10", "ten"): how long, how many dB.
std::optional<double> number_word(std::string_view w) {
  if (!w.empty() && std::all_of(w.begin(), w.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; }))
    return std::stod(std::string(w));
  static const std::vector<std::pair<std::string_view, double>> words = {
      {"one", 1},    {"two", 2},   {"three", 3}, {"four", 4},     {"five", 5},     {"six", 6},
      {"seven", 7},  {"eight", 8}, {"nine", 9},  {"ten", 10},     {"eleven", 11},  {"twelve", 12},
      {"fifteen", 15}, {"twenty", 20}, {"thirty", 30}};
  for (const auto& [k, v] : words)
    if (w == k) return v;
  return std::nullopt;
}

// Times written in seconds or minutes and seconds, as clock times: "at 10 seconds", "around
// 30s", "40-50s" (normalized "40 to 50s"), "at 1m10s", "the 30 second mark" -> "0:10", "0:30",
// "0:40 to 0:50", "1:10". A count after "first"/"last" ("the last 10 seconds") is a length, not
// a time, and stays. Unit words taken into a time become empty, so indices still match.
// A number written in digits and at most one point ("10", "2.5"), else none.
std::optional<double> decimal(std::string_view x) {
  if (x.empty() || !std::all_of(x.begin(), x.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; }))
    return std::nullopt;
  return parse_time(x);  // digits and a point: the number itself
}

// Seconds in one of a time unit's words ("seconds", "min", ...); 0 for any other word.
double unit_seconds(const std::string& u) {
  return u == "seconds" || u == "second" || u == "secs" || u == "sec" ? 1.0
         : u == "minutes" || u == "minute" || u == "mins" || u == "min" ? 60.0 : 0.0;
}

// A unit word of a length ("seconds", "min", "bars", "beats"): how many of `unit` one of it is
// (a minute is 60 seconds); count 0 for any other word. Bars and beats stay bars and beats: the
// tempo that makes them seconds is the console's.
struct UnitWord {
  double count = 0.0;
  TimeUnit unit = TimeUnit::seconds;
};

UnitWord time_unit(const std::string& u) {
  if (const double s = unit_seconds(u); s > 0.0) return {s, TimeUnit::seconds};
  if (u == "bars" || u == "bar" || u == "measures" || u == "measure") return {1.0, TimeUnit::bars};
  if (u == "beats" || u == "beat") return {1.0, TimeUnit::beats};
  return {};
}

std::vector<std::string> clock_words(std::vector<std::string> w) {
  const auto clock = [](double s) {
    s = std::round(s * 100.0) / 100.0;  // as printed: 59.999 s is 1:00.00, not 0:60.00
    const auto m = static_cast<long long>(s / 60.0);
    char b[32];
    std::snprintf(b, sizeof b, "%lld:%05.2f", m, s - 60.0 * double(m));
    return std::string(b);
  };
  static const std::set<std::string, std::less<>> before = {"at", "around", "from", "after", "until", "till", "before",
                                                           "to", "between", "and", "about", "by", "the", "past", "since"};
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& x = w[i];
    const std::string prev = i > 0 ? w[i - 1] : "";
    // "40s", "1m10s", "1m10", "2m"
    if (x.size() >= 2 && std::isdigit(static_cast<unsigned char>(x[0])) && x.find(':') == std::string::npos &&
        (x.back() == 's' || x.find('m') != std::string::npos)) {
      const std::size_t m = x.find('m');
      const bool tail_s = x.back() == 's';
      if (m != std::string::npos && m > 0) {
        const auto mins = decimal(x.substr(0, m));
        const std::string rest = x.substr(m + 1, x.size() - m - 1 - (tail_s ? 1 : 0));
        const auto secs = rest.empty() ? std::optional<double>(0.0) : decimal(rest);
        if (mins && secs) w[i] = clock(*mins * 60.0 + *secs);
        continue;
      }
      if (tail_s && (before.count(prev) || (i + 1 < w.size() && w[i + 1] == "mark")))
        if (const auto v = decimal(std::string_view(x).substr(0, x.size() - 1))) w[i] = clock(*v);
      continue;
    }
    // "10 seconds" after a word that places it ("at", "around", "from ... to", "the ... mark"),
    // or before "in" / "mark" ("two minutes in", "the one minute mark"); numbers in words too.
    auto v = decimal(x);
    if (!v) v = number_word(x);
    const std::string after_unit = i + 2 < w.size() ? w[i + 2] : "";
    if (v && i + 1 < w.size() && unit_seconds(w[i + 1]) > 0.0 &&
        ((before.count(prev) && (prev != "the" || after_unit == "mark")) || after_unit == "mark" ||
         (after_unit == "in" && prev != "for" && prev != "first" && prev != "last" && prev != "next" &&
          prev != "over" && prev != "across"))) {
      w[i] = clock(*v * unit_seconds(w[i + 1]));
      w[i + 1] = "";
      if (after_unit == "in") w[i + 2] = "";
    }
  }
  // "40 to 0:50" (from "40-50s"): the first end in the second's unit.
  for (std::size_t i = 0; i + 2 < w.size(); ++i)
    if (const auto v = decimal(w[i]); v && (w[i + 1] == "to" || w[i + 1] == "and") && w[i + 2].find(':') != std::string::npos)
      w[i] = clock(*v);
  return w;
}

TimeScope parse_scope_plain(const std::string& text);

// The words a place-leaving marker governs, from `from`: up to "alone", "as is", "just", "but"
// ("leave the verses alone, just bring the vocal up in the chorus" leaves out the
// verses, not the chorus), or the end.
std::string left_out_text(const std::string& text, std::size_t from) {
  // (Not "and": "apart from the intro and the outro" leaves out both.)
  static const std::array<std::string_view, 10> ends = {" alone ", " as is ", " as it is ", " as they are ",
                                                        " untouched ", " unchanged ", " the same ", " just ",
                                                        " but ", " then "};
  std::size_t e = text.size();
  for (auto x : ends)
    if (const std::size_t q = text.find(x, from); q != std::string::npos) e = std::min(e, q + 1);
  return text.substr(from, e - from);
}

// Where a note leaves a place out: "louder except in the chorus", "but not in the first verse",
// "everywhere but the bridge", "not during the solo", "apart from the last 10 seconds". The
// marker counts only when a place follows it (past "in", "the", ...): "except the kick" leaves
// a part out, which the element reading handles. Returns the position just past the marker.
std::optional<std::pair<std::size_t, std::size_t>> place_exclusion(const std::string& text) {
  static const std::array<std::string_view, 19> markers = {
      " except ", " excepting ", " excluding ", " but not ", " apart from ", " other than ", " not in ",
      " not during ", " outside ", " everywhere but ", " save for ", " aside from ",
      // "but leave the first 5 seconds alone", "don't touch the outro", "keep the chorus as is"
      " leave ", " dont touch ", " don t touch ", " do not touch ", " not touching ", " keep ", " without "};
  static const std::set<std::string, std::less<>> lead = {"in", "during", "for", "on", "at", "the", "of", "when",
                                                          "while", "from", "inside", "within", "it", "s", "its",
                                                          "throughout", "that", "this", "those", "these"};
  static const std::set<std::string, std::less<>> place_words = [] {
    std::set<std::string, std::less<>> out = {"first", "last", "final", "second", "third", "opening", "closing",
                                              "half", "end", "start", "top", "between", "around", "after", "before"};
    for (const auto& [phrase, value] : section_table())
      for (const auto& w : words_of(normalize(phrase))) out.insert(w);
    return out;
  }();
  std::pair<std::size_t, std::size_t> best{std::string::npos, 0};
  for (auto m : markers)
    if (const std::size_t p = text.find(m); p != std::string::npos && p < best.first) {
      const std::size_t from = p + m.size() - 1;
      // "Keep" leaves a place out only as it is ("keep the chorus as it is"); "keep the chorus
      // louder" asks for a change there.
      if (m == " keep ") {
        const std::string rest = text.substr(from);
        static const std::array<std::string_view, 7> as_is = {" as is ", " as it is ", " as they are ", " the same ",
                                                              " untouched ", " alone ", " unchanged "};
        if (std::none_of(as_is.begin(), as_is.end(), [&](std::string_view a) { return rest.find(a) != std::string::npos; }))
          continue;
      }
      // The complaint after the marker ("great, except the chorus is too loud", "apart from
      // that the bridge is too quiet"): the marker introduces it; no place is left out.
      if (!scan(left_out_text(text, from), prepared_fix_table()).empty()) continue;
      for (const auto& w : words_of(text.substr(from))) {
        if (lead.count(w)) continue;
        if (place_words.count(w) || ordinal_word(w) || parse_time(w)) best = {p, from};
        break;
      }
    }
  if (best.first == std::string::npos) return std::nullopt;
  return best;
}

TimeScope parse_scope(const std::string& text) {
  const auto ex = place_exclusion(text);
  if (!ex) return parse_scope_plain(text);
  const std::string left_text = left_out_text(text, ex->second);
  // The note's own places: before the marker and after what it governs.
  TimeScope scope = parse_scope_plain(text.substr(0, ex->first + 1) + text.substr(ex->second + left_text.size()));
  TimeScope left_out = parse_scope_plain(left_text);
  // "In the bridges but not the last one": the ordinal is of the sections named before.
  if (left_out.sections.empty() && left_out.ranges.empty()) {
    const auto w = words_of(left_text);
    for (std::size_t i = 0; i + 1 < w.size(); ++i)
      if (const auto o = ordinal_word(w[i]); o && (w[i + 1] == "one" || w[i + 1] == "ones"))
        for (const auto& ref : scope.sections)
          if (ref.ordinal == 0) left_out.sections.push_back({ref.name, *o, ""});
  }
  scope.except_sections = left_out.sections;
  scope.except_ranges = left_out.ranges;
  return scope;
}

TimeScope parse_scope_plain(const std::string& text) {
  TimeScope scope;
  const auto words = clock_words(words_of(text));
  const auto at = [&](std::size_t i) -> const std::string& {
    static const std::string none;
    return i < words.size() ? words[i] : none;
  };
  // "the end" / "the start" that close a time range ("from 1:00 till the end") are the range's
  // ends, not the outro or the intro as well.
  bool end_taken = false, start_taken = false;
  const auto is_end = [&](std::size_t i) { return at(i) == "end" || (at(i) == "the" && at(i + 1) == "end"); };
  const auto is_start = [&](std::size_t i) {  // the words just before i name the song's start
    return (i >= 1 && (at(i - 1) == "start" || at(i - 1) == "beginning")) ||
           (i >= 2 && at(i - 1) == "top" && at(i - 2) == "the");
  };
  // A length the note gives a moment ("for 2 bars at 1:00", "at 0:30 for 4 seconds"): the span
  // from that moment on, in place of the short window around it.
  std::optional<std::pair<double, TimeUnit>> length;
  for (std::size_t i = 0; i + 2 < words.size() && !length; ++i) {
    if (words[i] != "for" && words[i] != "over" && words[i] != "across" && words[i] != "lasting") continue;
    auto n = number_word(words[i + 1]);
    if (!n) n = decimal(words[i + 1]);
    if (!n && (words[i + 1] == "a" || words[i + 1] == "an")) n = 1.0;
    const UnitWord u = time_unit(words[i + 2]);
    if (n && *n > 0.0 && u.count > 0.0) length = {*n * u.count, u.unit};
  }
  // Time ranges: "from A to B", "between A and B", "A to B", "at A", "around A", "after A".
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<bool> used(words.size(), false);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (used[i]) continue;
    const auto t = parse_time(words[i]);
    if (!t || words[i].find(':') == std::string::npos) continue;
    const std::string prev = i > 0 ? words[i - 1] : "";
    const std::string& next = at(i + 1);
    const bool to = next == "to" || next == "till" || next == "until" || next == "til";
    // "A and B" is a range only after "between": "up at 1:05 and 1:20" names two moments.
    if ((to || (next == "and" && prev == "between")) && i + 2 < words.size()) {
      if (const auto t2 = parse_time(words[i + 2])) {
        scope.ranges.push_back({std::min(*t, *t2), std::max(*t, *t2)});
        used[i] = used[i + 2] = true;
        continue;
      }
    }
    if (to && is_end(i + 2)) {  // "from 1:00 till the end"
      scope.ranges.push_back({*t, inf});
      end_taken = true;
    } else if ((prev == "to" || prev == "till" || prev == "until" || prev == "til") && i >= 1 && is_start(i - 1)) {
      scope.ranges.push_back({0.0, *t});  // "from the start to 1:00"
      start_taken = true;
    } else if (length && prev != "until" && prev != "before" && prev != "till" && prev != "til") {
      scope.ranges.push_back({0.0, length->first, *t, TimeRange::Count::after_moment, length->second});
    } else if (prev == "after" || prev == "from" || prev == "since" || prev == "past") {
      scope.ranges.push_back({*t, inf});
    } else if (prev == "until" || prev == "before" || prev == "till" || prev == "til") {
      scope.ranges.push_back({0.0, *t});
    } else {
      // "at 1:23": a moment; a short window around it (a note about one spot is about the phrase
      // that plays there: a second before to three after).
      scope.ranges.push_back({std::max(0.0, *t - 1.0), *t + 3.0, *t});
    }
    used[i] = true;
  }
  // Parts of the song by its length: "the first half", "the second half", "the last 10 seconds",
  // "the first 20 seconds", "the last minute", "the first 4 bars", "the last 8 beats"; "after the
  // first 10 seconds" is what follows them.
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    const bool first = w == "first" || w == "opening" || w == "1st" || w == "former";
    const bool last = w == "last" || w == "final" || w == "closing";
    if (words[i + 1] == "half" && (first || last || w == "second" || w == "2nd" || w == "latter")) {
      scope.ranges.push_back({first ? 0.0 : 0.5, first ? 0.5 : 1.0, -1, TimeRange::Count::share_of_song});
      continue;
    }
    if (!first && !last) continue;
    // "the last minute" (one), "the last 10 seconds", "the last bar", "the first 4 bars".
    const bool counted = i + 2 < words.size() && time_unit(words[i + 2]).count > 0.0;
    const auto n = counted ? number_word(words[i + 1]) : std::optional<double>(1.0);
    const UnitWord u = time_unit(words[i + (counted ? 2 : 1)]);
    const double len = (n ? *n : 0.0) * u.count;
    if (len <= 0.0) continue;
    // The word before "the first ..." says which side of it: "after the first 10 seconds" is
    // from 0:10 on, "before the last minute" up to the last minute.
    const std::size_t b = i >= 1 && words[i - 1] == "the" ? i - 1 : i;
    const std::string side = b >= 1 ? words[b - 1] : "";
    const bool after = side == "after" || side == "past" || side == "beyond" || side == "following";
    const bool before = side == "before" || side == "until" || side == "till" || side == "til";
    using C = TimeRange::Count;
    if (first)
      scope.ranges.push_back(after ? TimeRange{len, inf, -1, C::seconds, u.unit} : TimeRange{0.0, len, -1, C::seconds, u.unit});
    else
      scope.ranges.push_back(before ? TimeRange{1e9, len, -1, C::seconds_before_end, u.unit}
                                    : TimeRange{len, 0.0, -1, C::seconds_before_end, u.unit});
  }
  // Sections, with ordinals: "the last chorus", "second verse", "verse 2", "chorus two",
  // "bridges 3 and 4", "the second and third bridge", "the first two bridges"; and the span
  // before or after one ("before the verse", "the bridge after the chorus").
  const auto count_word = [](const std::string& w) -> int {
    static const std::vector<std::pair<std::string, int>> numbers = {
        {"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}, {"5", 5}, {"6", 6}, {"7", 7}, {"8", 8}, {"9", 9},
        {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}};
    for (const auto& [k, v] : numbers)
      if (w == k) return v;
    return 0;
  };
  std::vector<Span> claimed;
  for (const auto& h : scan(text, prepared_section_table(), &claimed)) {
    // "drop" as a verb ("drop the guitars") is not the section.
    if (h.value == "drop" && text.find(" the drop ") == std::string::npos && text.find(" drops ") == std::string::npos) continue;
    if (h.value == "solo" && text.find(" solo ") != std::string::npos &&
        text.find(" the solo ") == std::string::npos && text.find(" solos ") == std::string::npos &&
        text.find(" solo section ") == std::string::npos)
      continue;
    if (h.value == "prechorus" && h.phrase == "pre" && text.find(" pre chorus") == std::string::npos &&
        text.find(" the pre ") == std::string::npos)
      continue;
    if (end_taken && (h.phrase == "the end" || h.phrase == "ending")) continue;
    if (start_taken && (h.phrase == "the start" || h.phrase == "beginning")) continue;
    const std::size_t wi = word_index_at(text, h.pos + 1);
    const std::size_t nwords = words_of(h.phrase).size();
    std::vector<int> ordinals;
    // Ordinals before: "the second and third", "the last".
    std::size_t j = wi;
    if (j > 0 && ordinal_word(words[j - 1])) {
      --j;
      ordinals.push_back(*ordinal_word(words[j]));
      while (j >= 2 && (words[j - 1] == "and" || words[j - 1] == "or") && ordinal_word(words[j - 2])) {
        j -= 2;
        ordinals.insert(ordinals.begin(), *ordinal_word(words[j]));
      }
    } else if (j >= 2 && count_word(words[j - 1]) > 0 && ordinal_word(words[j - 2]) &&
               (*ordinal_word(words[j - 2]) == 1 || *ordinal_word(words[j - 2]) == -1)) {
      // "the first two bridges", "the last 2 choruses": that many from the start or the end.
      const int n = count_word(words[j - 1]);
      const int from = *ordinal_word(words[j - 2]);
      for (int k = 1; k <= n; ++k) ordinals.push_back(from == 1 ? k : -(n + 1 - k));
      j -= 2;
    }
    // Numbers after: "verse 2", "bridges 3 and 4", "chorus one".
    if (ordinals.empty())
      for (std::size_t k = wi + nwords; k < words.size() && count_word(words[k]) > 0;) {
        ordinals.push_back(count_word(words[k]));
        if (k + 2 < words.size() && (words[k + 1] == "and" || words[k + 1] == "or") && count_word(words[k + 2]) > 0) k += 2;
        else ++k;
      }
    if (ordinals.empty()) ordinals.push_back(0);
    // The span before or after it: "before the verse", "after the second chorus".
    if (j > 0 && words[j - 1] == "the") --j;
    std::string relation;
    const bool song_edge = h.phrase == "the end" || h.phrase == "ending" || h.phrase == "the start" || h.phrase == "beginning";
    if (j > 0 && !song_edge) {
      const std::string& r = words[j - 1];
      if (r == "before" || r == "until" || r == "till" || r == "til") relation = "before";
      else if (r == "after" || r == "since" || r == "following" || r == "past") relation = "after";
    }
    for (int o : ordinals) {
      const SectionRef ref{h.value, o, relation};
      if (std::find(scope.sections.begin(), scope.sections.end(), ref) == scope.sections.end())
        scope.sections.push_back(ref);
    }
  }
  return scope;
}

// The usual weight of a section in a song's arc, for "more contrast between the verse and the
// chorus": the heavier one is the one lifted.
int section_weight(const std::string& name) {
  if (name == "chorus" || name == "drop") return 3;
  if (name == "bridge" || name == "solo" || name == "prechorus") return 2;
  if (name == "verse") return 1;
  return 0;  // intro, outro, breakdown
}

// "The verse should be quieter than the chorus", "the chorus should hit harder than the verse",
// "more contrast between the verse and the chorus": sections set against each other, of which
// one side is to move and the other is the reference it is measured against (before, both
// moved together and the contrast stayed as it was). Sets the scope's sections to the side that
// moves, `reference` to the other and `fix` to the way it moves; false when the note compares
// no sections.
bool compare_sections(ParsedNote& note, Fix& fix, const std::string& text) {
  // A return's level is one for the whole song: no section can move apart on it.
  if (note.element == "reverb" || note.element == "delay") return false;
  const bool whole_mix = note.element.empty() || note.element == "mix";
  // A lift asked in other words than a level's, of the whole mix.
  static const std::array<std::string_view, 10> lift_words = {"hit harder", "hits harder", "punchier", "bigger",
                                                              "stronger", "more powerful", "more energy", "more impact",
                                                              "lift", "lifted"};
  const bool lift = whole_mix && std::any_of(lift_words.begin(), lift_words.end(), [&](auto w) { return has(text, w); });
  Fix way = fix == Fix::up || fix == Fix::down ? fix : lift ? Fix::up : Fix::none;
  std::vector<SectionRef> moved, reference;
  static const std::array<std::string_view, 4> markers = {" than ", " compared to ", " compared with ", " relative to "};
  std::size_t m = std::string::npos, m_len = 0;
  for (auto x : markers)
    if (const std::size_t p = text.find(x); p < m && text.compare(p >= 6 ? p - 6 : 0, 6, " other") != 0) {
      m = p;
      m_len = x.size();
    }
  if (m != std::string::npos) {
    if (way == Fix::none) return false;
    // The sections named before the marker move; those after it are the reference.
    moved = parse_scope_plain(text.substr(0, m + 1)).sections;
    reference = parse_scope_plain(text.substr(m + m_len - 1)).sections;
    std::erase_if(reference, [&](const SectionRef& r) { return std::find(moved.begin(), moved.end(), r) != moved.end(); });
    if (moved.empty() || reference.empty()) return false;
    // "The verse is louder than the chorus" states what is wrong: the other way. ("The verse
    // should be quieter", "make the chorus louder", "the chorus isn't louder" ask for the way
    // said; "too loud compared to" is a complaint the fix already reads.)
    const auto before = words_of(text.substr(0, m + 1));
    static const std::set<std::string, std::less<>> goal = {"should", "needs", "need", "make", "want", "wants",
                                                            "must", "could", "would", "to", "let", "ought", "gotta",
                                                            "needed", "bring", "turn"};
    static const std::set<std::string, std::less<>> states = {"is", "are", "s", "sounds", "sound", "seems", "feels",
                                                              "gets", "was", "were", "has", "have"};
    static const std::set<std::string, std::less<>> negation = {"not", "isnt", "arent", "doesnt", "dont", "never",
                                                                "wasnt", "no"};
    static const std::set<std::string, std::less<>> bare = {"louder", "quieter", "softer", "lower", "hit harder",
                                                             "hits harder", "punchier", "bigger", "stronger", "more"};
    const bool asks = std::any_of(before.begin(), before.end(), [&](const std::string& w) { return goal.count(w) > 0; });
    const bool stated = std::any_of(before.begin(), before.end(), [&](const std::string& w) { return states.count(w) > 0; });
    const bool denied = std::any_of(before.begin(), before.end(), [&](const std::string& w) { return negation.count(w) > 0; });
    if (!asks && stated && !denied && (bare.count(note.problem) || lift)) way = way == Fix::up ? Fix::down : Fix::up;
  } else if (has(text, "contrast")) {
    // No side said: the section that usually carries the song (the chorus over the verse) is
    // lifted; when they weigh the same, nothing tells which.
    int top = -1;
    for (const auto& r : note.scope.sections) top = std::max(top, section_weight(r.name));
    for (const auto& r : note.scope.sections) (section_weight(r.name) == top ? moved : reference).push_back(r);
    if (moved.empty() || reference.empty() || !whole_mix) return false;
    way = has(text, "less") || has(text, "too much") ? Fix::down : Fix::up;
  } else if (lift && way == Fix::up && !note.scope.sections.empty() && note.scope.ranges.empty()) {
    // "Make the chorus bigger", "the chorus needs to hit harder", "lift the hook": the sections
    // named lifted against the rest of the song (they came back vague, asking where). A
    // request of its own beside others in a note (see category()).
    moved = note.scope.sections;
    note.problem = "lift";
  } else {
    return false;
  }
  note.scope.sections = moved;
  note.reference = reference;
  fix = way;
  if (note.element.empty()) note.element = "mix";
  if (note.problem.empty()) note.problem = "contrast";
  return true;
}

Fix fix_from(std::string_view s) {
  static const std::vector<std::pair<std::string_view, Fix>> t = {
      {"up", Fix::up}, {"down", Fix::down}, {"mute", Fix::mute}, {"unmute", Fix::unmute},
      {"fade_out", Fix::fade_out}, {"fade_in", Fix::fade_in}, {"brighter", Fix::brighter}, {"darker", Fix::darker},
      {"less_harsh", Fix::less_harsh}, {"less_mud", Fix::less_mud}, {"less_boom", Fix::less_boom},
      {"fuller", Fix::fuller}, {"less_boxy", Fix::less_boxy}, {"less_nasal", Fix::less_nasal},
      {"less_sibilance", Fix::less_sibilance}, {"high_pass", Fix::high_pass}, {"low_pass", Fix::low_pass},
      {"less_compressed", Fix::less_compressed},
      {"punchier", Fix::punchier}, {"more_controlled", Fix::more_controlled}, {"duck", Fix::duck},
      {"glue", Fix::glue}, {"saturate", Fix::saturate}, {"cleaner", Fix::cleaner}, {"drier", Fix::drier},
      {"wetter", Fix::wetter}, {"closer", Fix::closer}, {"further", Fix::further}, {"wider", Fix::wider},
      {"narrower", Fix::narrower}, {"shorter", Fix::shorter}, {"longer", Fix::longer},
      {"pan_left", Fix::pan_left}, {"pan_right", Fix::pan_right}, {"centre", Fix::centre}};
  for (const auto& [k, v] : t)
    if (k == s) return v;
  return Fix::none;
}

// Words a note uses for what is wrong, where, or how it is heard (any word of those tables),
// and words too common in file names to tell a stem apart: not taken as a stem's short name.
bool is_note_word(const std::string& w) {
  static const std::set<std::string, std::less<>> words = [] {
    std::set<std::string, std::less<>> out = {"the", "and", "too", "mix", "track", "stem", "audio", "left", "right",
                                              "default", "preset", "main", "new", "old", "final", "take", "comp",
                                              "bus", "group", "stereo", "mono", "one", "two", "part", "wav", "flac",
                                              "print", "bounce", "edit", "version", "master", "ogg", "mp3"};
    for (const Table* t : {&fix_table(), &vague_table(), &section_table(), &context_table()})
      for (const auto& [phrase, value] : *t)
        for (const auto& x : words_of(normalize(phrase))) out.insert(x);
    return out;
  }();
  return words.count(w) > 0;
}

// "Halve it", "cut it by half", "in half": a level halved.
bool halved(const std::string& text) { return has(text, "halve") || has(text, "by half") || has(text, "in half"); }

// A normalized note with its common misspellings read as meant: words no note means otherwise
// ("laud", "lound", "sibilent"), and "quite"/"to" where the "too" of a complaint belongs ("too
// quite" is "too quiet"; "to loud" is "too loud"). Without it such notes came back vague.
std::string spelled(std::string text) {
  static const std::map<std::string, std::string, std::less<>> typo = {
      {"laud", "loud"},         {"lound", "loud"},          {"loundly", "loudly"},     {"lowd", "loud"},
      {"louad", "loud"},        {"kik", "kick"},            {"quiter", "quieter"},      {"quietter", "quieter"},   {"lowder", "louder"},     {"sibilent", "sibilant"},   {"sibilence", "sibilance"}, {"sibilanse", "sibilance"},
      {"sibillant", "sibilant"}, {"sibillance", "sibilance"}, {"sibilants", "sibilant"}, {"burried", "buried"},
      {"bured", "buried"},      {"muddey", "muddy"},        {"harsch", "harsh"},       {"brite", "bright"},
      {"moar", "more"},         {"mor", "more"},            {"louda", "louder"}};
  // The words that follow "too" in a complaint ("too loud", "too bright").
  static const std::set<std::string, std::less<>> after_too = [] {
    std::set<std::string, std::less<>> out;
    for (const auto& [phrase, value] : fix_table())
      if (phrase.starts_with("too ")) out.insert(std::string(words_of(" " + std::string(phrase) + " ").at(1)));
    return out;
  }();
  // Where "to" stands for "too": after the verb or a hedge ("is to loud", "a bit to bright").
  static const std::set<std::string, std::less<>> copula = {"is", "are", "its", "sounds", "sound", "seems", "feels",
                                                             "way", "bit", "little", "just", "still", "much", "far",
                                                             "gets", "get", "got", "was", "were"};
  auto w = words_of(text);
  for (std::size_t i = 0; i < w.size(); ++i) {
    w[i] = unstretched(w[i]);  // "wayyy too loud" is "way too loud"
    if (const auto t = typo.find(w[i]); t != typo.end()) w[i] = t->second;
    if (i > 0 && w[i] == "quite" && (w[i - 1] == "too" || w[i - 1] == "so")) w[i] = "quiet";
  }
  for (std::size_t i = 0; i + 1 < w.size(); ++i)
    if ((w[i] == "to" || w[i] == "2") && after_too.count(w[i + 1]) && i > 0 && copula.count(w[i - 1])) w[i] = "too";
  // "Oh, the vocal is too loud", "oh and the bass": the interjection, not the overheads ("OH
  // are too loud", "OH louder", "oh up a bit"). Alone (a clause of its own) or before the words
  // a sentence goes on with.
  static const std::set<std::string, std::less<>> oh_goes_on = {"the", "and", "also", "i", "it", "its", "my", "no",
                                                                "wait", "well", "yeah", "yes", "man", "wow", "but",
                                                                "one", "so", "by", "one", "we", "can", "could", "this",
                                                                "that", "actually", "right", "ok", "okay"};
  if (!w.empty() && w[0] == "oh" && (w.size() == 1 || oh_goes_on.count(w[1]))) w.erase(w.begin());
  std::string out = " ";
  for (const auto& x : w) out += x + " ";
  return out;
}

// Words around the subject of a complaint that name no part: verbs and hedges ("is", "sounds",
// "a bit"), and the words for the whole, a region or an aspect ("it", "the levels", "the low
// mids"). A word that is none of these and no known word, in the subject's place, names a part.
bool is_filler_word(const std::string& w) {
  static const std::set<std::string, std::less<>> words = {
      "is", "are", "was", "were", "be", "been", "being", "sounds", "sound", "seems", "seem", "feels", "feel",
      "gets", "get", "got", "getting", "too", "way", "a", "an", "bit", "little", "much", "so", "very", "really",
      "still", "kind", "kinda", "sort", "of", "just", "now", "quite", "pretty", "rather", "totally", "completely",
      "all", "and", "has", "have", "had", "its", "it", "s", "always", "somewhat", "slightly", "maybe", "probably",
      "i", "think", "feel", "like", "overall", "generally", "in", "on", "at", "for", "to", "also", "then", "please",
      "can", "could", "would", "should", "you", "we", "us", "me", "my", "our", "your", "the", "this", "that",
      "these", "those", "they", "them", "there", "here", "he", "she", "his", "her", "their", "what", "which",
      "who", "where", "when", "how", "why", "not", "no", "yes", "some", "any", "more", "less", "most", "least",
      "whole", "entire", "rest", "other", "others", "same", "problem", "issue", "part", "parts", "moment", "time",
      "times", "thing", "things", "stuff", "something", "everything", "anything", "nothing", "one", "ones",
      "song", "tune", "record", "recording", "track", "tracks", "level", "levels", "volume", "loudness",
      "balance", "tone", "tones", "frequencies", "frequency", "range", "region", "area", "band", "bands",
      "music", "instruments", "arrangement", "mids", "mid", "midrange", "lows", "highs", "treble", "top",
      "bottom", "upper", "lower", "high", "low", "side", "sides", "front", "back", "middle", "image",
      "width", "dynamics", "transients", "tail", "tails", "seconds", "second", "minutes", "minute", "start",
      "end", "beginning", "first", "last", "next", "before", "after", "during", "from", "until", "till",
      "with", "without", "by", "about", "over", "under", "than", "really", "again", "as", "if", "but", "or",
      // verbs a request starts with
      "make", "turn", "bring", "push", "pull", "raise", "lower", "boost", "cut", "reduce", "add", "put", "keep",
      "need", "needs", "want", "wants", "try", "let", "give", "take", "set", "move", "pan", "eq", "use", "hear",
      "listen", "sit", "sits", "go", "goes", "come", "comes", "leave", "lets", "do", "does", "dont", "did",
      "actually", "instead", "ok", "okay", "hey", "hi", "thanks", "thank", "great", "good", "nice", "love", "mixed"};
  return words.count(w) > 0;
}

// A word of the part vocabulary ("kick", "vocals", "low" of "low end").
bool is_element_word(const std::string& w) {
  static const std::set<std::string, std::less<>> words = [] {
    std::set<std::string, std::less<>> out;
    for (const auto& [phrase, value] : element_table())
      for (const auto& x : words_of(normalize(phrase))) out.insert(x);
    return out;
  }();
  return words.count(w) > 0;
}

// Between the stems one word names together, in an element hit's value ("A.wav\nstem:B.wav",
// read as "stem:A.wav" and "stem:B.wav").
constexpr std::string_view kStemsJoin = "\nstem:";

// The elements an element hit's value stands for: one, or the stems one word names together.
std::vector<std::string> split_stems(const std::string& value) {
  std::vector<std::string> out;
  std::size_t b = 0;
  for (std::size_t p = value.find('\n'); p != std::string::npos; p = value.find('\n', b)) {
    out.push_back(value.substr(b, p - b));
    b = p + 1;
  }
  out.push_back(value.substr(b));
  return out;
}

// Whether a stem's name (stem_phrase) holds `word` with its spaces taken out, starting where
// one of its words (or a run of letters or digits) starts and ending where one ends.
bool holds_whole(const std::string& phrase, const std::string& word) {
  if (word.size() < 3) return false;
  std::string compact;
  std::vector<bool> edge;  // edge[i]: a word or a letter/digit run begins (or ends) before compact[i]
  bool space = true;
  for (char c : phrase) {
    if (c == ' ') {
      space = true;
      continue;
    }
    const bool kind_change = !compact.empty() && (std::isdigit(static_cast<unsigned char>(compact.back())) != 0) !=
                                                     (std::isdigit(static_cast<unsigned char>(c)) != 0);
    edge.push_back(space || kind_change);
    compact.push_back(c);
    space = false;
  }
  edge.push_back(true);
  for (std::size_t p = compact.find(word); p != std::string::npos; p = compact.find(word, p + 1))
    if (edge[p] && edge[p + word.size()]) return true;
  return false;
}

// "+3 dB", "3db", "-2 dB", "2.5 dB", "2,5 dB" (a decimal comma), "three dB" in the raw text: the
// amount with its written sign (0 none).
double stated_amount_db(std::string_view raw) {
  std::string t = lower_case(raw);
  // "3 decibels", "a decibel": the unit spelled out.
  for (const std::string_view w : {"decibels", "decibel"})
    for (std::size_t p = t.find(w); p != std::string::npos; p = t.find(w, p + 2)) t.replace(p, w.size(), "db");
  for (std::size_t p = t.find("db"); p != std::string::npos; p = t.find("db", p + 2)) {
    if (p + 2 < t.size() && std::isalpha(static_cast<unsigned char>(t[p + 2]))) continue;  // "dbx"
    std::size_t e = p;
    while (e > 0 && t[e - 1] == ' ') --e;
    std::size_t b = e;
    const auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(t[i])) != 0; };
    while (b > 0 && (digit(b - 1) || t[b - 1] == '.' || (t[b - 1] == ',' && b < e && digit(b) && b >= 2 && digit(b - 2)))) --b;
    if (b == e) {
      // A number in words just before it ("three dB", "a dB", "half a dB").
      std::size_t w = e;
      while (w > 0 && std::isalpha(static_cast<unsigned char>(t[w - 1]))) --w;
      const std::string_view word = std::string_view(t).substr(w, e - w);
      if (word == "a") return t.substr(0, w).ends_with("half ") ? 0.5 : 1.0;
      if (const auto v = number_word(word)) return *v;
      // "two and a half dB", "2 and a half dB": the count before "and a half", plus a half.
      if (word == "half" && t.substr(0, w).ends_with(" and a ")) {
        std::size_t n_end = w - 7;
        std::size_t n_begin = n_end;
        while (n_begin > 0 && std::isalnum(static_cast<unsigned char>(t[n_begin - 1]))) --n_begin;
        if (const auto v = number_word(std::string_view(t).substr(n_begin, n_end - n_begin))) return *v + 0.5;
      }
      continue;
    }
    std::string number = t.substr(b, e - b);
    std::replace(number.begin(), number.end(), ',', '.');
    double v = 0.0;
    try {
      v = std::stod(number);
    } catch (...) {
      continue;
    }
    return b > 0 && t[b - 1] == '-' ? -v : v;
  }
  // A signed number with no unit ("kick +3", "vocal -1.5"): dB, as on a console's fader. Not a
  // share ("-50%"), a time or a frequency ("+2k").
  for (std::size_t p = 0; p + 1 < t.size(); ++p) {
    if ((t[p] != '-' && t[p] != '+') || !std::isdigit(static_cast<unsigned char>(t[p + 1]))) continue;
    if (p > 0 && !std::isspace(static_cast<unsigned char>(t[p - 1]))) continue;
    std::size_t e = p + 1;
    while (e < t.size() && (std::isdigit(static_cast<unsigned char>(t[e])) || t[e] == '.')) ++e;
    if (e < t.size() && !std::isspace(static_cast<unsigned char>(t[e])) && t[e] != ',' && t[e] != ';') continue;
    const std::string rest = t.substr(e, 9);
    if (rest.starts_with(" %") || rest.starts_with(" percent") || rest.starts_with(" k") || rest.starts_with(" hz") ||
        rest.starts_with(" s") || rest.starts_with(" min") || rest.starts_with(" bar") || rest.starts_with(" beat") ||
        rest.starts_with(" lu") || rest.starts_with(" dbtp") || rest.starts_with(" dbfs") || rest.starts_with(" tp"))
      continue;
    // A level or a reading the note states ("peaks at -1", "should sit around -6", "be -14"),
    // not a move.
    {
      std::size_t b = p;
      while (b > 0 && t[b - 1] == ' ') --b;
      std::size_t a = b;
      while (a > 0 && std::isalpha(static_cast<unsigned char>(t[a - 1]))) --a;
      static const std::set<std::string, std::less<>> reading = {"at", "around", "about", "to", "be", "near", "of",
                                                                 "peaks", "peak", "is", "sits", "reads", "hits", "than"};
      if (reading.count(t.substr(a, b - a))) continue;
    }
    double v = 0.0;
    try {
      v = std::stod(t.substr(p + 1, e - p - 1));
    } catch (...) {
      continue;
    }
    if (v > 0.0 && v <= 24.0) return t[p] == '-' ? -v : v;
  }
  // A plain number right after "up" or "down" ("BD up 2", "vox down 1.5"): dB, the way said.
  const auto w = words_of(" " + t + " ");
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] != "up" && w[i] != "down") continue;
    if (!std::all_of(w[i + 1].begin(), w[i + 1].end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; }))
      continue;
    static const std::set<std::string, std::less<>> units = {"k", "khz", "hz", "s", "sec", "secs", "seconds", "second",
                                                            "min", "minutes", "minute", "bars", "bar", "beats", "percent"};
    if (i + 2 < w.size() && units.count(w[i + 2])) continue;
    if (t.find(w[i + 1] + "%") != std::string::npos) continue;
    double v = 0.0;
    try {
      v = std::stod(w[i + 1]);
    } catch (...) {
      continue;
    }
    if (v > 0.0 && v <= 24.0) return w[i] == "down" ? -v : v;
  }
  return 0.0;
}

// A signed amount ("-2dB", "+3 dB") says its direction by itself.
bool signed_amount(std::string_view raw) {
  std::string t(raw);
  for (std::size_t p = 0; p + 1 < t.size(); ++p)
    if ((t[p] == '-' || t[p] == '+') && std::isdigit(static_cast<unsigned char>(t[p + 1])) &&
        (p == 0 || !std::isalnum(static_cast<unsigned char>(t[p - 1]))))
      return true;
  return false;
}

// Whether a share in the note sits by the words of a move ("hats down 50%", "20 percent
// louder", "cut it by 30%"), not by others ("I'm 100% sure the vocal is too loud").
bool share_is_a_move(std::string_view raw) {
  std::string t;
  for (char c : raw) t += c == '%' ? std::string(" percent ") : std::string(1, c);
  const std::string text = normalize(t);
  static const std::set<std::string, std::less<>> move = {"up", "down", "louder", "quieter", "softer", "lower",
                                                          "higher", "by", "cut", "boost", "reduce", "raise", "drop",
                                                          "turn", "less", "more", "volume", "level", "gain", "quiet",
                                                          "loud", "down"};
  const auto w = words_of(text);
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] != "percent" && w[i] != "per" && !(i + 1 < w.size() && w[i + 1] == "percent")) continue;
    for (std::size_t k = i >= 3 ? i - 3 : 0; k < std::min(w.size(), i + 4); ++k)
      if (move.count(w[k])) return true;
  }
  return false;
}

// A two-letter stem name or word of one ("FM", "BD_03", "OH L") names its stem when it is
// letters and no common word or unit a note would use ("it", "up", "db"): before, a stem named
// "FM" could not be named at all.
// A word of digits only ("03", "12"); empty is none.
bool all_digits(const std::string& w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool two_letter_name(const std::string& w) {
  static const std::set<std::string, std::less<>> common = {
      "am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me", "my", "no",
      "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ya", "yo", "db", "hz", "vs", "pm", "ms",
      "st", "nd", "rd", "th", "id", "im", "ur", "ah", "eh", "uh", "um", "ha", "lo", "re", "ll", "ve",
      "fx", "eq"};  // "more fx on the vocal", "eq the bass": effects and EQ, not a stem "FX"
  return w.size() == 2 && std::isalpha(static_cast<unsigned char>(w[0])) &&
         std::isalpha(static_cast<unsigned char>(w[1])) && !common.count(w);
}

std::string stem_phrase(const std::string& stem) {
  std::string base = stem;
  if (const auto dot = base.rfind('.'); dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  // "Strings_high" → "strings high"; digits alone ("BD_03" → "bd 03") still name it.
  std::string n = normalize(base);
  return n.substr(1, n.size() - 2);
}

}  // namespace

std::optional<double> percent_in(std::string_view raw) {
  const std::string t = lower_case(raw);
  for (std::size_t p = 0; p < t.size(); ++p) {
    if (!std::isdigit(static_cast<unsigned char>(t[p])) || (p > 0 && (std::isdigit(static_cast<unsigned char>(t[p - 1])) || t[p - 1] == '.')))
      continue;
    std::size_t e = p;
    while (e < t.size() && (std::isdigit(static_cast<unsigned char>(t[e])) || t[e] == '.')) ++e;
    std::size_t u = e;
    while (u < t.size() && t[u] == ' ') ++u;
    if (t.compare(u, 1, "%") != 0 && t.compare(u, 7, "percent") != 0 && t.compare(u, 8, "per cent") != 0) continue;
    try {
      return std::stod(t.substr(p, e - p));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Aspect aspect_of(Fix fix) {
  switch (fix) {
    case Fix::none: return Aspect::none;
    case Fix::up:
    case Fix::down:
    case Fix::mute:
    case Fix::unmute:
    case Fix::fade_out:
    case Fix::fade_in: return Aspect::level;
    case Fix::less_compressed:
    case Fix::punchier:
    case Fix::more_controlled:
    case Fix::duck:
    case Fix::glue: return Aspect::dynamics;
    case Fix::drier:
    case Fix::wetter:
    case Fix::closer:
    case Fix::further:
    case Fix::wider:
    case Fix::narrower:
    case Fix::shorter:
    case Fix::longer:
    case Fix::pan_left:
    case Fix::pan_right:
    case Fix::centre: return Aspect::space;
    default: return Aspect::tone;
  }
}

std::string_view to_string(NoteKind kind) {
  switch (kind) {
    case NoteKind::mix: return "mix";
    case NoteKind::vague: return "vague";
    case NoteKind::production: return "production";
  }
  return "mix";
}

std::string_view to_string(Aspect a) {
  switch (a) {
    case Aspect::none: return "none";
    case Aspect::level: return "level";
    case Aspect::tone: return "tone";
    case Aspect::dynamics: return "dynamics";
    case Aspect::space: return "space";
  }
  return "none";
}

std::string_view to_string(Fix fix) {
  switch (fix) {
    case Fix::none: return "none";
    case Fix::up: return "up";
    case Fix::down: return "down";
    case Fix::mute: return "mute";
    case Fix::unmute: return "unmute";
    case Fix::fade_out: return "fade_out";
    case Fix::fade_in: return "fade_in";
    case Fix::brighter: return "brighter";
    case Fix::darker: return "darker";
    case Fix::less_harsh: return "less_harsh";
    case Fix::less_mud: return "less_mud";
    case Fix::less_boom: return "less_boom";
    case Fix::fuller: return "fuller";
    case Fix::less_boxy: return "less_boxy";
    case Fix::less_nasal: return "less_nasal";
    case Fix::less_sibilance: return "less_sibilance";
    case Fix::high_pass: return "high_pass";
    case Fix::low_pass: return "low_pass";
    case Fix::less_compressed: return "less_compressed";
    case Fix::punchier: return "punchier";
    case Fix::more_controlled: return "more_controlled";
    case Fix::duck: return "duck";
    case Fix::glue: return "glue";
    case Fix::saturate: return "saturate";
    case Fix::cleaner: return "cleaner";
    case Fix::drier: return "drier";
    case Fix::wetter: return "wetter";
    case Fix::closer: return "closer";
    case Fix::further: return "further";
    case Fix::wider: return "wider";
    case Fix::narrower: return "narrower";
    case Fix::shorter: return "shorter";
    case Fix::longer: return "longer";
    case Fix::pan_left: return "pan_left";
    case Fix::pan_right: return "pan_right";
    case Fix::centre: return "centre";
  }
  return "none";
}

std::optional<double> parse_time(std::string_view token) {
  if (token.empty()) return std::nullopt;
  double total = 0, part = 0;
  bool any = false, frac = false;
  double scale = 0.1;
  int colons = 0;
  for (char c : token) {
    if (c >= '0' && c <= '9') {
      if (frac) {
        part += (c - '0') * scale;
        scale /= 10;
      } else {
        part = part * 10 + (c - '0');
      }
      any = true;
    } else if (c == ':') {
      if (frac || ++colons > 2 || (colons > 1 && part >= 60)) return std::nullopt;
      total = total * 60 + part;
      part = 0;
    } else if (c == '.') {
      if (frac) return std::nullopt;
      frac = true;
    } else {
      return std::nullopt;
    }
  }
  if (!any || (colons > 0 && part >= 60)) return std::nullopt;  // "99:99" is no time (not 100:39)
  return total * 60 + part;
}

std::string unstretched(std::string_view word) {
  // Each run of three or more of one letter, as two letters and as one.
  std::string two, one;
  bool stretched = false;
  for (std::size_t i = 0; i < word.size();) {
    std::size_t j = i;
    while (j < word.size() && word[j] == word[i]) ++j;
    const std::size_t run = j - i;
    if (run >= 3 && std::isalpha(static_cast<unsigned char>(word[i]))) {
      stretched = true;
      two.append(2, word[i]);
      one.push_back(word[i]);
    } else {
      two.append(word.substr(i, run));
      one.append(word.substr(i, run));
    }
    i = j;
  }
  if (!stretched) return std::string(word);
  const auto known = [](const std::string& w) { return is_note_word(w) || is_element_word(w) || is_filler_word(w); };
  return known(two) || !known(one) ? two : one;
}

std::string format_time(double seconds) {
  if (!std::isfinite(seconds)) return "the end";
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::vector<std::string> note_words(std::string_view text) { return words_of(normalize(text)); }

std::optional<int> ordinal_of(const std::string& word) { return ordinal_word(word); }

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

// What parse_note read beyond the request itself, for cutting a note into requests.
struct ClauseInfo {
  std::vector<std::string> named;  // the parts the clause names and does not protect, in order
  bool only_parts = false;         // nothing but parts, conjunctions and articles ("and the bass")
  std::vector<std::string> retracted;  // parts it leaves as they are ("actually leave the snare")
};

// A word of the note in the place of the part it is about ("the bassdrum is too loud", "sfxr
// too loud", "turn down the bassdrum") that is no word a note uses otherwise: a part this
// reading does not know. "" when there is none ("it is too loud", "the low mids are muddy").
std::string unnamed_part(const std::string& text, const std::vector<std::string>& words, const std::vector<Hit>& fixes) {
  const auto unknown = [](const std::string& w) {
    return w.size() >= 3 && std::any_of(w.begin(), w.end(), [](unsigned char c) { return std::isalpha(c); }) &&
           w.find(':') == std::string::npos && !is_filler_word(w) && !is_note_word(w) && !is_element_word(w) &&
           !number_word(w) && !ordinal_word(w);
  };
  static const std::set<std::string, std::less<>> articles = {"the", "my", "that", "this", "those", "these", "our", "your"};
  for (std::size_t k = 0; k + 1 < words.size(); ++k)
    if (articles.count(words[k]) && unknown(words[k + 1])) return words[k + 1];
  // The subject just before the complaint, past the verb and hedges ("sfxr is a bit too loud").
  // Only the first word that says something: "make it louder" names no part.
  if (!fixes.empty()) {
    const std::size_t end = std::min(word_index_at(text, fixes.front().pos), words.size());
    for (std::size_t wi = 0; wi < end; ++wi) {
      if (is_filler_word(words[wi])) continue;
      return unknown(words[wi]) && std::all_of(words.begin() + static_cast<std::ptrdiff_t>(wi) + 1,
                                               words.begin() + static_cast<std::ptrdiff_t>(end), is_filler_word)
                 ? words[wi]
                 : "";
    }
  }
  return "";
}

// A list of parts joined by "and" after `first` ("the bass and the kick", "hats and strings",
// "mute the hats and the BGV"): each one into `note.also`. Parts side by side with no word
// between ("open" and "hi hat" of "the open hi-hat") are one part's words, not a list.
void add_listed_parts(ParsedNote& note, const std::string& text, const std::vector<Hit>& el,
                      std::vector<Hit>::const_iterator first) {
  static const std::set<std::string, std::less<>> list_glue = {"and", "the", "plus", "also", "both", "my", "our"};
  const auto words = words_of(text);
  std::size_t end = word_index_at(text, first->pos) + words_of(" " + first->phrase + " ").size();
  for (auto it = first + 1; it != el.end(); ++it) {
    if (it->value == "mix" || it->value == "reverb" || it->value == "delay") break;
    const std::size_t w0 = word_index_at(text, it->pos);
    bool joined = w0 > end;  // at least "and" between them
    for (std::size_t k = end; k < w0 && joined; ++k) joined = list_glue.count(words[k]) > 0;
    if (!joined) break;
    for (const auto& e : split_stems(it->value))
      if (e != note.element && std::find(note.also.begin(), note.also.end(), e) == note.also.end()) note.also.push_back(e);
    end = w0 + words_of(" " + it->phrase + " ").size();
  }
}

// Whether a stem's name says it is the kind of part a note's element word names ("kick" for
// 07_linn_kik.ds: analysis::role_from_name reads kik as a kick).
bool name_says(const std::string& element, const std::string& stem) {
  const auto named = analysis::role_from_name(stem).role;
  if (!named) return false;
  const Role r = *named;
  if (element == "drums") return is_drum(r);
  if (element == "vocal") return is_vocal(r);
  if (element == "lead_synth") return r == Role::synth;
  if (element == "fx") return r == Role::fx;
  const auto want = role_from_string(element);
  return want && *want == r;
}

// "The bass is not too loud", "the vocal isn't too bright", "never make the bass louder",
// "don't turn the kick up": the note says what to leave as it is. Read by the complaint or the
// move it negates, it had done just that (the bass lowered 1.5 dB, raised 1.5 dB). ("The vocal
// is not loud enough", "I can't hear the bass", "don't make it so loud" still ask for a move:
// what follows the negation there is no "too" and no comparative.)
bool denies_a_move(const std::vector<std::string>& w) {
  static const std::set<std::string, std::less<>> neg = {"not", "isnt", "arent", "wasnt", "never", "dont", "shouldnt",
                                                         "mustnt"};
  static const std::set<std::string, std::less<>> verbs = {"make", "turn", "bring", "push", "raise", "boost", "lower",
                                                           "cut", "pull", "put", "get", "go"};
  static const std::set<std::string, std::less<>> comparative = {
      "louder", "quieter", "softer", "brighter", "darker", "wider", "narrower", "wetter", "drier", "up",
      "down", "more", "less", "bigger", "smaller", "higher", "lower", "fuller", "thinner", "harder"};
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (!neg.count(w[i])) continue;
    const std::size_t k = i + 1;
    if (w[k] == "too") return true;  // "not too loud": said to be fine
    if (w[k] == "be" && k + 1 < w.size() && w[k + 1] == "too") return true;
    // An order not to move ("never", "don't", "do not", "shouldn't"; not a state such as "it
    // doesn't cut through"), a verb of moving, then a comparative: "never make the bass louder".
    const bool order = w[i] == "never" || w[i] == "dont" || w[i] == "shouldnt" || w[i] == "mustnt" ||
                       (w[i] == "not" && i > 0 && (w[i - 1] == "do" || w[i - 1] == "should" || w[i - 1] == "must"));
    if (!order || !verbs.count(w[k])) continue;
    for (std::size_t j = k + 1; j < w.size() && j < k + 7; ++j) {
      if (w[j] == "so" || w[j] == "that" || w[j] == "but" || w[j] == "and") break;  // "don't make it so loud": a complaint
      if (comparative.count(w[j]) || w[j] == "too") return true;
    }
  }
  return false;
}

ParsedNote parse_clause(std::string_view raw, const std::vector<std::string>& stem_names, ClauseInfo* info) {
  ParsedNote note;
  note.text = std::string(raw);
  const std::string text = spelled(normalize(raw));

  note.scope = parse_scope(text);
  // A time written as one ("99:99", "-0:05") that is none: said back, not read as another time.
  for (const auto& w : words_of(text))
    if (w.find(':') != std::string::npos && std::isdigit(static_cast<unsigned char>(w.back())) &&
        std::all_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c) || c == ':' || c == '.' || c == '-'; }) &&
        !parse_time(w)) {
      note.bad_time = w;
      break;
    }
  note.amount_db = stated_amount_db(raw);
  if (const auto c = scan(text, prepared_context_table()); !c.empty()) note.context = c.front().value;

  // Elements: a stem the session names wins over the generic vocabulary.
  std::vector<Span> claimed;
  std::vector<Hit> elements;
  {
    Table stems;
    std::vector<std::string> phrases;
    phrases.reserve(stem_names.size());
    for (const auto& s : stem_names) phrases.push_back(stem_phrase(s));
    for (std::size_t i = 0; i < stem_names.size(); ++i)
      if (phrases[i].size() >= 3 || two_letter_name(phrases[i])) stems.emplace_back(phrases[i], stem_names[i]);
    // A stem's whole name first; then the parts a note names in more than one word ("backing
    // vocals", "lead synth", "lead guitar"), before any one word of a stem's name can take a
    // word of theirs: "the backing vocals are too loud" had lowered Lead Vocal.flac by its
    // "vocals". (Section and context words are kept out of that claim, as below.)
    for (auto h : scan(text, prepare(stems), &claimed)) {
      h.value = "stem:" + h.value;
      elements.push_back(h);
    }
    stems.clear();
    {
      static const Prepared multi = [] {
        Table t;
        for (const auto& e : element_table())
          if (e.first.find(' ') != std::string_view::npos || e.first.find('-') != std::string_view::npos) t.push_back(e);
        return prepare(t);
      }();
      std::vector<Span> scratch = claimed;
      for (const auto& h : scan(text, prepared_section_table(), &scratch)) (void)h;
      for (const auto& h : scan(text, prepared_context_table(), &scratch)) (void)h;
      const std::size_t before = scratch.size();
      for (const auto& h : scan(text, multi, &scratch)) elements.push_back(h);
      claimed.insert(claimed.end(), scratch.begin() + static_cast<std::ptrdiff_t>(before), scratch.end());
    }
    // A word of one stem's name that no other stem has and that says nothing else in a note
    // ("clap" for 02_Clap.flac, "voice" for Killed_Voice, "high" for Strings_high): people name
    // stems by the word that tells them apart.
    std::map<std::string, std::vector<std::size_t>> owners;
    std::deque<std::string> plurals;  // the table holds views: each string stays where it is
    for (std::size_t i = 0; i < phrases.size(); ++i) {
      std::set<std::string> seen;
      for (const auto& w : words_of(" " + phrases[i] + " "))
        if (seen.insert(w).second) owners[w].push_back(i);
    }
    // Several stems of one name that no note word has ("sfxr" of 12_sfxr and 13_sfxr): each of
    // them, the values joined by kStemsJoin.
    const auto joined = [&](const std::vector<std::size_t>& who) -> std::string_view {
      std::string v;
      for (std::size_t i : who) v += (v.empty() ? "" : std::string(kStemsJoin)) + stem_names[i];
      return plurals.emplace_back(std::move(v));
    };
    for (const auto& [w, who] : owners) {
      if ((w.size() < 3 && !two_letter_name(w)) ||
          all_digits(w))
        continue;
      if (is_note_word(w)) continue;
      if (who.size() > 1 && (is_element_word(w) || is_filler_word(w))) continue;
      const std::string_view value = who.size() == 1 ? std::string_view(stem_names[who.front()]) : joined(who);
      stems.emplace_back(w, value);
      if (w.back() != 's') stems.emplace_back(plurals.emplace_back(w + "s"), value);  // "the claps"
    }
    // A word of the note that one stem's name holds whole, from a word start to a word end or
    // a letter-digit boundary: "bassdrum" in 01_bassdrum02, "leadvocal" in "Lead Vocal". The
    // word names the instrument the stem is; before, the note fell to the whole mix.
    for (const auto& w : words_of(text)) {
      if (w.size() < 4 || owners.count(w) || is_note_word(w) || is_element_word(w) || is_filler_word(w) ||
          !std::any_of(w.begin(), w.end(), [](unsigned char c) { return std::isalpha(c); }))
        continue;
      const std::string bare = w.back() == 's' ? w.substr(0, w.size() - 1) : w;  // "the bassdrums"
      std::vector<std::size_t> holders;
      for (std::size_t i = 0; i < phrases.size(); ++i)
        if (holds_whole(phrases[i], w) || holds_whole(phrases[i], bare)) holders.push_back(i);
      if (!holders.empty()) stems.emplace_back(plurals.emplace_back(w), joined(holders));
    }
    // A stem by its track number: "03" for 03_Default_preset or "Audio 03", "track 3" / "#3" for
    // either. A number counts only so written (a leading zero, or after track, stem, channel,
    // number, no): "up 3" is an amount.
    {
      const auto track_number = [](const std::string& w) { return w.size() <= 4 && all_digits(w); };
      std::map<long, std::vector<std::size_t>> numbered;
      for (std::size_t i = 0; i < phrases.size(); ++i) {
        const auto pw = words_of(" " + phrases[i] + " ");
        if (!pw.empty() && track_number(pw[0])) numbered[std::stol(pw[0])].push_back(i);
        else if (pw.size() == 2 && track_number(pw[1]) &&
                 (pw[0] == "audio" || pw[0] == "track" || pw[0] == "stem" || pw[0] == "channel" || pw[0] == "ch"))
          numbered[std::stol(pw[1])].push_back(i);
      }
      const auto nw = words_of(text);
      for (std::size_t k = 0; k < nw.size(); ++k) {
        const std::string& w = nw[k];
        if (!track_number(w)) continue;
        const std::string before = k > 0 ? nw[k - 1] : std::string();
        const bool keyword = before == "track" || before == "stem" || before == "channel" || before == "number" ||
                             before == "no" || before == "tr" || before == "ch";
        if (!keyword && !(w.size() >= 2 && w[0] == '0')) continue;
        const auto it = numbered.find(std::stol(w));
        if (it == numbered.end() || it->second.size() != 1) continue;
        stems.emplace_back(plurals.emplace_back(keyword ? before + " " + w : w), stem_names[it->second.front()]);
      }
    }
    for (auto h : scan(text, prepare(stems), &claimed)) {
      h.value = "stem:" + h.value;
      elements.push_back(h);
    }
  }
  // Section words are not elements ("the solo", "the drop"): claim them first. Context words too
  // ("in the car" has no element).
  for (const auto& h : scan(text, prepared_section_table(), &claimed)) (void)h;
  for (const auto& h : scan(text, prepared_context_table(), &claimed)) (void)h;
  for (const auto& h : scan(text, prepared_element_table(), &claimed)) {
    // A counted beat is a length ("fade in over one beat"), not the drums.
    if (h.phrase == "beat") {
      const auto w = words_of(text.substr(0, h.pos + 1));
      if (!w.empty() && (number_word(w.back()) || w.back() == "a" || w.back() == "one" || w.back() == "first" ||
                         w.back() == "last"))
        continue;
    }
    elements.push_back(h);
  }
  std::sort(elements.begin(), elements.end(), [](const Hit& a, const Hit& b) { return a.pos < b.pos; });
  // A word several stems share, beside a word for a kind of part ("linn kick" of 06_linn_snr
  // and 07_linn_kik, "the high strings"): the stems of that word whose names say that kind.
  // Before, "linn kick needs more thump" raised the linn snare too.
  for (std::size_t i = 0; i < elements.size(); ++i) {
    Hit& h = elements[i];
    if (h.value.find(kStemsJoin) == std::string::npos) continue;
    for (std::size_t j : {i + 1, i - 1}) {
      if (j >= elements.size() || elements[j].value.rfind("stem:", 0) == 0) continue;
      const Hit& g = elements[j];
      const Hit& first = j > i ? h : g;
      const Hit& second = j > i ? g : h;
      // Hits sit at the space before their phrase: the second begins where the first ends.
      const bool beside = second.pos == first.pos + 1 + first.phrase.size();
      if (!beside) continue;
      std::string kept;
      for (const auto& s : split_stems(h.value))
        if (name_says(g.value, s.substr(5))) kept += (kept.empty() ? "" : std::string(kStemsJoin)) + s.substr(5);
      if (kept.empty()) continue;
      h.value = "stem:" + kept;
      h.phrase = j > i ? h.phrase + " " + g.phrase : g.phrase + " " + h.phrase;
      if (j < i) h.pos = g.pos;
      elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(j));
      break;
    }
  }

  if (denies_a_move(words_of(text))) {
    note.kind = NoteKind::vague;
    note.fix = Fix::none;
    note.vague_topic = "denied";
    if (!elements.empty()) note.element = split_stems(elements.front().value).front();
    return note;
  }
  // Production first: whatever else the note says, these are not the mixer's to change.
  for (const auto& rule : production_rules()) {
    if (!has(text, rule.phrase)) continue;
    // "add some reverb", "add a little air": adding a setting, not a part.
    if (rule.reason == kNewPart && (rule.phrase == "add a" || rule.phrase == "add an")) {
      const std::size_t p = text.find(" " + std::string(rule.phrase) + " ");
      const std::string after = text.substr(p + rule.phrase.size() + 2, 40);
      static const std::vector<std::string_view> settings = {
          "little", "bit", "touch", "reverb", "delay", "echo", "space", "air", "compression", "eq",
          "boost", "cut", "de esser", "few db", "db", "tad", "hair", "smidge"};
      if (std::any_of(settings.begin(), settings.end(), [&](std::string_view w) { return has(" " + after, w); })) continue;
    }
    if (rule.phrase == "comp" && !has(text, "the comp") && !has(text, "different comp")) continue;
    if (rule.phrase == "pitch" && (has(text, "high pitched") || has(text, "pitched"))) continue;
    if (rule.phrase == "trigger" && !has(text, "trigger the") && !has(text, "trigger a")) continue;
    note.kind = NoteKind::production;
    note.production_reason = std::string(rule.reason);
    if (!elements.empty()) note.element = split_stems(elements.front().value).front();
    note.problem = std::string(rule.phrase);
    return note;
  }
  // "Unmute the BGV", "bring back the shaker", "put the hats back in": a muted part back.
  const auto first_part = [&]() -> const Hit* {
    for (const auto& h : elements)
      if (h.value != "mix" && h.value != "reverb" && h.value != "delay") return &h;
    return nullptr;
  };
  // ("Bring the guitars back a little", "put the snare further back" are level and depth.)
  // "Bring the clap back": "back" ends the request (but for a "please" or "again"), right after
  // the part.
  const auto back_at_end = [&] {
    auto w = words_of(text);
    while (!w.empty() && (w.back() == "please" || w.back() == "pls" || w.back() == "again" || w.back() == "now")) w.pop_back();
    if (w.size() < 3 || w.back() != "back" || (w.front() != "bring" && w.front() != "put")) return false;
    static const std::set<std::string, std::less<>> depth = {"further", "farther", "more", "little", "bit", "way", "lot", "too", "far"};
    return depth.count(w[w.size() - 2]) == 0;
  };
  if (const Hit* part = first_part();
      part && (has(text, "unmute") || has(text, "un mute") || has(text, "bring back") || back_at_end() ||
               ((has(text, "bring the") || has(text, "put the")) && (has(text, "back in") || has(text, "back into"))))) {
    note.element = split_stems(part->value).front();
    note.fix = Fix::unmute;
    note.problem = "unmute";
    return note;
  }
  // "Fade out the last 10 seconds", "fade the song out", "fade in the intro": the mix (or a part
  // the note names) faded over the place it names, by default the last 10 (first 5) seconds.
  {
    static const std::array<std::string_view, 8> outs = {"fade out", "fade it out", "fade the song out", "fadeout",
                                                         "fade the end", "fade the ending", "fade the mix out",
                                                         "fade the track out"};
    static const std::array<std::string_view, 5> ins = {"fade in", "fade it in", "fade the song in", "fadein",
                                                        "fade the intro in"};
    // "The fade out is too long" speaks of a fade there is (which the mix has not made).
    const bool a_fade = has(text, "the fade") || has(text, "a fade") || has(text, "that fade") || has(text, "this fade");
    const auto w = words_of(text);
    // "fade the strings out", "fade the vocal in over 2 seconds": the verb, then "out"/"in"
    // within a few words ("in" only where it is no place: "fade the pad in the chorus" says
    // no way).
    static const std::set<std::string, std::less<>> after_in = {"", "over", "during", "at", "from", "slowly",
                                                                "gradually", "across", "for", "please", "gently"};
    bool verb_out = false, verb_in = false;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (w[i] != "fade") continue;  // "the vocal is fading out" is a complaint, not a fade asked
      if (i > 0 && (w[i - 1] == "the" || w[i - 1] == "a" || w[i - 1] == "to" || w[i - 1] == "s")) continue;
      for (std::size_t k = i + 1; k < std::min(w.size(), i + 6); ++k) {
        if (w[k] == "out") verb_out = true;
        if (w[k] == "in" && after_in.count(k + 1 < w.size() ? w[k + 1] : "")) verb_in = true;
        if (verb_out || verb_in) break;
      }
    }
    const bool out = !a_fade && (verb_out || std::any_of(outs.begin(), outs.end(), [&](auto x) { return has(text, x); }));
    const bool in = !out && !a_fade && (verb_in || std::any_of(ins.begin(), ins.end(), [&](auto x) { return has(text, x); }));
    if (out || in) {
      const Hit* part = first_part();
      note.element = part ? split_stems(part->value).front() : "mix";
      note.fix = out ? Fix::fade_out : Fix::fade_in;
      note.problem = out ? "fade out" : "fade in";
      // The place: the note's, else the end (start) of the song; a section named as the end
      // ("fade out the ending") is the outro, which the scope already holds.
      // Its length when the note gives one ("over 2 seconds", "over 8 bars", "a 4 bar fade"),
      // else 10 s out and 5 s in; with a place too ("over 5 seconds at the end"), the end
      // (start) of that place.
      double len = out ? kDefaultFadeOutS : kDefaultFadeInS;
      TimeUnit unit = TimeUnit::seconds;
      for (std::size_t i = 0; i + 2 < w.size(); ++i) {
        const bool over = w[i] == "over" || w[i] == "across";
        const bool before_fade = w[i + 2] == "fade" || w[i + 2] == "fadeout" || w[i + 2] == "fadein";
        if (!over && !before_fade) continue;
        const std::size_t k = over ? i + 1 : i;  // the count; its unit follows it
        if (const auto n = number_word(w[k]); n && *n > 0.0) {
          const UnitWord u = w[k + 1] == "s" ? UnitWord{1.0, TimeUnit::seconds} : time_unit(w[k + 1]);
          if (u.count > 0.0) {
            note.span = len = *n * u.count;
            note.span_unit = unit = u.unit;
          }
        }
      }
      if (note.scope.whole_song())
        note.scope.ranges.push_back(out ? TimeRange{len, 0.0, -1, TimeRange::Count::seconds_before_end, unit}
                                        : TimeRange{0.0, len, -1, TimeRange::Count::seconds, unit});
      return note;
    }
  }
  const bool level_move = note.amount_db != 0.0 || has(text, "down") || has(text, "a bit") || has(text, "a little") || halved(text);
  for (const auto verb : kDropVerbs) {
    if (level_move && (verb == "cut" || verb == "drop")) continue;  // "cut the bass by 2 dB"
    for (std::size_t p : find_all(text, std::string(verb))) {
      // "low cut the vocal", "high cut the synth": a filter, not a part dropped.
      if (verb == "cut" && p >= 4 && (text.compare(p - 4, 4, " low") == 0 || (p >= 5 && text.compare(p - 5, 5, " high") == 0)))
        continue;
      const std::string after = text.substr(p + verb.size() + 1, 40);
      bool names_section = false;
      for (const auto& [phrase, value] : section_table())
        if (has(" " + after.substr(0, std::min<std::size_t>(after.size(), 24)), phrase)) names_section = true;
      if (verb == "drop" && has(text, "the drop")) names_section = false;
      // The part as the verb's own object ("mute the BGV", "take out all the hats"), with no
      // share or amount ("lose some of the bass", "drop the vocal slightly") and no tone word
      // ("remove the low end from the guitar"): those ask for less of it, not none.
      const Hit* object = nullptr;
      for (const auto& h : elements) {
        if (h.pos <= p || h.value == "mix" || h.value == "reverb" || h.value == "delay") continue;
        // A region of the spectrum ("the low end", "the sub") is a tone, not a part to mute.
        static const std::set<std::string, std::less<>> region = {"low end", "bottom end", "bottom", "sub", "subs",
                                                                  "lows", "low", "sub bass", "low frequencies"};
        if (region.count(h.phrase)) break;
        static const std::set<std::string, std::less<>> article = {"the", "all", "my", "those", "these", "that",
                                                                   "this", "our", "both", "out", "away", "of"};
        bool direct = true;
        for (const auto& x : words_of(text.substr(p + verb.size() + 1, h.pos - (p + verb.size() + 1) + 1)))
          direct = direct && article.count(x) > 0 && x != "of";
        if (direct) object = &h;
        break;
      }
      // "That broken glitchy sound is annoying, get rid of it": the part named before the verb,
      // with a verb that only removes ("the pad is muddy, cut it" cuts the mud) and no tone word.
      if (!object && verb != "cut" && verb != "drop" && verb != "lose" && verb != "take away" &&
          scan(text, prepared_fix_table()).empty()) {
        const auto w_after = words_of(after);
        if (!w_after.empty() && (w_after[0] == "it" || w_after[0] == "them")) {
          for (const auto& h : elements)
            if (h.pos < p && h.value != "mix" && h.value != "reverb" && h.value != "delay") object = &h;
        }
      }
      static const std::array<std::string_view, 14> less_of = {
          "some", "slightly", "a touch", "a tad", "a bit", "a little", "a lot", "lot of", "most of", "part of",
          "much", "too", "by", "less"};
      const bool a_share = note.amount_db != 0.0 || percent_in(raw).has_value() ||
                           std::any_of(less_of.begin(), less_of.end(), [&](std::string_view x) { return has(text, x); });
      const bool tone_word = !scan(text.substr(p), prepared_fix_table()).empty();
      if (object && !a_share && !tone_word) {
        // "Mute the BGV", "take out the open hi-hat", "drop the hats in the intro": the part out
        // of the mix there (session.toml's mute, or a ride down to the console's floor).
        std::vector<Hit> parts;
        for (const auto& h : elements)
          if (h.pos >= object->pos && h.value != "mix" && h.value != "reverb" && h.value != "delay") parts.push_back(h);
        const auto named = split_stems(parts.front().value);
        note.element = named.front();
        note.also.assign(named.begin() + 1, named.end());
        add_listed_parts(note, text, parts, parts.begin());
        note.fix = Fix::mute;
        note.problem = std::string(verb);
        return note;
      }
      if (names_section) {
        note.kind = NoteKind::production;
        note.production_reason = std::string(kArrangement);
        if (!elements.empty()) note.element = split_stems(elements.front().value).front();
        note.problem = std::string(verb);
        return note;
      }
    }
  }

  // What is wrong.
  std::vector<Span> fix_claimed = claimed;
  // Element words inside fix phrases ("too much low end", "more room") are fixes there: let the
  // fix table see the text independently of the element claims.
  const auto fixes = scan(text, prepared_fix_table());
  auto vague = scan(text, prepared_vague_table());
  // Praise beside a fix ("everything sounds great except the chorus is too loud") is no approval
  // of the mix as it stands: the fix is the note.
  if (!fixes.empty()) std::erase_if(vague, [](const Hit& h) { return h.value == "approval"; });

  // Pick the element: the first named, except that a space processor (reverb/delay) named next
  // to another element is the *how* ("more reverb on the vocal"), and "the mix" yields to any
  // specific element.
  std::vector<Hit> el = elements;
  // Drop element hits that are inside a fix phrase ("too much low end" is not the bass).
  el.erase(std::remove_if(el.begin(), el.end(),
                          [&](const Hit& h) {
                            return std::any_of(fixes.begin(), fixes.end(), [&](const Hit& f) {
                              return h.pos >= f.pos && h.pos + h.phrase.size() <= f.pos + f.phrase.size() &&
                                     f.phrase.size() > h.phrase.size();
                            });
                          }),
           el.end());
  // Parts the note protects are not what it asks to change: "don't touch the strings, just
  // lower the drums", "the strings are fine, but the bass is too loud", "kick: perfect. snare:
  // too loud", "everything except the kick".
  const auto words = words_of(text);
  // The words [first, first + count) of `words` that a hit's phrase spans.
  const auto span_of = [&](const Hit& h) {
    return std::pair{word_index_at(text, h.pos), words_of(" " + h.phrase + " ").size()};
  };
  std::vector<std::string> protected_parts;
  std::vector<std::string> retracted;  // the parts the note leaves as they are ("leave the snare", "the kick is fine")
  {
    static const std::set<std::string, std::less<>> fine = {"fine", "perfect", "great", "good", "ok", "okay", "right", "nice"};
    el.erase(std::remove_if(el.begin(), el.end(),
                            [&](const Hit& h) {
                              // Not a structured binding: clang 14 cannot capture one in the lambda below.
                              const auto span = span_of(h);
                              const std::size_t w0 = span.first, n = span.second;
                              // "Right" is fine only as a verdict ("the kick is right", "sounds
                              // just right"); "the BGV further right" is a place.
                              static const std::set<std::string, std::less<>> verdict = {
                                  "is", "are", "s", "sounds", "sound", "feels", "feel", "just", "about", "seems", "all"};
                              for (std::size_t k = w0 + n; k < std::min(words.size(), w0 + n + 3); ++k)
                                if (fine.count(words[k]) && (words[k] != "right" || verdict.count(words[k - 1]))) {
                                  for (const auto& e : split_stems(h.value)) retracted.push_back(e);
                                  return true;
                                }
                              const std::string before = " " + [&] {
                                std::string b;
                                for (std::size_t k = w0 >= 4 ? w0 - 4 : 0; k < w0; ++k) b += words[k] + " ";
                                return b;
                              }();
                              // Words that leave a part as it is: said after a request on
                              // it, they take that request back ("actually leave the snare").
                              for (const char* p : {" dont touch ", " do not touch ", " leave ", " never mind ",
                                                    " nevermind ", " forget ", " forget about "})
                                if (before.find(p) != std::string::npos) {
                                  for (const auto& e : split_stems(h.value)) protected_parts.push_back(e);
                                  for (const auto& e : split_stems(h.value)) retracted.push_back(e);
                                  return true;
                                }
                              for (const char* p : {" except ", " apart from ", " besides ", " but not ", " not the "})
                                if (before.find(p) != std::string::npos) {
                                  for (const auto& e : split_stems(h.value)) protected_parts.push_back(e);
                                  return true;
                                }
                              return false;
                            }),
             el.end());
  }
  if (info) {
    info->retracted = retracted;
    for (const auto& h : el)
      for (const auto& e : split_stems(h.value))
        if (std::find(info->named.begin(), info->named.end(), e) == info->named.end()) info->named.push_back(e);
    static const std::set<std::string, std::less<>> glue = {"and", "but", "also", "plus", "the", "a", "an", "my",
                                                            "our", "your", "those", "these", "all", "then", "while",
                                                            "just", "however", "both", "its", "too", "as", "well"};
    std::vector<bool> covered(words.size(), false);
    for (const auto& h : el) {
      const auto span = span_of(h);
      const std::size_t w0 = span.first, n = span.second;
      for (std::size_t k = w0; k < std::min(words.size(), w0 + n); ++k) covered[k] = true;
    }
    bool only = !el.empty();
    for (std::size_t k = 0; k < words.size(); ++k)
      if (!covered[k] && !glue.count(words[k])) only = false;
    info->only_parts = only;
  }
  const auto specific = std::find_if(el.begin(), el.end(), [](const Hit& h) {
    return h.value != "mix" && h.value != "reverb" && h.value != "delay";
  });
  const bool names_space = std::any_of(el.begin(), el.end(), [](const Hit& h) {
    return h.value == "reverb" || h.value == "delay";
  });
  if (specific != el.end()) {
    const auto named = split_stems(specific->value);
    note.element = named.front();
    note.also.assign(named.begin() + 1, named.end());
    note.except = protected_parts;
    add_listed_parts(note, text, el, specific);
  } else if (!el.empty()) {
    const auto fx = std::find_if(el.begin(), el.end(), [](const Hit& h) { return h.value != "mix"; });
    note.element = fx != el.end() ? fx->value : "mix";
  }

  // "more" / "less" with no other fix word: level (or send level when a space processor is named).
  Fix fix = Fix::none;
  if (!fixes.empty()) {
    note.problem = fixes.front().phrase;
    fix = fix_from(fixes.front().value);
    // A level word that comes with a more specific one ("too much" + "reverb" handled below;
    // "quiet and muddy" keeps the first): prefer a non-level fix when the level word is the
    // generic "too much"/"more"/"less" ("too much sibilance").
    if (fixes.front().phrase == "too much" && fixes.size() > 1) {
      note.problem = fixes[1].phrase;
      fix = fix_from(fixes[1].value);
    }
  } else if (has(text, "more") || has(text, "needs more") || has(text, "up")) {
    fix = Fix::up;
    note.problem = "more";
  } else if (has(text, "less") || has(text, "down")) {
    fix = Fix::down;
    note.problem = "less";
  }
  // A bare quality after "make", "should be", "needs", "want" states the goal, not the
  // complaint: "make the kick loud" asks for up, "make it bright" for brighter, "the kick needs
  // more boom" for fuller. "too", "less" or "not" before it keep the complaint reading.
  if (!fixes.empty() && fix != Fix::none) {
    static const std::map<std::string, Fix, std::less<>> goal = {
        {"loud", Fix::up},       {"quiet", Fix::down},      {"bright", Fix::brighter}, {"dark", Fix::darker},
        {"wide", Fix::wider},    {"narrow", Fix::narrower}, {"dry", Fix::drier},       {"wet", Fix::wetter},
        {"boom", Fix::fuller},   {"soft", Fix::down},       {"intimate", Fix::closer}, {"distant", Fix::further},
        {"spread", Fix::wider}, {"punch", Fix::punchier}};
    const Hit& f = (fixes.front().phrase == "too much" && fixes.size() > 1) ? fixes[1] : fixes.front();
    const auto g = goal.find(f.phrase);
    if (g != goal.end()) {
      const std::string head = text.substr(0, f.pos + 1);
      const std::size_t wi = word_index_at(text, f.pos);
      const std::string prev = wi > 0 ? words[wi - 1] : "";
      const bool negated = prev == "too" || prev == "less" || prev == "not" || prev == "so" || prev == "very";
      const bool goal_marker = has(head, "make") || has(head, "should be") || has(head, "should sound") ||
                               has(head, "needs to be") || has(head, "needs to sound") || has(head, "want") ||
                               has(head, "wants") || prev == "more";
      if (goal_marker && !negated) fix = g->second;
    }
    // "no more reverb": the opposite of "more reverb".
    if (f.phrase.rfind("more ", 0) == 0) {
      const std::size_t wi = word_index_at(text, f.pos);
      if (wi > 0 && words[wi - 1] == "no") {
        static const std::map<Fix, Fix> flip = {{Fix::wetter, Fix::drier}, {Fix::drier, Fix::wetter}, {Fix::up, Fix::down},
                                                {Fix::down, Fix::up}, {Fix::brighter, Fix::darker}, {Fix::wider, Fix::narrower},
                                                {Fix::fuller, Fix::less_boom}, {Fix::closer, Fix::further}};
        if (const auto fl = flip.find(fix); fl != flip.end()) fix = fl->second;
      }
    }
  }
  // "snare -2dB", "kick +3 dB": the sign says the way; "cut the bass by 2 dB": the verb.
  if (fix == Fix::none && note.amount_db != 0.0) {
    if (signed_amount(raw)) fix = note.amount_db > 0 ? Fix::up : Fix::down;
    else if (has(text, "cut") || has(text, "drop") || has(text, "take") || has(text, "pull")) fix = Fix::down;
    else if (has(text, "add") || has(text, "push") || has(text, "give")) fix = Fix::up;
    if (fix != Fix::none) note.problem = "amount";
  }
  // "Pan the BGV right", "put the shaker on the left", "move the guitar hard left": a verb that
  // places a part and the side after it (the fix table holds only the side phrases that say
  // the way by themselves, as "the guitar on the right is too loud" names a part).
  if (fix == Fix::none) {
    static const std::set<std::string, std::less<>> place_verbs = {"pan", "put", "move", "shift", "place", "push",
                                                                   "nudge", "send", "bring", "panned"};
    std::size_t verb = words.size();
    for (std::size_t k = 0; k < words.size() && verb == words.size(); ++k)
      if (place_verbs.count(words[k])) verb = k;
    for (std::size_t k = verb + 1; k < words.size(); ++k)
      if (words[k] == "right" || words[k] == "left") {
        fix = words[k] == "right" ? Fix::pan_right : Fix::pan_left;
        note.problem = words[k];
        break;
      }
  }
  if (names_space && specific != el.end() && aspect_of(fix) == Aspect::level)
    fix = fix == Fix::up ? Fix::wetter : Fix::drier;
  if (names_space && specific == el.end() && (fix == Fix::drier || fix == Fix::wetter)) {
    // "too much reverb" alone: the return comes down; "more reverb": up.
    fix = fix == Fix::drier ? Fix::down : Fix::up;
  }
  // Which returns a space note is about: "more delay on the vocal" is its delay sends, not its
  // reverb sends too (the word may sit inside the fix phrase, "less delay").
  {
    std::set<std::string> spaces;
    for (const auto& h : elements)
      if ((h.value == "reverb" || h.value == "delay") &&
          std::find(protected_parts.begin(), protected_parts.end(), h.value) == protected_parts.end())
        spaces.insert(h.value);
    if (spaces.size() == 1) note.space = *spaces.begin();
  }
  // A length is a reverb's (or a delay's) own: "the intro is too long" is the arrangement's,
  // "the snare is too long" says nothing the mix can act on by itself.
  if ((fix == Fix::shorter || fix == Fix::longer) && !names_space) {
    if (note.element.empty() && !note.scope.sections.empty()) {
      note.kind = NoteKind::production;
      note.production_reason = std::string(kArrangement);
      return note;
    }
    fix = Fix::none;
  }
  // "the kick is flat" vs "sings flat" is handled by production; "flat" on the whole mix is a
  // dynamics complaint too. "soft" on a vocal usually means quiet, not un-punchy.
  if (fix == Fix::punchier && note.problem == "soft" && !note.element.empty() &&
      (is_vocal(note.element) || note.element == "keys" || note.element == "pad" || note.element == "strings"))
    fix = Fix::up;
  // A share for a level ("hats down 50%", "the vocal 20 percent louder"): of the part's level,
  // as an amplitude (half is -6 dB; a share past 90 % down is taken as -20 dB).
  if ((fix == Fix::up || fix == Fix::down) && note.amount_db == 0.0 && share_is_a_move(raw))
    if (const auto pc = percent_in(raw); pc && *pc > 0.0) {
      // "50 % too loud" is a level half as high again as it should be: down to 1/1.5 (-3.5 dB),
      // where "down 50 %" halves it (-6 dB); "50 % too quiet" is up by half (+3.5 dB) either way.
      const bool too = has(text, "too loud") || has(text, "too hot") || has(text, "too much") || has(text, "too strong");
      note.amount_db = fix == Fix::up ? 20.0 * std::log10(1.0 + std::min(*pc, 300.0) / 100.0)
                       : too         ? -20.0 * std::log10(1.0 + std::min(*pc, 300.0) / 100.0)
                                     : 20.0 * std::log10(std::max(0.1, 1.0 - *pc / 100.0));
      note.amount_db = std::round(note.amount_db * 10.0) / 10.0;
    }
  // "Halve the reverb", "cut the delay by half": half the level, -6 dB.
  if (fix == Fix::down && note.amount_db == 0.0 && halved(text)) note.amount_db = -6.0;
  const bool compared = compare_sections(note, fix, text);
  note.fix = fix;

  // Kind.
  if (!vague.empty()) note.vague_topic = vague.front().value;
  const bool only_vague_more = fix == Fix::up && note.problem == "more" && !vague.empty();
  // (A comparison of sections says where and which way: it leaves no question.)
  if (!compared &&
      (fix == Fix::none || only_vague_more || (note.element.empty() && !vague.empty()) ||
       (!vague.empty() && (note.vague_topic == "pop" || note.vague_topic == "bigger" ||
                           note.vague_topic == "professional") && aspect_of(fix) == Aspect::level &&
        (note.element.empty() || note.element == "mix")))) {
    note.kind = NoteKind::vague;
    note.fix = Fix::none;
    if (note.vague_topic.empty()) note.vague_topic = note.element.empty() ? "unclear" : "unclear";
    return note;
  }
  if (note.element.empty()) {
    // A part the note names that no table knows and no stem holds is still a part: said back
    // to the user, not read as the whole mix.
    const std::string part = unnamed_part(text, words, fixes);
    note.element = part.empty() ? "mix" : "part:" + part;
    if (info && !part.empty()) info->named.push_back(note.element);
  }
  note.kind = NoteKind::mix;
  return note;
}

}  // namespace

// A frequency in a normalized text: "5 khz", "5khz", "300hz", "300 hz", "5k", "2.5 kilohertz"
// (0 when none). A bare "5k" counts only after "at"/"around" or before "area"/"range".
double stated_freq_hz(const std::string& text) {
  const auto w = words_of(text);
  const auto num = [](const std::string& x, std::size_t len) { return decimal(std::string_view(x).substr(0, len)).value_or(0.0); };
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& x = w[i];
    const std::string next = i + 1 < w.size() ? w[i + 1] : "", prev = i > 0 ? w[i - 1] : "";
    const auto ends = [&](std::string_view suf) { return x.size() > suf.size() && x.compare(x.size() - suf.size(), suf.size(), suf) == 0; };
    double hz = 0.0;
    if (ends("khz")) hz = 1000.0 * num(x, x.size() - 3);
    else if (ends("hz")) hz = num(x, x.size() - 2);
    else if (ends("k") && (prev == "at" || prev == "around" || next == "area" || next == "range")) hz = 1000.0 * num(x, x.size() - 1);
    else if (next == "khz" || next == "kilohertz" || next == "k") hz = 1000.0 * num(x, x.size());
    else if (next == "hz" || next == "hertz") hz = num(x, x.size());
    if (hz >= 20.0 && hz <= 20000.0) return hz;
  }
  return 0.0;
}

// "Boost the vocal 2 dB at 5 kHz", "too much 200Hz in the bass": a bell at that frequency, not
// the fader (a level or tone request that names a frequency is an EQ move there).
void read_frequency(ParsedNote& note, std::string_view raw) {
  if (note.kind != NoteKind::production) {
    const std::string text = normalize(raw);
    if (note.fix == Fix::high_pass || note.fix == Fix::low_pass) {
      // "high-pass the strings at 150 Hz": the filter's corner, not a bell.
      note.freq_hz = stated_freq_hz(text);
      return;
    }
    if (const double hz = stated_freq_hz(text); hz > 0.0) {
      const bool cut = note.fix == Fix::down || note.fix == Fix::darker || note.fix == Fix::less_mud ||
                       note.fix == Fix::less_boom || note.fix == Fix::less_harsh || note.fix == Fix::less_boxy ||
                       note.fix == Fix::less_nasal ||
                       (note.fix == Fix::none && (has(text, "too much") || has(text, "less") || has(text, "cut") ||
                                                  has(text, "reduce") || has(text, "remove")));
      const bool boost = note.fix == Fix::up || note.fix == Fix::brighter || note.fix == Fix::fuller ||
                         (note.fix == Fix::none && (has(text, "more") || has(text, "boost") || has(text, "add") ||
                                                    has(text, "needs")));
      if ((cut || boost) && !note.element.empty()) {
        note.kind = NoteKind::mix;
        note.fix = cut ? Fix::less_mud : Fix::fuller;
        note.freq_hz = hz;
        note.problem = std::string(cut ? "cut" : "boost") + " at the frequency named";
      }
    }
  }
}

namespace {

// The part a duck is keyed by: the part named after "from/to/with/under/by/against/when/
// whenever/off/of/for the" ("sidechain the bass to the kick", "duck the pad under the vocal",
// "the bass should pump with the kick", "get out of the way of the kick", "make room for the
// vocal"). "A sidechain from the kick on the bass" ducks the part after "on the". With no such
// word, a second part named ("the kick should duck the bass") is the one ducked, keyed by the
// first.
void read_key(ParsedNote& note, std::string_view raw, const std::vector<std::string>& stem_names) {
  const std::string text = spelled(normalize(raw));
  const auto part_after = [&](std::size_t from) {
    const ParsedNote part = parse_clause(" the " + text.substr(from), stem_names, nullptr);
    const std::string& e = part.element;
    return e.empty() || e == "mix" || e == "reverb" || e == "delay" || e.rfind("part:", 0) == 0 ? std::string() : e;
  };
  static const std::array<std::string_view, 11> keyed = {" from the ", " to the ",   " with the ",     " under the ",
                                                         " by the ",   " against the ", " when the ", " whenever the ",
                                                         " off the ",  " of the ",  " for the "};
  std::size_t at = std::string::npos, len = 0;
  for (const auto w : keyed)
    if (const std::size_t p = text.find(w); p < at) at = p, len = w.size();
  if (at == std::string::npos) {
    // "The kick should duck the bass": the part named after the duck's own word is ducked.
    const std::size_t said = note.problem.empty() ? std::string::npos : text.find(" " + note.problem + " ");
    const std::string after = said == std::string::npos ? std::string() : part_after(said + note.problem.size() + 2);
    if (!after.empty() && after != note.element) {
      note.key = note.element;
      note.element = after;
      std::erase(note.also, after);
    } else if (!note.also.empty()) {
      note.key = note.element;
      note.element = note.also.front();
      note.also.erase(note.also.begin());
    }
    return;
  }
  note.key = part_after(at + len);
  if (note.key.empty()) return;
  std::erase(note.also, note.key);
  if (note.key != note.element) return;
  // The key named first: the ducked part is the one "on the" names, else another part named.
  if (const std::size_t on = text.find(" on the "); on != std::string::npos && on > at) {
    if (const std::string d = part_after(on + 8); !d.empty() && d != note.key) note.element = d;
  } else if (!note.also.empty()) {
    note.element = note.also.front();
    note.also.erase(note.also.begin());
  }
}

}  // namespace

ParsedNote parse_note(std::string_view raw, const std::vector<std::string>& stem_names) {
  ParsedNote note = parse_clause(raw, stem_names, nullptr);
  read_frequency(note, raw);
  if (note.kind == NoteKind::mix && note.fix == Fix::duck) read_key(note, raw, stem_names);
  // "Everything but the vocal is too loud", "the music is too loud under the vocal": the rest of
  // the mix against one part. The balance is the same as that part the other way (the master's
  // loudness is the target's either way), so it is read as "the vocal is too quiet"; before,
  // the protected part was the only one named and went down.
  if (note.kind == NoteKind::mix && (note.fix == Fix::up || note.fix == Fix::down)) {
    const std::string text = spelled(normalize(raw));
    static const std::array<std::string_view, 6> rest_but = {" everything but ", " everything except ",
                                                             " everything apart from ", " everything other than ",
                                                             " all but ", " everything besides "};
    static const std::array<std::string_view, 5> rest = {" the music ", " the band ", " the instruments ",
                                                         " the beat ", " the backing track "};
    static const std::array<std::string_view, 5> against = {" under the ", " over the ", " behind the ",
                                                             " around the ", " against the "};
    // Where the first of `list` begins, and where it ends.
    const auto found = [&](const auto& list) {
      std::pair<std::size_t, std::size_t> at{std::string::npos, std::string::npos};
      for (auto w : list)
        if (const std::size_t p = text.find(w); p < at.first) at = {p, p + w.size() - 1};
      return at;
    };
    auto marker = found(rest_but);
    if (marker.first == std::string::npos && found(rest).first != std::string::npos &&
        found(against).first != std::string::npos && found(against).first > found(rest).first)
      marker = found(against);
    if (marker.first != std::string::npos) {
      // The part named after the marker.
      const ParsedNote part = parse_clause(" the" + text.substr(marker.second), stem_names, nullptr);
      if (!part.element.empty() && part.element != "mix" && part.element != "reverb" && part.element != "delay") {
        note.element = part.element;
        note.fix = note.fix == Fix::up ? Fix::down : Fix::up;
        note.except.clear();
        note.also.clear();
      }
    }
  }
  return note;
}

namespace {

// Where a note is cut: after , ; ! ? a line break or a sentence's full stop (not the point of
// "2.5 dB" or "1.30"), and before the words that join requests.
struct Cut {
  std::size_t begin = 0, end = 0;
};

// The words that join two requests ("the pad is too loud and the bass is too quiet").
constexpr std::array<std::string_view, 7> kJoins = {"and", "but", "also", "plus", "while", "however", "whereas"};

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '\'' || c == ':' || c == '.'; }

std::vector<Cut> cut_note(std::string_view raw) {
  struct Word {
    std::size_t begin, end;
    std::string text;  // lower case, trailing '.'/':' dropped
  };
  std::vector<Word> words;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c == ',' || c == ';' || c == '!' || c == '?' || c == '\n') {
      cuts.push_back(i + 1);
      ++i;
      continue;
    }
    if (!word_char(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < raw.size() && word_char(raw[j])) ++j;
    std::size_t e = j;
    // A word's trailing '.' or ':' is punctuation ("loud." / "kick:"); inside a number it is not.
    while (e > i && (raw[e - 1] == '.' || raw[e - 1] == ':')) --e;
    if (e > i) words.push_back({i, e, lower_case(raw.substr(i, e - i))});
    if (e < j && raw[e] == '.') cuts.push_back(j);
    i = j;
  }
  static const std::set<std::string, std::less<>> fixed = {"up and down", "back and forth", "rock and roll",
                                                           "drum and bass", "r and b", "hit and miss",
                                                           "on and off", "in and out", "over and over"};
  auto numeric = [](const std::string& w) {
    return !w.empty() && std::any_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  for (std::size_t k = 1; k < words.size(); ++k) {
    if (std::find(kJoins.begin(), kJoins.end(), words[k].text) == kJoins.end()) continue;
    // "everything but the vocal": one request about the rest of the mix (see parse_note).
    if (words[k].text == "but" && (words[k - 1].text == "everything" || words[k - 1].text == "all" ||
                                   words[k - 1].text == "anything"))
      continue;
    if (k + 1 < words.size()) {
      if (fixed.count(words[k - 1].text + " " + words[k].text + " " + words[k + 1].text)) continue;
      // "between 0:45 and 1:10", "verse 1 and 2"
      if (numeric(words[k - 1].text) && numeric(words[k + 1].text)) continue;
      // "two and a half dB": one amount.
      if (k + 2 < words.size() && number_word(words[k - 1].text) && words[k + 1].text == "a" &&
          words[k + 2].text == "half")
        continue;
    }
    cuts.push_back(words[k].begin);
  }
  std::sort(cuts.begin(), cuts.end());
  std::vector<Cut> out;
  std::size_t start = 0;
  auto has_words = [&](std::size_t b, std::size_t e) {
    return std::any_of(raw.begin() + static_cast<std::ptrdiff_t>(b), raw.begin() + static_cast<std::ptrdiff_t>(e),
                       [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); });
  };
  for (std::size_t c : cuts) {
    if (c <= start || c > raw.size()) continue;
    if (has_words(start, c)) {
      out.push_back({start, c});
      start = c;
    }
  }
  if (start < raw.size() && has_words(start, raw.size())) out.push_back({start, raw.size()});
  else if (!out.empty()) out.back().end = raw.size();
  return out;
}

// A clause as people read it back: without the joining word and the punctuation around it.
std::string clause_text(std::string_view raw, Cut c) {
  std::string_view s = raw.substr(c.begin, c.end - c.begin);
  auto trim = [&] {
    while (!s.empty() && !std::isalnum(static_cast<unsigned char>(s.front())) && s.front() != '+' && s.front() != '-')
      s.remove_prefix(1);
    while (!s.empty() && !std::isalnum(static_cast<unsigned char>(s.back())) && s.back() != '.') s.remove_suffix(1);
  };
  trim();
  for (const std::string_view j : kJoins) {
    if (s.size() > j.size() && s[j.size()] == ' ' && lower_case(s.substr(0, j.size())) == j) {
      s.remove_prefix(j.size());
      trim();
      break;
    }
  }
  // "and also lower the drums"
  if (s.size() > 5 && lower_case(s.substr(0, 5)) == "also ") s.remove_prefix(5);
  return std::string(s);
}

enum class Cat { nothing, request, ellipsis, subject, vague };

Cat category(const ParsedNote& p, const ClauseInfo& info) {
  if (p.kind == NoteKind::production) return Cat::request;
  if (p.kind == NoteKind::mix && p.element == "mix" && p.problem == "lift") return Cat::request;  // "make the chorus bigger"
  if (p.kind == NoteKind::mix) return info.named.empty() ? Cat::ellipsis : Cat::request;
  if (info.only_parts) return Cat::subject;
  if (!p.vague_topic.empty() && p.vague_topic != "unclear" && p.vague_topic != "better") return Cat::vague;
  return Cat::nothing;
}

struct Group {
  Cut cut;
  Cat cat = Cat::nothing;
  ParsedNote parsed;
  ClauseInfo info;
};

void read_group(std::string_view raw, const std::vector<std::string>& stems, Group& g) {
  g.info = {};
  g.parsed = parse_clause(raw.substr(g.cut.begin, g.cut.end - g.cut.begin), stems, &g.info);
  g.cat = category(g.parsed, g.info);
}



std::vector<ParsedNote> requests_before_lists(std::string_view raw, const std::vector<std::string>& stems) {
  const auto whole = [&] { return std::vector<ParsedNote>{parse_note(raw, stems)}; };
  const auto cuts = cut_note(raw);
  if (cuts.size() < 2) return whole();
  // Parts that ask for nothing go with the request after them (the last ones with the one before).
  std::vector<Group> groups;
  // Where the parts that ask for nothing begin (npos: none pending). Not a std::optional: GCC 12
  // warns it may be read uninitialised here.
  std::size_t pending = std::string::npos;
  for (const auto& c : cuts) {
    Group g;
    g.cut = c;
    read_group(raw, stems, g);
    const bool leading_ellipsis = g.cat == Cat::ellipsis &&
                                  std::none_of(groups.begin(), groups.end(), [](const Group& x) { return x.cat == Cat::request; });
    if (g.cat == Cat::nothing || leading_ellipsis) {
      if (pending == std::string::npos) pending = c.begin;
      continue;
    }
    if (pending != std::string::npos) {
      g.cut.begin = pending;
      pending = std::string::npos;
      read_group(raw, stems, g);
    }
    groups.push_back(std::move(g));
  }
  if (groups.empty()) return whole();
  if (pending != std::string::npos) {
    groups.back().cut.end = raw.size();
    read_group(raw, stems, groups.back());
  }
  // A part named by itself ("the kick" and ...) takes the fix of the request next to it; one
  // with no such neighbour is read together with the group after it (or before it).
  auto mix_request = [](const Group& g) { return g.cat == Cat::request && g.parsed.kind == NoteKind::mix; };
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].cat != Cat::subject) continue;
    const bool next = i + 1 < groups.size() && mix_request(groups[i + 1]);
    const bool prev = i > 0 && mix_request(groups[i - 1]);
    if (next || prev) continue;
    if (i + 1 < groups.size()) {
      groups[i + 1].cut.begin = groups[i].cut.begin;
      read_group(raw, stems, groups[i + 1]);
    } else if (i > 0) {
      groups[i - 1].cut.end = groups[i].cut.end;
      read_group(raw, stems, groups[i - 1]);
    }
    groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(i));
    i = static_cast<std::size_t>(-1);  // neighbours changed: look again from the start
  }
  std::vector<ParsedNote> out;
  std::vector<Cut> spans;
  // A part left alone after a request on it ("the snare is too loud. Actually leave the snare,
  // bring the kick up instead") takes that request back: the later word stands.
  std::vector<std::string> taken_back;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& g = groups[i];
    for (const auto& x : g.info.retracted) {
      for (std::size_t k = out.size(); k-- > 0;)
        if (out[k].element == x && out[k].kind != NoteKind::production) {
          out.erase(out.begin() + static_cast<std::ptrdiff_t>(k));
          spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(k));
          taken_back.push_back(x);
        }
    }
    // The group names the part it also leaves alone: a request and its taking back in one.
    if (g.parsed.kind == NoteKind::mix &&
        std::find(g.info.retracted.begin(), g.info.retracted.end(), g.parsed.element) != g.info.retracted.end()) {
      taken_back.push_back(g.parsed.element);
      continue;
    }
    ParsedNote p = g.parsed;
    p.text = clause_text(raw, g.cut);
    if (g.cat == Cat::subject) {
      const bool next = i + 1 < groups.size() && mix_request(groups[i + 1]);
      const Group& src = next ? groups[i + 1] : groups[i - 1];
      for (const auto& e : g.info.named) {
        ParsedNote copy = src.parsed;
        copy.text = clause_text(raw, {g.cut.begin, next ? src.cut.end : g.cut.end});
        copy.element = e;
        out.push_back(copy);
        spans.push_back(g.cut);
      }
      continue;
    }
    if (g.cat == Cat::ellipsis) {
      // The part of the request before it; a place said in only one of the two serves both.
      const auto prev = std::find_if(out.rbegin(), out.rend(), [](const ParsedNote& x) { return x.kind == NoteKind::mix; });
      if (prev != out.rend()) {
        p.element = prev->element;
        if (p.scope.whole_song()) p.scope = prev->scope;
        else if (prev->scope.whole_song()) prev->scope = p.scope;
      }
    }
    out.push_back(p);
    spans.push_back(g.cut);
  }
  // The same request twice ("the vocal is buried, bring it up 2 dB") is one request, read whole.
  for (std::size_t i = 1; i < out.size(); ++i) {
    auto& a = out[i - 1];
    const auto& b = out[i];
    if (a.kind != NoteKind::mix || b.kind != NoteKind::mix || a.element != b.element || a.fix != b.fix ||
        !(a.scope == b.scope))
      continue;
    const Cut merged{spans[i - 1].begin, spans[i].end};
    ParsedNote m = parse_note(raw.substr(merged.begin, merged.end - merged.begin), stems);
    if (m.kind != NoteKind::mix || m.fix != a.fix) {
      m = a;
      m.amount_db = a.amount_db != 0.0 ? a.amount_db : b.amount_db;
    }
    m.element = a.element;
    m.scope = a.scope;
    m.text = clause_text(raw, merged);
    a = m;
    spans[i - 1] = merged;
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
    spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(i));
    --i;
  }
  // The same request again later in the note (a note pasted twice, or said again at its end)
  // is the one request: acted on once, not once per saying.
  for (std::size_t i = 1; i < out.size(); ++i) {
    const auto same = [&](const ParsedNote& a) {
      return a.kind == NoteKind::mix && out[i].kind == NoteKind::mix && a.element == out[i].element &&
             a.fix == out[i].fix && a.scope == out[i].scope && a.amount_db == out[i].amount_db &&
             a.context == out[i].context;
    };
    if (std::any_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(i), same)) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
      --i;
    }
  }
  if (!taken_back.empty()) {
    if (!out.empty()) return out;
    // Every request taken back: nothing to do, and the reply says so.
    ParsedNote none;
    none.text = std::string(raw);
    none.kind = NoteKind::vague;
    none.element = taken_back.front();
    none.vague_topic = "taken_back";
    return {none};
  }
  const auto acting = std::count_if(out.begin(), out.end(), [](const ParsedNote& x) { return x.kind != NoteKind::vague; });
  if (out.size() < 2 || acting == 0) return whole();
  return out;
}

}  // namespace

std::vector<ParsedNote> parse_requests(std::string_view raw, const std::vector<std::string>& stems) {
  // A request naming a list of parts ("bring up the bass and the kick 2 dB") is one request
  // per part; before, the kick was dropped without a word.
  std::vector<ParsedNote> out;
  for (auto& p : requests_before_lists(raw, stems)) {
    if (p.freq_hz == 0.0) read_frequency(p, p.text);
    // "The vocal is harsh, cut 2 dB at 3 kHz": the second says how to fix the first; one move.
    if (p.freq_hz > 0.0 && !out.empty() && out.back().element == p.element && out.back().freq_hz == 0.0 &&
        aspect_of(out.back().fix) == Aspect::tone && out.back().fix != Fix::less_sibilance &&
        (out.back().fix == Fix::brighter || out.back().fix == Fix::fuller) == (p.fix == Fix::fuller))
      out.pop_back();
    std::vector<std::string> also = std::move(p.also);
    p.also.clear();
    out.push_back(p);
    if (p.kind != NoteKind::mix || p.fix == Fix::none) continue;  // "kick and bass are fighting": one question
    for (const auto& e : also) {
      ParsedNote copy = p;
      copy.element = e;
      out.push_back(std::move(copy));
    }
  }
  return out;
}

}  // namespace mixdown::revise
