/**
 * The little dense linear algebra the metrics need, in float64: means and covariances of feature
 * matrices, the symmetric eigendecomposition by the cyclic Jacobi method, and the square root of a
 * symmetric positive semi-definite matrix.
 *
 * Matrices are row-major Float64Arrays with their size passed alongside.
 */

/**
 * Symmetric eigendecomposition A = V·diag(λ)·Vᵀ by cyclic Jacobi rotations (Jacobi 1846; the
 * numerically careful rotation of Rutishauser 1966 as given in Golub & Van Loan, "Matrix
 * Computations", §8.5, Algorithm 8.5.2 with the rotation of 8.5.1). Slow (O(d³) per sweep, a
 * handful of sweeps) but simple and accurate to machine precision, which is what Fréchet distances
 * between close distributions need.
 *
 * @returns values λ (unsorted) and vectors V (columns are eigenvectors, row-major d×d)
 * @example const { values, vectors } = symmetricEigen(cov, d);
 */
export function symmetricEigen(a: Float64Array, d: number, maxSweeps = 60): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== d * d) throw new Error(`symmetricEigen: ${a.length} values are not a ${d}×${d} matrix`);
  const A = Float64Array.from(a);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += A[i]! * A[i]!;
  const tol = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q]! * A[p * d + q]!;
    if (off <= tol) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q]!;
        if (apq === 0) continue;
        const app = A[p * d + p]!;
        const aqq = A[q * d + q]!;
        // t = tan θ, the smaller root of t² + 2τt − 1 = 0 (rotation angle ≤ π/4 keeps it stable)
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J, touching rows/columns p and q only
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p]!;
          const akq = A[k * d + q]!;
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k]!;
          const aqk = A[q * d + k]!;
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        A[p * d + q] = 0;
        A[q * d + p] = 0;
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p]!;
          const vkq = V[k * d + q]!;
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = A[i * d + i]!;
  return { values, vectors: V };
}

/** V·diag(f(λ))·Vᵀ for a symmetric matrix: applies a scalar function to its eigenvalues. */
export function symmetricFunction(a: Float64Array, d: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors: V } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  const fl = values.map(f);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V[i * d + k]! * fl[k]! * V[j * d + k]!;
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  }
  return out;
}

/**
 * The principal square root of a symmetric positive semi-definite matrix. Eigenvalues that rounding
 * made slightly negative are clamped to 0.
 * @example const r = sqrtmPsd(s, d); // r·r ≈ s
 */
export function sqrtmPsd(a: Float64Array, d: number): Float64Array {
  return symmetricFunction(a, d, (l) => Math.sqrt(Math.max(l, 0)));
}

/** C = A·B for d×d row-major matrices (float64). */
export function matmulSquare(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) c[i * d + j]! += aik * b[k * d + j]!;
    }
  }
  return c;
}

/** Gaussian fit of n feature rows of width d: the mean and the unbiased covariance (float64). */
export interface GaussianFit {
  readonly dim: number;
  readonly count: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** Mean and covariance (divided by n − 1, as numpy.cov) of rows `rows` (all when omitted) of x [n, d]. */
export function gaussianFit(x: Float32Array | Float64Array, d: number, rows?: ArrayLike<number>): GaussianFit {
  const n = rows ? rows.length : x.length / d;
  if (n < 2) throw new Error(`gaussianFit: needs at least 2 samples, got ${n}`);
  const mean = new Float64Array(d);
  const at = (r: number) => (rows ? rows[r]! : r) * d;
  for (let r = 0; r < n; r++) {
    const o = at(r);
    for (let j = 0; j < d; j++) mean[j]! += x[o + j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = at(r);
    for (let j = 0; j < d; j++) c[j] = x[o + j]! - mean[j]!;
    for (let i = 0; i < d; i++) {
      const ci = c[i]!;
      if (ci === 0) continue;
      for (let j = i; j < d; j++) cov[i * d + j]! += ci * c[j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j]! / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { dim: d, count: n, mean, cov };
}
