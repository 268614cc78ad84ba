#include "master/decide.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "dsp/biquad.hpp"
#include "master/qc.hpp"

namespace mixdown::master {

namespace {

// 1/3-octave smoothing of the 1/6-octave grid: weights 1/4, 1/2, 1/4 (a triangle whose
// half-power width is one third of an octave).
std::vector<double> smooth_third(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double l = i > 0 ? v[i - 1] : v[i], r = i + 1 < v.size() ? v[i + 1] : v[i];
    out[i] = 0.25 * l + 0.5 * v[i] + 0.25 * r;
  }
  return out;
}

// Moving average over +-k bands (1/6-octave grid: k = 1 is 1/2 octave, 3 is ~1 octave).
std::vector<double> smooth(const std::vector<double>& v, int k) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    double s = 0;
    int n = 0;
    for (int d = -k; d <= k; ++d) {
      const auto j = static_cast<std::ptrdiff_t>(i) + d;
      if (j < 0 || j >= static_cast<std::ptrdiff_t>(v.size())) continue;
      s += v[static_cast<std::size_t>(j)];
      ++n;
    }
    out[i] = s / n;
  }
  return out;
}

double mean_between(const std::vector<double>& hz, const std::vector<double>& db, double lo, double hi) {
  double s = 0;
  int n = 0;
  for (std::size_t i = 0; i < hz.size(); ++i)
    if (hz[i] >= lo && hz[i] <= hi) {
      s += db[i];
      ++n;
    }
  return n ? s / n : 0.0;
}

// Least-squares slope of db against log2(hz) between lo and hi, dB per octave.
double tilt_between(const std::vector<double>& hz, const std::vector<double>& db, double lo, double hi) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::size_t i = 0; i < hz.size(); ++i)
    if (hz[i] >= lo && hz[i] <= hi) {
      const double x = std::log2(hz[i] / 1000.0);
      sx += x;
      sy += db[i];
      sxx += x * x;
      sxy += x * db[i];
      ++n;
    }
  const double den = n * sxx - sx * sx;
  return n > 2 && den > 0 ? (n * sxy - sx * sy) / den : 0.0;
}

bool in_fit_range(double hz) { return hz >= 30.0 && hz <= 16000.0; }

}  // namespace

std::vector<double> eq_response(const dsp::EqSettings& eq, const std::vector<double>& hz, double rate) {
  std::vector<double> r(hz.size(), 0.0);
  for (const auto& b : eq.bands) {
    if (!b.enabled) continue;
    const auto c = dsp::BiquadCoeffs::from_band(b, rate);
    for (std::size_t i = 0; i < hz.size(); ++i)
      if (hz[i] < rate * 0.49) r[i] += c.magnitude_db(hz[i], rate);
  }
  return r;
}

dsp::EqSettings fit_eq(const std::vector<double>& hz, const std::vector<double>& desired, double max_db,
                       double rate, int bands_per_octave) {
  dsp::EqSettings eq;
  if (bands_per_octave <= 1) {
    // Broad strokes: shelves at the ends, octave-wide bells between.
    eq.bands.push_back({true, dsp::EqType::low_shelf, 60.0, 0.0, 0.707});
    for (double f : {125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0})
      if (f < rate * 0.4) eq.bands.push_back({true, dsp::EqType::bell, f, 0.0, 1.41});  // one octave
    if (12000.0 < rate * 0.45) eq.bands.push_back({true, dsp::EqType::high_shelf, 12000.0, 0.0, 0.707});
  } else {
    // Matching: bells on the IEC 61260 fractional-octave grid, each as wide as its spacing
    // (Q = sqrt(2^b) / (2^b - 1) for a bandwidth of b octaves), so the sum can follow a
    // 1/bands_per_octave-smoothed curve.
    const double b = 1.0 / bands_per_octave;
    const double q = std::sqrt(std::pow(2.0, b)) / (std::pow(2.0, b) - 1.0);
    for (double f : fractional_octave_centres(bands_per_octave, 31.0, 16500.0))
      if (f < rate * 0.4) eq.bands.push_back({true, dsp::EqType::bell, f, 0.0, q});
  }

  // Each band's shape at 1 dB: the weights that attribute the residual to it.
  std::vector<std::vector<double>> shape(eq.bands.size());
  for (std::size_t j = 0; j < eq.bands.size(); ++j) {
    auto b = eq.bands[j];
    b.gain_db = 1.0;
    dsp::EqSettings one;
    one.bands = {b};
    shape[j] = eq_response(one, hz, rate);
  }
  for (int iter = 0; iter < (bands_per_octave <= 1 ? 30 : 80); ++iter) {
    const auto resp = eq_response(eq, hz, rate);
    for (std::size_t j = 0; j < eq.bands.size(); ++j) {
      double num = 0, den = 0;
      for (std::size_t i = 0; i < hz.size(); ++i) {
        if (!in_fit_range(hz[i])) continue;
        const double w = shape[j][i];
        num += w * (desired[i] - resp[i]);
        den += w * w;
      }
      if (den > 1e-9)
        eq.bands[j].gain_db = std::clamp(eq.bands[j].gain_db + 0.5 * num / den, -max_db, max_db);
    }
  }
  // Overlapping bands can add up past the limit: scale the whole EQ back inside it.
  double worst = 0.0;
  const auto total = eq_response(eq, hz, rate);
  for (std::size_t i = 0; i < hz.size(); ++i)
    if (in_fit_range(hz[i])) worst = std::max(worst, std::abs(total[i]));
  if (worst > max_db)
    for (auto& b : eq.bands) b.gain_db *= max_db / worst;
  // Bands that hardly move cost a section and do nothing audible.
  std::erase_if(eq.bands, [](const dsp::EqBand& b) { return std::abs(b.gain_db) < 0.2; });
  for (auto& b : eq.bands) b.gain_db = std::round(b.gain_db * 10.0) / 10.0;
  return eq;
}

bool channel_inverted(const InputAnalysis& in) {
  return in.channels == 2 && in.correlation < kInvertedChannelCorrelation;
}

InputAnalysis as_flipped(const InputAnalysis& in) {
  if (!channel_inverted(in)) return in;
  InputAnalysis f = in;
  f.correlation = -in.correlation;
  f.low_correlation = -in.low_correlation;
  f.side_ratio = 1.0 - in.side_ratio;
  if (f.side_band_db.size() == f.band_db.size()) std::swap(f.band_db, f.side_band_db);
  return f;
}

MasterChain decide(const InputAnalysis& given, const Target& target, const InputAnalysis* ref, double amount) {
  MasterChain ch;
  // One channel polarity-inverted is an export's mistake, not a choice: put right first, and
  // everything after decides on the mix as it should have been.
  const InputAnalysis in = as_flipped(given);
  if (channel_inverted(given)) {
    ch.flip_right = true;
    ch.decisions.push_back({"polarity", fmt::format("the right channel is polarity-inverted (left/right correlation {:.2f}: "
                                                    "the mix cancels in mono and its bass is all side): flipped back "
                                                    "before anything else",
                                                    given.correlation)});
  }
  amount = std::clamp(amount, 0.0, 1.0);
  const int rate = delivery_rate(target, in.sample_rate);
  const bool stereo = in.channels == 2;

  // The width move toward a reference (decided here, reported under Width below): the tonal
  // match must know it, since more side is more power wherever the side signal plays.
  double ref_side_gain_db = 0.0;
  double width_gain_db = 0.0;  // the side gain the widths ask for, before the clamp and --amount
  double eq_widening_db = 0.0;  // what the tonal match alone does to the side share
  bool ref_width = false;
  if (stereo && ref && ref->channels == 2) {
    const double rho_in = in.side_ratio / std::max(1e-6, 1.0 - in.side_ratio);
    const double rho_ref = ref->side_ratio / std::max(1e-6, 1.0 - ref->side_ratio);
    if (rho_in > 1e-5 && rho_ref > 1e-5) {
      ref_width = true;
      width_gain_db = 10.0 * std::log10(rho_ref / rho_in);
      ref_side_gain_db = std::clamp(width_gain_db, -kMaxSideGainDb, kMaxSideGainDb) * amount;
    }
  }

  // --- Tonal balance ------------------------------------------------------------------------
  // What a listener hears of each band is the channels' power, mid plus side: the mix's tonal
  // balance and a reference's are read on that (the mid alone would miss a reference whose
  // guitars are wide and ours centred, and read a bass out of phase between the channels as
  // missing: it was boosted 2.6 dB at 60 and 125 Hz while the QC said it cancels in mono).
  auto total_db = [](const InputAnalysis& a, std::size_t i, double side_gain_db) {
    if (a.side_band_db.size() != a.band_db.size()) return a.band_db[i];
    return 10.0 * std::log10(std::pow(10.0, a.band_db[i] / 10.0) + std::pow(10.0, (a.side_band_db[i] + side_gain_db) / 10.0));
  };
  const auto& hz = in.band_hz;
  std::vector<double> heard(hz.size());
  for (std::size_t i = 0; i < hz.size(); ++i) heard[i] = total_db(in, i, 0.0);
  const auto in_s = smooth_third(heard);
  // The match to the reference for a width move of `side_gain_db` on our side (before the
  // clamp to the EQ's range and --amount), on the power heard. Same band grid up to the lower
  // Nyquist of the two. Matched at the grid's own 1/6-octave resolution (the finer end of the
  // issue's 1/3-1/6 octave): 1/3-octave smoothing of both spectra spread a narrow difference
  // (one bass region against its neighbour) over bands that did not differ, and the fit then
  // missed both.
  auto match_for = [&](double side_gain_db) {
    std::vector<double> desired(hz.size(), 0.0);
    const std::size_t n = std::min(hz.size(), ref->band_db.size());
    for (std::size_t i = 0; i < n; ++i) desired[i] = total_db(*ref, i, 0.0) - total_db(in, i, side_gain_db);
    // Level-independent: the median difference over 50 Hz-12 kHz is the level, not the tone
    // (a median, so a region that differs a lot does not tilt everything else).
    std::vector<double> mids;
    for (std::size_t i = 0; i < n; ++i)
      if (hz[i] >= 50.0 && hz[i] <= 12000.0) mids.push_back(desired[i]);
    double offset = 0.0;
    if (!mids.empty()) {
      std::nth_element(mids.begin(), mids.begin() + static_cast<std::ptrdiff_t>(mids.size() / 2), mids.end());
      offset = mids[mids.size() / 2];
    }
    for (std::size_t i = 0; i < hz.size(); ++i) desired[i] = i < n ? desired[i] - offset : 0.0;
    // The difference smoothed at 1/3 octave: two songs' long-term spectra differ note by note
    // (a bass line on 111 Hz against one on 125 Hz), and matching those differences band by
    // band put a comb of ±5 dB bells a sixth of an octave apart into the master.
    desired = smooth_third(desired);
    return desired;
  };
  std::vector<double> desired(hz.size(), 0.0);
  double limit = kMaxAutoEqDb;
  if (ref && !ref->band_db.empty()) {
    limit = kMaxMatchDb;
    desired = match_for(ref_side_gain_db);
    ch.character = "reference";
    ch.decisions.push_back({"tonal_target", fmt::format(
        "matching the reference's long-term spectrum (mid plus side power in 1/6-octave bands, within ±{:.0f} dB) at "
        "{:.0f}% strength", kMaxMatchDb, amount * 100)});
  } else if (!hz.empty()) {
    const double tilt = tilt_between(hz, in_s, 500.0, 12000.0);
    const double low_lift = mean_between(hz, in_s, 40.0, 120.0) - mean_between(hz, in_s, 250.0, 1000.0);
    // Character from the spectrum: ranges of commercial releases (Pestana et al. 2013): modern
    // pop/rock falls about 3-5 dB per octave above 500 Hz in band power; bass-led genres carry
    // up to ~9 dB more in 40-120 Hz than in the low mids, acoustic styles less.
    double lo_min = -1.0, lo_max = 6.0;
    const double tilt_min = -5.0, tilt_max = -2.5;
    if (low_lift > 5.0) {
      ch.character = "bass-led (electronic / hip-hop weight)";
      lo_min = 3.0;
      lo_max = 9.0;
    } else if (tilt > -2.5) {
      ch.character = "bright";
    } else if (tilt < -5.0) {
      ch.character = "dark";
    } else {
      ch.character = "balanced";
    }
    // Halfway into the character's range: an automatic master nudges, it does not remake.
    const double tilt_fix = 0.5 * (std::clamp(tilt, tilt_min, tilt_max) - tilt);
    const double low_fix = 0.5 * (std::clamp(low_lift, lo_min, lo_max) - low_lift);
    const auto broad = smooth(heard, 6);  // one octave either side: the mix's broad shape
    for (std::size_t i = 0; i < hz.size(); ++i) {
      const double oct = std::log2(hz[i] / 1000.0);
      // Only resonances and holes beyond 4 dB of the broad shape, and only half of the excess:
      // the ordinary ups and downs of a spectrum are the music, not a fault.
      const double bump = broad[i] - in_s[i];
      double d = 0.5 * std::copysign(std::max(0.0, std::abs(bump) - 4.0), bump);
      if (hz[i] > 500.0) d += tilt_fix * (oct + 1.0);        // tilt pivots at 500 Hz
      const double low_w = std::clamp((std::log2(250.0 / hz[i])) / std::log2(250.0 / 120.0), 0.0, 1.0);
      d += low_fix * low_w;
      desired[i] = d;
    }
    ch.decisions.push_back({"tonal_target", fmt::format(
        "no reference: the mix reads as {} (treble tilt {:.1f} dB/octave, lows {:+.1f} dB against the "
        "low mids); the target keeps that character, moves the tilt to {:.1f} dB/octave and the lows "
        "to {:+.1f} dB (halfway into the range of the character), and halves resonances that stand more "
        "than 4 dB out of the broad shape, within ±{:.0f} dB",
        ch.character, tilt, low_lift, tilt + tilt_fix, low_lift + low_fix, kMaxAutoEqDb) +
        (amount < 1.0 ? fmt::format("; at {:.0f}% of that move (--amount)", amount * 100) : std::string())});
  }
  ch.curve_hz = hz;
  // The target within the EQ's range and --amount, and the EQ fitted to it.
  const auto settle = [&](std::vector<double> target_db) {
    for (auto& d : target_db) d = std::clamp(d, -limit, limit) * amount;
    ch.curve_db = std::move(target_db);
    if (hz.empty()) return;
    ch.eq = fit_eq(hz, ch.curve_db, limit, rate, ref ? 6 : 1);  // 1/6-octave bells follow a 1/6-octave target
    ch.eq_response_db = eq_response(ch.eq, hz, rate);
  };
  settle(std::move(desired));
  if (!hz.empty()) {
    // The EQ moves mid and side alike band by band, so it changes the width by itself: a match
    // that cuts where the mix is mono (its lows) and lifts where it is wide widens it. CapDan
    // toward Skiessi's width (side share 0.047) took the EQ's widening and the full +3 dB side
    // gain both, to 0.080. The side gain is decided again on the width the EQ leaves, and the
    // match once more with it.
    if (ref_width && in.side_band_db.size() == hz.size()) {
      double mid0 = 0, side0 = 0, mid1 = 0, side1 = 0;
      for (std::size_t i = 0; i < hz.size() && i < ch.eq_response_db.size(); ++i) {
        const double g = std::pow(10.0, ch.eq_response_db[i] / 10.0);
        const double m = std::pow(10.0, in.band_db[i] / 10.0), sd = std::pow(10.0, in.side_band_db[i] / 10.0);
        mid0 += m;
        side0 += sd;
        mid1 += m * g;
        side1 += sd * g;
      }
      if (mid0 > 0 && side0 > 0 && mid1 > 0 && side1 > 0) {
        eq_widening_db = 10.0 * std::log10((side1 / mid1) / (side0 / mid0));
        const double again = std::clamp(width_gain_db - eq_widening_db, -kMaxSideGainDb, kMaxSideGainDb) * amount;
        if (std::abs(again - ref_side_gain_db) > 0.25) {
          ref_side_gain_db = again;
          settle(match_for(ref_side_gain_db));
        }
      }
    }
    if (ch.eq.bands.empty()) {
      ch.decisions.push_back({"eq", amount == 0.0 ? "no EQ: --amount 0 asks for no tonal move"
                                                  : "no EQ: the tonal balance is already within a few tenths of a dB of the target"});
    } else {
      std::string moves;
      for (const auto& b : ch.eq.bands) {
        if (!moves.empty()) moves += ", ";
        const char* kind = b.type == dsp::EqType::low_shelf ? "low shelf" : b.type == dsp::EqType::high_shelf ? "high shelf" : "bell";
        moves += fmt::format("{} {:.0f} Hz {:+.1f} dB", kind, b.freq_hz, b.gain_db);
      }
      ch.decisions.push_back({"eq", "tonal EQ toward the target: " + moves});
    }
  }

  // --- Low end ------------------------------------------------------------------------------
  const double worst_dc = in.worst_dc();
  // An offset is taken off as the constant it is before any filter: a high-pass alone starts
  // from rest and turned the offset present from the first sample into a step at the start
  // (a 0.05 offset left a thump 1.8 dB over the rest of the master, decaying over 20 ms).
  if (worst_dc > kDcOffset) ch.dc_offset = in.dc;
  if (target.vinyl) {
    // 48 dB/octave: a 20 Hz rumble 16 dB down, not 8 (24 dB/octave left a 20 Hz tone the
    // loudest line of the spectrum).
    ch.subsonic = {true, kVinylSubsonicHz, 8};
    ch.decisions.push_back({"subsonic", "vinyl: nothing below 25 Hz (48 dB/octave high-pass) so the stylus is not driven by rumble"});
  } else {
    if (in.infrasonic_db > kInfrasonicShareDb) {
      // Rumble, wind, a slowly drifting offset or a subsonic tone: a share of the power that
      // no speaker plays and the limiter would still answer to. 48 dB/octave at 20 Hz takes a
      // 15 Hz tone 20 dB down and leaves 30 Hz untouched (0.0 dB; 25 Hz -0.1 dB).
      ch.subsonic = {true, 20.0, 8};
      ch.decisions.push_back({"subsonic", fmt::format("{:.0f} % of the power lies under 20 Hz (rumble nobody hears that takes the "
                                                      "limiter's headroom): 48 dB/octave high-pass at 20 Hz",
                                                      100.0 * std::pow(10.0, in.infrasonic_db / 10.0))});
    } else if (worst_dc > kDcOffset) {
      ch.subsonic = {true, 10.0, 2};
      ch.decisions.push_back({"subsonic", fmt::format("DC offset of {:.1f} dBFS removed (the file's mean subtracted, then a 10 Hz "
                                                      "high-pass for any drift)",
                                                      20 * std::log10(worst_dc))});
    }
  }
  if (stereo) {
    if (target.vinyl) {
      ch.mono_below_hz = kVinylMonoBelowHz;
      ch.decisions.push_back({"mono_bass", fmt::format("vinyl: the low end is made mono below {0:.0f} Hz (the side signal "
                                                       "high-passed at {0:.0f} Hz, 48 dB/octave: 15 dB down at {1:.0f} Hz, "
                                                       "28 dB at {2:.0f} Hz) so the groove stays cuttable",
                                                       kVinylMonoBelowHz, kVinylMonoBelowHz * 0.8,
                                                       kVinylMonoBelowHz / 1.5)});
    } else if (in.low_correlation <= kOutOfPhaseBassCorrelation) {
      ch.decisions.push_back({"mono_bass", fmt::format("the low end is out of phase between left and right (correlation {:.2f} "
                                                       "below 150 Hz): made mono it would cancel, so it is left as it is; it "
                                                       "vanishes in mono playback until its polarity is fixed in the mix",
                                                       in.low_correlation)});
    } else if (in.low_correlation < 0.0) {
      ch.mono_below_hz = 100.0;
      ch.decisions.push_back({"mono_bass", fmt::format("the low end is out of phase between left and right (correlation {:.2f} below 150 Hz): made mono below 100 Hz so the bass survives mono playback", in.low_correlation)});
    }
  }

  // --- Width --------------------------------------------------------------------------------
  if (stereo) {
    if (ref && ref->channels == 2) {
      if (ref_width) {
        ch.side_gain_db = ref_side_gain_db;
        ch.decisions.push_back({"width", fmt::format("side signal {:+.1f} dB toward the reference's width (side share {:.0f}% against the mix's {:.0f}%){}",
                                                     ch.side_gain_db, ref->side_ratio * 100, in.side_ratio * 100,
                                                     std::abs(eq_widening_db) >= 0.25
                                                         ? fmt::format("; the tonal match alone moves it {:+.1f} dB", eq_widening_db)
                                                         : std::string())});
      }
    } else if (in.side_ratio > 0.45) {
      ch.side_gain_db = -1.5 * amount;
      ch.decisions.push_back({"width", fmt::format("the mix is very wide (side share {:.0f}%): side signal {:.1f} dB for mono safety", in.side_ratio * 100, ch.side_gain_db)});
    }
  }

  // --- Dynamics -----------------------------------------------------------------------------
  // After landing the peak-to-loudness ratio can be at most ceiling - target; what the input
  // has beyond that the limiter must take off the peaks. Up to ~6 dB a true-peak limiter does
  // this cleanly on transients; beyond, a gentle slow compressor shares the work.
  const double room = target.ceiling_dbtp - target.integrated_lufs;
  const double excess = std::isfinite(in.plr_db) ? in.plr_db - room : 0.0;
  if (excess > 6.0 && std::isfinite(in.short_term_max_lufs)) {
    auto& c = ch.compressor;
    c.enabled = true;
    c.ratio = 1.5;
    c.knee_db = 6.0;
    c.attack_ms = 30.0;
    c.release_ms = 250.0;
    c.detector = dsp::Detector::rms;
    c.threshold_db = std::round(in.short_term_max_lufs - 8.0);
    c.makeup_db = 0.0;
    ch.decisions.push_back({"compressor", fmt::format(
        "gentle compression (1.5:1, slow attack, threshold {:.0f} dB): the mix's peaks sit {:.1f} dB above its "
        "loudness and the {} target leaves room for {:.1f}, so the limiter alone would take at least {:.1f} dB off the peaks",
        c.threshold_db, in.plr_db, target.name, room, excess)});
  } else {
    ch.decisions.push_back({"compressor", !std::isfinite(in.plr_db) ? std::string("no compression")
        : excess > 0.0
        ? fmt::format("no compression: the mix's peaks sit {:.1f} dB above its loudness, {:.1f} dB more than the {} "
                      "target leaves room for, which the limiter takes off cleanly",
                      in.plr_db, excess, target.name)
        : fmt::format("no compression: the mix's peaks sit {:.1f} dB above its loudness, within the {:.1f} dB the {} "
                      "target leaves room for",
                      in.plr_db, room, target.name)});
  }
  ch.limiter.ceiling_dbtp = target.ceiling_dbtp - kCeilingMarginDb;
  ch.limiter.lookahead_ms = 5.0;
  ch.limiter.release_ms = excess > 4.0 ? 80.0 : 50.0;
  ch.decisions.push_back({"limiter", fmt::format(
      "true-peak limiter at {:.2f} dBTP ({:.2f} dB under the {:.1f} dBTP ceiling for the final format, where a finer "
      "true-peak reading than the limiter's own finds peaks up to 0.2 dB higher; {:.1f} dB when the loudness needs "
      "it), 5 ms look-ahead, {:.0f} ms release lengthening under sustained limiting",
      ch.limiter.ceiling_dbtp, kCeilingMarginDb, target.ceiling_dbtp, kCeilingMarginTightDb, ch.limiter.release_ms)});
  ch.gain_db = std::isfinite(in.integrated_lufs) ? target.integrated_lufs - in.integrated_lufs : 0.0;
  return ch;
}

}  // namespace mixdown::master
