// Shared plumbing for the pegasus native backend: Node-API argument parsing, the one oneDNN engine
// and stream, and the thread setting.
//
// Every exported kernel has the signature `void kernel(Args&)`: it reads its arguments with the
// typed getters below, which throw ArgError on a wrong type; `wrapKernel` turns any C++ exception
// (including dnnl::error) into a JavaScript exception, so a bad call never crashes Node.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace pegasus {

/** Thrown for a malformed call from JavaScript; becomes a TypeError-like JS Error. */
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** A Float32Array argument: pointer to its first element (byteOffset applied) and length. */
struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

/** The arguments of one call, with typed getters (index = position in the JS call). */
class Args {
 public:
  Args(napi_env env, napi_callback_info info);

  napi_env env;
  size_t count() const { return argc_; }

  F32 f32(size_t i) const;
  /** A Float32Array or null (e.g. an absent bias); null gives {nullptr, 0}. */
  F32 f32OrNull(size_t i) const;
  int64_t i64(size_t i) const;
  double f64(size_t i) const;
  bool boolean(size_t i) const;
  std::string str(size_t i) const;
  /** A JS array of numbers (shapes, strides, permutations). */
  std::vector<int64_t> ints(size_t i) const;

 private:
  static constexpr size_t kMaxArgs = 20;
  napi_value argv_[kMaxArgs];
  size_t argc_ = kMaxArgs;
  napi_value at(size_t i) const;
};

/** The process-wide CPU engine and in-order stream all primitives run on. */
dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

/** Current thread count (OpenMP, used by oneDNN and by our own loops). */
int numThreads();

/**
 * Elements below which our own loops (element-wise, batch norm, layout, pooling, softmax) run on
 * the calling thread instead of the OpenMP team: 2^17 by default, PEGASUS_PARALLEL_MIN to change it
 * (read once). Below that, waking the team costs more than it saves. Until session 11 it was 2^21
 * (only very large arrays parallel, for a machine shared with other jobs, where waking a thread can
 * cost a scheduler time slice); on two quiet cores 2^13–2^17 made a cpu-ttur GAN update ≈ 6%
 * faster (batch norm and upsampling twice as fast). On a busy machine use PEGASUS_THREADS=1.
 */
int64_t parallelMin();

/**
 * Called whenever the thread count changes: oneDNN primitives partition their work at creation
 * time for the thread count of that moment, so every cached primitive must be rebuilt.
 */
void clearPrimitiveCaches();

using KernelFn = void (*)(Args&);

/** Registers `fn` on `exports` under `name`, translating C++ exceptions to JS errors. */
void exportKernel(napi_env env, napi_value exports, const char* name, KernelFn fn);

/** Registration hooks, one per source file (called from addon.cc). */
void registerGemm(napi_env env, napi_value exports);
void registerConv(napi_env env, napi_value exports);
void registerBatchNorm(napi_env env, napi_value exports);
void registerElementwise(napi_env env, napi_value exports);
void registerLayout(napi_env env, napi_value exports);
void registerPool(napi_env env, napi_value exports);
void registerSoftmax(napi_env env, napi_value exports);
void registerBlocked(napi_env env, napi_value exports);

/** Per-file cache reset hooks (see clearPrimitiveCaches). */
void clearConvCache();
void clearGemmCache();
void clearBlockedCache();

}  // namespace pegasus
