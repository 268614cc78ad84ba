// The argument parser: every command's options (CLI11, compiled in this file only), the
// unknown-command line, and the one place an Error becomes its exit status.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "io/temp_registry.hpp"

namespace mixdown::cli {
namespace {

using Action = std::function<int()>;

// Refuses an empty value for a numeric option: CLI11 reads `--amount ""` as 0 (or reports
// "Value  not in range"); `what` says what to give ("a number from 0 to 1").
CLI::Validator not_empty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) {
        const bool blank = std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); });
        return blank ? "the value is empty; give " + what : std::string();
      },
      "", "not_empty");
}

// Not an option taken as the value (`-o -q` wrote into a folder named "-q"; ./-q still names one).
CLI::Validator not_an_option(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) {
        return value.size() > 1 && value[0] == '-'
                   ? "'" + value + "' is an option, not " + what + ": give " + what + " (./" + value + " for one of that name)"
                   : std::string();
      },
      "", "not_an_option");
}

// The options every command takes (--quiet, --threads).
void add_global_options(CLI::App& sub, GlobalOptions& g) {
  sub.add_flag("-q,--quiet", g.quiet, "Print nothing but errors");
  sub.add_option("--threads", g.threads, "Worker threads (0 = all cores)")
      ->check(not_empty("a whole number from 0 to 256"))
      ->check(CLI::Range(0, 256));
}

// A subcommand with the options every command takes; once parsed, its action is `run` on the
// arguments. Returns the subcommand and the arguments its options fill.
template <class Args>
std::pair<CLI::App*, std::shared_ptr<Args>> add_command(CLI::App& app, GlobalOptions& g, Action& action, const char* name,
                                                        int (*run)(const Args&, const GlobalOptions&), const char* help) {
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(name, help);
  add_global_options(*sub, g);
  sub->callback([args, &g, &action, run] { action = [args, &g, run] { return run(*args, g); }; });
  return {sub, args};
}

void add_analyze(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<AnalyzeArgs>(app, g, action, "analyze", &run_analyze,
      "Measure a file: loudness, true peak, spectrum, stereo, dynamics, problems");
  sub->add_option("FILE", args->input, "The audio file to analyse")->required();
  sub->add_option("--reference", args->reference, "A reference track to compare with at matched loudness");
  sub->add_option("--json", args->json, "Write the JSON report to PATH, or to stdout with '-'");
}

void add_check(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<CheckArgs>(app, g, action, "check", &run_check,
      "Check a folder of stems (or a session.toml) before mixing");
  sub->add_option("STEMS", args->stems, "Folder of stems or session.toml")->required();
  sub->add_option("--json", args->json, "Write the JSON report to PATH ('-' for stdout)");
}

void add_mix(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<MixArgs>(app, g, action, "mix", &run_mix,
      "Mix a folder of stems (or a session.toml) and master it");
  sub->add_option("STEMS", args->stems, "Folder of stems or session.toml")->required();
  sub->add_option("-o,--out", args->out, "Output folder")->required()
      ->check(not_empty("a folder to write into"))->check(not_an_option("a folder"));
  sub->add_option("--brief", args->brief, "KEY=VALUE: focus, vocal, drums, space, density, character, genre");
  sub->add_option("--target", args->targets, "Delivery target(s) for the masters (default streaming)");
  sub->add_flag("--no-master", args->no_master, "Render the mix and its versions only");
}

void add_master(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<MasterArgs>(app, g, action, "master", &run_master,
      "Master a stereo mix to delivery targets");
  sub->add_option("FILE", args->input, "The mix to master")->required();
  sub->add_option("-o,--out", args->out, "Output folder (masters/, previews/, report.json)")->required()
      ->check(not_empty("a folder to write into"))->check(not_an_option("a folder"));
  sub->add_option("--target", args->targets, "streaming (default), apple, cd, vinyl, broadcast, atsc, podcast; repeatable");
  sub->add_option("--reference", args->reference, "A finished master whose tonal balance and width to move toward");
  sub->add_option("--amount", args->amount, "How far to move toward the reference, 0..1 (default 1)")
      ->check(not_empty("a number from 0 to 1"));
  sub->add_flag("--strict", args->strict, "Refuse (exit 3) when the QC finds errors in the mix");
  sub->add_flag("--noise-shaping", args->noise_shaping,
                "16-bit targets (cd): shape the dither noise toward high frequencies (default: flat TPDF)");
}

void add_album(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<AlbumArgs>(app, g, action, "album", &run_album,
      "Master a sequence of tracks as one record");
  sub->add_option("FILE", args->files, "Tracks in running order, or one album.toml")->required();
  sub->add_option("-o,--out", args->out, "Output folder (tracks/, album.wav, album.cue, report.json)")->required()
      ->check(not_empty("a folder to write into"))->check(not_an_option("a folder"));
  sub->add_option("--target", args->target, "One target for the whole album (default streaming)");
  sub->add_option("--gap", args->gap_s, "Seconds of silence between tracks (default 2)")
      ->check(not_empty("seconds from 0 to 60"))
      ->check(CLI::Range(0.0, 60.0));
}

void add_translate(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<TranslateArgs>(app, g, action, "translate", &run_translate,
      "Play a mix on phone, earbuds, laptop, car, club, Bluetooth and mono; report what breaks");
  sub->add_option("FILE", args->input, "The mix or master to check")->required();
  sub->add_option("-o,--out", args->out, "Output folder for the <system>.wav simulations")->required()
      ->check(not_empty("a folder to write into"))->check(not_an_option("a folder"));
  sub->add_option("--json", args->json, "Write the JSON to PATH, or to stdout with '-'");
}

void add_revise(CLI::App& app, GlobalOptions& g, Action& action) {
  const auto [sub, args] = add_command<ReviseArgs>(app, g, action, "revise", &run_revise,
      "Apply revision notes to a mix (OUT/rev-N) and update the delivery sheet");
  sub->add_option("OUT", args->out, "A `mixdown mix` output folder")->required();
  // One note per --note, repeatable: `--note "a" OUT` keeps OUT as the folder.
  sub->add_option("--note", args->notes, "A revision note in plain words (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--json", args->json, "Write the changes list to PATH, or to stdout with '-'");
  sub->add_flag("--list", args->list, "List the revisions with their notes");
  sub->add_option("--back", args->back, "Make a new revision equal to rev-N")->check(not_empty("a revision number"))->check(CLI::Range(1, 9999));
  // In place of add_command's callback: --back's presence is read from the parse.
  sub->callback([args = args, sub = sub, &g, &action] {
    args->back_given = sub->count("--back") > 0;
    action = [args, &g] { return run_revise(*args, g); };
  });
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"mixdown — automatic mix and mastering engineer", "mixdown"};
  app.require_subcommand(1);
  GlobalOptions g;
  Action action;
  add_analyze(app, g, action);
  add_check(app, g, action);
  add_mix(app, g, action);
  add_master(app, g, action);
  add_album(app, g, action);
  add_translate(app, g, action);
  add_revise(app, g, action);
  // A first word that is no command is named (CLI11 says only "A subcommand is required").
  if (argc >= 2 && argv[1][0] != '-' && argv[1][0] != '\0') {
    const std::string first = argv[1];
    std::string names;
    bool known = false;
    for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->check_name(first);
    }
    if (!known) {
      std::fprintf(stderr, "mixdown: unknown command '%s' (commands: %s; see mixdown --help)\n", first.c_str(),
                   names.c_str());
      return static_cast<int>(ExitCode::usage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's "--out: At Most 1 required but received 2" for an option given twice, in words.
    std::string what = e.what();
    if (const auto at = what.find("At Most 1 required but received "); at != std::string::npos)
      what = what.substr(0, at) + "given " + what.substr(at + 32) + " times; give it once";
    std::fprintf(stderr, "mixdown: %s (see mixdown --help)\n", what.c_str());
    return static_cast<int>(ExitCode::usage);
  }
  io::install_signal_cleanup();
  // Earlier outputs a commit replaced are removed on threads of their own; gone before return.
  struct Removed {
    ~Removed() { io::wait_for_removals(); }
  } removed;
  try {
    return action ? action() : static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    std::fprintf(stderr, "mixdown: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "mixdown: out of memory\n");
    return static_cast<int>(ExitCode::failed);
  } catch (const std::filesystem::filesystem_error& e) {
    // The path and the system's reason in plain words, not the library's "filesystem error:
    // status: ... [path]".
    std::fprintf(stderr, "mixdown: %s: %s\n", e.path1().empty() ? "a file" : e.path1().c_str(), reason_words(e.code()).c_str());
    return static_cast<int>(ExitCode::failed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mixdown: %s\n", e.what());
    return static_cast<int>(ExitCode::failed);
  }
}

}  // namespace mixdown::cli
