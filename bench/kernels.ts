/**
 * The kernel workloads of ../shared/bench/workloads.md on a backend: conv_fwd, conv_fwd_bwd and
 * sgemm_1024, with the same shapes and timing as torch_reference.py.
 */
import type { Backend, Conv2dGeometry } from '../src/engine/backend.js';
import { kernelTiming, medianTime } from './timing.js';

/** Uniform numbers in [-1, 1) from a fixed LCG: the values do not matter, only the work. */
function filled(size: number, seed: number): Float32Array {
  const a = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

/** conv: batch 64, 64 → 128 channels, 16×16 input, 4×4 kernel, stride 2, padding 1, no bias. */
export const benchConv: Conv2dGeometry = {
  n: 64, cIn: 64, hIn: 16, wIn: 16, cOut: 128, kH: 4, kW: 4,
  strideH: 2, strideW: 2, padH: 1, padW: 1, hOut: 8, wOut: 8,
};

/** Median seconds of each kernel workload on `backend`. */
export function benchKernels(backend: Backend): Map<string, number> {
  const g = benchConv;
  const x = filled(g.n * g.cIn * g.hIn * g.wIn, 1);
  const w = filled(g.cOut * g.cIn * g.kH * g.kW, 2);
  const ySize = g.n * g.cOut * g.hOut * g.wOut;
  const out = new Map<string, number>();
  // NOTE: outputs are allocated inside the timed call, as PyTorch allocates its result tensors.
  out.set('conv_fwd', medianTime(() => backend.conv2d(g, x, w, null, new Float32Array(ySize)), kernelTiming));

  // Forward, then the gradients of sum(y): dy is all ones, as in conv(x).sum().backward().
  out.set(
    'conv_fwd_bwd',
    medianTime(() => {
      backend.conv2d(g, x, w, null, new Float32Array(ySize));
      const dy = new Float32Array(ySize).fill(1);
      backend.conv2dBackwardData(g, dy, w, new Float32Array(x.length));
      backend.conv2dBackwardWeights(g, x, dy, new Float32Array(w.length), null);
    }, kernelTiming),
  );

  const n = 1024;
  const a = filled(n * n, 3), b = filled(n * n, 4);
  out.set('sgemm_1024', medianTime(() => backend.gemm(false, false, n, n, n, a, b, new Float32Array(n * n), false), kernelTiming));
  return out;
}
