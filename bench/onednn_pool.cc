// The workloads of bench/pool.ts as bare oneDNN primitives on plain layouts (nchw, nc): max and
// average pooling (forward, and backward with the forward's workspace), nearest resampling and
// softmax / log-softmax. It answers "would oneDNN's primitives beat the plain loops of
// native/pool.cc and native/softmax.cc?": these times exclude everything our ops pay on top
// (Node-API call, output allocation, autograd), so they are a lower bound for a oneDNN backend.
//
//   g++ -O3 -std=c++17 -fopenmp bench/onednn_pool.cc -ldnnl -o tmp-pool/onednn_pool
//   OMP_NUM_THREADS=1 tmp-pool/onednn_pool [reps] [cpu|wall]
//
// bench/pool.ts runs it when given --onednn <binary>. Prints one JSON line per workload:
// {"workload": ..., "median_s": ...}.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "onednn_timing.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

static void report(const std::string& name, double s) {
  std::printf("{\"workload\": \"%s\", \"median_s\": %.9g}\n", name.c_str(), s);
  std::fflush(stdout);
}

static void pooling(const std::string& name, algorithm alg, memory::dims src) {
  const memory::dims dst = {src[0], src[1], src[2] / 2, src[3] / 2};
  const memory::desc srcMd(src, dt::f32, tag::nchw), dstMd(dst, dt::f32, tag::nchw);
  const memory::dims k = {2, 2}, pad = {0, 0};
  pooling_forward::primitive_desc inf({prop_kind::forward_inference, alg, srcMd, dstMd, k, k, pad, pad}, eng);
  pooling_forward::primitive_desc trn({prop_kind::forward_training, alg, srcMd, dstMd, k, k, pad, pad}, eng);
  pooling_backward::primitive_desc bwd({alg, srcMd, dstMd, k, k, pad, pad}, eng, trn);
  memory x = filled(srcMd), y(dstMd, eng), dy = filled(dstMd), dx(srcMd, eng);
  memory ws(trn.workspace_desc(), eng);
  pooling_forward fInf(inf), fTrn(trn);
  pooling_backward b(bwd);
  report(name + " fwd", medianTime([&] {
    fInf.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    strm.wait();
  }));
  report(name + " fwd+bwd", medianTime([&] {
    fTrn.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, ws}});
    b.execute(strm, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}, {DNNL_ARG_WORKSPACE, ws}});
    strm.wait();
  }));
}

static void upsampling(const std::string& name, memory::dims src) {
  const memory::dims dst = {src[0], src[1], src[2] * 2, src[3] * 2};
  const memory::desc srcMd(src, dt::f32, tag::nchw), dstMd(dst, dt::f32, tag::nchw);
  resampling_forward::primitive_desc fwd({prop_kind::forward_training, algorithm::resampling_nearest, srcMd, dstMd}, eng);
  resampling_backward::primitive_desc bwd({algorithm::resampling_nearest, srcMd, dstMd}, eng, fwd);
  memory x = filled(srcMd), y(dstMd, eng), dy = filled(dstMd), dx(srcMd, eng);
  resampling_forward f(fwd);
  resampling_backward b(bwd);
  report(name + " fwd", medianTime([&] {
    f.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    strm.wait();
  }));
  report(name + " fwd+bwd", medianTime([&] {
    f.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    b.execute(strm, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
    strm.wait();
  }));
}

template <typename Fwd, typename Bwd>
static void softmaxLike(const std::string& name, memory::dims shape) {
  const memory::desc md(shape, dt::f32, tag::nc);
  typename Fwd::primitive_desc fwd({prop_kind::forward_training, md, 1}, eng);
  typename Bwd::primitive_desc bwd({md, md, 1}, eng, fwd);
  memory x = filled(md), y(md, eng), dy = filled(md), dx(md, eng);
  Fwd f(fwd);
  Bwd b(bwd);
  report(name + " fwd", medianTime([&] {
    f.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    strm.wait();
  }));
  report(name + " fwd+bwd", medianTime([&] {
    f.execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    b.execute(strm, {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
    strm.wait();
  }));
}

int main(int argc, char** argv) {
  if (argc > 1) reps = std::max(1, std::atoi(argv[1]));
  if (argc > 2) cpuClock = std::string(argv[2]) != "wall";
  pooling("maxpool2 [256,48,32,32]", algorithm::pooling_max, {256, 48, 32, 32});
  pooling("avgpool2 [64,128,16,16]", algorithm::pooling_avg_exclude_padding, {64, 128, 16, 16});
  upsampling("upsample2x [64,128,16,16]", {64, 128, 16, 16});
  softmaxLike<softmax_forward, softmax_backward>("softmax [256,10]", {256, 10});
  softmaxLike<logsoftmax_forward, logsoftmax_backward>("logSoftmax [256,10]", {256, 10});
  softmaxLike<softmax_forward, softmax_backward>("softmax [4096,64]", {4096, 64});
  return 0;
}
