// A file written mostly around the page cache (O_DIRECT), for large audio outputs.
//
// Why: a `mix` writes ~26 WAV files (1.8 GB for 16 stems of 4 minutes). Through the page cache
// every byte is first copied into freshly allocated cache pages; on a virtual machine whose host
// backs guest memory lazily that first touch costs 0.5-3 s of system CPU per GB (measured with
// `dd`: 1.8 GB buffered 4.7 s of sys, O_DIRECT 0.24 s), and on any machine it is a copy of every
// byte. O_DIRECT hands whole aligned blocks to the device instead, from a background thread, so
// the device's work overlaps the render's. Small sets of outputs (a master's masters and
// previews, WriteSpec::cached) go through the page cache instead: for a few hundred MB the copy
// is cheap, and the run does not wait for the device at its end.
//
// Each file keeps up to three full chunks queued for the writer threads (io/direct_file.cpp,
// kFileQueue; 128 MiB of buffers for all files at most) and waits for its oldest chunk only
// beyond that. Until session 38 a file whose previous chunk was still on its way sent the next
// one through the page cache instead; on this project's virtual machine that cost the mix's
// render 1.2 s of thread time (half of it blocked behind the file's direct write in flight).
// A `mix` commits its versions and printed stems after its master (RenderMixOptions::
// defer_commit), so their last queued chunks land while the master computes.
//
// What goes direct: whole aligned chunks of a sequential stream. Everything else, the unaligned
// tail, a rewritten header (libsndfile seeks back to the start on close), any out-of-order
// write, goes through an ordinary descriptor of the same file and so through the page cache; the
// kernel keeps the two views coherent. Where the file system refuses O_DIRECT (tmpfs, some
// network file systems) every write is an ordinary one. The bytes on disk are the same either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace mixdown::io {

// False when the environment sets MIXDOWN_DIRECT_IO=0: every output then goes through the page
// cache (for a slow disk, where waiting for the device costs more than the copies).
bool direct_writes_enabled() noexcept;

class DirectFile {
public:
  // Creates (or truncates) `path` for writing; throws mixdown::Error naming it on failure.
  // `direct` false writes every byte through the page cache (tests compare the two).
  explicit DirectFile(const std::filesystem::path& path, bool direct = true);
  ~DirectFile();  // waits for writes in flight and closes; errors are lost (call close())
  DirectFile(const DirectFile&) = delete;
  DirectFile& operator=(const DirectFile&) = delete;

  // At the current position, which advances. Throws on a failed write (this one or an earlier
  // one still in flight).
  void write(const void* data, std::size_t n);
  // Where the stream's next bytes would wait before going to the device, and how many fit
  // there (*room); nullptr when the next write would not go there (no direct writes, or the
  // position is not at the stream's end). A caller may build its next write in place, `room`
  // bytes plus 64 of scratch past them, and pass that pointer to write(), which then copies
  // nothing. Valid until the next call of any other member.
  unsigned char* append_area(std::size_t* room) noexcept;
  void seek(std::int64_t offset);  // absolute
  std::int64_t tell() const noexcept;
  std::int64_t length() const noexcept;  // the furthest byte written or sought past
  // The most chunks this file had on their way to the device at once.
  std::size_t most_chunks_in_flight() const noexcept;
  // Writes everything that waits, waits for the device and closes. Throws on failure.
  void close();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mixdown::io
