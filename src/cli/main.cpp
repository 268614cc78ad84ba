#include <cstdlib>
#include <new>

#include "cli/commands.hpp"
#include "core/huge_pages.hpp"

// The program's large buffers on transparent huge pages. A mix or master holds whole songs in
// memory (the master's input cache, the stems' caches, the render's sinks): a 4-minute stereo
// file at 48 kHz is 92 MB of floats, 23,000 page faults at 4 KiB, each a trip into the kernel
// on the core that first writes the page. Debian's kernel gives huge pages only to memory that
// asks (transparent_hugepage=madvise), so an allocation of 2 MiB or more is placed on whole
// 2 MiB pages and asks for them (core/huge_pages.hpp): on the 4-minute bench master the page
// faults fell from 29,000 to 6,300 (`/usr/bin/time -v`), the rest being smaller blocks and the
// libraries' own. Advice only: where the kernel gives none, the pages are the usual ones; each
// such block may take up to 2 MiB more than it asked. The sanitized build keeps its runtime's
// own operator new (it checks that new and delete pair up).
#if !defined(__SANITIZE_ADDRESS__)
namespace {

void* allocate(std::size_t n) {
  for (;;) {
    void* p = n >= mixdown::kHugePage ? mixdown::huge_alloc(mixdown::whole_huge_pages(n)) : std::malloc(n == 0 ? 1 : n);
    if (p) return p;
    const std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

int main(int argc, char** argv) { return mixdown::cli::run(argc, argv); }
