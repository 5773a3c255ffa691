/**
 * The kernel workloads of ../shared/bench/workloads.md through the engine's ops on a backend:
 * conv_fwd, conv_fwd_bwd and sgemm_1024, with the same shapes and timing as torch_reference.py.
 *
 * They go through the ops (not the raw kernels) so that both sides pay what a user pays: output
 * allocation (our buffer pool, PyTorch's allocator), autograd recording and, for the backward,
 * the gradient of the sum.
 */
import { conv2d, keep, matmul, rand, Rng, setBackend, sum, tidy, type BackendName, type Tensor } from '../src/engine/index.js';
import { kernelTiming, medianTime } from './timing.js';

/** A leaf tensor with values in [-1, 1) that survives every tidy scope. */
function leaf(shape: number[], rng: Rng, requiresGrad: boolean): Tensor {
  const t = keep(rand(shape, rng));
  t.data.forEach((v, i) => (t.data[i] = 2 * v - 1));
  t.requiresGrad = requiresGrad;
  return t;
}

/** Disposes and clears gradients, like zero_grad(set_to_none=True). */
function clearGrads(...ts: Tensor[]): void {
  for (const t of ts) {
    t.grad?.dispose();
    t.grad = null;
  }
}

/** Median seconds of each kernel workload on the named backend. */
export function benchKernels(backend: BackendName): Map<string, number> {
  setBackend(backend);
  const rng = new Rng(0);
  // conv: batch 64, 64 → 128 channels, 16×16 input, 4×4 kernel, stride 2, padding 1, no bias
  const x = leaf([64, 64, 16, 16], rng, true);
  const w = leaf([128, 64, 4, 4], rng, true);
  const opts = { stride: 2, padding: 1 } as const;
  const out = new Map<string, number>();
  out.set(
    'conv_fwd',
    medianTime(() => tidy(() => void conv2d(x, w, null, opts)), kernelTiming),
  );
  // conv(x).sum().backward(): gradients for both the input and the weight
  out.set(
    'conv_fwd_bwd',
    medianTime(() => {
      clearGrads(x, w);
      tidy(() => sum(conv2d(x, w, null, opts)).backward());
    }, kernelTiming),
  );
  clearGrads(x, w);

  const a = leaf([1024, 1024], rng, false);
  const b = leaf([1024, 1024], rng, false);
  out.set(
    'sgemm_1024',
    medianTime(() => tidy(() => void matmul(a, b)), kernelTiming),
  );
  for (const t of [x, w, a, b]) t.dispose();
  return out;
}
