// Element-wise kernels for the native backend: unary functions and their derivatives, and the
// Adam update. Plain loops the compiler vectorises, spread over OpenMP threads when the array is
// large enough to pay for waking them.
#include <cmath>
#include <cstring>

#include <omp.h>

#include "common.h"
#include "fastmath.h"

namespace pegasus {

namespace {

enum class Unary { Neg, Abs, Relu, LeakyRelu, Tanh, Sigmoid, Silu, Exp, Log, Sqrt, Pow };

Unary parseUnary(const std::string& s) {
  static const struct {
    const char* name;
    Unary op;
  } table[] = {{"neg", Unary::Neg},         {"abs", Unary::Abs},   {"relu", Unary::Relu},
               {"leakyRelu", Unary::LeakyRelu}, {"tanh", Unary::Tanh}, {"sigmoid", Unary::Sigmoid},
               {"silu", Unary::Silu},       {"exp", Unary::Exp},   {"log", Unary::Log},
               {"sqrt", Unary::Sqrt},       {"powScalar", Unary::Pow}};
  for (const auto& e : table) {
    if (s == e.name) return e.op;
  }
  throw ArgError("unary: unknown op '" + s + "'");
}


template <Unary op>
inline float unaryValue(float v, float alpha) {
  if constexpr (op == Unary::Neg) return -v;
  if constexpr (op == Unary::Abs) return std::fabs(v);
  if constexpr (op == Unary::Relu) return std::max(v, 0.0f);
  if constexpr (op == Unary::LeakyRelu) return std::max(v, 0.0f) + alpha * std::min(v, 0.0f);
  if constexpr (op == Unary::Tanh) return fastTanh(v);
  if constexpr (op == Unary::Sigmoid) return fastSigmoid(v);
  if constexpr (op == Unary::Silu) return v * fastSigmoid(v);
  if constexpr (op == Unary::Exp) return std::exp(v);
  if constexpr (op == Unary::Log) return std::log(v);
  if constexpr (op == Unary::Sqrt) return std::sqrt(v);
  if constexpr (op == Unary::Pow) return std::pow(v, alpha);
  return v;
}

/** dy·f′(x), given x and y = f(x). */
template <Unary op>
inline float unaryGrad(float x, float y, float g, float alpha) {
  if constexpr (op == Unary::Neg) return -g;
  if constexpr (op == Unary::Abs) return g * float((x > 0) - (x < 0));
  if constexpr (op == Unary::Relu) return x > 0 ? g : 0.0f;
  if constexpr (op == Unary::LeakyRelu) return g * (x > 0 ? 1.0f : alpha);
  if constexpr (op == Unary::Tanh) return g * (1.0f - y * y);
  if constexpr (op == Unary::Sigmoid) return g * y * (1.0f - y);
  if constexpr (op == Unary::Silu) {
    const float s = fastSigmoid(x);
    return g * (s + x * s * (1.0f - s));
  }
  if constexpr (op == Unary::Exp) return g * y;
  if constexpr (op == Unary::Log) return g / x;
  if constexpr (op == Unary::Sqrt) return g * 0.5f / y;
  if constexpr (op == Unary::Pow) return g * alpha * std::pow(x, alpha - 1.0f);
  return g;
}

/**
 * Calls range(begin, end) over [0, n): once on this thread for ordinary sizes, split across the
 * OpenMP team for very large arrays.
 * NOTE: each range is a plain `omp simd` loop over raw pointers in its own function; GCC
 * vectorised neither lambdas over captured pointers nor `parallel for simd` run with a false `if`.
 */
template <typename Range>
inline void forChunks(int64_t n, Range range) {
  if (n < parallelMin() || numThreads() == 1) {
    range(int64_t(0), n);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), team = omp_get_num_threads();
    range(n * t / team, n * (t + 1) / team);
  }
}

template <Unary op>
void unaryRange(const float* x, float* y, int64_t begin, int64_t end, float alpha) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) y[i] = unaryValue<op>(x[i], alpha);
}

template <Unary op>
void unaryBackwardRange(const float* x, const float* y, const float* dy, float* dx, int64_t begin,
                        int64_t end, float alpha) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) dx[i] = unaryGrad<op>(x[i], y[i], dy[i], alpha);
}

template <Unary op>
void unaryLoop(const float* x, float* y, int64_t n, float alpha) {
  forChunks(n, [=](int64_t b, int64_t e) { unaryRange<op>(x, y, b, e, alpha); });
}

template <Unary op>
void unaryBackwardLoop(const float* x, const float* y, const float* dy, float* dx, int64_t n,
                       float alpha) {
  forChunks(n, [=](int64_t b, int64_t e) { unaryBackwardRange<op>(x, y, dy, dx, b, e, alpha); });
}

struct AdamCoefficients {
  float b1, b2, e, l2, shrink, stepSize, invSqrtBc2;
};

void adamRange(float* P, const float* G, float* M, float* V, int64_t begin, int64_t end,
               AdamCoefficients c) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const float gi = G[i] + c.l2 * P[i];
    const float mi = c.b1 * M[i] + (1.0f - c.b1) * gi;
    const float vi = c.b2 * V[i] + (1.0f - c.b2) * gi * gi;
    M[i] = mi;
    V[i] = vi;
    P[i] = P[i] * c.shrink - c.stepSize * mi / (std::sqrt(vi) * c.invSqrtBc2 + c.e);
  }
}

#define PEGASUS_UNARY_DISPATCH(FN, ...)                      \
  switch (op) {                                              \
    case Unary::Neg: FN<Unary::Neg>(__VA_ARGS__); break;     \
    case Unary::Abs: FN<Unary::Abs>(__VA_ARGS__); break;     \
    case Unary::Relu: FN<Unary::Relu>(__VA_ARGS__); break;   \
    case Unary::LeakyRelu: FN<Unary::LeakyRelu>(__VA_ARGS__); break; \
    case Unary::Tanh: FN<Unary::Tanh>(__VA_ARGS__); break;   \
    case Unary::Sigmoid: FN<Unary::Sigmoid>(__VA_ARGS__); break; \
    case Unary::Silu: FN<Unary::Silu>(__VA_ARGS__); break;   \
    case Unary::Exp: FN<Unary::Exp>(__VA_ARGS__); break;     \
    case Unary::Log: FN<Unary::Log>(__VA_ARGS__); break;     \
    case Unary::Sqrt: FN<Unary::Sqrt>(__VA_ARGS__); break;   \
    case Unary::Pow: FN<Unary::Pow>(__VA_ARGS__); break;     \
  }

}  // namespace

// unary(op, x, y, alpha)
static void unary(Args& args) {
  const Unary op = parseUnary(args.str(0));
  const F32 x = args.f32(1), y = args.f32(2);
  const float alpha = float(args.f64(3));
  if (x.length != y.length) throw ArgError("unary: x and y differ in length");
  PEGASUS_UNARY_DISPATCH(unaryLoop, x.data, y.data, int64_t(x.length), alpha)
}

// unaryBackward(op, x, y, dy, dx, alpha)
static void unaryBackward(Args& args) {
  const Unary op = parseUnary(args.str(0));
  const F32 x = args.f32(1), y = args.f32(2), dy = args.f32(3), dx = args.f32(4);
  const float alpha = float(args.f64(5));
  if (x.length != dx.length || y.length != dx.length || dy.length != dx.length) {
    throw ArgError("unaryBackward: arrays differ in length");
  }
  PEGASUS_UNARY_DISPATCH(unaryBackwardLoop, x.data, y.data, dy.data, dx.data,
                         int64_t(dx.length), alpha)
}

// adam(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step)
// Kingma & Ba 2015, Algorithm 1, in PyTorch's arrangement of the bias corrections;
// Loshchilov & Hutter 2019 for the decoupled weight decay (AdamW).
static void adam(Args& args) {
  const F32 p = args.f32(0), g = args.f32(1), m = args.f32(2), v = args.f32(3);
  const double lr = args.f64(4), beta1 = args.f64(5), beta2 = args.f64(6), eps = args.f64(7);
  const double wd = args.f64(8);
  const bool decoupled = args.boolean(9);
  const double step = args.f64(10);
  const int64_t n = int64_t(p.length);
  if (g.length != p.length || m.length != p.length || v.length != p.length) {
    throw ArgError("adam: param, grad, m and v differ in length");
  }
  const double bc1 = 1.0 - std::pow(beta1, step), bc2 = 1.0 - std::pow(beta2, step);
  AdamCoefficients c;
  c.b1 = float(beta1);
  c.b2 = float(beta2);
  c.e = float(eps);
  c.l2 = decoupled ? 0.0f : float(wd);             // Adam: weight decay as an L2 gradient term
  c.shrink = decoupled ? float(1.0 - lr * wd) : 1.0f;  // AdamW: decay the weight itself
  c.stepSize = float(lr / bc1);
  c.invSqrtBc2 = float(1.0 / std::sqrt(bc2));
  float *P = p.data, *M = m.data, *V = v.data;
  const float* G = g.data;
  forChunks(n, [=](int64_t b, int64_t e) { adamRange(P, G, M, V, b, e, c); });
}

void registerElementwise(napi_env env, napi_value exports) {
  exportKernel(env, exports, "unary", unary);
  exportKernel(env, exports, "unaryBackward", unaryBackward);
  exportKernel(env, exports, "adam", adam);
}

}  // namespace pegasus
