// The hardware's floor for a training step: the same convolutions and matrix products our engine
// ran in that step (recorded by bench/floor.ts), each run as a bare oneDNN primitive with the
// memory layouts oneDNN likes best (`format_tag::any`, blocked), no framework around it, inputs
// already in place. The sum of their medians (times how often each ran) is a lower bound on what
// the step can cost on these cores with these kernels: our time divided by it says how much goes
// to layouts, element-wise code, batch norm, the optimiser and everything outside the kernels.
//
//   g++ -O3 -std=c++17 -fopenmp bench/onednn_floor.cc -ldnnl -o build/onednn_floor
//   OMP_NUM_THREADS=2 build/onednn_floor [reps] < ops.txt
//
// Input, one op a line (as bench/floor.ts writes them; geometry as src/engine/backend.ts's):
//   conv_fwd          n cIn hIn wIn cOut kH kW sH sW pH pW hOut wOut bias count
//   conv_bwd_data     n cIn hIn wIn cOut kH kW sH sW pH pW hOut wOut 0 count
//   conv_bwd_weights  n cIn hIn wIn cOut kH kW sH sW pH pW hOut wOut bias count
//   gemm              transA transB m n k count
//   sequence          i0 i1 i2 …   (optional, last: the step's calls in order, as indices of the op lines above)
// Output: one JSON line per op ({"op", "count", "median_s", "flops", "winograd", and "other_s" where
// the other algorithm exists}), then {"floor_s": Σ count·median, "sequence_s", "best_s":
// Σ count·min(median, other), "flops": Σ count·flops}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "../native/conv_algorithm.h"
#include "onednn_timing.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using dims = memory::dims;
using pegasus::ConvPass;

struct Conv {
  long n, cIn, hIn, wIn, cOut, kH, kW, sH, sW, pH, pW, hOut, wOut;
  bool bias;
  memory::desc src() const { return {{n, cIn, hIn, wIn}, dt::f32, tag::any}; }
  memory::desc wei() const { return {{cOut, cIn, kH, kW}, dt::f32, tag::any}; }
  memory::desc dst() const { return {{n, cOut, hOut, wOut}, dt::f32, tag::any}; }
  memory::desc bia() const { return bias ? memory::desc({cOut}, dt::f32, tag::x) : memory::desc(); }
  dims strides() const { return {sH, sW}; }
  dims padL() const { return {pH, pW}; }
  // NOTE: right padding that gives exactly hOut × wOut (as our geometry's floor division does)
  dims padR() const { return {(hOut - 1) * sH + kH - hIn - pH, (wOut - 1) * sW + kW - wIn - pW}; }
  double flops() const { return 2.0 * n * cOut * hOut * wOut * cIn * kH * kW; }
  convolution_forward::primitive_desc forwardPd(algorithm a) const {
    return {convolution_forward::desc(prop_kind::forward_training, a, src(), wei(), bia(), dst(), strides(), padL(), padR()), eng};
  }
  /** Whether the engine runs `pass` of this convolution as Winograd (its rule and mode). */
  bool winograd(ConvPass pass) const {
    return pegasus::winogradSuits(pegasus::convAlgorithmMode(), pass, cIn, cOut, kH, kW, sH, sW, hOut, wOut);
  }
  /** Whether oneDNN could run it as Winograd at all (3×3, stride 1): then both algorithms are timed. */
  bool bothAlgorithms(ConvPass pass) const {
    return pegasus::winogradSuits(pegasus::ConvAlgorithmMode::Winograd, pass, cIn, cOut, kH, kW, sH, sW, hOut, wOut);
  }
};

/** One recorded op, ready to run: its primitive and its own memory, kept alive by the closure. */
using Runner = std::function<void()>;

/** A runner and whether its primitive is Winograd. */
struct Built {
  Runner run;
  bool winograd = false;
};

template <typename Prim>
static Runner runner(Prim p, std::unordered_map<int, memory> args) {
  return [p, args]() mutable { p.execute(strm, args); };
}

static Built convFwd(const Conv& c, bool winograd) {
  const auto pd = pegasus::withConvAlgorithm<convolution_forward::primitive_desc>(winograd, [&](algorithm a) { return c.forwardPd(a); });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, filled(pd.src_desc())}, {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())}, {DNNL_ARG_DST, filled(pd.dst_desc())}};
  if (c.bias) args.insert({DNNL_ARG_BIAS, filled(pd.bias_desc())});
  return {runner(convolution_forward(pd), args), pegasus::isWinograd(pd)};
}

static Built convBwdData(const Conv& c, bool winograd) {
  const auto pd = pegasus::withConvAlgorithm<convolution_backward_data::primitive_desc>(winograd, [&](algorithm a) {
    Conv plain = c;
    plain.bias = false;
    return convolution_backward_data::primitive_desc(
        convolution_backward_data::desc(a, c.src(), c.wei(), c.dst(), c.strides(), c.padL(), c.padR()), eng, plain.forwardPd(a));
  });
  return {runner(convolution_backward_data(pd), {{DNNL_ARG_DIFF_SRC, filled(pd.diff_src_desc())},
                                                 {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())},
                                                 {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}}),
          pegasus::isWinograd(pd)};
}

static Built convBwdWeights(const Conv& c, bool winograd) {
  const auto pd = pegasus::withConvAlgorithm<convolution_backward_weights::primitive_desc>(winograd, [&](algorithm a) {
    return convolution_backward_weights::primitive_desc(
        convolution_backward_weights::desc(a, c.src(), c.wei(), c.bia(), c.dst(), c.strides(), c.padL(), c.padR()), eng, c.forwardPd(a));
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, filled(pd.src_desc())},
                                       {DNNL_ARG_DIFF_WEIGHTS, filled(pd.diff_weights_desc())},
                                       {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}};
  if (c.bias) args.insert({DNNL_ARG_DIFF_BIAS, filled(pd.diff_bias_desc())});
  return {runner(convolution_backward_weights(pd), args), pegasus::isWinograd(pd)};
}

/** C[m, n] = op(A)·op(B), op(A) [m, k], op(B) [k, n]; a transposed operand is read through strides. */
static Runner gemm(bool tA, bool tB, long m, long n, long k) {
  memory::desc a({m, k}, dt::f32, tA ? dims{1, m} : dims{k, 1});
  memory::desc b({k, n}, dt::f32, tB ? dims{1, k} : dims{n, 1});
  memory::desc c({m, n}, dt::f32, tag::ab);
  matmul::primitive_desc pd(matmul::desc(a, b, c), eng);
  return runner(matmul(pd), {{DNNL_ARG_SRC, filled(a)}, {DNNL_ARG_WEIGHTS, filled(b)}, {DNNL_ARG_DST, filled(c)}});
}

int main(int argc, char** argv) {
  cpuClock = false;  // several threads: wall time
  const char* mode = std::getenv("PEGASUS_CONV_ALGORITHM");
  pegasus::ConvAlgorithmMode parsed;
  if (mode != nullptr && *mode != '\0' && !pegasus::parseConvAlgorithmMode(mode, parsed)) {
    std::fprintf(stderr, "onednn_floor: PEGASUS_CONV_ALGORITHM must be \"auto\", \"direct\" or \"winograd\", got \"%s\"\n", mode);
    return 2;
  }
  reps = 20;
  if (argc > 1) reps = std::max(3, std::atoi(argv[1]));
  double floorS = 0, bestS = 0, flopsAll = 0;
  std::vector<std::pair<Runner, long>> step;
  std::vector<size_t> order;  // the step's calls in the order it made them (the "sequence" line)
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op;
    if (!(in >> op)) continue;
    if (!order.empty()) {
      std::fprintf(stderr, "onednn_floor: the sequence line must come last (found \"%s\" after it)\n", line.c_str());
      return 2;
    }
    if (op == "sequence") {
      for (long i; in >> i;) {
        if (i < 0 || size_t(i) >= step.size()) {
          std::fprintf(stderr, "onednn_floor: the sequence names op %ld, which no line above defines\n", i);
          return 2;
        }
        order.push_back(size_t(i));
      }
      if (!in.eof() || order.empty()) {
        std::fprintf(stderr, "onednn_floor: cannot read the sequence line (op indices, at least one)\n");
        return 2;
      }
      std::vector<long> seen(step.size(), 0);
      for (size_t i : order) ++seen[i];
      for (size_t i = 0; i < step.size(); ++i) {
        if (seen[i] != step[i].second) {
          std::fprintf(stderr, "onednn_floor: the sequence calls op %zu %ld times, its line says %ld\n", i, seen[i], step[i].second);
          return 2;
        }
      }
      continue;
    }
    double flops = 0;
    long count = 0;
    Runner run;
    std::string algorithmJson;  // for convolutions: whether Winograd, the other algorithm's time
    double otherS = -1;
    if (op == "gemm") {
      long tA, tB, m, n, k;
      in >> tA >> tB >> m >> n >> k >> count;
      run = gemm(tA != 0, tB != 0, m, n, k);
      flops = 2.0 * m * n * k;
    } else {
      Conv c{};
      long bias;
      in >> c.n >> c.cIn >> c.hIn >> c.wIn >> c.cOut >> c.kH >> c.kW >> c.sH >> c.sW >> c.pH >> c.pW >> c.hOut >> c.wOut >> bias >> count;
      c.bias = bias != 0;
      flops = c.flops();
      ConvPass pass;
      std::function<Built(const Conv&, bool)> build;
      if (op == "conv_fwd") pass = ConvPass::Forward, build = convFwd;
      else if (op == "conv_bwd_data") pass = ConvPass::BackwardData, build = convBwdData;
      else if (op == "conv_bwd_weights") pass = ConvPass::BackwardWeights, build = convBwdWeights;
      else {
        std::fprintf(stderr, "onednn_floor: unknown op \"%s\"\n", op.c_str());
        return 2;
      }
      if (in) {
        const Built chosen = build(c, c.winograd(pass));
        run = chosen.run;
        algorithmJson = std::string(", \"winograd\": ") + (chosen.winograd ? "true" : "false");
        if (c.bothAlgorithms(pass)) {
          const Built other = build(c, !chosen.winograd);
          if (other.winograd != chosen.winograd) otherS = medianTime(other.run);
        }
      }
    }
    if (!in) {
      std::fprintf(stderr, "onednn_floor: cannot read the line \"%s\"\n", line.c_str());
      return 2;
    }
    const double t = medianTime(run);
    floorS += count * t;
    bestS += count * (otherS >= 0 ? std::min(t, otherS) : t);
    flopsAll += count * flops;
    if (otherS >= 0) {
      char buf[48];
      std::snprintf(buf, sizeof buf, ", \"other_s\": %.9g", otherS);
      algorithmJson += buf;
    }
    std::printf("{\"op\": \"%s\", \"count\": %ld, \"median_s\": %.9g, \"flops\": %.6g%s}\n", line.c_str(), count, t, flops,
                algorithmJson.c_str());
    step.push_back({run, count});
  }
  // the whole step's ops back to back in the order the step called them (without a sequence line:
  // each op's repeats in a row, in the order first seen), each op on its own memory, so that every
  // call starts with the caches the calls before it left, as in a step
  const double sequenceS = medianTime([&] {
    if (!order.empty()) {
      for (size_t i : order) step[i].first();
      return;
    }
    for (auto& [run, count] : step) {
      for (long i = 0; i < count; ++i) run();
    }
  });
  std::printf("{\"floor_s\": %.9g, \"sequence_s\": %.9g, \"best_s\": %.9g, \"flops\": %.9g}\n", floorS, sequenceS, bestS, flopsAll);
  return 0;
}
