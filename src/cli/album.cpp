// `mixdown album FILE... -o OUT [--target NAME] [--gap SECONDS]`: FILE is either audio files in
// running order or one album.toml (order, titles, ISRC, gaps, crossfades).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/master_io.hpp"
#include "report/master_json.hpp"

namespace mixdown::cli {

int run_album(const AlbumArgs& a, const GlobalOptions& g) {
  namespace fs = std::filesystem;
  const auto target = master::find_target(a.target);
  if (!target) throw usage_error("--target", fmt::format("unknown target \"{}\" (choose from {})", a.target, master::target_names()));
  master::AlbumSpec album;
  if (a.files.size() == 1 && fs::path(a.files[0]).extension() == ".toml") {
    album = io::load_album(a.files[0]);
  } else {
    for (const auto& f : a.files) {
      if (fs::path(f).extension() == ".toml") throw usage_error(f, "give either one album.toml or audio files, not both");
      master::AlbumTrack t;
      t.file = f;
      t.title = fs::path(f).stem().string();
      album.tracks.push_back(t);
    }
  }
  if (std::isnan(a.gap_s)) throw usage_error("--gap", "nan is not a number of seconds (0 to 60)");
  if (a.gap_s >= 0.0) {
    album.gap_s = a.gap_s;
    for (auto& t : album.tracks) t.gap_s.reset();
  }
  for (const auto& t : album.tracks)
    io::require_input(t.file);
  {
    const fs::path out(a.out);
    std::vector<fs::path> inputs;
    for (const auto& t : album.tracks) inputs.push_back(t.file);
    for (const char* f : {"album.wav", "album.cue", "report.json", "report.html"}) io::refuse_overwriting_input(out / f, inputs);
    io::refuse_inputs_in({out / "tracks"}, inputs);
  }
  Progress progress("album", g.quiet);
  const auto result = io::master_album(album, a.out, *target,
                                       [&](double f, const std::string& s) { progress.update(f, s); });
  progress.done();
  const fs::path out(a.out);
  io::write_text_atomic(out / "report.json", report::album_json(result, out).dump(2) + "\n");
  // The folder holds this album: an earlier album's track files and cue sheet would sit beside
  // it (and a cue for another disc beside album.wav is what a plant would burn).
  for (const auto& f : io::remove_other_album_outputs(result, out))
    std::fprintf(stderr, "mixdown: removed %s, an earlier run's output that is not part of this album\n",
                 f.lexically_relative(out).c_str());
  if (!g.quiet) {
    std::printf("album (%s): %.2f LUFS, %.2f dBTP -> %s\n", target->name.c_str(), result.album.integrated_lufs,
                result.album.true_peak_dbtp, result.album_file.lexically_relative(out).c_str());
    for (const auto& t : result.tracks)
      std::printf("  %7.2f s  %-30s %.2f LUFS (input %.2f)\n", t.start_s, t.title.c_str(),
                  t.master.after.integrated_lufs, t.input_lufs);
    if (!result.cue_file.empty()) std::printf("  cue sheet: %s\n", result.cue_file.lexically_relative(out).c_str());
    for (const auto& p : result.problems)
      if (p.code == "duplicate_track") std::printf("  warning: %s\n", p.message.c_str());
  }
  return 0;
}

}  // namespace mixdown::cli
