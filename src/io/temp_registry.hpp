// Temporary output files currently being written. On SIGINT/SIGTERM the CLI's handler removes
// them (async-signal-safe: fixed slots, unlink only) and exits 130/143, so an interrupted run
// leaves nothing behind. This is the one piece of process-wide mutable state, by necessity:
// a signal handler can reach nothing else.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace mixdown::io {

int register_temp(const std::string& path) noexcept;  // returns a slot (or -1 when full)
void unregister_temp(int slot) noexcept;
void remove_all_temps() noexcept;                      // async-signal-safe
void install_signal_cleanup() noexcept;                // SIGINT → 130, SIGTERM → 143

// Removes a file on a thread of its own: an earlier output that a commit exchanged out. Freeing
// a 66 MB file's blocks takes 12 ms on ext4, and a master into a folder of an earlier run
// replaces three such files at its end (36 ms of a 0.5 s command, one after the other). The
// name is removed at once; the blocks are freed when a thread closes the file, side by side
// with the rest of the run's end (an interrupted run frees them as the process exits).
// wait_for_removals() joins the threads: the CLI calls it before it returns.
void remove_in_background(const std::string& path);
void wait_for_removals() noexcept;

// A scratch file (a codec round trip's encode, an album's dual-mono copy): registered while it
// exists, so the handler removes it, and removed on destruction, also on a throw.
struct ScratchFile {
  std::filesystem::path path;
  int slot;
  explicit ScratchFile(std::filesystem::path p) : path(std::move(p)), slot(register_temp(path.string())) {}
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    unregister_temp(slot);
  }
};

}  // namespace mixdown::io
