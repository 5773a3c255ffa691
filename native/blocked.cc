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
// - batchNormBlocked / batchNormBackwardBlocked: batch.cc's batch norm on the blocked layout.
// - channelAffine / channelAffineBackward: y = x·scale[i,ch] + shift[i,ch], optionally followed
//   by ReLU — conditional batch norm's per-sample scale and shift (de Vries et al. 2017, Dumoulin
//   et al. 2017) and the ReLU after it, in one pass instead of three.
// - pool2dBlocked / upsample2dBlocked: pool.cc's window sum and nearest upsampling per plane,
//   with the b channels of a block as the innermost, vectorised, dimension.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "staging.h"

namespace pegasus {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

memory::format_tag blockedTag(int64_t block) {
  if (block == 1) return tag::nchw;
  if (block == 8) return tag::nChw8c;
  if (block == 16) return tag::nChw16c;
  throw ArgError("blocked layout: block must be 1, 8 or 16");
}

namespace {

int64_t blocksOf(int64_t c, int64_t b) { return (c + b - 1) / b; }

void needLength(const F32& a, int64_t want, const char* op, const char* what) {
  if (a.length != size_t(want)) throw ArgError(std::string(op) + ": " + what + " has the wrong length");
}

int64_t readBlock(const Args& a, size_t at, const char* op) {
  const int64_t b = a.i64(at);
  if (b != 1 && b != 8 && b != 16) throw ArgError(std::string(op) + ": block must be 1, 8 or 16");
  return b;
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

// batchNormBlocked(n, c, hw, block, x, eps, training, mean, invStd, y): no affine (a following
// channelAffine or the plain op's own scale supplies it); padded channels of y are zero.
static void batchNormBlocked(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "batchNormBlocked");
  const F32 x = args.f32(4);
  const double eps = args.f64(5);
  const bool training = args.boolean(6);
  const F32 mean = args.f32(7), invStd = args.f32(8), y = args.f32(9);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "batchNormBlocked", "x");
  needLength(y, total, "batchNormBlocked", "y");
  needLength(mean, c, "batchNormBlocked", "mean");
  needLength(invStd, c, "batchNormBlocked", "invStd");
  const double count = double(n * hw);
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t k = 0; k < cb; ++k) {
    const int64_t lanes = std::min<int64_t>(b, c - k * b);
    float scale[16], shift[16];
    if (training) {
      double s[16] = {0}, sq[16] = {0};
      for (int64_t i = 0; i < n; ++i) {
        const float* p = x.data + (i * cb + k) * hw * b;
        float part[16] = {0};
        for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
          for (int64_t l = 0; l < b; ++l) part[l] += p[j * b + l];
        }
        for (int64_t l = 0; l < b; ++l) s[l] += part[l];
      }
      float m[16];
      for (int64_t l = 0; l < b; ++l) m[l] = float(s[l] / count);
      for (int64_t i = 0; i < n; ++i) {
        const float* p = x.data + (i * cb + k) * hw * b;
        float part[16] = {0};
        for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
          for (int64_t l = 0; l < b; ++l) part[l] += (p[j * b + l] - m[l]) * (p[j * b + l] - m[l]);
        }
        for (int64_t l = 0; l < b; ++l) sq[l] += part[l];
      }
      for (int64_t l = 0; l < lanes; ++l) {
        mean.data[k * b + l] = m[l];
        invStd.data[k * b + l] = float(1.0 / std::sqrt(sq[l] / count + eps));
      }
    }
    for (int64_t l = 0; l < b; ++l) {
      const bool real = l < lanes;
      scale[l] = real ? invStd.data[k * b + l] : 0.0f;
      shift[l] = real ? -mean.data[k * b + l] * scale[l] : 0.0f;
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* p = x.data + (i * cb + k) * hw * b;
      float* q = y.data + (i * cb + k) * hw * b;
      for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
        for (int64_t l = 0; l < b; ++l) q[j * b + l] = p[j * b + l] * scale[l] + shift[l];
      }
    }
  }
}

// batchNormBackwardBlocked(n, c, hw, block, x, dy, mean, invStd, dx): training mode, no affine.
static void batchNormBackwardBlocked(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "batchNormBackwardBlocked");
  const F32 x = args.f32(4), dy = args.f32(5), mean = args.f32(6), invStd = args.f32(7);
  const F32 dx = args.f32(8);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "batchNormBackwardBlocked", "x");
  needLength(dy, total, "batchNormBackwardBlocked", "dy");
  needLength(dx, total, "batchNormBackwardBlocked", "dx");
  needLength(mean, c, "batchNormBackwardBlocked", "mean");
  needLength(invStd, c, "batchNormBackwardBlocked", "invStd");
  const double count = double(n * hw);
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t k = 0; k < cb; ++k) {
    const int64_t lanes = std::min<int64_t>(b, c - k * b);
    float mu[16], is[16];
    for (int64_t l = 0; l < b; ++l) {
      mu[l] = l < lanes ? mean.data[k * b + l] : 0.0f;
      is[l] = l < lanes ? invStd.data[k * b + l] : 0.0f;
    }
    double sumDy[16] = {0}, sumDyX[16] = {0};
    for (int64_t i = 0; i < n; ++i) {
      const float* px = x.data + (i * cb + k) * hw * b;
      const float* pd = dy.data + (i * cb + k) * hw * b;
      float a[16] = {0}, e[16] = {0};
      for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
        for (int64_t l = 0; l < b; ++l) {
          a[l] += pd[j * b + l];
          e[l] += pd[j * b + l] * (px[j * b + l] - mu[l]);
        }
      }
      for (int64_t l = 0; l < b; ++l) {
        sumDy[l] += a[l];
        sumDyX[l] += e[l];
      }
    }
    // dx = invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), x̂ = (x − μ)·invStd; zero on padded lanes
    float meanDy[16], coef[16];
    for (int64_t l = 0; l < b; ++l) {
      meanDy[l] = float(sumDy[l] / count);
      coef[l] = float(sumDyX[l] * is[l] / count) * is[l];
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* px = x.data + (i * cb + k) * hw * b;
      const float* pd = dy.data + (i * cb + k) * hw * b;
      float* q = dx.data + (i * cb + k) * hw * b;
      for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
        for (int64_t l = 0; l < b; ++l) {
          q[j * b + l] = is[l] * (pd[j * b + l] - meanDy[l] - (px[j * b + l] - mu[l]) * coef[l]);
        }
      }
    }
  }
}

namespace {

/** Runs body(i, k) for every (image, channel block), split across the team when large. */
template <typename Body>
void forImageBlocks(int64_t n, int64_t cb, int64_t total, Body body) {
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t ik = 0; ik < n * cb; ++ik) body(ik / cb, ik % cb);
}

}  // namespace

// channelAffine(n, c, hw, block, x, scale, shift, relu, y): y = x·scale[i,ch] + shift[i,ch]
// (then max(·, 0) when relu); scale and shift are [n, c]; padded channels of y are zero.
static void channelAffine(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "channelAffine");
  const F32 x = args.f32(4), scale = args.f32(5), shift = args.f32(6);
  const bool relu = args.boolean(7);
  const F32 y = args.f32(8);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "channelAffine", "x");
  needLength(y, total, "channelAffine", "y");
  needLength(scale, n * c, "channelAffine", "scale");
  needLength(shift, n * c, "channelAffine", "shift");
  const float floor = relu ? 0.0f : -INFINITY;
  forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
    const int64_t lanes = std::min<int64_t>(b, c - k * b);
    float s[16], t[16];
    for (int64_t l = 0; l < b; ++l) {
      s[l] = l < lanes ? scale.data[i * c + k * b + l] : 0.0f;
      t[l] = l < lanes ? shift.data[i * c + k * b + l] : 0.0f;
    }
    const float* p = x.data + (i * cb + k) * hw * b;
    float* q = y.data + (i * cb + k) * hw * b;
    if (b == 1) {
#pragma omp simd
      for (int64_t j = 0; j < hw; ++j) q[j] = std::max(p[j] * s[0] + t[0], floor);
      return;
    }
    for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
      for (int64_t l = 0; l < b; ++l) q[j * b + l] = std::max(p[j * b + l] * s[l] + t[l], floor);
    }
  });
}

// channelAffineBackward(n, c, hw, block, x, scale, y | null, dy, dx, dscale, dshift): with y
// given, the affine was followed by ReLU and dy passes only where y > 0. dscale[i,ch] = Σ g·x,
// dshift[i,ch] = Σ g, dx = g·scale (g the gradient after the ReLU).
static void channelAffineBackward(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const int64_t b = readBlock(args, 3, "channelAffineBackward");
  const F32 x = args.f32(4), scale = args.f32(5), y = args.f32OrNull(6), dy = args.f32(7);
  const F32 dx = args.f32(8), dscale = args.f32(9), dshift = args.f32(10);
  const int64_t cb = blocksOf(c, b), total = n * cb * hw * b;
  needLength(x, total, "channelAffineBackward", "x");
  needLength(dy, total, "channelAffineBackward", "dy");
  needLength(dx, total, "channelAffineBackward", "dx");
  if (y.data) needLength(y, total, "channelAffineBackward", "y");
  needLength(scale, n * c, "channelAffineBackward", "scale");
  needLength(dscale, n * c, "channelAffineBackward", "dscale");
  needLength(dshift, n * c, "channelAffineBackward", "dshift");
  forImageBlocks(n, cb, total, [&](int64_t i, int64_t k) {
    const int64_t lanes = std::min<int64_t>(b, c - k * b);
    float s[16];
    for (int64_t l = 0; l < b; ++l) s[l] = l < lanes ? scale.data[i * c + k * b + l] : 0.0f;
    const int64_t at = (i * cb + k) * hw * b;
    const float* px = x.data + at;
    const float* pd = dy.data + at;
    const float* py = y.data ? y.data + at : nullptr;
    float* q = dx.data + at;
    float gs[16] = {0}, gt[16] = {0};
    for (int64_t j = 0; j < hw; ++j) {
#pragma omp simd
      for (int64_t l = 0; l < b; ++l) {
        const float g = (py == nullptr || py[j * b + l] > 0) ? pd[j * b + l] : 0.0f;
        gs[l] += g * px[j * b + l];
        gt[l] += g;
        q[j * b + l] = g * s[l];
      }
    }
    for (int64_t l = 0; l < lanes; ++l) {
      dscale.data[i * c + k * b + l] = gs[l];
      dshift.data[i * c + k * b + l] = gt[l];
    }
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
#pragma omp parallel for schedule(static) if (planes * h * w * b >= parallelMin())
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      for (int64_t j = 0; j < wo; ++j) {
        float acc[16] = {0};
        for (int64_t a = 0; a < k; ++a) {
          const float* r = x.data + ((p * h + i * k + a) * w + j * k) * b;
          for (int64_t e = 0; e < k; ++e) {
#pragma omp simd
            for (int64_t l = 0; l < b; ++l) acc[l] += r[e * b + l];
          }
        }
        float* out = y.data + ((p * ho + i) * wo + j) * b;
#pragma omp simd
        for (int64_t l = 0; l < b; ++l) out[l] = acc[l] * scale;
      }
    }
  }
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
#pragma omp parallel for schedule(static) if (planes * ho * wo * b >= parallelMin())
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      const float* r = x.data + (p * h + i / k) * w * b;
      float* out = y.data + (p * ho + i) * wo * b;
      for (int64_t j = 0; j < wo; ++j) {
        const float* v = r + (j / k) * b;
#pragma omp simd
        for (int64_t l = 0; l < b; ++l) out[j * b + l] = v[l] * scale;
      }
    }
  }
}

void registerBlocked(napi_env env, napi_value exports) {
  exportKernel(env, exports, "reorderBlocked", reorderBlocked);
  exportKernel(env, exports, "batchNormBlocked", batchNormBlocked);
  exportKernel(env, exports, "batchNormBackwardBlocked", batchNormBackwardBlocked);
  exportKernel(env, exports, "channelAffine", channelAffine);
  exportKernel(env, exports, "channelAffineBackward", channelAffineBackward);
  exportKernel(env, exports, "pool2dBlocked", pool2dBlocked);
  exportKernel(env, exports, "upsample2dBlocked", upsample2dBlocked);
}

}  // namespace pegasus
