// Kernels over oneDNN's channel-blocked activation layout, so that the activations between
// convolutions can stay in the layout the convolution kernels want (no reorder in and out of
// every convolution, as PyTorch's mkldnn tensors and oneDNN's own examples do).
//
// The layout "nChw{b}c", b = 8 or 16: x[n][⌈c/b⌉][h][w][b], channel ch of image i at
// ((i·⌈c/b⌉ + ch/b)·hw + j)·b + ch%b. The channels past c (the padding of the last block) are zero,
// and every kernel here keeps them zero, because oneDNN's kernels read them. With b = 1 the same
// formula is plain NCHW, so channelAffine serves both layouts.
//
// - reorderBlocked: plain ↔ blocked (a cached oneDNN reorder).
// - channelAffine / channelAffineBackward: y = x·scale[i,ch] + shift[i,ch], optionally followed
//   by a ReLU or leaky ReLU — conditional batch norm's per-sample scale and shift (de Vries et al.
//   2017, Dumoulin et al. 2017) and the activation after it, in one pass instead of three.
// - batchNormAffine / batchNormAffineBackward: training-mode batch norm followed by a per-sample
//   affine (and optionally the activation) in two passes each way: conditional batch norm, or
//   batch norm + (leaky) ReLU, as one op.
// - pool2dBlocked / upsample2dBlocked: pool.cc's window sum and nearest upsampling per plane,
//   with the b channels of a block as the innermost, vectorised, dimension.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "staging.h"

namespace pegasus {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

void needLength(const F32& a, int64_t want, const char* op, const char* what) {
  if (a.length != size_t(want)) throw ArgError(std::string(op) + ": " + what + " has the wrong length");
}

/** The activation's negative slope at argument `at`, in [0, 1] (ArgError naming `op` otherwise). */
float readSlope(const Args& a, size_t at, const char* op) {
  const double v = a.f64(at);
  if (!(v >= 0.0 && v <= 1.0)) throw ArgError(std::string(op) + ": slope must be in [0, 1]");
  return float(v);
}

std::unordered_map<std::string, std::unique_ptr<dnnl::reorder>> reorders;

}  // namespace

// reorderBlocked(n, c, h, w, fromBlock, x, toBlock, y)
static void reorderBlocked(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), h = args.i64(2), w = args.i64(3);
  const int64_t from = readBlock(args, 4, "reorderBlocked");
  const F32 x = args.f32(5);
  const int64_t to = readBlock(args, 6, "reorderBlocked");
  const F32 y = args.f32(7);
  if (n < 1 || c < 1 || h < 1 || w < 1) throw ArgError("reorderBlocked: invalid sizes");
  needLength(x, n * blocksOf(c, from) * from * h * w, "reorderBlocked", "x");
  needLength(y, n * blocksOf(c, to) * to * h * w, "reorderBlocked", "y");
  const memory::desc src({n, c, h, w}, dt::f32, blockedTag(from));
  const memory::desc dst({n, c, h, w}, dt::f32, blockedTag(to));
  const std::string key = std::to_string(n) + ',' + std::to_string(c) + ',' + std::to_string(h) +
                          ',' + std::to_string(w) + ',' + std::to_string(from) + ',' +
                          std::to_string(to);
  auto it = reorders.find(key);
  if (it == reorders.end()) {
    if (reorders.size() >= 512) reorders.clear();
    it = reorders.emplace(key, std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(
                                   cpuEngine(), src, cpuEngine(), dst)))
             .first;
  }
  memory s(src, cpuEngine(), x.data), d(dst, cpuEngine(), y.data);
  it->second->execute(cpuStream(), s, d);
  cpuStream().wait();
}

void clearBlockedCache() { reorders.clear(); }

namespace {

/** Runs body(i, k) for every (image, channel block), split across the team when large. */
template <typename Body>
void forImageBlocks(int64_t n, int64_t cb, int64_t total, Body body) {
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t ik = 0; ik < n * cb; ++ik) body(ik / cb, ik % cb);
}

/** Calls f(std::integral_constant<int64_t, B>) for the block b, so that B is known at compile time. */
template <typename F>
void withBlock(int64_t b, F f) {
  if (b == 16) f(std::integral_constant<int64_t, 16>());
  else if (b == 8) f(std::integral_constant<int64_t, 8>());
  else f(std::integral_constant<int64_t, 1>());
}

/** The activation after an affine, v ↦ max(v, slope·v): 0 is ReLU (exact zeros), 1 none. */
inline float activate(float v, float slope) { return std::max(v, slope == 0.0f ? 0.0f : v * slope); }


/** What followed an affine, as far as its backward is concerned. */
enum class Act { None, Relu, Leaky };

/**
 * The gradient at i that reaches the affine: dy; through a ReLU (y its output) dy where y > 0 and
 * exactly 0 elsewhere; through a leaky ReLU slope·dy where y ≤ 0. A template parameter rather
 * than tests in the loop, which kept the loops from vectorising (up to 10× slower).
 */
template <Act A>
inline float gradAt(const float* py, const float* pd, int64_t i, float slope) {
  // NOTE: d is loaded unconditionally: a load inside the select became a masked load (slow on AMD)
  const float d = pd[i];
  if constexpr (A == Act::Relu) return py[i] > 0 ? d : 0.0f;
  else if constexpr (A == Act::Leaky) return py[i] > 0 ? d : d * slope;
  else return d;
}

/** Calls f(std::integral_constant<Act, A>) for the activation of y (null: none) and slope. */
template <typename F>
void withActivation(const float* py, float slope, F f) {
  if (py == nullptr) f(std::integral_constant<Act, Act::None>());
  else if (slope == 0.0f) f(std::integral_constant<Act, Act::Relu>());
  else f(std::integral_constant<Act, Act::Leaky>());
}

/**
 * One plane of B lanes × hw positions (p[j·B + l]): per lane Σ g and Σ g·(x − m[l]), g =
 * gradAt<A>; m null means 0. Batch norm passes its mean, so that a large mean does not cancel
 * digits away (Σ g·x − μ·Σ g would).
 */
template <int64_t B, Act A>
void maskedSums(const float* px, const float* pd, const float* py, float slope, const float* m,
                int64_t hw, float* g1, float* gx) {
  float mv[B];
  for (int64_t l = 0; l < B; ++l) mv[l] = m ? m[l] : 0.0f;
  if constexpr (B == 1) {
    float a = 0, e = 0;
    const float m0 = mv[0];
#pragma omp simd reduction(+ : a, e)
    for (int64_t j = 0; j < hw; ++j) {
      const float g = gradAt<A>(py, pd, j, slope);
      a += g;
      e += g * (px[j] - m0);
    }
    g1[0] = a;
    gx[0] = e;
  } else {
    float a[B] = {0}, e[B] = {0};
    for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
      for (int64_t l = 0; l < B; ++l) {
        const float g = gradAt<A>(py, pd, j * B + l, slope);
        a[l] += g;
        e[l] += g * (px[j * B + l] - mv[l]);
      }
    }
    for (int64_t l = 0; l < B; ++l) {
      g1[l] = a[l];
      gx[l] = e[l];
    }
  }
}

/** One plane: per lane Σ (x − k[l]) and Σ (x − k[l])², k a shift near the mean (the shifted-data variance). */
template <int64_t B>
void shiftedSums(const float* p, int64_t hw, const float* k, float* s1, float* s2) {
  float kv[B], a[B] = {0}, e[B] = {0};
  for (int64_t l = 0; l < B; ++l) kv[l] = k[l];
  for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
    for (int64_t l = 0; l < B; ++l) {
      const float d = p[j * B + l] - kv[l];
      a[l] += d;
      e[l] += d * d;
    }
  }
  for (int64_t l = 0; l < B; ++l) {
    s1[l] = a[l];
    s2[l] = e[l];
  }
}

/**
 * One plane of an affine's dx: q = g·gs[l] + (x − m[l])·xs[l] + t[l] with g = gradAt<A>; without
 * px (m, xs, t null) q = g·gs[l]. The lane factors are copied to locals so that the loop vectorises.
 */
template <int64_t B, Act A>
void gradPlane(const float* px, const float* py, const float* pd, float slope, int64_t hw,
               const float* gs, const float* m, const float* xs, const float* t, float* q) {
  float g[B], mv[B], x[B], c[B];
  for (int64_t l = 0; l < B; ++l) {
    g[l] = gs[l];
    mv[l] = px ? m[l] : 0.0f;
    x[l] = px ? xs[l] : 0.0f;
    c[l] = px ? t[l] : 0.0f;
  }
  if (px == nullptr) {
    for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
      for (int64_t l = 0; l < B; ++l) q[j * B + l] = gradAt<A>(py, pd, j * B + l, slope) * g[l];
    }
    return;
  }
  for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
    for (int64_t l = 0; l < B; ++l) {
      q[j * B + l] = gradAt<A>(py, pd, j * B + l, slope) * g[l] + (px[j * B + l] - mv[l]) * x[l] + c[l];
    }
  }
}

/** One plane: q = activate((p − m[l])·a[l] + t[l], slope); m null means 0. */
template <int64_t B>
void affinePlane(const float* p, float* q, int64_t hw, const float* m, const float* a, const float* t,
                 float slope) {
  if constexpr (B == 1) {
    const float m0 = m ? m[0] : 0.0f, a0 = a[0], t0 = t[0];
#pragma omp simd
    for (int64_t j = 0; j < hw; ++j) q[j] = activate((p[j] - m0) * a0 + t0, slope);
  } else {
    float mv[B], av[B], tv[B];
    for (int64_t l = 0; l < B; ++l) {
      mv[l] = m ? m[l] : 0.0f;
      av[l] = a[l];
      tv[l] = t[l];
    }
    for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
      for (int64_t l = 0; l < B; ++l) q[j * B + l] = activate((p[j * B + l] - mv[l]) * av[l] + tv[l], slope);
    }
  }
}

/** Per-lane values of [n, c] array `v` for image i and channel block k (0 on padded lanes). */
template <int64_t B>
void lanesOf(const float* v, int64_t i, int64_t c, int64_t k, float* out) {
  for (int64_t l = 0; l < B; ++l) {
    const int64_t ch = k * B + l;
    out[l] = ch < c ? v[i * c + ch] : 0.0f;
  }
}

}  // namespace

// channelAffine(n, c, hw, block, x, scale, shift, slope, y): y = activate(x·scale[i,ch] +
// shift[i,ch], slope) (slope 0: ReLU, 1: none); scale and shift are [n, c]; padded channels of y
// are zero.
static void channelAffine(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "channelAffine");
  const F32 x = args.f32(4), scale = args.f32(5), shift = args.f32(6);
  const float slope = readSlope(args, 7, "channelAffine");
  const F32 y = args.f32(8);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "channelAffine", "x");
  needLength(y, total, "channelAffine", "y");
  needLength(scale, n * c, "channelAffine", "scale");
  needLength(shift, n * c, "channelAffine", "shift");
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
    forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
      float s[B], t[B];
      lanesOf<B>(scale.data, i, c, k, s);
      lanesOf<B>(shift.data, i, c, k, t);
      const int64_t at = (i * cb + k) * hw * B;
      affinePlane<B>(x.data + at, y.data + at, hw, nullptr, s, t, slope);
    });
  });
}

// channelAffineBackward(n, c, hw, block, x, scale, y | null, slope, dy, dx, dscale, dshift): with
// y given, the affine was followed by activate(·, slope) and g = activationGrad(y, dy, slope),
// else g = dy. dscale[i,ch] = Σ g·x, dshift[i,ch] = Σ g, dx = g·scale.
static void channelAffineBackward(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "channelAffineBackward");
  const F32 x = args.f32(4), scale = args.f32(5), y = args.f32OrNull(6);
  const float slope = readSlope(args, 7, "channelAffineBackward");
  const F32 dy = args.f32(8), dx = args.f32(9), dscale = args.f32(10), dshift = args.f32(11);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "channelAffineBackward", "x");
  needLength(dy, total, "channelAffineBackward", "dy");
  needLength(dx, total, "channelAffineBackward", "dx");
  if (y.data) needLength(y, total, "channelAffineBackward", "y");
  needLength(scale, n * c, "channelAffineBackward", "scale");
  needLength(dscale, n * c, "channelAffineBackward", "dscale");
  needLength(dshift, n * c, "channelAffineBackward", "dshift");
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
    forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
      const int64_t lanes = std::min<int64_t>(B, c - k * B);
      float s[B], g1[B], gx[B];
      lanesOf<B>(scale.data, i, c, k, s);
      const int64_t at = (i * cb + k) * hw * B;
      const float* py = y.data ? y.data + at : nullptr;
      withActivation(py, slope, [&](auto act) {
        constexpr Act A = decltype(act)::value;
        maskedSums<B, A>(x.data + at, dy.data + at, py, slope, nullptr, hw, g1, gx);
        gradPlane<B, A>(nullptr, py, dy.data + at, slope, hw, s, nullptr, nullptr, nullptr, dx.data + at);
      });
      for (int64_t l = 0; l < lanes; ++l) {
        dscale.data[i * c + k * B + l] = gx[l];
        dshift.data[i * c + k * B + l] = g1[l];
      }
    });
  });
}

// batchNormAffine(n, c, hw, block, x, scale, shift, slope, eps, mean, invStd, y): the batch's
// per-channel mean and 1/sqrt(var + eps) (biased variance, from the sums of x − k and (x − k)², k
// the channel's first value, in one pass) into mean and invStd, then y = activate(x̂·scale[i,ch] +
// shift[i,ch], slope), x̂ the normalised x, in a second pass; any block, 1 meaning plain NCHW.
// Padded channels of y are zero.
static void batchNormAffine(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "batchNormAffine");
  const F32 x = args.f32(4), scale = args.f32(5), shift = args.f32(6);
  const float slope = readSlope(args, 7, "batchNormAffine");
  const double eps = args.f64(8);
  const F32 mean = args.f32(9), invStd = args.f32(10), y = args.f32(11);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "batchNormAffine", "x");
  needLength(y, total, "batchNormAffine", "y");
  needLength(scale, n * c, "batchNormAffine", "scale");
  needLength(shift, n * c, "batchNormAffine", "shift");
  needLength(mean, c, "batchNormAffine", "mean");
  needLength(invStd, c, "batchNormAffine", "invStd");
  const double count = double(n * hw);
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
    // pass 1: per channel Σ(x − k) and Σ(x − k)² with k the channel's first value (float within
    // an image's plane, double across images): mean = k + Σ(x − k)/count, and the variance without
    // the cancellation of Σx²/count − mean² when the mean is large against the spread
#pragma omp parallel for schedule(static) if (total >= parallelMin())
    for (int64_t k = 0; k < cb; ++k) {
      const int64_t lanes = std::min<int64_t>(B, c - k * B);
      float shift0[B];
      for (int64_t l = 0; l < B; ++l) shift0[l] = x.data[k * hw * B + l];
      double s[B] = {0}, sq[B] = {0};
      for (int64_t i = 0; i < n; ++i) {
        float ps[B], pq[B];
        shiftedSums<B>(x.data + (i * cb + k) * hw * B, hw, shift0, ps, pq);
        for (int64_t l = 0; l < B; ++l) {
          s[l] += ps[l];
          sq[l] += pq[l];
        }
      }
      for (int64_t l = 0; l < lanes; ++l) {
        const double d = s[l] / count;
        const double var = std::max(sq[l] / count - d * d, 0.0);
        mean.data[k * B + l] = float(shift0[l] + d);
        invStd.data[k * B + l] = float(1.0 / std::sqrt(var + eps));
      }
    }
    // pass 2: y = (x − mean)·a + shift with a = invStd·scale
    forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
      const int64_t lanes = std::min<int64_t>(B, c - k * B);
      float m[B], a[B], t[B];
      for (int64_t l = 0; l < B; ++l) {
        const int64_t ch = k * B + l;
        const bool real = l < lanes;
        m[l] = real ? mean.data[ch] : 0.0f;
        a[l] = real ? invStd.data[ch] * scale.data[i * c + ch] : 0.0f;
        t[l] = real ? shift.data[i * c + ch] : 0.0f;
      }
      const int64_t at = (i * cb + k) * hw * B;
      affinePlane<B>(x.data + at, y.data + at, hw, m, a, t, slope);
    });
  });
}

// batchNormAffineBackward(n, c, hw, block, x, scale, y | null, slope, dy, mean, invStd, dx,
// dscale, dshift): g = activationGrad(y, dy, slope) when y is given (the forward had an
// activation), else dy.
// dshift[i,ch] = Σ g, dscale[i,ch] = Σ g·x̂, and with dx̂ = g·scale, per channel
// dx = invStd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) — all from Σ g and Σ g·(x − μ) per (image, channel).
static void batchNormAffineBackward(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "batchNormAffineBackward");
  const F32 x = args.f32(4), scale = args.f32(5), y = args.f32OrNull(6);
  const float slope = readSlope(args, 7, "batchNormAffineBackward");
  const F32 dy = args.f32(8), mean = args.f32(9), invStd = args.f32(10), dx = args.f32(11);
  const F32 dscale = args.f32(12), dshift = args.f32(13);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "batchNormAffineBackward", "x");
  needLength(dy, total, "batchNormAffineBackward", "dy");
  needLength(dx, total, "batchNormAffineBackward", "dx");
  if (y.data) needLength(y, total, "batchNormAffineBackward", "y");
  needLength(scale, n * c, "batchNormAffineBackward", "scale");
  needLength(dscale, n * c, "batchNormAffineBackward", "dscale");
  needLength(dshift, n * c, "batchNormAffineBackward", "dshift");
  needLength(mean, c, "batchNormAffineBackward", "mean");
  needLength(invStd, c, "batchNormAffineBackward", "invStd");
  const double count = double(n * hw);
  std::vector<float> meanDxh(static_cast<size_t>(c)), meanDxhXh(static_cast<size_t>(c));
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
    // pass 1: Σ g and Σ g·(x − μ) per (image, channel); dscale becomes Σ g·x̂ = invStd·Σ g·(x − μ)
    forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
      const int64_t lanes = std::min<int64_t>(B, c - k * B);
      const int64_t at = (i * cb + k) * hw * B;
      float g1[B], gx[B], m[B];
      for (int64_t l = 0; l < B; ++l) m[l] = l < lanes ? mean.data[k * B + l] : 0.0f;
      const float* py = y.data ? y.data + at : nullptr;
      withActivation(py, slope, [&](auto act) {
        maskedSums<B, decltype(act)::value>(x.data + at, dy.data + at, py, slope, m, hw, g1, gx);
      });
      for (int64_t l = 0; l < lanes; ++l) {
        const int64_t ch = k * B + l;
        dshift.data[i * c + ch] = g1[l];
        dscale.data[i * c + ch] = invStd.data[ch] * gx[l];
      }
    });
    // per channel: mean(dx̂) and mean(dx̂·x̂)
    for (int64_t ch = 0; ch < c; ++ch) {
      double a = 0, e = 0;
      for (int64_t i = 0; i < n; ++i) {
        a += double(scale.data[i * c + ch]) * dshift.data[i * c + ch];
        e += double(scale.data[i * c + ch]) * dscale.data[i * c + ch];
      }
      meanDxh[size_t(ch)] = float(a / count);
      meanDxhXh[size_t(ch)] = float(e / count);
    }
    // pass 2: dx = invStd·(g·scale − mean(dx̂)) − (x − μ)·invStd²·mean(dx̂·x̂)
    forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
      const int64_t lanes = std::min<int64_t>(B, c - k * B);
      float gs[B], m[B], xs[B], t[B];
      for (int64_t l = 0; l < B; ++l) {
        const int64_t ch = k * B + l;
        const bool real = l < lanes;
        const float is = real ? invStd.data[ch] : 0.0f;
        gs[l] = real ? is * scale.data[i * c + ch] : 0.0f;
        m[l] = real ? mean.data[ch] : 0.0f;
        xs[l] = real ? -is * is * meanDxhXh[size_t(ch)] : 0.0f;
        t[l] = real ? -is * meanDxh[size_t(ch)] : 0.0f;
      }
      const int64_t at = (i * cb + k) * hw * B;
      const float* px = x.data + at;
      const float* pd = dy.data + at;
      const float* py = y.data ? y.data + at : nullptr;
      withActivation(py, slope, [&](auto act) {
        gradPlane<B, decltype(act)::value>(px, py, pd, slope, hw, gs, m, xs, t, dx.data + at);
      });
    });
  });
}

// pool2dBlocked(planes, h, w, k, block, x, y, scale): y[p, h/k, w/k, b] = scale·Σ x over k×k.
static void pool2dBlocked(Args& args) {
  const int64_t planes = args.i64(0), h = args.i64(1), w = args.i64(2), k = args.i64(3);
  const int64_t b = readBlock(args, 4, "pool2dBlocked");
  const F32 x = args.f32(5), y = args.f32(6);
  const float scale = float(args.f64(7));
  if (planes < 0 || h < 1 || w < 1 || k < 1 || h % k != 0 || w % k != 0) {
    throw ArgError("pool2dBlocked: invalid sizes");
  }
  const int64_t ho = h / k, wo = w / k;
  needLength(x, planes * h * w * b, "pool2dBlocked", "x");
  needLength(y, planes * ho * wo * b, "pool2dBlocked", "y");
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
#pragma omp parallel for schedule(static) if (planes * h * w * B >= parallelMin())
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t i = 0; i < ho; ++i) {
        for (int64_t j = 0; j < wo; ++j) {
          float acc[B] = {0};
          for (int64_t a = 0; a < k; ++a) {
            const float* r = x.data + ((p * h + i * k + a) * w + j * k) * B;
            for (int64_t e = 0; e < k; ++e) {
#pragma omp simd
              for (int64_t l = 0; l < B; ++l) acc[l] += r[e * B + l];
            }
          }
          float* out = y.data + ((p * ho + i) * wo + j) * B;
#pragma omp simd
          for (int64_t l = 0; l < B; ++l) out[l] = acc[l] * scale;
        }
      }
    }
  });
}

// upsample2dBlocked(planes, h, w, k, block, x, y, scale): y[p, h·k, w·k, b] = scale·x[p, i/k, j/k].
static void upsample2dBlocked(Args& args) {
  const int64_t planes = args.i64(0), h = args.i64(1), w = args.i64(2), k = args.i64(3);
  const int64_t b = readBlock(args, 4, "upsample2dBlocked");
  const F32 x = args.f32(5), y = args.f32(6);
  const float scale = float(args.f64(7));
  if (planes < 0 || h < 1 || w < 1 || k < 1) throw ArgError("upsample2dBlocked: invalid sizes");
  const int64_t ho = h * k, wo = w * k;
  needLength(x, planes * h * w * b, "upsample2dBlocked", "x");
  needLength(y, planes * ho * wo * b, "upsample2dBlocked", "y");
  withBlock(b, [&](auto block) {
    constexpr int64_t B = decltype(block)::value;
#pragma omp parallel for schedule(static) if (planes * ho * wo * B >= parallelMin())
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t i = 0; i < ho; ++i) {
        const float* r = x.data + (p * h + i / k) * w * B;
        float* out = y.data + (p * ho + i) * wo * B;
        for (int64_t j = 0; j < wo; ++j) {
          const float* v = r + (j / k) * B;
#pragma omp simd
          for (int64_t l = 0; l < B; ++l) out[j * B + l] = v[l] * scale;
        }
      }
    }
  });
}

void registerBlocked(napi_env env, napi_value exports) {
  exportKernel(env, exports, "reorderBlocked", reorderBlocked);
  exportKernel(env, exports, "channelAffine", channelAffine);
  exportKernel(env, exports, "channelAffineBackward", channelAffineBackward);
  exportKernel(env, exports, "batchNormAffine", batchNormAffine);
  exportKernel(env, exports, "batchNormAffineBackward", batchNormAffineBackward);
  exportKernel(env, exports, "pool2dBlocked", pool2dBlocked);
  exportKernel(env, exports, "upsample2dBlocked", upsample2dBlocked);
}

}  // namespace pegasus
