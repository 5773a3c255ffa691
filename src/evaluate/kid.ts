/**
 * Kernel distance (Bińkowski, Sutherland, Arbel & Gretton 2018, "Demystifying MMD GANs", the KID):
 * the unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012, Lemma 6)
 * with the cubic polynomial kernel k(x, y) = (xᵀy/d + 1)³, averaged over random subsets:
 *
 *   MMD²ᵤ = 1/(m(m−1)) Σ_{i≠j} k(xᵢ,xⱼ) + 1/(m(m−1)) Σ_{i≠j} k(yᵢ,yⱼ) − 2/m² Σ_{i,j} k(xᵢ,yⱼ)
 *
 * Unlike FD it is unbiased (its expectation is 0 when both sets come from one distribution), so it
 * can be compared across sample sizes; it can be slightly negative.
 */
import { getBackend, Rng } from '../engine/index.js';

export interface KidOptions {
  /** Number of random subsets averaged (50; Bińkowski et al. use 100 on GPUs). */
  readonly subsets?: number;
  /** Samples per subset from each set (1000, as in their code; capped by the smaller set). */
  readonly subsetSize?: number;
  /** Seed of the subset draws (0). */
  readonly seed?: number;
}

export interface KidResult {
  /** Mean MMD² over the subsets. */
  readonly kid: number;
  /** Standard deviation over the subsets. */
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
}

/** m distinct indices from 0..n−1 (a partial Fisher–Yates shuffle). */
function drawSubset(n: number, m: number, rng: Rng): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.subarray(0, m);
}

function gather(x: Float32Array, d: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * d);
  idx.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** Σ over entries of (aᵀb/d + 1)³ for the Gram matrix of rows of a and b; the diagonal skipped when `offDiagonal`. */
function kernelSum(a: Float32Array, b: Float32Array, m: number, d: number, offDiagonal: boolean): number {
  const g = new Float32Array(m * m);
  getBackend().gemm(false, true, m, m, d, a, b, g, false);
  let s = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (offDiagonal && i === j) continue;
      const v = g[i * m + j]! / d + 1;
      s += v * v * v;
    }
  }
  return s;
}

/** Unbiased MMD² of two equal-size samples x, y [m, d] under the cubic polynomial kernel. */
export function mmdUnbiased(x: Float32Array, y: Float32Array, m: number, d: number): number {
  const kxx = kernelSum(x, x, m, d, true);
  const kyy = kernelSum(y, y, m, d, true);
  const kxy = kernelSum(x, y, m, d, false);
  return (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/**
 * KID between feature sets x [nx, d] and y [ny, d].
 * @example kernelInceptionDistance(fakeFeatures, realFeatures, 128).kid
 */
export function kernelInceptionDistance(x: Float32Array, y: Float32Array, d: number, opts: KidOptions = {}): KidResult {
  const nx = x.length / d;
  const ny = y.length / d;
  const m = Math.min(opts.subsetSize ?? 1000, nx, ny);
  if (m < 2) throw new Error(`KID needs at least 2 samples in each set, got ${nx} and ${ny}`);
  const subsets = opts.subsets ?? 50;
  const rng = new Rng(opts.seed ?? 0);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const xs = gather(x, d, drawSubset(nx, m, rng));
    const ys = gather(y, d, drawSubset(ny, m, rng));
    values.push(mmdUnbiased(xs, ys, m, d));
  }
  const mean = values.reduce((a, b) => a + b, 0) / subsets;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, subsets - 1);
  return { kid: mean, std: Math.sqrt(variance), subsets, subsetSize: m };
}
