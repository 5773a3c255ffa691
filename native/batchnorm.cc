// Batch normalisation over x viewed as [n, c, hw] (Ioffe & Szegedy 2015), forward and backward,
// as OpenMP loops parallel over channels.
//
// NOTE: hand-written rather than oneDNN's batch_normalization because the contract exposes
// mean and 1/sqrt(var + eps) (oneDNN keeps the variance) and takes plain NCHW, which oneDNN's
// fast batch-norm kernels do not; at DCGAN sizes these loops are memory-bound either way.
// Per-channel sums accumulate in double so that large batches stay accurate.
#include <cmath>

#include "common.h"

namespace pegasus {

// batchNorm(n, c, hw, x, gamma|null, beta|null, eps, training, mean, invStd, y)
static void batchNorm(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const F32 x = args.f32(3), gamma = args.f32OrNull(4), beta = args.f32OrNull(5);
  const double eps = args.f64(6);
  const bool training = args.boolean(7);
  const F32 mean = args.f32(8), invStd = args.f32(9), y = args.f32(10);
  const size_t total = size_t(n * c * hw);
  if (x.length != total || y.length != total || mean.length != size_t(c) ||
      invStd.length != size_t(c) || (gamma.data && gamma.length != size_t(c)) ||
      (beta.data && beta.length != size_t(c))) {
    throw ArgError("batchNorm: an array has the wrong length");
  }
  const double count = double(n * hw);
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t ch = 0; ch < c; ++ch) {
    if (training) {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) {
        const float* p = x.data + (i * c + ch) * hw;
        float part = 0;
        for (int64_t j = 0; j < hw; ++j) part += p[j];
        s += part;
      }
      const double mu = s / count;
      double sq = 0;
      for (int64_t i = 0; i < n; ++i) {
        const float* p = x.data + (i * c + ch) * hw;
        const float m = float(mu);
        float part = 0;
        for (int64_t j = 0; j < hw; ++j) part += (p[j] - m) * (p[j] - m);
        sq += part;
      }
      mean.data[ch] = float(mu);
      invStd.data[ch] = float(1.0 / std::sqrt(sq / count + eps));
    }
    const float scale = invStd.data[ch] * (gamma.data ? gamma.data[ch] : 1.0f);
    const float shift = (beta.data ? beta.data[ch] : 0.0f) - mean.data[ch] * scale;
    for (int64_t i = 0; i < n; ++i) {
      const float* p = x.data + (i * c + ch) * hw;
      float* q = y.data + (i * c + ch) * hw;
#pragma omp simd
      for (int64_t j = 0; j < hw; ++j) q[j] = p[j] * scale + shift;
    }
  }
}

// batchNormBackward(n, c, hw, x, dy, gamma|null, mean, invStd, dx, dgamma|null, dbeta|null)
static void batchNormBackward(Args& args) {
  const int64_t n = args.i64(0), c = args.i64(1), hw = args.i64(2);
  const F32 x = args.f32(3), dy = args.f32(4), gamma = args.f32OrNull(5);
  const F32 mean = args.f32(6), invStd = args.f32(7), dx = args.f32(8);
  const F32 dgamma = args.f32OrNull(9), dbeta = args.f32OrNull(10);
  const size_t total = size_t(n * c * hw);
  if (x.length != total || dy.length != total || dx.length != total ||
      mean.length != size_t(c) || invStd.length != size_t(c) ||
      (gamma.data && gamma.length != size_t(c)) || (dgamma.data && dgamma.length != size_t(c)) ||
      (dbeta.data && dbeta.length != size_t(c))) {
    throw ArgError("batchNormBackward: an array has the wrong length");
  }
  const double count = double(n * hw);
#pragma omp parallel for schedule(static) if (total >= parallelMin())
  for (int64_t ch = 0; ch < c; ++ch) {
    const float mu = mean.data[ch], is = invStd.data[ch];
    double sumDy = 0, sumDyXhat = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* px = x.data + (i * c + ch) * hw;
      const float* pd = dy.data + (i * c + ch) * hw;
      float a = 0, b = 0;
      for (int64_t j = 0; j < hw; ++j) {
        a += pd[j];
        b += pd[j] * (px[j] - mu);
      }
      sumDy += a;
      sumDyXhat += b;
    }
    sumDyXhat *= is;  // Σ dy·x̂ with x̂ = (x − μ)·invStd
    if (dbeta.data) dbeta.data[ch] = float(sumDy);
    if (dgamma.data) dgamma.data[ch] = float(sumDyXhat);
    // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))
    const float g = gamma.data ? gamma.data[ch] : 1.0f;
    const float k = g * is;
    const float meanDy = float(sumDy / count);
    const float meanDyXhat = float(sumDyXhat / count);
    for (int64_t i = 0; i < n; ++i) {
      const float* px = x.data + (i * c + ch) * hw;
      const float* pd = dy.data + (i * c + ch) * hw;
      float* q = dx.data + (i * c + ch) * hw;
#pragma omp simd
      for (int64_t j = 0; j < hw; ++j) {
        q[j] = k * (pd[j] - meanDy - (px[j] - mu) * is * meanDyXhat);
      }
    }
  }
}

void registerBatchNorm(napi_env env, napi_value exports) {
  exportKernel(env, exports, "batchNorm", batchNorm);
  exportKernel(env, exports, "batchNormBackward", batchNormBackward);
}

}  // namespace pegasus
