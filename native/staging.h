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

/**
 * One operand of a primitive: the user's plain memory and, when the primitive wants another
 * layout, a blocked copy in a scratch slot plus the reorder between the two.
 */
class Operand {
 public:
  Operand() = default;
  /** `isOutput`: the primitive writes it, so the reorder runs blocked → plain after the call. */
  Operand(const dnnl::memory::desc& plainMd, const dnnl::memory::desc& primMd, int slot,
          bool isOutput);

  /** Points the plain side at `data` (and the blocked side at its scratch slot). */
  void bind(float* data);
  /** The memory to hand the primitive. */
  const dnnl::memory& inner() const { return inner_; }
  /** For inputs: plain → blocked. */
  void load(dnnl::stream& s);
  /** For outputs: blocked → plain. */
  void store(dnnl::stream& s);

 private:
  dnnl::memory user_, inner_;
  dnnl::reorder reorder_;
  bool needsReorder_ = false;
  int slot_ = 0;
  size_t innerBytes_ = 0;
};

}  // namespace pegasus
