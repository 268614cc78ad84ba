#include "io/direct_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"

namespace mixdown::io {
namespace {

constexpr std::size_t kAlign = 4096;      // offsets, lengths and buffers of direct writes
constexpr std::size_t kChunk = 1u << 20;  // one direct write
// Writes in flight at once, each on a thread of its own. A virtual disk (virtio) or an NVMe
// device reaches its throughput only with several requests queued: with one, the mix's render
// (1.95 GB of outputs for the bench's 16 stems) waited on the device, its threads blocked
// 1.3 s in all on their files' previous chunks. Three writers of 1 MiB chunks: the 16-stem
// mix 4.17 -> 3.80 s (median of 5, interleaved with one writer of 512 KiB chunks).
constexpr int kWriters = 3;
// Full chunks on their way to the device: at most kFileQueue of one file (then the file waits
// for its oldest to land) and kQueueBudgetBytes of buffers for all files together (or an eighth
// of the machine's memory). A file that would wait while the device is behind used to send its
// chunk through the page cache instead (session 37); on this project's virtual machine those
// ~500 chunks of the bench mix cost 1.2 s of the render's thread time, half of it blocked behind
// the file's own direct write in flight, and waiting for the device with three chunks queued
// per file took 0.7 s less system CPU and 0.1 s less wall time (median of 5, interleaved).
// The buffers are kept for reuse up to the budget: unmapped and mapped again, each first touch
// cost about 0.4 ms per MiB here.
constexpr std::size_t kQueueBudgetBytes = std::size_t(128) << 20;
constexpr std::size_t kFileQueue = 3;

// pwrite all of [p, p + n) at `off`; returns 0 or an errno.
int write_all(int fd, const unsigned char* p, std::size_t n, std::int64_t off) noexcept {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    p += w;
    n -= static_cast<std::size_t>(w);
    off += w;
  }
  return 0;
}

// A chunk on its way to the device. `direct_fd` and `plain_fd` are the file's two descriptors.
// Its buffer goes back to the pool when it lands (`data` is then null).
struct Chunk {
  unsigned char* data = nullptr;
  std::size_t len = 0;
  std::int64_t off = 0;
  int direct_fd = -1, plain_fd = -1;
  bool in_flight = false;
  int err = 0;
};

// A direct write of whole aligned blocks [from, to) of the chunk; where the device or file system
// refuses the direct write (EINVAL: a block size larger than kAlign) or writes only part, the
// rest goes through the page cache. Returns 0 or an errno.
int write_span(const Chunk& c, std::size_t from, std::size_t to) noexcept {
  std::size_t done = from;
  while (done < to) {
    const ssize_t w = ::pwrite(c.direct_fd, c.data + done, to - done, static_cast<off_t>(c.off) + static_cast<off_t>(done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0 || static_cast<std::size_t>(w) % kAlign != 0) {
      if (w > 0) done += static_cast<std::size_t>(w);
      break;
    }
    done += static_cast<std::size_t>(w);
  }
  return done == to ? 0 : write_all(c.plain_fd, c.data + done, to - done, c.off + static_cast<std::int64_t>(done));
}

// Stretches of digital silence left as holes: a chunk's kHoleBlock-sized blocks that are all
// zero bytes are not written (the stream is written once, in order, into a file created empty,
// so they read back as zeros; close() sets the length when the file ends in one). A mix's
// printed stems are silent where their part rests: about half of the bench's 16-stem session's
// 1.7 GB of versions, which the device no longer has to take. 64 KiB (a third of a second of
// 24-bit stereo) keeps the direct writes few and large where a part plays in short bursts.
constexpr std::size_t kHoleBlock = std::size_t(64) << 10;
static_assert(kHoleBlock % kAlign == 0 && kChunk % kHoleBlock == 0);

// Every byte zero (simd::all_zero reads floats and takes -0.0 as silence: a hole must read back
// as the very bytes). Word-wise with an early exit: music has a non-zero byte within its first
// few words.
bool all_zero(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i + 64 <= n; i += 64) {
    std::uint64_t w[8];
    std::memcpy(w, p + i, 64);
    acc = w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7];
    if (acc != 0) return false;
  }
  for (std::size_t i = n & ~std::size_t(63); i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// The chunk's non-silent runs of blocks, each in one write; its silent blocks skipped. Each
// block is looked at once.
int write_chunk(const Chunk& c) noexcept {
  std::size_t run = 0;  // where the run of non-silent blocks being gathered begins
  for (std::size_t at = 0; at < c.len;) {
    const std::size_t next = std::min(c.len, at + kHoleBlock);
    if (all_zero(c.data + at, next - at)) {
      if (at > run)
        if (const int err = write_span(c, run, at); err != 0) return err;
      run = next;
    }
    at = next;
  }
  return c.len > run ? write_span(c, run, c.len) : 0;
}

// kWriters background threads write the files' chunks, taken in the order they are handed
// over, while the render's threads go on computing; and the pool of chunk buffers they come
// from. Chunks of one file may be in flight on several writers at once: they cover different
// bytes, and a file's writes are waited for before anything reads or rewrites it (wait_all,
// close).
class Writer {
public:
  // Never destroyed: the threads idle in their wait until the process ends (every file has
  // waited for its own chunks by then), so no exit-time join can hang or terminate.
  static Writer& get() {
    static Writer* w = new Writer;
    return *w;
  }
  // A kChunk buffer (kAlign-aligned, kAlign of scratch past it), or nullptr when the system has
  // none. Waits while the queue's budget is spent and chunks are on their way (one of them
  // landing frees a buffer); with nothing on its way it never waits, whatever the budget.
  unsigned char* acquire() {
    {
      std::unique_lock lock(m_);
      freed_.wait(lock, [&] { return !free_.empty() || allocated_ < budget_ || in_flight_ == 0; });
      if (!free_.empty()) {
        unsigned char* p = free_.back();
        free_.pop_back();
        return p;
      }
      ++allocated_;
    }
    void* p = ::mmap(nullptr, kChunk + kAlign, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) return static_cast<unsigned char*>(p);
    std::lock_guard lock(m_);
    --allocated_;
    freed_.notify_all();
    return nullptr;
  }
  void release(unsigned char* p) {
    if (!p) return;
    std::lock_guard lock(m_);
    release_locked(p);
  }
  void submit(Chunk& c) {
    {
      std::lock_guard lock(m_);
      c.in_flight = true;
      c.err = 0;
      if (threads_.empty()) {
        try {
          for (int k = 0; k < kWriters; ++k) threads_.emplace_back([this] { run(); });
        } catch (const std::system_error&) {
          if (threads_.empty()) c.in_flight = false;  // no thread: write here and now
        }
        owner_ = ::getpid();
      }
      if (owner_ != ::getpid()) c.in_flight = false;  // a forked child has no writer thread
      if (c.in_flight) {
        ++in_flight_;
        queue_.push_back(&c);
        work_.notify_one();
        return;
      }
    }
    const int err = write_chunk(c);
    std::lock_guard lock(m_);
    c.err = err;
    release_locked(std::exchange(c.data, nullptr));
  }
  // True when `c` is not on its way (landed, or never handed over); its error stays for wait().
  bool landed(Chunk& c) {
    std::lock_guard lock(m_);
    return !c.in_flight;
  }
  // Waits until `c` is on the device (or was never handed over) and returns its error (0 or
  // an errno), clearing it. Both are read under the lock the writer thread sets them under.
  int wait(Chunk& c) {
    std::unique_lock lock(m_);
    done_.wait(lock, [&] { return !c.in_flight; });
    return std::exchange(c.err, 0);
  }
private:
  Writer() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const std::size_t eighth = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 8 : 0;
    budget_ = std::max<std::size_t>(std::min(kQueueBudgetBytes, eighth) / kChunk, 4);
  }
  void release_locked(unsigned char* p) {
    if (!p) return;
    if (free_.size() < budget_) {
      free_.push_back(p);
    } else {
      ::munmap(p, kChunk + kAlign);
      --allocated_;
    }
    freed_.notify_one();
  }
  void run() {
    std::unique_lock lock(m_);
    for (;;) {
      work_.wait(lock, [&] { return !queue_.empty(); });
      Chunk* c = queue_.front();
      queue_.pop_front();
      lock.unlock();
      const int err = write_chunk(*c);
      lock.lock();
      c->err = err;
      release_locked(std::exchange(c->data, nullptr));
      c->in_flight = false;
      --in_flight_;
      done_.notify_all();
      freed_.notify_all();
    }
  }
  std::mutex m_;
  std::condition_variable work_, done_, freed_;
  std::deque<Chunk*> queue_;
  std::vector<std::thread> threads_;
  pid_t owner_ = 0;
  std::vector<unsigned char*> free_;
  std::size_t allocated_ = 0, budget_ = 4, in_flight_ = 0;
};

}  // namespace

bool direct_writes_enabled() noexcept { return env_flag("MIXDOWN_DIRECT_IO", true); }

struct DirectFile::Impl {
  std::string name;
  int plain_fd = -1, direct_fd = -1;
  // The stream's staging: file bytes [stage_off, stage_off + stage_len) wait in `staging`;
  // the chunks handed over before it may still be on their way to the device, oldest first.
  unsigned char* staging = nullptr;
  std::deque<std::unique_ptr<Chunk>> flight;
  std::int64_t stage_off = 0;
  std::size_t stage_len = 0;
  bool plain_only = false;  // after a write ahead of the stream: no more direct writes
  std::int64_t pos = 0, length = 0;
  std::size_t most_in_flight = 0;

  [[noreturn]] void fail(int err) const { throw failed(name, std::string("write failed: ") + std::strerror(err)); }
  void check(int err) const {
    if (err != 0) fail(err);
  }
  // Forgets the chunks that have landed, oldest first, checking their errors; while more than
  // `keep` are left it waits for the oldest to land.
  void reap(std::size_t keep) {
    while (!flight.empty() && (flight.size() > keep || Writer::get().landed(*flight.front()))) {
      const int err = Writer::get().wait(*flight.front());
      flight.pop_front();
      check(err);
    }
  }
  void wait_all() { reap(0); }
  unsigned char* stage() { return staging; }
  // The full staging chunk goes to the device; a buffer from the pool becomes the staging (it
  // waits only when the queue's budget is spent).
  void hand_over() {
    auto c = std::make_unique<Chunk>();
    c->data = std::exchange(staging, nullptr);
    c->len = kChunk;
    c->off = stage_off;
    c->direct_fd = direct_fd;
    c->plain_fd = plain_fd;
    Writer::get().submit(*c);
    flight.push_back(std::move(c));
    most_in_flight = std::max(most_in_flight, flight.size());
    stage_off += static_cast<std::int64_t>(kChunk);
    stage_len = 0;
    reap(kFileQueue - 1);  // kFileQueue on their way at most: the oldest lands before the next joins
    staging = Writer::get().acquire();
    if (!staging) {
      // No memory for another chunk: the rest of the file goes through the page cache.
      wait_all();
      plain_only = true;
    }
  }
  void write_plain(const unsigned char* p, std::size_t n, std::int64_t off) { check(write_all(plain_fd, p, n, off)); }
  void close_fds() noexcept {
    if (direct_fd >= 0) ::close(direct_fd);
    if (plain_fd >= 0) ::close(plain_fd);
    direct_fd = plain_fd = -1;
  }
};

DirectFile::DirectFile(const std::filesystem::path& path, bool direct) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.name = path.string();
  m.plain_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (m.plain_fd < 0) throw failed(m.name, std::string("cannot write: ") + std::strerror(errno));
  if (!direct) return;
  m.direct_fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  if (m.direct_fd < 0) return;  // not on this file system: every write through the page cache
  m.staging = Writer::get().acquire();
  if (!m.staging) {
    ::close(m.direct_fd);
    m.direct_fd = -1;
  }
}

DirectFile::~DirectFile() {
  if (!impl_) return;
  for (auto& c : impl_->flight) Writer::get().wait(*c);
  Writer::get().release(std::exchange(impl_->staging, nullptr));
  impl_->close_fds();
}

void DirectFile::write(const void* data, std::size_t n) {
  auto& m = *impl_;
  const auto* p = static_cast<const unsigned char*>(data);
  if (m.direct_fd < 0 || m.plain_only) {
    m.write_plain(p, n, m.pos);
    m.pos += static_cast<std::int64_t>(n);
    m.length = std::max(m.length, m.pos);
    return;
  }
  while (n > 0) {
    const std::int64_t stage_end = m.stage_off + static_cast<std::int64_t>(m.stage_len);
    if (m.pos >= m.stage_off && m.pos <= stage_end) {
      // Into the staging (the stream's usual case: appended at its end).
      const auto at = static_cast<std::size_t>(m.pos - m.stage_off);
      const std::size_t take = std::min(n, kChunk - at);
      if (p != m.stage() + at) std::memcpy(m.stage() + at, p, take);  // else built in place (append_area)
      m.stage_len = std::max(m.stage_len, at + take);
      m.pos += static_cast<std::int64_t>(take);
      p += take;
      n -= take;
      if (m.stage_len == kChunk) m.hand_over();
      if (m.plain_only) {  // no buffer for the next chunk
        m.write_plain(p, n, m.pos);
        m.pos += static_cast<std::int64_t>(n);
        n = 0;
      }
    } else if (m.pos < m.stage_off) {
      // Back into what has gone to the device (a header rewritten): through the page cache,
      // once the chunks in flight have landed.
      const std::size_t take = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(n), m.stage_off - m.pos));
      m.wait_all();
      m.write_plain(p, take, m.pos);
      m.pos += static_cast<std::int64_t>(take);
      p += take;
      n -= take;
    } else {
      // Ahead of the stream, leaving a gap: the staging goes out as it is and the file is
      // written through the page cache from now on.
      m.wait_all();
      m.write_plain(m.stage(), m.stage_len, m.stage_off);
      m.stage_len = 0;
      m.plain_only = true;
      m.write_plain(p, n, m.pos);
      m.pos += static_cast<std::int64_t>(n);
      n = 0;
    }
  }
  m.length = std::max(m.length, m.pos);
}

unsigned char* DirectFile::append_area(std::size_t* room) noexcept {
  auto& m = *impl_;
  *room = 0;
  if (m.direct_fd < 0 || m.plain_only || m.pos != m.stage_off + static_cast<std::int64_t>(m.stage_len)) return nullptr;
  *room = kChunk - m.stage_len;
  return m.stage() + m.stage_len;
}

void DirectFile::seek(std::int64_t offset) { impl_->pos = offset; }
std::int64_t DirectFile::tell() const noexcept { return impl_->pos; }
std::int64_t DirectFile::length() const noexcept { return impl_->length; }
std::size_t DirectFile::most_chunks_in_flight() const noexcept { return impl_->most_in_flight; }

void DirectFile::close() {
  auto& m = *impl_;
  if (m.plain_fd < 0) return;
  try {
    if (m.direct_fd >= 0 && !m.plain_only) {
      m.wait_all();
      // The staging's whole blocks directly, its last partial block through the page cache.
      Chunk c;
      c.data = m.stage();
      c.len = m.stage_len & ~(kAlign - 1);
      c.off = m.stage_off;
      c.direct_fd = m.direct_fd;
      c.plain_fd = m.plain_fd;
      if (c.len > 0) m.check(write_chunk(c));
      m.write_plain(m.stage() + c.len, m.stage_len - c.len, m.stage_off + static_cast<std::int64_t>(c.len));
      m.stage_len = 0;
      // A stream that ends in silence left it as a hole (write_chunk): the file is as long as
      // the furthest byte written.
      struct stat st {};
      if (::fstat(m.plain_fd, &st) != 0) m.fail(errno);
      if (st.st_size < m.length && ::ftruncate(m.plain_fd, static_cast<off_t>(m.length)) != 0) m.fail(errno);
    }
  } catch (...) {
    m.close_fds();
    throw;
  }
  Writer::get().release(std::exchange(m.staging, nullptr));
  const int d = m.direct_fd >= 0 ? ::close(m.direct_fd) : 0;
  m.direct_fd = -1;
  const int e = ::close(m.plain_fd);
  m.plain_fd = -1;
  if (d != 0 || e != 0) throw failed(m.name, std::string("write failed on close: ") + std::strerror(errno));
}

}  // namespace mixdown::io
