// Pooling and nearest upsampling over plain NCHW arrays for the native backend: window sums
// (average pooling, and nearest upsampling's backward), nearest upsampling (and average pooling's
// backward), and max pooling with its backward, all with non-overlapping k×k windows.
//
// NOTE: plain loops rather than oneDNN's pooling_max/pooling_avg/resampling primitives: on plain
// NCHW, oneDNN 2.6 runs its generic `simple_nchw` kernels, and a blocked layout (nChw16c) would
// need reorders costing as much as these memory-bound loops. Measured with bench/pool.ts (1
// thread, CPU time): 2×2 max pooling forward+backward on [256,48,32,32] 11 ms through our op vs
// 208 ms for the bare oneDNN primitives (workspace kept), average pooling 1.4 vs 17 ms and
// nearest upsampling 6.8 vs 85 ms on [64,128,16,16]. k = 2, the only size the models use, has
// its own branch-free loops that GCC vectorises.
#include <omp.h>

#include <cmath>
#include <cstring>

#include "common.h"

namespace pegasus {

namespace {

/** Calls planes(begin, end) over [0, nc): on this thread, or split across the team when large. */
template <typename Planes>
inline void forPlanes(int64_t nc, int64_t elementsPerPlane, Planes planes) {
  if (nc * elementsPerPlane < parallelMin() || numThreads() == 1 || nc < 2) {
    planes(int64_t(0), nc);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), team = omp_get_num_threads();
    planes(nc * t / team, nc * (t + 1) / team);
  }
}

/** max that propagates NaN (PyTorch's and the js kernel's rule: a NaN anywhere wins). */
inline float maxNaN(float m, float v) { return (v > m || v != v) ? v : m; }

struct Dims {
  int64_t nc, h, w, k, ho, wo;
};

/** Reads (nc, h, w, k) at `at` and checks that the window tiles at least one output. */
Dims readDims(const Args& a, size_t at, const char* op) {
  Dims d{a.i64(at), a.i64(at + 1), a.i64(at + 2), a.i64(at + 3), 0, 0};
  if (d.nc < 0 || d.h < 0 || d.w < 0 || d.k < 1) throw ArgError(std::string(op) + ": invalid sizes");
  d.ho = d.h / d.k;
  d.wo = d.w / d.k;
  return d;
}

void needLength(const F32& a, int64_t want, const char* op, const char* what) {
  if (a.length < size_t(want)) throw ArgError(std::string(op) + ": " + what + " is too short");
}

// ---- window sum (average pooling) ----

void sum2x2(const float* x, float* y, int64_t h, int64_t w, float scale, int64_t p0, int64_t p1) {
  const int64_t ho = h / 2, wo = w / 2;
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      const float* r0 = x + (p * h + 2 * i) * w;
      const float* r1 = r0 + w;
      float* out = y + (p * ho + i) * wo;
#pragma omp simd
      for (int64_t j = 0; j < wo; ++j) {
        out[j] = (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]) * scale;
      }
    }
  }
}

void sumKxK(const float* x, float* y, const Dims& d, float scale, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < d.ho; ++i) {
      float* out = y + (p * d.ho + i) * d.wo;
      for (int64_t j = 0; j < d.wo; ++j) out[j] = 0;
      for (int64_t a = 0; a < d.k; ++a) {
        const float* r = x + (p * d.h + i * d.k + a) * d.w;
        for (int64_t j = 0; j < d.wo; ++j) {
          for (int64_t b = 0; b < d.k; ++b) out[j] += r[j * d.k + b];
        }
      }
      for (int64_t j = 0; j < d.wo; ++j) out[j] *= scale;
    }
  }
}

// ---- nearest upsampling ----

void upsample2x(const float* x, float* y, int64_t h, int64_t w, float scale, int64_t p0,
                int64_t p1) {
  const int64_t wo = 2 * w;
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < h; ++i) {
      const float* in = x + (p * h + i) * w;
      float* r0 = y + (p * 2 * h + 2 * i) * wo;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) {
        r0[2 * j] = in[j] * scale;
        r0[2 * j + 1] = in[j] * scale;
      }
      std::memcpy(r0 + wo, r0, size_t(wo) * sizeof(float));
    }
  }
}

/** Here d.h, d.w are the (small) input's sizes; the output is [nc, h·k, w·k]. */
void upsampleK(const float* x, float* y, const Dims& d, float scale, int64_t p0, int64_t p1) {
  const int64_t wo = d.w * d.k;
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < d.h; ++i) {
      const float* in = x + (p * d.h + i) * d.w;
      float* first = y + (p * d.h * d.k + i * d.k) * wo;
      for (int64_t j = 0; j < d.w; ++j) {
        for (int64_t b = 0; b < d.k; ++b) first[j * d.k + b] = in[j] * scale;
      }
      for (int64_t a = 1; a < d.k; ++a) std::memcpy(first + a * wo, first, size_t(wo) * sizeof(float));
    }
  }
}

// ---- max pooling ----

void max2x2(const float* x, float* y, int64_t h, int64_t w, int64_t p0, int64_t p1) {
  const int64_t ho = h / 2, wo = w / 2;
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      const float* r0 = x + (p * h + 2 * i) * w;
      const float* r1 = r0 + w;
      float* out = y + (p * ho + i) * wo;
#pragma omp simd
      for (int64_t j = 0; j < wo; ++j) {
        out[j] = maxNaN(maxNaN(maxNaN(r0[2 * j], r0[2 * j + 1]), r1[2 * j]), r1[2 * j + 1]);
      }
    }
  }
}

void maxKxK(const float* x, float* y, const Dims& d, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < d.ho; ++i) {
      float* out = y + (p * d.ho + i) * d.wo;
      for (int64_t j = 0; j < d.wo; ++j) out[j] = -INFINITY;
      for (int64_t a = 0; a < d.k; ++a) {
        const float* r = x + (p * d.h + i * d.k + a) * d.w;
        for (int64_t j = 0; j < d.wo; ++j) {
          for (int64_t b = 0; b < d.k; ++b) out[j] = maxNaN(out[j], r[j * d.k + b]);
        }
      }
    }
  }
}

/**
 * The gradient goes to the first element of the window (row-major) that equals the maximum y,
 * recomputed from x and y instead of a stored argmax; a NaN window (y = NaN) gets none, like js.
 */
void max2x2Backward(const float* x, const float* y, const float* dy, float* dx, int64_t h,
                    int64_t w, int64_t p0, int64_t p1) {
  const int64_t ho = h / 2, wo = w / 2;
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      const float* r0 = x + (p * h + 2 * i) * w;
      const float* r1 = r0 + w;
      float* d0 = dx + (p * h + 2 * i) * w;
      float* d1 = d0 + w;
      const float* m = y + (p * ho + i) * wo;
      const float* g = dy + (p * ho + i) * wo;
      // NOTE: `left` is the gradient not yet handed out; selects only (no && chains, which
      // become branches) so that GCC vectorises the loop.
#pragma omp simd
      for (int64_t j = 0; j < wo; ++j) {
        float left = g[j];
        const float mj = m[j];
        const bool a = r0[2 * j] == mj;
        d0[2 * j] = a ? left : 0.0f;
        left = a ? 0.0f : left;
        const bool b = r0[2 * j + 1] == mj;
        d0[2 * j + 1] = b ? left : 0.0f;
        left = b ? 0.0f : left;
        const bool c = r1[2 * j] == mj;
        d1[2 * j] = c ? left : 0.0f;
        left = c ? 0.0f : left;
        d1[2 * j + 1] = r1[2 * j + 1] == mj ? left : 0.0f;
      }
    }
  }
}

void maxKxKBackward(const float* x, const float* y, const float* dy, float* dx, const Dims& d,
                    int64_t p0, int64_t p1) {
  std::memset(dx + p0 * d.h * d.w, 0, size_t((p1 - p0) * d.h * d.w) * sizeof(float));
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t i = 0; i < d.ho; ++i) {
      for (int64_t j = 0; j < d.wo; ++j) {
        const int64_t o = (p * d.ho + i) * d.wo + j;
        bool done = false;
        for (int64_t a = 0; a < d.k && !done; ++a) {
          const int64_t r = (p * d.h + i * d.k + a) * d.w + j * d.k;
          for (int64_t b = 0; b < d.k; ++b) {
            if (x[r + b] == y[o]) {
              dx[r + b] = dy[o];
              done = true;
              break;
            }
          }
        }
      }
    }
  }
}

}  // namespace

// pool2d(nc, h, w, k, x, y, scale): y[nc, h/k, w/k] = scale · window sums of x[nc, h, w]
static void pool2d(Args& args) {
  const Dims d = readDims(args, 0, "pool2d");
  const F32 x = args.f32(4), y = args.f32(5);
  const float scale = float(args.f64(6));
  needLength(x, d.nc * d.h * d.w, "pool2d", "x");
  needLength(y, d.nc * d.ho * d.wo, "pool2d", "y");
  const bool fast = d.k == 2 && d.h % 2 == 0 && d.w % 2 == 0;
  forPlanes(d.nc, d.h * d.w, [&](int64_t p0, int64_t p1) {
    if (fast) sum2x2(x.data, y.data, d.h, d.w, scale, p0, p1);
    else sumKxK(x.data, y.data, d, scale, p0, p1);
  });
}

// upsample2d(nc, h, w, k, x, y, scale): y[nc, h·k, w·k] = scale · x[nc, ⌊i/k⌋, ⌊j/k⌋]
static void upsample2d(Args& args) {
  const Dims d = readDims(args, 0, "upsample2d");
  const F32 x = args.f32(4), y = args.f32(5);
  const float scale = float(args.f64(6));
  needLength(x, d.nc * d.h * d.w, "upsample2d", "x");
  needLength(y, d.nc * d.h * d.w * d.k * d.k, "upsample2d", "y");
  forPlanes(d.nc, d.h * d.w * d.k * d.k, [&](int64_t p0, int64_t p1) {
    if (d.k == 2) upsample2x(x.data, y.data, d.h, d.w, scale, p0, p1);
    else upsampleK(x.data, y.data, d, scale, p0, p1);
  });
}

// maxPool2d(nc, h, w, k, x, y)
static void maxPool2d(Args& args) {
  const Dims d = readDims(args, 0, "maxPool2d");
  const F32 x = args.f32(4), y = args.f32(5);
  if (d.h % d.k != 0 || d.w % d.k != 0) throw ArgError("maxPool2d: k must divide h and w");
  needLength(x, d.nc * d.h * d.w, "maxPool2d", "x");
  needLength(y, d.nc * d.ho * d.wo, "maxPool2d", "y");
  forPlanes(d.nc, d.h * d.w, [&](int64_t p0, int64_t p1) {
    if (d.k == 2) max2x2(x.data, y.data, d.h, d.w, p0, p1);
    else maxKxK(x.data, y.data, d, p0, p1);
  });
}

// maxPool2dBackward(nc, h, w, k, x, y, dy, dx)
static void maxPool2dBackward(Args& args) {
  const Dims d = readDims(args, 0, "maxPool2dBackward");
  const F32 x = args.f32(4), y = args.f32(5), dy = args.f32(6), dx = args.f32(7);
  if (d.h % d.k != 0 || d.w % d.k != 0) throw ArgError("maxPool2dBackward: k must divide h and w");
  needLength(x, d.nc * d.h * d.w, "maxPool2dBackward", "x");
  needLength(dx, d.nc * d.h * d.w, "maxPool2dBackward", "dx");
  needLength(y, d.nc * d.ho * d.wo, "maxPool2dBackward", "y");
  needLength(dy, d.nc * d.ho * d.wo, "maxPool2dBackward", "dy");
  forPlanes(d.nc, d.h * d.w, [&](int64_t p0, int64_t p1) {
    if (d.k == 2) max2x2Backward(x.data, y.data, dy.data, dx.data, d.h, d.w, p0, p1);
    else maxKxKBackward(x.data, y.data, dy.data, dx.data, d, p0, p1);
  });
}

void registerPool(napi_env env, napi_value exports) {
  exportKernel(env, exports, "pool2d", pool2d);
  exportKernel(env, exports, "upsample2d", upsample2d);
  exportKernel(env, exports, "maxPool2d", maxPool2d);
  exportKernel(env, exports, "maxPool2dBackward", maxPool2dBackward);
}

}  // namespace pegasus
