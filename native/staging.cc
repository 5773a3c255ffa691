// See staging.h.
#include "staging.h"

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

Operand::Operand(const dnnl::memory::desc& plainMd, const dnnl::memory::desc& primMd, int slot,
                 bool isOutput)
    : slot_(slot) {
  user_ = dnnl::memory(plainMd, cpuEngine(), DNNL_MEMORY_NONE);
  needsReorder_ = plainMd != primMd;
  if (needsReorder_) {
    inner_ = dnnl::memory(primMd, cpuEngine(), DNNL_MEMORY_NONE);
    innerBytes_ = primMd.get_size();
    reorder_ = isOutput ? dnnl::reorder(inner_, user_) : dnnl::reorder(user_, inner_);
  } else {
    inner_ = user_;
  }
}

void Operand::bind(float* data) {
  user_.set_data_handle(data);
  if (needsReorder_) inner_.set_data_handle(scratchSlot(slot_, innerBytes_));
}

void Operand::load(dnnl::stream& s) {
  if (needsReorder_) reorder_.execute(s, user_, inner_);
}

void Operand::store(dnnl::stream& s) {
  if (needsReorder_) reorder_.execute(s, inner_, user_);
}

}  // namespace pegasus
