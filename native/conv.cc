// 2-D convolution for the native backend: forward, backward data, backward weights (+bias), over
// oneDNN convolution primitives.
//
// Each primitive is created with `format_tag::any`, so oneDNN picks its fastest (blocked) layout;
// the plain NCHW/OIHW arrays from TypeScript are reordered into it and back inside the call, as
// PyTorch does. Creating a primitive costs far more than running one at our sizes, so they are
// cached by geometry (engine-notes.md: ~200 GFLOP/s blocked vs ~60 with plain layouts).
#include <memory>
#include <string>
#include <unordered_map>

#include "common.h"
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

  size_t srcSize() const { return size_t(n * cIn * hIn * wIn); }
  size_t weiSize() const { return size_t(cOut * cIn * kH * kW); }
  size_t dstSize() const { return size_t(n * cOut * hOut * wOut); }

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

  dnnl::convolution_forward::primitive_desc forwardPd(bool bias) const {
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, srcMd(tag::any),
        weiMd(tag::any), bias ? biasMd() : memory::desc(), dstMd(tag::any), strides(), padL(),
        padR());
    return {d, cpuEngine()};
  }
};

struct Forward {
  dnnl::convolution_forward prim;
  Operand src, wei, dst;
  memory bias;
};

struct BackwardData {
  dnnl::convolution_backward_data prim;
  Operand diffDst, wei, diffSrc;
};

struct BackwardWeights {
  dnnl::convolution_backward_weights prim;
  Operand src, diffDst, diffWei;
  memory diffBias;
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

}  // namespace

// conv2d(13 geometry ints, x, w, bias | null, y)
static void conv2d(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const F32 x = args.f32(13), w = args.f32(14), bias = args.f32OrNull(15), y = args.f32(16);
  checkLength(x, g.srcSize(), "x");
  checkLength(w, g.weiSize(), "w");
  checkLength(y, g.dstSize(), "y");
  const bool hasBias = bias.data != nullptr;
  if (hasBias) checkLength(bias, size_t(g.cOut), "bias");
  Forward& f = forwardCache.get(g.key("fwd", hasBias), [&] {
    auto pd = g.forwardPd(hasBias);
    return Forward{dnnl::convolution_forward(pd),
                   Operand(g.srcMd(tag::nchw), pd.src_desc(), kSlotA, false),
                   Operand(g.weiMd(tag::oihw), pd.weights_desc(), kSlotB, false),
                   Operand(g.dstMd(tag::nchw), pd.dst_desc(), kSlotC, true),
                   hasBias ? memory(g.biasMd(), cpuEngine(), DNNL_MEMORY_NONE) : memory()};
  });
  dnnl::stream& s = cpuStream();
  f.src.bind(x.data);
  f.wei.bind(w.data);
  f.dst.bind(y.data);
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
}

// conv2dBackwardData(13 geometry ints, dy, w, dx)
static void conv2dBackwardData(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const F32 dy = args.f32(13), w = args.f32(14), dx = args.f32(15);
  checkLength(dy, g.dstSize(), "dy");
  checkLength(w, g.weiSize(), "w");
  checkLength(dx, g.srcSize(), "dx");
  BackwardData& b = backwardDataCache.get(g.key("bwd_data", false), [&] {
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct,
                                            g.srcMd(tag::any), g.weiMd(tag::any),
                                            g.dstMd(tag::any), g.strides(), g.padL(), g.padR());
    dnnl::convolution_backward_data::primitive_desc pd(d, cpuEngine(), g.forwardPd(false));
    return BackwardData{dnnl::convolution_backward_data(pd),
                        Operand(g.dstMd(tag::nchw), pd.diff_dst_desc(), kSlotA, false),
                        Operand(g.weiMd(tag::oihw), pd.weights_desc(), kSlotB, false),
                        Operand(g.srcMd(tag::nchw), pd.diff_src_desc(), kSlotC, true)};
  });
  dnnl::stream& s = cpuStream();
  b.diffDst.bind(dy.data);
  b.wei.bind(w.data);
  b.diffSrc.bind(dx.data);
  b.diffDst.load(s);
  b.wei.load(s);
  b.prim.execute(s, {{DNNL_ARG_DIFF_DST, b.diffDst.inner()},
                     {DNNL_ARG_WEIGHTS, b.wei.inner()},
                     {DNNL_ARG_DIFF_SRC, b.diffSrc.inner()}});
  b.diffSrc.store(s);
  s.wait();
}

// conv2dBackwardWeights(13 geometry ints, x, dy, dw, dbias | null)
static void conv2dBackwardWeights(Args& args) {
  const Geometry g = Geometry::read(args, 0);
  const F32 x = args.f32(13), dy = args.f32(14), dw = args.f32(15), dbias = args.f32OrNull(16);
  checkLength(x, g.srcSize(), "x");
  checkLength(dy, g.dstSize(), "dy");
  checkLength(dw, g.weiSize(), "dw");
  const bool hasBias = dbias.data != nullptr;
  if (hasBias) checkLength(dbias, size_t(g.cOut), "dbias");
  BackwardWeights& b = backwardWeightsCache.get(g.key("bwd_weights", hasBias), [&] {
    dnnl::convolution_backward_weights::desc d(
        dnnl::algorithm::convolution_direct, g.srcMd(tag::any), g.weiMd(tag::any),
        hasBias ? g.biasMd() : memory::desc(), g.dstMd(tag::any), g.strides(), g.padL(), g.padR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, cpuEngine(), g.forwardPd(hasBias));
    return BackwardWeights{
        dnnl::convolution_backward_weights(pd),
        Operand(g.srcMd(tag::nchw), pd.src_desc(), kSlotA, false),
        Operand(g.dstMd(tag::nchw), pd.diff_dst_desc(), kSlotB, false),
        Operand(g.weiMd(tag::oihw), pd.diff_weights_desc(), kSlotC, true),
        hasBias ? memory(g.biasMd(), cpuEngine(), DNNL_MEMORY_NONE) : memory()};
  });
  dnnl::stream& s = cpuStream();
  b.src.bind(x.data);
  b.diffDst.bind(dy.data);
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

void clearConvCache() {
  forwardCache.clear();
  backwardDataCache.clear();
  backwardWeightsCache.clear();
}

void registerConv(napi_env env, napi_value exports) {
  exportKernel(env, exports, "conv2d", conv2d);
  exportKernel(env, exports, "conv2dBackwardData", conv2dBackwardData);
  exportKernel(env, exports, "conv2dBackwardWeights", conv2dBackwardWeights);
}

}  // namespace pegasus
