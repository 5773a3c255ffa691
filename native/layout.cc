// Kernels that walk arrays by strides: broadcasting binary ops, reductions over one axis (and the
// backward of max), and permutations.
//
// Each first simplifies its index space (drops size-1 dimensions, merges dimensions that are
// contiguous for every operand), so the common cases — same shape, a scalar, a per-channel
// vector — end in one long unit-stride inner loop the compiler vectorises.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common.h"

namespace pegasus {

namespace {

enum class Binary { Add, Sub, Mul, Div };

Binary parseBinary(const std::string& s) {
  if (s == "add") return Binary::Add;
  if (s == "sub") return Binary::Sub;
  if (s == "mul") return Binary::Mul;
  if (s == "div") return Binary::Div;
  throw ArgError("binary: unknown op '" + s + "'");
}

template <Binary op>
inline float apply(float a, float b) {
  if constexpr (op == Binary::Add) return a + b;
  if constexpr (op == Binary::Sub) return a - b;
  if constexpr (op == Binary::Mul) return a * b;
  return a / b;
}

/** Output shape plus per-operand strides, simplified (see the file comment). */
struct Strided {
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides;  // one vector per operand
};

Strided simplify(const std::vector<int64_t>& shape, std::vector<std::vector<int64_t>> strides) {
  Strided s;
  s.strides.resize(strides.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool contiguous = !s.shape.empty();
    for (size_t k = 0; contiguous && k < strides.size(); ++k) {
      contiguous = s.strides[k].back() == strides[k][d] * shape[d];
    }
    if (contiguous) {
      s.shape.back() *= shape[d];
      for (size_t k = 0; k < strides.size(); ++k) s.strides[k].back() = strides[k][d];
    } else {
      s.shape.push_back(shape[d]);
      for (size_t k = 0; k < strides.size(); ++k) s.strides[k].push_back(strides[k][d]);
    }
  }
  if (s.shape.empty()) {
    s.shape.push_back(1);
    for (auto& st : s.strides) st.push_back(0);
  }
  return s;
}

template <Binary op>
void binaryLoop(const float* a, const float* b, float* out, const Strided& s) {
  const int64_t nd = int64_t(s.shape.size());
  const int64_t inner = s.shape[nd - 1];
  const int64_t sa = s.strides[0][nd - 1], sb = s.strides[1][nd - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d < nd - 1; ++d) rows *= s.shape[d];
#pragma omp parallel for schedule(static) if (rows * inner >= parallelMin() && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t offA = 0, offB = 0, rem = r;
    for (int64_t d = nd - 2; d >= 0; --d) {
      const int64_t i = rem % s.shape[d];
      rem /= s.shape[d];
      offA += i * s.strides[0][d];
      offB += i * s.strides[1][d];
    }
    const float* pa = a + offA;
    const float* pb = b + offB;
    float* po = out + r * inner;
    if (sa == 1 && sb == 1) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const float vb = *pb;
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i], vb);
    } else if (sa == 0 && sb == 1) {
      const float va = *pa;
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(va, pb[i]);
    } else if (sa == 0 && sb == 0) {
      // a value repeated along the row (the backward of a sum broadcasts dy back this way)
      const float v = apply<op>(*pa, *pb);
      std::fill(po, po + inner, v);
    } else {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i * sa], pb[i * sb]);
    }
  }
}

/** Splits a single long row so both threads get work (same-shape and scalar cases). */
template <Binary op>
void binaryRun(const float* a, const float* b, float* out, Strided s) {
  const size_t nd = s.shape.size();
  if (nd == 1 && s.shape[0] >= parallelMin()) {
    const int64_t block = 4096, n = s.shape[0];
    if (n % block == 0) {
      s.shape = {n / block, block};
      for (auto& st : s.strides) st = {st[0] * block, st[0]};
    }
  }
  binaryLoop<op>(a, b, out, s);
}

}  // namespace

// binary(op, a, aStrides, b, bStrides, out, outShape)
static void binary(Args& args) {
  const Binary op = parseBinary(args.str(0));
  const F32 a = args.f32(1), b = args.f32(3), out = args.f32(5);
  const std::vector<int64_t> aStrides = args.ints(2), bStrides = args.ints(4);
  const std::vector<int64_t> shape = args.ints(6);
  if (aStrides.size() != shape.size() || bStrides.size() != shape.size()) {
    throw ArgError("binary: strides and shape differ in rank");
  }
  int64_t total = 1, lastA = 0, lastB = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    total *= shape[d];
    lastA += (shape[d] - 1) * aStrides[d];
    lastB += (shape[d] - 1) * bStrides[d];
  }
  if (size_t(total) != out.length) throw ArgError("binary: out has the wrong length");
  if (total == 0) return;
  if (lastA >= int64_t(a.length) || lastB >= int64_t(b.length)) {
    throw ArgError("binary: strides reach past the end of an operand");
  }
  const Strided s = simplify(shape, {aStrides, bStrides});
  switch (op) {
    case Binary::Add: binaryRun<Binary::Add>(a.data, b.data, out.data, s); break;
    case Binary::Sub: binaryRun<Binary::Sub>(a.data, b.data, out.data, s); break;
    case Binary::Mul: binaryRun<Binary::Mul>(a.data, b.data, out.data, s); break;
    case Binary::Div: binaryRun<Binary::Div>(a.data, b.data, out.data, s); break;
  }
}

// reduce(op, x, outer, axis, inner, y): x viewed as [outer, axis, inner] → y[outer, inner].
// Sums accumulate in double (a loss over a whole batch must not drift).
static void reduce(Args& args) {
  const std::string op = args.str(0);
  const bool isMax = op == "max";
  if (!isMax && op != "sum") throw ArgError("reduce: unknown op '" + op + "'");
  const F32 x = args.f32(1), y = args.f32(5);
  const int64_t outer = args.i64(2), axis = args.i64(3), inner = args.i64(4);
  if (x.length != size_t(outer * axis * inner) || y.length != size_t(outer * inner)) {
    throw ArgError("reduce: an array has the wrong length");
  }
  if (axis == 0) {
    std::fill(y.data, y.data + y.length, isMax ? -INFINITY : 0.0f);
    return;
  }
  constexpr int64_t kBlock = 512;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (outer * axis * inner >= parallelMin())
  for (int64_t t = 0; t < outer * blocks; ++t) {
    const int64_t o = t / blocks, j0 = (t % blocks) * kBlock;
    const int64_t len = std::min(kBlock, inner - j0);
    const float* base = x.data + o * axis * inner + j0;
    float* dst = y.data + o * inner + j0;
    if (isMax) {
      std::memcpy(dst, base, size_t(len) * sizeof(float));
      for (int64_t k = 1; k < axis; ++k) {
        const float* row = base + k * inner;
        // NOTE: NaN wins, as in js and PyTorch (std::max would keep dst when row is NaN).
        for (int64_t j = 0; j < len; ++j) {
          const float v = row[j];
          dst[j] = (v > dst[j] || v != v) ? v : dst[j];
        }
      }
    } else if (inner == 1) {
      double acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t k = 0; k < axis; ++k) acc += base[k];
      dst[0] = float(acc);
    } else {
      double acc[kBlock] = {};
      for (int64_t k = 0; k < axis; ++k) {
        const float* row = base + k * inner;
        for (int64_t j = 0; j < len; ++j) acc[j] += row[j];
      }
      for (int64_t j = 0; j < len; ++j) dst[j] = float(acc[j]);
    }
  }
}

// reduceMaxBackward(x, y, dy, outer, axis, inner, dx): dy[o, i] goes to the first a where
// x[o, a, i] equals the max y[o, i] (PyTorch's max(dim) rule, as the js kernel); zero elsewhere.
// A NaN max matches nothing, so its gradient is dropped, like js.
static void reduceMaxBackward(Args& args) {
  const F32 x = args.f32(0), y = args.f32(1), dy = args.f32(2), dx = args.f32(6);
  const int64_t outer = args.i64(3), axis = args.i64(4), inner = args.i64(5);
  if (outer < 0 || axis < 0 || inner < 0) throw ArgError("reduceMaxBackward: negative size");
  if (x.length != size_t(outer * axis * inner) || dx.length != x.length ||
      y.length != size_t(outer * inner) || dy.length != y.length) {
    throw ArgError("reduceMaxBackward: an array has the wrong length");
  }
  std::memset(dx.data, 0, dx.length * sizeof(float));
#pragma omp parallel for schedule(static) if (outer * axis * inner >= parallelMin() && outer > 1)
  for (int64_t o = 0; o < outer; ++o) {
    const float* xo = x.data + o * axis * inner;
    float* dxo = dx.data + o * axis * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const float m = y.data[o * inner + i];
      for (int64_t a = 0; a < axis; ++a) {
        if (xo[a * inner + i] == m) {
          dxo[a * inner + i] = dy.data[o * inner + i];
          break;
        }
      }
    }
  }
}

// permute(x, shape, perm, y): y's dimension i is x's dimension perm[i].
static void permute(Args& args) {
  const F32 x = args.f32(0), y = args.f32(3);
  const std::vector<int64_t> shape = args.ints(1), perm = args.ints(2);
  const size_t nd = shape.size();
  if (perm.size() != nd) throw ArgError("permute: perm and shape differ in rank");
  std::vector<int64_t> xStride(nd, 1);
  for (size_t d = nd; d-- > 1;) xStride[d - 1] = xStride[d] * shape[d];
  std::vector<int64_t> outShape(nd), inStride(nd), outStride(nd, 1);
  std::vector<bool> seen(nd, false);
  for (size_t i = 0; i < nd; ++i) {
    if (perm[i] < 0 || size_t(perm[i]) >= nd || seen[size_t(perm[i])]) {
      throw ArgError("permute: perm is not a permutation");
    }
    seen[size_t(perm[i])] = true;
    outShape[i] = shape[size_t(perm[i])];
    inStride[i] = xStride[size_t(perm[i])];
  }
  for (size_t d = nd; d-- > 1;) outStride[d - 1] = outStride[d] * outShape[d];
  if (x.length != y.length || (nd > 0 && size_t(outStride[0] * outShape[0]) != x.length)) {
    throw ArgError("permute: arrays do not match the shape");
  }
  if (x.length == 0) return;
  const Strided s = simplify(outShape, {outStride, inStride});
  const int64_t k = int64_t(s.shape.size());
  const int64_t inner = s.shape[k - 1], si = s.strides[1][k - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d < k - 1; ++d) rows *= s.shape[d];
#pragma omp parallel for schedule(static) if (int64_t(x.length) >= parallelMin() && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0, rem = r;
    for (int64_t d = k - 2; d >= 0; --d) {
      off += (rem % s.shape[d]) * s.strides[1][d];
      rem /= s.shape[d];
    }
    const float* src = x.data + off;
    float* dst = y.data + r * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] = src[i * si];
  }
}

void registerLayout(napi_env env, napi_value exports) {
  exportKernel(env, exports, "binary", binary);
  exportKernel(env, exports, "reduce", reduce);
  exportKernel(env, exports, "reduceMaxBackward", reduceMaxBackward);
  exportKernel(env, exports, "permute", permute);
}

}  // namespace pegasus
