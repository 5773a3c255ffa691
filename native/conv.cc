// 2-D convolution for the native backend: forward (optionally with a leaky ReLU: a post-op, or
// with Winograd, which takes none, a pass of its own right after), backward data, backward
// weights (+bias), over oneDNN convolution primitives.
//
// Each primitive is created with `format_tag::any`, so oneDNN picks its fastest (blocked) layout,
// and runs Winograd or direct as conv_algorithm.h decides for its geometry;
// the plain NCHW/OIHW arrays from TypeScript are reordered into it and back inside the call, as
// PyTorch does. Creating a primitive costs far more than running one at our sizes, so they are
// cached by geometry (engine-notes.md: ~200 GFLOP/s blocked vs ~60 with plain layouts).
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "common.h"
#include "conv_algorithm.h"
#include "staging.h"

namespace pegasus {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

/** Conv2dGeometry of backend.ts, read from 13 consecutive integer arguments. */
struct Geometry {
  int64_t n, cIn, hIn, wIn, cOut, kH, kW, strideH, strideW, padH, padW, hOut, wOut;

  static Geometry read(const Args& a, size_t at) {
    Geometry g{};
    int64_t* f[] = {&g.n,       &g.cIn,     &g.hIn,  &g.wIn,  &g.cOut, &g.kH,  &g.kW,
                    &g.strideH, &g.strideW, &g.padH, &g.padW, &g.hOut, &g.wOut};
    for (size_t i = 0; i < 13; ++i) *f[i] = a.i64(at + i);
    for (size_t i = 0; i < 13; ++i) {
      if (*f[i] < (i >= 9 && i <= 10 ? 0 : 1)) throw ArgError("conv2d: invalid geometry");
    }
    if (g.hOut != (g.hIn + 2 * g.padH - g.kH) / g.strideH + 1 ||
        g.wOut != (g.wIn + 2 * g.padW - g.kW) / g.strideW + 1) {
      throw ArgError("conv2d: hOut/wOut do not follow from the geometry");
    }
    return g;
  }

  std::string key(const char* kind, bool bias) const {
    std::string k = kind;
    for (int64_t v : {n, cIn, hIn, wIn, cOut, kH, kW, strideH, strideW, padH, padW}) {
      k += ',' + std::to_string(v);
    }
    return k + (bias ? ",b" : "");
  }

  static int64_t padded(int64_t c, int64_t block) { return blocksOf(c, block) * block; }
  size_t srcSize(int64_t block = 1) const { return size_t(n * padded(cIn, block) * hIn * wIn); }
  size_t weiSize() const { return size_t(cOut * cIn * kH * kW); }
  size_t dstSize(int64_t block = 1) const { return size_t(n * padded(cOut, block) * hOut * wOut); }

  memory::desc srcMd(tag t) const { return {{n, cIn, hIn, wIn}, dt::f32, t}; }
  memory::desc weiMd(tag t) const { return {{cOut, cIn, kH, kW}, dt::f32, t}; }
  memory::desc dstMd(tag t) const { return {{n, cOut, hOut, wOut}, dt::f32, t}; }
  memory::desc biasMd() const { return {{cOut}, dt::f32, tag::x}; }
  memory::dims strides() const { return {strideH, strideW}; }
  memory::dims padL() const { return {padH, padW}; }
  /** oneDNN wants the right/bottom padding that makes the output size exact. */
  memory::dims padR() const {
    return {(hOut - 1) * strideH + kH - hIn - padH, (wOut - 1) * strideW + kW - wIn - padW};
  }

  /**
   * The forward primitive; with 0 < slope < 1 the output goes through the leaky ReLU
   * max(v, slope·v) as an eltwise post-op, while the convolution's output is still in the cache.
   * (Not a ReLU: oneDNN's ReLU post-op turns NaN into 0, where our ReLU keeps it.)
   */
  dnnl::convolution_forward::primitive_desc forwardPd(dnnl::algorithm algorithm, bool bias,
                                                      float slope = 1.0f) const {
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_training, algorithm, srcMd(tag::any),
        weiMd(tag::any), bias ? biasMd() : memory::desc(), dstMd(tag::any), strides(), padL(),
        padR());
    dnnl::primitive_attr attr;
    if (slope > 0.0f && slope < 1.0f) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, slope, 0.0f);
      attr.set_post_ops(ops);
    }
    return {d, attr, cpuEngine()};
  }

  /** Whether `pass` runs Winograd (conv_algorithm.h; falls back to direct where oneDNN lacks it). */
  bool winograd(ConvPass pass) const {
    return winogradSuits(convAlgorithmMode(), pass, cIn, cOut, kH, kW, strideH, strideW, hOut, wOut);
  }
};

using ForwardPd = dnnl::convolution_forward::primitive_desc;
using BackwardDataPd = dnnl::convolution_backward_data::primitive_desc;
using BackwardWeightsPd = dnnl::convolution_backward_weights::primitive_desc;

struct Forward {
  dnnl::convolution_forward prim;
  Operand src, wei, dst;
  memory bias;
  bool winograd;
  /** A leaky ReLU slope to apply after the primitive, which has none as a post-op; 1: none. */
  float slopeAfter;
};

struct BackwardData {
  dnnl::convolution_backward_data prim;
  Operand diffDst, wei, diffSrc;
  bool winograd;
};

struct BackwardWeights {
  dnnl::convolution_backward_weights prim;
  Operand src, diffDst, diffWei;
  memory diffBias;
  bool winograd;
};

// Slots: distinct per operand within one call (see staging.h).
enum { kSlotA = 0, kSlotB = 1, kSlotC = 2 };

template <typename T>
class Cache {
 public:
  template <typename Make>
  T& get(const std::string& key, Make make) {
    auto it = map_.find(key);
    if (it != map_.end()) return *it->second;
    // Shapes are few during training; a runaway number of them (e.g. a sweep) just starts over.
    if (map_.size() >= 512) map_.clear();
    return *map_.emplace(key, std::make_unique<T>(make())).first->second;
  }
  void clear() { map_.clear(); }

 private:
  std::unordered_map<std::string, std::unique_ptr<T>> map_;
};

Cache<Forward> forwardCache;
Cache<BackwardData> backwardDataCache;
Cache<BackwardWeights> backwardWeightsCache;

void checkLength(const F32& a, size_t want, const char* what) {
  if (a.length != want) throw ArgError(std::string("conv2d: ") + what + " has the wrong length");
}

/** 1, 8 or 16 when `md` is the activation `dims` in nchw, nChw8c or nChw16c; 0 otherwise. */
int64_t blockOf(const memory::desc& md, const memory::dims& dims) {
  for (int64_t b : {1, 8, 16}) {
    if (md == memory::desc(dims, dt::f32, blockedTag(b))) return b;
  }
  return 0;
}

/** The key's suffix for a post-op slope: its exact bits (printing it would round nearby slopes together). */
std::string slopeKey(float slope) {
  if (!(slope > 0.0f && slope < 1.0f)) return "";
  uint32_t bits = 0;
  std::memcpy(&bits, &slope, sizeof bits);
  return ",leaky" + std::to_string(bits);
}

/** v > 0 ? v : slope·v over `y`, as oneDNN's post-op computes it (NaN stays NaN). */
void leakyReluInPlace(F32 y, float slope) {
  float* p = y.data;
  const int64_t n = int64_t(y.length);
#pragma omp parallel for simd schedule(static) if (n >= parallelMin())
  for (int64_t i = 0; i < n; ++i) {
    const float v = p[i];
    p[i] = v > 0.0f ? v : v * slope;
  }
}

Forward& forwardFor(const Geometry& g, bool hasBias, float slope = 1.0f) {
  const std::string key = g.key("fwd", hasBias) + slopeKey(slope);
  return forwardCache.get(key, [&] {
    // oneDNN's Winograd takes no eltwise post-op: it runs alone and the leaky ReLU follows as a
    // pass of its own (runForward), rather than falling back to direct (1.1–2× slower there)
    const auto pd =
        withConvAlgorithm<ForwardPd>(g.winograd(ConvPass::Forward), [&](dnnl::algorithm a) {
          return g.forwardPd(a, hasBias, a == dnnl::algorithm::convolution_winograd ? 1.0f : slope);
        });
    const bool leaky = slope > 0.0f && slope < 1.0f;
    return Forward{dnnl::convolution_forward(pd),
                   Operand(g.srcMd(tag::nchw), pd.src_desc(), kSlotA, false),
                   Operand(g.weiMd(tag::oihw), pd.weights_desc(), kSlotB, false),
                   Operand(g.dstMd(tag::nchw), pd.dst_desc(), kSlotC, true),
                   hasBias ? memory(g.biasMd(), cpuEngine(), DNNL_MEMORY_NONE) : memory(),
                   isWinograd(pd), leaky && isWinograd(pd) ? slope : 1.0f};
  });
}

void runForward(const Geometry& g, F32 x, int64_t xBlock, F32 w, F32 bias, F32 y, int64_t yBlock,
                float slope = 1.0f) {
  checkLength(x, g.srcSize(xBlock), "x");
  checkLength(w, g.weiSize(), "w");
  checkLength(y, g.dstSize(yBlock), "y");
  const bool hasBias = bias.data != nullptr;
  if (hasBias) checkLength(bias, size_t(g.cOut), "bias");
  Forward& f = forwardFor(g, hasBias, slope);
  dnnl::stream& s = cpuStream();
  f.src.bind(x.data, xBlock);
  f.wei.bind(w.data);
  f.dst.bind(y.data, yBlock);
  f.src.load(s);
  f.wei.load(s);
  std::unordered_map<int, memory> io = {
      {DNNL_ARG_SRC, f.src.inner()}, {DNNL_ARG_WEIGHTS, f.wei.inner()}, {DNNL_ARG_DST, f.dst.inner()}};
  if (hasBias) {
    f.bias.set_data_handle(bias.data);
    io[DNNL_ARG_BIAS] = f.bias;
  }
  f.prim.execute(s, io);
  f.dst.store(s);
  s.wait();
  if (f.slopeAfter != 1.0f) leakyReluInPlace(y, f.slopeAfter);
}

BackwardData& backwardDataFor(const Geometry& g) {
  return backwardDataCache.get(g.key("bwd_data", false), [&] {
    const auto pd = withConvAlgorithm<BackwardDataPd>(
        g.winograd(ConvPass::BackwardData), [&](dnnl::algorithm a) {
          dnnl::convolution_backward_data::desc d(a, g.srcMd(tag::any), g.weiMd(tag::any),
                                                  g.dstMd(tag::any), g.strides(), g.padL(),
                                                  g.padR());
          return BackwardDataPd(d, cpuEngine(), g.forwardPd(a, false));
        });
    return BackwardData{dnnl::convolution_backward_data(pd),
                        Operand(g.dstMd(tag::nchw), pd.diff_dst_desc(), kSlotA, false),
                        Operand(g.weiMd(tag::oihw), pd.weights_desc(), kSlotB, false),
                        Operand(g.srcMd(tag::nchw), pd.diff_src_desc(), kSlotC, true),
                        isWinograd(pd)};
  });
}

void runBackwardData(const Geometry& g, F32 dy, int64_t dyBlock, F32 w, F32 dx, int64_t dxBlock) {
  checkLength(dy, g.dstSize(dyBlock), "dy");
  checkLength(w, g.weiSize(), "w");
  checkLength(dx, g.srcSize(dxBlock), "dx");
  BackwardData& b = backwardDataFor(g);
  dnnl::stream& s = cpuStream();
  b.diffDst.bind(dy.data, dyBlock);
  b.wei.bind(w.data);
  b.diffSrc.bind(dx.data, dxBlock);
  b.diffDst.load(s);
  b.wei.load(s);
  b.prim.execute(s, {{DNNL_ARG_DIFF_DST, b.diffDst.inner()},
                     {DNNL_ARG_WEIGHTS, b.wei.inner()},
                     {DNNL_ARG_DIFF_SRC, b.diffSrc.inner()}});
  b.diffSrc.store(s);
  s.wait();
}

BackwardWeights& backwardWeightsFor(const Geometry& g, bool hasBias) {
  return backwardWeightsCache.get(g.key("bwd_weights", hasBias), [&] {
    const auto pd = withConvAlgorithm<BackwardWeightsPd>(
        g.winograd(ConvPass::BackwardWeights), [&](dnnl::algorithm a) {
          dnnl::convolution_backward_weights::desc d(
              a, g.srcMd(tag::any), g.weiMd(tag::any), hasBias ? g.biasMd() : memory::desc(),
              g.dstMd(tag::any), g.strides(), g.padL(), g.padR());
          return BackwardWeightsPd(d, cpuEngine(), g.forwardPd(a, hasBias));
        });
    return BackwardWeights{
        dnnl::convolution_backward_weights(pd),
        Operand(g.srcMd(tag::nchw), pd.src_desc(), kSlotA, false),
        Operand(g.dstMd(tag::nchw), pd.diff_dst_desc(), kSlotB, false),
        Operand(g.weiMd(tag::oihw), pd.diff_weights_desc(), kSlotC, true),
        hasBias ? memory(g.biasMd(), cpuEngine(), DNNL_MEMORY_NONE) : memory(),
        isWinograd(pd)};
  });
}

void runBackwardWeights(const Geometry& g, F32 x, int64_t xBlock, F32 dy, int64_t dyBlock, F32 dw,
                        F32 dbias) {
  checkLength(x, g.srcSize(xBlock), "x");
  checkLength(dy, g.dstSize(dyBlock), "dy");
  checkLength(dw, g.weiSize(), "dw");
  const bool hasBias = dbias.data != nullptr;
  if (hasBias) checkLength(dbias, size_t(g.cOut), "dbias");
  BackwardWeights& b = backwardWeightsFor(g, hasBias);
  dnnl::stream& s = cpuStream();
  b.src.bind(x.data, xBlock);
  b.diffDst.bind(dy.data, dyBlock);
  b.diffWei.bind(dw.data);
  b.src.load(s);
  b.diffDst.load(s);
  std::unordered_map<int, memory> io = {{DNNL_ARG_SRC, b.src.inner()},
                                        {DNNL_ARG_DIFF_DST, b.diffDst.inner()},
                                        {DNNL_ARG_DIFF_WEIGHTS, b.diffWei.inner()}};
  if (hasBias) {
    b.diffBias.set_data_handle(dbias.data);
    io[DNNL_ARG_DIFF_BIAS] = b.diffBias;
  }
  b.prim.execute(s, io);
  b.diffWei.store(s);
  s.wait();
}

}  // namespace

// conv2d(13 geometry ints, x, w, bias | null, y): plain NCHW in and out.
static void conv2d(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  runForward(g, args.f32(13), 1, args.f32(14), args.f32OrNull(15), args.f32(16), 1);
}

// conv2dBackwardData(13 geometry ints, dy, w, dx)
static void conv2dBackwardData(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  runBackwardData(g, args.f32(13), 1, args.f32(14), args.f32(15), 1);
}

// conv2dBackwardWeights(13 geometry ints, x, dy, dw, dbias | null)
static void conv2dBackwardWeights(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  runBackwardWeights(g, args.f32(13), 1, args.f32(14), 1, args.f32(15), args.f32OrNull(16));
}

// convBlocks(13 geometry ints, out): out[0], out[1] = the channel block (1, 8, 16; 0 for another
// layout) in which the forward primitive, left to choose (format_tag::any), wants src and dst.
static void convBlocks(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const F32 out = args.f32(13);
  if (out.length != 2) throw ArgError("convBlocks: out must have 2 elements");
  const Forward& f = forwardFor(g, false);
  out.data[0] = float(blockOf(f.src.primitiveDesc(), {g.n, g.cIn, g.hIn, g.wIn}));
  out.data[1] = float(blockOf(f.dst.primitiveDesc(), {g.n, g.cOut, g.hOut, g.wOut}));
}

/** The forward's leaky ReLU slope at argument `at`: in (0, 1), 1 for none (else ArgError naming `op`). */
float readLeakySlope(const Args& args, size_t at, const char* op) {
  const double slope = args.f64(at);
  if (!(slope > 0.0 && slope <= 1.0)) throw ArgError(std::string(op) + ": slope must be in (0, 1]");
  return float(slope);
}

// conv2dBlocked(13 geometry ints, x, xBlock, w, bias | null, y, yBlock, slope): a slope in (0, 1)
// puts the leaky ReLU max(v, slope·v) on the output; 1 leaves it as it is.
static void conv2dBlocked(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const int64_t xBlock = readBlock(args, 14, "conv2dBlocked");
  const int64_t yBlock = readBlock(args, 18, "conv2dBlocked");
  runForward(g, args.f32(13), xBlock, args.f32(15), args.f32OrNull(16), args.f32(17), yBlock,
             readLeakySlope(args, 19, "conv2dBlocked"));
}

// conv2dBackwardDataBlocked(13 geometry ints, dy, dyBlock, w, dx, dxBlock)
static void conv2dBackwardDataBlocked(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const int64_t dyBlock = readBlock(args, 14, "conv2dBackwardDataBlocked");
  const int64_t dxBlock = readBlock(args, 17, "conv2dBackwardDataBlocked");
  runBackwardData(g, args.f32(13), dyBlock, args.f32(15), args.f32(16), dxBlock);
}

// conv2dBackwardWeightsBlocked(13 geometry ints, x, xBlock, dy, dyBlock, dw, dbias | null)
static void conv2dBackwardWeightsBlocked(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const int64_t xBlock = readBlock(args, 14, "conv2dBackwardWeightsBlocked");
  const int64_t dyBlock = readBlock(args, 16, "conv2dBackwardWeightsBlocked");
  runBackwardWeights(g, args.f32(13), xBlock, args.f32(15), dyBlock, args.f32(17),
                     args.f32OrNull(18));
}

// convWinograd(13 geometry ints, out, slope): out[0], out[1], out[2] = 1 where the forward (with a
// leaky ReLU of this slope; 1: none), backward-data and backward-weights primitives (without
// bias) for this geometry run Winograd, else 0.
static void convWinograd(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const F32 out = args.f32(13);
  if (out.length != 3) throw ArgError("convWinograd: out must have 3 elements");
  const float slope = readLeakySlope(args, 14, "convWinograd");
  out.data[0] = forwardFor(g, false, slope).winograd ? 1.0f : 0.0f;
  out.data[1] = backwardDataFor(g).winograd ? 1.0f : 0.0f;
  out.data[2] = backwardWeightsFor(g, false).winograd ? 1.0f : 0.0f;
}

// setConvAlgorithm(mode): "auto", "direct" or "winograd" (see conv_algorithm.h); drops the cached
// convolution primitives, which were built for the old mode.
static void setConvAlgorithm(Args& args) {
  const std::string name = args.str(0);
  ConvAlgorithmMode mode;
  if (!parseConvAlgorithmMode(name.c_str(), mode)) {
    throw ArgError("setConvAlgorithm: mode must be \"auto\", \"direct\" or \"winograd\", got \"" + name + "\"");
  }
  convAlgorithmMode() = mode;
  clearConvCache();
}

void clearConvCache() {
  forwardCache.clear();
  backwardDataCache.clear();
  backwardWeightsCache.clear();
}

void registerConv(napi_env env, napi_value exports) {
  exportKernel(env, exports, "conv2d", conv2d);
  exportKernel(env, exports, "conv2dBackwardData", conv2dBackwardData);
  exportKernel(env, exports, "conv2dBackwardWeights", conv2dBackwardWeights);
  exportKernel(env, exports, "convBlocks", convBlocks);
  exportKernel(env, exports, "convWinograd", convWinograd);
  exportKernel(env, exports, "setConvAlgorithm", setConvAlgorithm);
  exportKernel(env, exports, "conv2dBlocked", conv2dBlocked);
  exportKernel(env, exports, "conv2dBackwardDataBlocked", conv2dBackwardDataBlocked);
  exportKernel(env, exports, "conv2dBackwardWeightsBlocked", conv2dBackwardWeightsBlocked);
}

}  // namespace pegasus
