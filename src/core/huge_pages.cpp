#include "core/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdlib>

namespace mixdown {

void* huge_alloc(std::size_t bytes) noexcept {
  void* p = std::aligned_alloc(kHugePage, bytes);
  if (p) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: its failure changes nothing
  return p;
}

}  // namespace mixdown
