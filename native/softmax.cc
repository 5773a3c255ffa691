// Softmax and log-softmax along one axis of x viewed as [outer, axis, inner], forward and
// backward, for the native backend.
//
// NOTE: plain loops rather than oneDNN's softmax/logsoftmax primitives: the bare oneDNN forward
// is a little faster ([256,10]: 0.009 vs 0.024 ms for our whole op, call and allocation
// included), but its backward is slow on plain layouts, so forward+backward favours the loops
// (bench/pool.ts, 1 thread: [4096,64] 0.36 ms vs 2.1 ms; [256,10] 0.042 vs 0.029 ms, where
// our figure is mostly the cost of calling an op at all).
// The last axis (inner = 1) runs along contiguous rows; any other axis runs the same steps on
// whole [inner] rows at a time, so both inner loops are unit-stride. exp is fastExp (Cephes,
// relative error ~1e-7) so that the loops vectorise; sums accumulate in float.
#include <omp.h>

#include <cmath>
#include <vector>

#include "common.h"
#include "fastmath.h"

namespace pegasus {

namespace {

/** max that propagates NaN, like Math.max in the js kernel. */
inline float maxNaN(float m, float v) { return (v > m || v != v) ? v : m; }

/** One row x[0..n) → y (contiguous). */
void softmaxRow(bool log, const float* x, float* y, int64_t n) {
  // NOTE: a plain (vectorisable) max may skip a NaN, but e^(NaN − max) then makes the sum, and so
  // the whole row, NaN, as in the js kernel.
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (int64_t a = 0; a < n; ++a) mx = x[a] > mx ? x[a] : mx;
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t a = 0; a < n; ++a) {
    const float e = fastExp(x[a] - mx);
    y[a] = e;
    s += e;
  }
  if (log) {
    // NOTE: x − (max + log Σ e^(x−max)) rather than log(e/s), which underflows for tiny e.
    const float lse = mx + std::log(s);
#pragma omp simd
    for (int64_t a = 0; a < n; ++a) y[a] = x[a] - lse;
  } else {
    const float inv = 1.0f / s;
#pragma omp simd
    for (int64_t a = 0; a < n; ++a) y[a] *= inv;
  }
}

/** One block x[axis, inner] → y, reducing over axis with [inner]-long running rows m and s. */
void softmaxBlock(bool log, const float* x, float* y, int64_t axis, int64_t inner, float* m,
                  float* s) {
  for (int64_t i = 0; i < inner; ++i) m[i] = -INFINITY, s[i] = 0;
  for (int64_t a = 0; a < axis; ++a) {
    const float* r = x + a * inner;
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) m[i] = maxNaN(m[i], r[i]);
  }
  for (int64_t a = 0; a < axis; ++a) {
    const float* r = x + a * inner;
    float* q = y + a * inner;
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) {
      q[i] = fastExp(r[i] - m[i]);
      s[i] += q[i];
    }
  }
  for (int64_t i = 0; i < inner; ++i) s[i] = log ? m[i] + std::log(s[i]) : 1.0f / s[i];
  for (int64_t a = 0; a < axis; ++a) {
    const float* r = x + a * inner;
    float* q = y + a * inner;
    if (log) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) q[i] = r[i] - s[i];
    } else {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) q[i] *= s[i];
    }
  }
}

/** softmax: dx = y·(dy − Σ y·dy); log-softmax: dx = dy − e^y·Σ dy (rows contiguous). */
void backwardRow(bool log, const float* y, const float* dy, float* dx, int64_t n) {
  float s = 0;
  if (log) {
#pragma omp simd reduction(+ : s)
    for (int64_t a = 0; a < n; ++a) s += dy[a];
#pragma omp simd
    for (int64_t a = 0; a < n; ++a) dx[a] = dy[a] - fastExp(y[a]) * s;
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t a = 0; a < n; ++a) s += y[a] * dy[a];
#pragma omp simd
    for (int64_t a = 0; a < n; ++a) dx[a] = y[a] * (dy[a] - s);
  }
}

void backwardBlock(bool log, const float* y, const float* dy, float* dx, int64_t axis,
                   int64_t inner, float* s) {
  for (int64_t i = 0; i < inner; ++i) s[i] = 0;
  for (int64_t a = 0; a < axis; ++a) {
    const float* g = dy + a * inner;
    const float* q = y + a * inner;
    if (log) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) s[i] += g[i];
    } else {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) s[i] += q[i] * g[i];
    }
  }
  for (int64_t a = 0; a < axis; ++a) {
    const float* g = dy + a * inner;
    const float* q = y + a * inner;
    float* d = dx + a * inner;
    if (log) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) d[i] = g[i] - fastExp(q[i]) * s[i];
    } else {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) d[i] = q[i] * (g[i] - s[i]);
    }
  }
}

/**
 * Runs block(o0, o1, scratch) over outer indices [0, outer): on this thread, or split across the
 * team for very large arrays; `scratch` holds 2·inner floats private to the caller's thread.
 */
template <typename Blocks>
void forOuter(int64_t outer, int64_t perOuter, int64_t inner, Blocks blocks) {
  if (outer * perOuter < parallelMin() || numThreads() == 1 || outer < 2) {
    std::vector<float> scratch(inner > 1 ? size_t(2 * inner) : 0);
    blocks(int64_t(0), outer, scratch.data());
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), team = omp_get_num_threads();
    std::vector<float> scratch(inner > 1 ? size_t(2 * inner) : 0);
    blocks(outer * t / team, outer * (t + 1) / team, scratch.data());
  }
}

void readSizes(const Args& args, size_t at, int64_t& outer, int64_t& axis, int64_t& inner) {
  outer = args.i64(at);
  axis = args.i64(at + 1);
  inner = args.i64(at + 2);
  if (outer < 0 || axis < 0 || inner < 0) throw ArgError("softmax: negative size");
}

}  // namespace

// softmax(log, x, outer, axis, inner, y)
static void softmax(Args& args) {
  const bool log = args.boolean(0);
  const F32 x = args.f32(1), y = args.f32(5);
  int64_t outer, axis, inner;
  readSizes(args, 2, outer, axis, inner);
  const int64_t n = axis * inner;
  if (x.length < size_t(outer * n) || y.length < size_t(outer * n)) {
    throw ArgError("softmax: x or y is shorter than outer·axis·inner");
  }
  forOuter(outer, n, inner, [&](int64_t o0, int64_t o1, float* scratch) {
    for (int64_t o = o0; o < o1; ++o) {
      if (inner == 1) softmaxRow(log, x.data + o * n, y.data + o * n, axis);
      else softmaxBlock(log, x.data + o * n, y.data + o * n, axis, inner, scratch, scratch + inner);
    }
  });
}

// softmaxBackward(log, y, dy, outer, axis, inner, dx)
static void softmaxBackward(Args& args) {
  const bool log = args.boolean(0);
  const F32 y = args.f32(1), dy = args.f32(2), dx = args.f32(6);
  int64_t outer, axis, inner;
  readSizes(args, 3, outer, axis, inner);
  const int64_t n = axis * inner;
  if (y.length < size_t(outer * n) || dy.length < size_t(outer * n) ||
      dx.length < size_t(outer * n)) {
    throw ArgError("softmaxBackward: an array is shorter than outer·axis·inner");
  }
  forOuter(outer, n, inner, [&](int64_t o0, int64_t o1, float* scratch) {
    for (int64_t o = o0; o < o1; ++o) {
      const int64_t off = o * n;
      if (inner == 1) backwardRow(log, y.data + off, dy.data + off, dx.data + off, axis);
      else backwardBlock(log, y.data + off, dy.data + off, dx.data + off, axis, inner, scratch);
    }
  });
}

void registerSoftmax(napi_env env, napi_value exports) {
  exportKernel(env, exports, "softmax", softmax);
  exportKernel(env, exports, "softmaxBackward", softmaxBackward);
}

}  // namespace pegasus
