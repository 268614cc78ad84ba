#include "master/qc.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/features.hpp"
#include "analysis/stem_check.hpp"
#include "master/decide.hpp"

namespace mixdown::master {

std::vector<Problem> qc_input(const InputAnalysis& in, const std::vector<Target>& targets) {
  std::vector<Problem> p;
  auto add = [&](std::string code, Severity s, std::string msg, std::string fix,
                 std::optional<double> at = std::nullopt) {
    Problem pr;
    pr.code = std::move(code);
    pr.severity = s;
    pr.message = std::move(msg);
    pr.fix = std::move(fix);
    pr.at_s = at;
    p.push_back(std::move(pr));
  };
  if (in.clipped_runs > 0) {
    add("clipping", in.clipped_runs >= 10 ? Severity::error : Severity::warning,
        fmt::format("the mix clips: {} run{} of full-scale samples, the first at {:.2f} s; a master "
                    "cannot undo the distortion",
                    in.clipped_runs, in.clipped_runs == 1 ? "" : "s", std::max(0.0, in.first_clip_s)),
        "lower the mix bus (or the loudest stems) so peaks stay below -3 dBFS and bounce again",
        in.first_clip_s >= 0 ? std::optional<double>(in.first_clip_s) : std::nullopt);
  }
  if (in.clipped_runs == 0 && in.flat_top_runs >= analysis::kFlatTopsToFlag) {
    // The same waveform as a clipped mix, turned down after the clip: as damaged as at full scale.
    add("clipping", in.flat_top_runs >= 10 ? Severity::error : Severity::warning,
        fmt::format("the mix was clipped before it was turned down: {} flat-topped peak{} at its own peak level "
                    "({:.1f} dBFS), the first at {:.2f} s; a master cannot undo the distortion",
                    in.flat_top_runs, in.flat_top_runs == 1 ? "" : "s", in.sample_peak_dbfs,
                    std::max(0.0, in.first_flat_top_s)),
        "find the stage that clipped (a plug-in, the mix bus, a converter) and bounce again from before it "
        "with its peaks below -3 dBFS",
        in.first_flat_top_s >= 0 ? std::optional<double>(in.first_flat_top_s) : std::nullopt);
  }
  if (in.nonfinite_samples > 0) {
    add("nonfinite_samples", Severity::error,
        "the mix holds " + nonfinite_samples_phrase(in.nonfinite_samples) +
            ": the file is damaged, and the master plays silence there",
        "bounce the mix again; a plug-in that blows up (a filter at an extreme setting) is the usual cause");
  }
  if (in.spike_samples > 0)
    p.push_back(analysis::spike_problem_of("the mix", "it is measured and mastered", in.spike_samples, in.spike_peak));
  double loudest_target = -100.0;
  for (const auto& t : targets) loudest_target = std::max(loudest_target, t.integrated_lufs);
  const bool too_loud = std::isfinite(in.integrated_lufs) && in.integrated_lufs > kTooLoudLufs &&
                        in.integrated_lufs > loudest_target + 2.0;
  if (too_loud && std::isfinite(in.plr_db) && in.plr_db >= kOverCompressedPlrDb && in.sample_peak_dbfs > 0.0) {
    // Loud but not squashed, its samples over full scale: a float file. Turning it down loses
    // nothing. (A fixed-point file this loud with PLR over 8 dB peaks near 0 dBFS and is
    // limited: too loud to master, below.)
    add("over_full_scale", Severity::warning,
        fmt::format("the mix is at {:.1f} LUFS with peaks at {:+.1f} dBTP, over full scale: a float file "
                    "keeps them, but any fixed-point copy of it clips. Its dynamics are intact "
                    "(peak-to-loudness {:.1f} dB), so the master turns it down by gain alone",
                    in.integrated_lufs, in.true_peak_dbtp, in.plr_db),
        "bounce the mix with its peaks under 0 dBFS (around -6 dBFS) so every copy of it is safe");
  } else if (too_loud) {
    add("too_loud_to_master", Severity::error,
        fmt::format("the mix is already at {:.1f} LUFS (peak-to-loudness {:.1f} dB): it cannot get "
                    "quieter without sounding squashed — turning it down to {:.0f} LUFS keeps every bit "
                    "of its limiting, so the master is only a gain change",
                    in.integrated_lufs, in.plr_db, loudest_target),
        "send the mix without a limiter on the mix bus, peaking around -6 dBFS");
  } else if (std::isfinite(in.plr_db) && std::isfinite(in.integrated_lufs) &&
             in.plr_db < kOverCompressedPlrDb) {
    add("over_compressed", in.plr_db < kSquashedPlrDb ? Severity::error : Severity::warning,
        fmt::format("peaks are only {:.1f} dB above the average loudness: the mix is already heavily "
                    "compressed or limited, and mastering cannot give the transients back",
                    in.plr_db),
        "take the limiter or heavy compression off the mix bus and bounce again");
  }
  if (std::isfinite(in.integrated_lufs) && in.integrated_lufs < kTooQuietLufs) {
    add("too_quiet", Severity::warning,
        fmt::format("the mix is very quiet ({:.1f} LUFS): landing it needs {:.0f} dB of gain, which "
                    "raises its noise floor by as much",
                    in.integrated_lufs, loudest_target - in.integrated_lufs),
        "bounce the mix louder (peaks around -6 dBFS), in 24-bit or float");
  }
  const bool one_sided = in.channels == 2 && std::abs(in.channel_balance_db) > kOneSidedDb;
  if (one_sided) {
    // Nothing cancels in mono here (the fold-down only halves the one side): the mix plays on
    // one speaker, which is the problem to name.
    const bool left = in.channel_balance_db > 0;
    add("one_sided", Severity::error,
        std::isfinite(in.channel_balance_db)
            ? fmt::format("the {} channel is {:.0f} dB under the {}: the mix plays on one side only", left ? "right" : "left",
                          std::abs(in.channel_balance_db), left ? "left" : "right")
            : fmt::format("the {} channel is silent: the mix plays on one side only", left ? "right" : "left"),
        "check the export's channel routing (a mono source bounced to one side of a stereo file)");
  }
  if (in.channels == 2 && !one_sided && (in.mono_loss_lu > kMonoLossWarnLu + kUncorrelatedSlackLu || in.correlation < -kUncorrelatedSlack)) {
    add("mono_cancellation", in.mono_loss_lu > kMonoLossErrorLu || in.correlation < -0.2 ? Severity::error : Severity::warning,
        fmt::format("in mono the mix gets {:.1f} LU quieter (left/right correlation {:.2f}): {}", in.mono_loss_lu,
                    in.correlation,
                    channel_inverted(in) ? "its right channel is polarity-inverted; the master flips it back, and the "
                                           "mix itself should be fixed too"
                                         : "parts cancel on phones, club systems and mono speakers"),
        "check for a polarity-inverted channel or an over-wide stereo effect, and narrow it");
  }
  if (const double worst_dc = in.worst_dc(); worst_dc > kDcOffset) {
    add("dc_offset", Severity::warning,
        fmt::format("the mix has a DC offset of {:.1f} dBFS; the master subtracts it",
                    20.0 * std::log10(worst_dc)),
        "find the stem with the offset (a plugin or converter) and high-pass it");
  }
  return p;
}

bool has_errors(const std::vector<Problem>& problems) {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Problem& p) { return p.severity == Severity::error; });
}

std::string limiter_outcome(double max_reduction_db, double active_share) {
  if (!(max_reduction_db > 0.05)) return "landed, it did not have to act";
  return fmt::format("landed, it took up to {:.1f} dB off the peaks and acted {:.0f} % of the time", max_reduction_db,
                     100.0 * active_share);
}

std::optional<Problem> heavy_limiting(const Target& target, double target_lufs, double max_reduction_db,
                                      double active_share) {
  if (!(max_reduction_db >= kHeavyLimitingDb && active_share > kHeavyLimitingShare)) return std::nullopt;
  Problem p;
  p.code = "heavy_limiting";
  p.severity = Severity::warning;
  p.message = fmt::format("to reach {:.1f} LUFS the limiter takes up to {:.1f} dB off the peaks and acts {:.0f} % of "
                          "the time: the {} master's transients are flattened and it may pump",
                          target_lufs, max_reduction_db, 100.0 * active_share, target.name);
  p.fix = "a quieter target keeps the punch (loudness-normalised services turn a loud master down anyway), or tame "
          "the mix's peaks with bus compression before mastering";
  return p;
}

}  // namespace mixdown::master
