/**
 * Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017, "GANs Trained by
 * a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", the FID; the distance itself is
 * Fréchet 1957 / Dowson & Landau 1982):
 *
 *   FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^{1/2})
 *
 * computed here in our own classifier's feature space (no Inception network), so values are
 * comparable only with other values from the same classifier.
 *
 * NOTE: Tr((Σ₁Σ₂)^{1/2}) = Tr((Σ₁^{1/2}·Σ₂·Σ₁^{1/2})^{1/2}); the right-hand matrix is symmetric
 * PSD, so two symmetric eigendecompositions give it exactly, without the complex-valued sqrtm that
 * the non-symmetric product needs.
 */
import { gaussianFit, matmulSquare, sqrtmPsd, symmetricEigen, type GaussianFit } from './linalg.js';

/** Σ^{1/2} of fits used as the first argument, so a fixed reference set is decomposed once. */
const sqrtCache = new WeakMap<GaussianFit, Float64Array>();

/**
 * FD between two Gaussians (pass the fixed reference first: its Σ^{1/2} is cached).
 * @example frechetDistance(gaussianFit(fake, d), gaussianFit(real, d))
 */
export function frechetDistance(a: GaussianFit, b: GaussianFit): number {
  const d = a.dim;
  if (b.dim !== d) throw new Error(`frechetDistance: feature widths ${d} and ${b.dim} differ`);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let r = sqrtCache.get(a);
  if (!r) sqrtCache.set(a, (r = sqrtmPsd(a.cov, d)));
  const m = matmulSquare(matmulSquare(r, b.cov, d), r, d);
  // symmetrise away rounding before the eigendecomposition
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (m[i * d + j]! + m[j * d + i]!);
      m[i * d + j] = v;
      m[j * d + i] = v;
    }
  }
  const { values } = symmetricEigen(m, d);
  let traceSqrt = 0;
  for (const l of values) traceSqrt += Math.sqrt(Math.max(l, 0));
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a.cov[i * d + i]! + b.cov[i * d + i]!;
  return Math.max(0, meanTerm + trace - 2 * traceSqrt);
}

/** FD between two feature matrices [n, d] (rows chosen by index lists when given). */
export function frechetDistanceOf(
  x: Float32Array,
  y: Float32Array,
  d: number,
  xRows?: ArrayLike<number>,
  yRows?: ArrayLike<number>,
): number {
  return frechetDistance(gaussianFit(x, d, xRows), gaussianFit(y, d, yRows));
}
