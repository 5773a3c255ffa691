// Matrix product for the native backend: c = op(a)·op(b) (+ c), row-major float32.
//
// dnnl_sgemm is oneDNN's BLAS-like entry point: row-major, JIT-compiled for the CPU it runs on
// (AVX2 on this machine) and threaded with OpenMP. It needs no primitive cache.
#include <omp.h>

#include <algorithm>

#include "common.h"

namespace pegasus {

// gemm(transA, transB, m, n, k, a, b, c, accumulate)
static void gemm(Args& args) {
  const bool transA = args.boolean(0), transB = args.boolean(1);
  const int64_t m = args.i64(2), n = args.i64(3), k = args.i64(4);
  const F32 a = args.f32(5), b = args.f32(6), c = args.f32(7);
  const bool accumulate = args.boolean(8);
  if (m < 0 || n < 0 || k < 0) throw ArgError("gemm: negative size");
  if (a.length < size_t(m * k) || b.length < size_t(k * n) || c.length < size_t(m * n)) {
    throw ArgError("gemm: an array is shorter than its m, n, k say");
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) std::fill(c.data, c.data + m * n, 0.0f);
    return;
  }
  const int64_t lda = transA ? m : k, ldb = transB ? k : n, ldc = n;
  // NOTE: below ~4 MFLOP a second thread saves microseconds but waking it can cost a scheduler
  // time slice on a busy machine, so small products run on this thread alone.
  const bool small = double(m) * double(n) * double(k) < double(1 << 21);
  const int threads = numThreads();
  if (small && threads > 1) omp_set_num_threads(1);
  const dnnl_status_t st = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f,
                                      a.data, lda, b.data, ldb, accumulate ? 1.0f : 0.0f, c.data,
                                      ldc);
  if (small && threads > 1) omp_set_num_threads(threads);
  if (st != dnnl_success) throw std::runtime_error("gemm: dnnl_sgemm failed");
}

void clearGemmCache() {}

void registerGemm(napi_env env, napi_value exports) { exportKernel(env, exports, "gemm", gemm); }

}  // namespace pegasus
