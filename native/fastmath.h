// Vectorisable exp, sigmoid and tanh for the element-wise kernels.
//
// glibc's expf/tanhf are scalar calls (tanhf ~20 ns an element here), so GCC cannot vectorise a
// loop that uses them. These are Cephes' single-precision algorithms (S. L. Moshier, "Methods and
// Programs for Mathematical Functions", 1989): range reduction to |r| ≤ ln2/2 and a degree-6
// polynomial, relative error ~1e-7 — written branch-free so each loop becomes AVX2 code.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pegasus {

/**
 * e^x for x in float range; x is clamped to [−87.3, 88.3] (results below 2^−126 become 2^−126,
 * which is harmless inside sigmoid and tanh; the `exp` op itself uses std::exp).
 */
inline float fastExp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  // r = x − n·ln2, with ln2 split in two for precision
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (int32_t(n) + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/** 1 / (1 + e^−x). */
inline float fastSigmoid(float x) { return 1.0f / (1.0f + fastExp(-x)); }

/**
 * tanh x: an odd polynomial for |x| < 0.625 (where 1 − 2/(e^2x + 1) would cancel), otherwise
 * 1 − 2/(e^2|x| + 1) with the sign of x. Both are computed and one selected, so no branch.
 */
inline float fastTanh(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = std::copysign(1.0f - 2.0f / (fastExp(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : big;
}

}  // namespace pegasus
