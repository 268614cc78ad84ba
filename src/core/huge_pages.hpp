// Memory on transparent huge pages. Debian's kernel gives 2 MiB pages only to memory that asks
// for them (transparent_hugepage=madvise); a block touched 4 KiB at a time takes a page fault per
// 4 KiB, which on a virtual machine whose host backs guest memory lazily is most of the cost of
// holding a whole song in memory. Used by the program's operator new for large blocks
// (cli/main.cpp) and by the stem cache's chunks (io/stem_cache.cpp).
#pragma once

#include <cstddef>

namespace mixdown {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// n rounded up to whole huge pages.
constexpr std::size_t whole_huge_pages(std::size_t n) noexcept { return (n + kHugePage - 1) / kHugePage * kHugePage; }

// `bytes` (a multiple of kHugePage) aligned to a huge page and advised as huge pages (advice
// only: without them the memory is the usual pages); null when out of memory. Free with
// std::free.
void* huge_alloc(std::size_t bytes) noexcept;

}  // namespace mixdown
