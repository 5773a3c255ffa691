// Moving tensors between the plain layouts TypeScript uses (NCHW, OIHW) and the blocked layouts
// oneDNN's fast kernels choose (e.g. nChw16c), once per operand per call.
//
// NOTE: the blocked copies live in a few process-wide scratch slots rather than in each cached
// primitive: calls are synchronous, so one call's blocked buffers are dead when it returns, and
// sharing the slots keeps memory at "largest tensor" instead of "sum over every cached shape".
#pragma once

#include <cstddef>

#include "common.h"

namespace pegasus {

/** A 64-byte aligned buffer that only grows; slot `i` is reused by every call. */
void* scratchSlot(int slot, size_t bytes);

/** oneDNN's tag for activations in channel blocks of `block` (1: plain nchw; 8, 16: nChw8c, nChw16c). */
dnnl::memory::format_tag blockedTag(int64_t block);

/** The channel block (1, 8 or 16) at argument `at`; ArgError naming `op` for anything else. */
int64_t readBlock(const Args& a, size_t at, const char* op);

/** Blocks of `b` channels that hold c channels (the last one padded). */
inline int64_t blocksOf(int64_t c, int64_t b) { return (c + b - 1) / b; }

/**
 * One operand of a primitive: the user's memory and, when the primitive wants another layout, a
 * copy in a scratch slot plus the reorder between the two. An activation's user memory may be
 * plain or channel-blocked from call to call (`bind`'s block); when it already is the primitive's
 * layout, the primitive reads or writes it in place.
 */
class Operand {
 public:
  Operand() = default;
  /**
   * `plainMd`: the user memory with block 1 (nchw, or oihw for weights). `isOutput`: the primitive
   * writes it, so the reorder runs primitive → user after the call.
   */
  Operand(const dnnl::memory::desc& plainMd, const dnnl::memory::desc& primMd, int slot,
          bool isOutput);

  /** Points the user side at `data`, laid out in channel blocks of `block` (1 = plain). */
  void bind(float* data, int64_t block = 1);
  /** The layout the primitive wants. */
  const dnnl::memory::desc& primitiveDesc() const { return primMd_; }
  /** The memory to hand the primitive. */
  const dnnl::memory& inner() const { return needsReorder() ? inner_ : view().user; }
  /** For inputs: user → primitive layout. */
  void load(dnnl::stream& s);
  /** For outputs: primitive → user layout. */
  void store(dnnl::stream& s);

 private:
  struct View {
    bool made = false;
    bool needsReorder = false;
    dnnl::memory user;
    dnnl::reorder reorder;
  };
  View& view() { return views_[current_]; }
  const View& view() const { return views_[current_]; }
  bool needsReorder() const { return view().needsReorder; }

  dnnl::memory::desc plainMd_, primMd_;
  dnnl::memory inner_;
  View views_[3];  // block 1, 8, 16
  int current_ = 0;
  bool isOutput_ = false;
  int slot_ = 0;
  size_t innerBytes_ = 0;
};

}  // namespace pegasus
