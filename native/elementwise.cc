// Element-wise kernels for the native backend: unary functions and their derivatives, and the
// Adam update. Plain loops the compiler vectorises, spread over OpenMP threads when the array is
// large enough to pay for waking them.
#include <cmath>
#include <cstring>

#include "common.h"

namespace pegasus {

namespace {

/** Below this many elements a parallel region costs more than it saves. */
constexpr int64_t kParallelMin = 1 << 15;

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

inline float sigmoidf(float v) { return 1.0f / (1.0f + std::exp(-v)); }

template <Unary op>
inline float unaryValue(float v, float alpha) {
  if constexpr (op == Unary::Neg) return -v;
  if constexpr (op == Unary::Abs) return std::fabs(v);
  if constexpr (op == Unary::Relu) return v > 0 ? v : 0.0f;
  if constexpr (op == Unary::LeakyRelu) return v > 0 ? v : alpha * v;
  if constexpr (op == Unary::Tanh) return std::tanh(v);
  if constexpr (op == Unary::Sigmoid) return sigmoidf(v);
  if constexpr (op == Unary::Silu) return v * sigmoidf(v);
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
  if constexpr (op == Unary::Abs) return x > 0 ? g : (x < 0 ? -g : 0.0f);
  if constexpr (op == Unary::Relu) return x > 0 ? g : 0.0f;
  if constexpr (op == Unary::LeakyRelu) return x > 0 ? g : alpha * g;
  if constexpr (op == Unary::Tanh) return g * (1.0f - y * y);
  if constexpr (op == Unary::Sigmoid) return g * y * (1.0f - y);
  if constexpr (op == Unary::Silu) {
    const float s = sigmoidf(x);
    return g * (s + x * s * (1.0f - s));
  }
  if constexpr (op == Unary::Exp) return g * y;
  if constexpr (op == Unary::Log) return g / x;
  if constexpr (op == Unary::Sqrt) return g * 0.5f / y;
  if constexpr (op == Unary::Pow) return g * alpha * std::pow(x, alpha - 1.0f);
  return g;
}

// NOTE: plain loops over raw pointers (no lambdas) so that GCC vectorises them; `omp simd`
// promises no loop-carried dependence, which also holds for in-place calls (y == x).
template <Unary op>
void unaryLoop(const float* x, float* y, int64_t n, float alpha) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = unaryValue<op>(x[i], alpha);
}

template <Unary op>
void unaryBackwardLoop(const float* x, const float* y, const float* dy, float* dx, int64_t n,
                       float alpha) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) dx[i] = unaryGrad<op>(x[i], y[i], dy[i], alpha);
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
  const float stepSize = float(lr / bc1), invSqrtBc2 = float(1.0 / std::sqrt(bc2));
  const float b1 = float(beta1), b2 = float(beta2), e = float(eps);
  const float l2 = decoupled ? 0.0f : float(wd);
  const float shrink = decoupled ? float(1.0 - lr * wd) : 1.0f;
  float *P = p.data, *M = m.data, *V = v.data;
  const float* G = g.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = G[i] + l2 * P[i];
    const float mi = b1 * M[i] + (1.0f - b1) * gi;
    const float vi = b2 * V[i] + (1.0f - b2) * gi * gi;
    M[i] = mi;
    V[i] = vi;
    P[i] = P[i] * shrink - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + e);
  }
}

void registerElementwise(napi_env env, napi_value exports) {
  exportKernel(env, exports, "unary", unary);
  exportKernel(env, exports, "unaryBackward", unaryBackward);
  exportKernel(env, exports, "adam", adam);
}

}  // namespace pegasus
