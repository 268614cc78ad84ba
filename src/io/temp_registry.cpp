#include "io/temp_registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace mixdown::io {
namespace {

constexpr int kSlots = 512;
constexpr std::size_t kPathMax = 4096;

// Two zero-initialised arrays in .bss, touched only where used (a struct of state and path
// had a dynamic initialiser that wrote every slot's state: 512 page faults at each start).
std::atomic<int> g_state[kSlots];  // 0 free, 1 claimed (being written), 2 live
char g_path[kSlots][kPathMax];

extern "C" void on_signal(int sig) {
  remove_all_temps();
  // Every non-zero exit says why in one line (write(2): safe in a signal handler).
  static constexpr char kInt[] = "mixdown: stopped (SIGINT): the unfinished outputs were removed; finished ones stay\n";
  static constexpr char kTerm[] = "mixdown: stopped (SIGTERM): the unfinished outputs were removed; finished ones stay\n";
  const char* line = sig == SIGINT ? kInt : kTerm;
  const std::size_t len = sig == SIGINT ? sizeof(kInt) - 1 : sizeof(kTerm) - 1;
  [[maybe_unused]] const ssize_t w = ::write(STDERR_FILENO, line, len);
  _exit(sig == SIGINT ? 130 : 128 + sig);
}

// The background removals under way (remove_in_background).
struct Removals {
  std::mutex mutex;
  std::vector<std::thread> threads;
  ~Removals() { join(); }
  void join() noexcept {
    std::vector<std::thread> t;
    {
      std::lock_guard lock(mutex);
      t.swap(threads);
    }
    for (auto& th : t)
      if (th.joinable()) th.join();
  }
};
Removals& removals() {
  static Removals r;
  return r;
}

}  // namespace

void remove_in_background(const std::string& path) {
  // The name goes now (a folder renamed next, as a revision's is, holds nothing of it); the
  // blocks go when the last descriptor closes, which the thread does.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ::unlink(path.c_str());
  if (fd < 0) return;
  auto& r = removals();
  std::lock_guard lock(r.mutex);
  try {
    r.threads.emplace_back([fd] { ::close(fd); });
  } catch (...) {  // no thread to be had (or no memory for it): freed here
    ::close(fd);
  }
}

void wait_for_removals() noexcept { removals().join(); }

int register_temp(const std::string& path) noexcept {
  if (path.size() + 1 > kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_state[i].compare_exchange_strong(expected, 1)) {
      std::memcpy(g_path[i], path.c_str(), path.size() + 1);
      g_state[i].store(2);
      return i;
    }
  }
  return -1;
}

void unregister_temp(int slot) noexcept {
  if (slot >= 0 && slot < kSlots) g_state[slot].store(0);
}

void remove_all_temps() noexcept {
  for (int i = 0; i < kSlots; ++i)
    if (g_state[i].load() == 2) ::unlink(g_path[i]);
}

void install_signal_cleanup() noexcept {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace mixdown::io
