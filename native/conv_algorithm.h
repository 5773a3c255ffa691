// Which algorithm a convolution pass runs: direct, or Winograd's minimal filtering F(4×4, 3×3)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), which oneDNN
// has for 3×3 stride-1 convolutions with padding ≤ 1 on AVX-512 cores (jit_wino_4x3). It does 4×
// fewer multiplications (36 instead of 144 per 4×4 output tile and channel pair), plus the tile
// transforms; on our shapes it runs 1.1–2× faster where the channels fill a 16-lane vector and
// the image is not tiny, and up to 7× slower on 3-channel images (measurements in
// docs/lab/2026-12-06-winograd.md). Its rounding differs from direct's (on a 64-channel layer
// the rms error grows from 2e-7 to 8e-7 of the output's rms), as with cuDNN's Winograd kernels.
//
// Shared by the engine (native/conv.cc) and the floor benchmark (bench/onednn_floor.cc), so the
// floor times the same algorithm the engine chose (bench/floor.ts passes the engine's mode on).
// The choice depends only on the geometry, the mode and the CPU, never on timings, so a run and
// its resumed continuation on the same kind of CPU compute the same numbers.
//
// Modes (PEGASUS_CONV_ALGORITHM, read once; setConvAlgorithm changes it):
//   auto      Winograd where the rule below says it is faster, else direct (the default)
//   direct    always direct
//   winograd  Winograd wherever oneDNN has it for the geometry (for comparisons)
#pragma once

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

namespace pegasus {

enum class ConvPass { Forward, BackwardData, BackwardWeights };
enum class ConvAlgorithmMode { Auto, Direct, Winograd };

/** The mode named `s` ("auto", "direct", "winograd"); false when `s` names none. */
inline bool parseConvAlgorithmMode(const char* s, ConvAlgorithmMode& mode) {
  if (std::strcmp(s, "auto") == 0) mode = ConvAlgorithmMode::Auto;
  else if (std::strcmp(s, "direct") == 0) mode = ConvAlgorithmMode::Direct;
  else if (std::strcmp(s, "winograd") == 0) mode = ConvAlgorithmMode::Winograd;
  else return false;
  return true;
}

/** The process's mode: PEGASUS_CONV_ALGORITHM when it names one, else auto. */
inline ConvAlgorithmMode& convAlgorithmMode() {
  static ConvAlgorithmMode mode = [] {
    ConvAlgorithmMode m = ConvAlgorithmMode::Auto;
    const char* env = std::getenv("PEGASUS_CONV_ALGORITHM");
    if (env != nullptr && *env != '\0') parseConvAlgorithmMode(env, m);
    return m;
  }();
  return mode;
}

/**
 * Whether a pass of this convolution should run Winograd. Only 3×3, stride 1 (oneDNN also wants
 * padding ≤ 1, else withConvAlgorithm falls back). Auto takes it where both channel counts are
 * ≥ 16, a whole 16-lane block (with 3 channels the transforms cost more than the products save),
 * and for the forward and backward-data passes where the output has at least 8×8 pixels (at 4×4
 * a tile is most of the image and direct wins), for the weight gradient where it has at most
 * 16×16 (at 32×32 it was 1.1× slower alone and 1.3× slower inside a training step).
 */
inline bool winogradSuits(ConvAlgorithmMode mode, ConvPass pass, long cIn, long cOut, long kH,
                          long kW, long strideH, long strideW, long hOut, long wOut) {
  if (mode == ConvAlgorithmMode::Direct) return false;
  if (kH != 3 || kW != 3 || strideH != 1 || strideW != 1) return false;
  if (mode == ConvAlgorithmMode::Winograd) return true;
  if (cIn < 16 || cOut < 16) return false;
  return pass == ConvPass::BackwardWeights ? hOut * wOut <= 256 : hOut * wOut >= 64;
}

/** Whether the implementation oneDNN picked for `pd` is a Winograd one. */
inline bool isWinograd(const dnnl::primitive_desc_base& pd) {
  return std::strstr(pd.impl_info_str(), "wino") != nullptr;
}

/**
 * The primitive descriptor `make(algorithm)` builds for `winograd ? Winograd : direct`, falling
 * back to direct where oneDNN has no Winograd implementation (another ISA, a post-op it lacks).
 */
template <typename Pd>
Pd withConvAlgorithm(bool winograd, const std::function<Pd(dnnl::algorithm)>& make) {
  if (winograd) {
    try {
      return make(dnnl::algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
      // no Winograd kernel for this case here: direct below
    }
  }
  return make(dnnl::algorithm::convolution_direct);
}

}  // namespace pegasus
