// See staging.h.
#include "staging.h"

#include <omp.h>

#include <cstdlib>
#include <new>

namespace pegasus {

namespace {
struct Slot {
  void* ptr = nullptr;
  size_t bytes = 0;
};
constexpr int kSlots = 4;
Slot slots[kSlots];
}  // namespace

void* scratchSlot(int slot, size_t bytes) {
  if (slot < 0 || slot >= kSlots) throw std::runtime_error("scratchSlot: bad slot");
  Slot& s = slots[slot];
  if (bytes > s.bytes) {
    std::free(s.ptr);
    const size_t rounded = (bytes + 63) / 64 * 64;
    s.ptr = std::aligned_alloc(64, rounded);
    if (s.ptr == nullptr) {
      s.bytes = 0;
      throw std::bad_alloc();
    }
    s.bytes = rounded;
  }
  return s.ptr;
}

dnnl::memory::format_tag blockedTag(int64_t block) {
  using tag = dnnl::memory::format_tag;
  if (block == 1) return tag::nchw;
  if (block == 8) return tag::nChw8c;
  if (block == 16) return tag::nChw16c;
  throw ArgError("blocked layout: block must be 1, 8 or 16");
}

int64_t readBlock(const Args& a, size_t at, const char* op) {
  const int64_t b = a.i64(at);
  if (b != 1 && b != 8 && b != 16) throw ArgError(std::string(op) + ": block must be 1, 8 or 16");
  return b;
}

Operand::Operand(const dnnl::memory::desc& plainMd, const dnnl::memory::desc& primMd, int slot,
                 bool isOutput)
    : plainMd_(plainMd), primMd_(primMd), isOutput_(isOutput), slot_(slot) {
  inner_ = dnnl::memory(primMd, cpuEngine(), DNNL_MEMORY_NONE);
  innerBytes_ = primMd.get_size();
}

void Operand::bind(float* data, int64_t block) {
  current_ = block == 1 ? 0 : block == 8 ? 1 : block == 16 ? 2 : -1;
  if (current_ < 0) throw ArgError("a blocked operand's block must be 1, 8 or 16");
  View& v = views_[current_];
  if (!v.made) {
    dnnl::memory::desc userMd = plainMd_;
    if (block != 1) {
      const dnnl::memory::dims dims = plainMd_.dims();
      if (dims.size() != 4) throw ArgError("only 4-D activations can be blocked");
      userMd = dnnl::memory::desc(dims, dnnl::memory::data_type::f32, blockedTag(block));
    }
    v.user = dnnl::memory(userMd, cpuEngine(), DNNL_MEMORY_NONE);
    v.needsReorder = userMd != primMd_;
    if (v.needsReorder) {
      v.reorder = isOutput_ ? dnnl::reorder(inner_, v.user) : dnnl::reorder(v.user, inner_);
    }
    v.made = true;
  }
  v.user.set_data_handle(data);
  if (v.needsReorder) inner_.set_data_handle(scratchSlot(slot_, innerBytes_));
}

/**
 * Runs a reorder, on this thread alone when the tensor is small enough.
 * NOTE: a reorder is a memory-bound copy; a second thread saves a fraction of a millisecond on an
 * idle machine, but on a shared one waking it can cost a whole scheduler time slice.
 */
static void runReorder(const dnnl::reorder& r, dnnl::stream& s, dnnl::memory from,
                       dnnl::memory to, size_t bytes) {
  // Measured on an idle 2-core machine, reorders on all threads win (conv_fwd 0.92 of PyTorch
  // against 1.20 with 8 MiB here), so by default nothing is serial. On a busy machine set
  // PEGASUS_SERIAL_REORDER_BYTES=8388608 (8 MiB: every DCGAN activation at batch 64), or better
  // PEGASUS_THREADS=1.
  static const size_t serialBelow = [] {
    const char* env = std::getenv("PEGASUS_SERIAL_REORDER_BYTES");
    return env != nullptr ? size_t(std::strtoull(env, nullptr, 10)) : size_t(0);
  }();
  const int threads = numThreads();
  const bool serial = threads > 1 && bytes < serialBelow;
  if (serial) omp_set_num_threads(1);
  r.execute(s, from, to);
  if (serial) omp_set_num_threads(threads);
}

void Operand::load(dnnl::stream& s) {
  if (needsReorder()) runReorder(view().reorder, s, view().user, inner_, innerBytes_);
}

void Operand::store(dnnl::stream& s) {
  if (needsReorder()) runReorder(view().reorder, s, inner_, view().user, innerBytes_);
}

}  // namespace pegasus
