/**
 * The `js` backend's matrix product (used directly and by its convolutions).
 */
import type { Storage } from '../backend.js';

/** c[m×n] = op(a)·op(b) (+= when `accumulate`), row-major; see Backend.gemm. */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Storage,
  b: Storage,
  c: Storage,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, 0, m * n);
  // Element (i, p) of op(a) is a[i·sa + p·sp].
  const sa = transA ? 1 : k;
  const sp = transA ? m : 1;
  if (!transB) {
    // NOTE: i-k-j order, four rows of c at a time: the innermost loop streams one row of b
    // contiguously and uses each loaded b value four times (about 2× the plain i-k-j loop in V8).
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      for (let p = 0; p < k; p++) {
        const ai = i * sa + p * sp;
        const v0 = a[ai]!;
        const v1 = a[ai + sa]!;
        const v2 = a[ai + 2 * sa]!;
        const v3 = a[ai + 3 * sa]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) {
          const bv = b[bRow + j]!;
          c[c0 + j]! += v0 * bv;
          c[c1 + j]! += v1 * bv;
          c[c2 + j]! += v2 * bv;
          c[c3 + j]! += v3 * bv;
        }
      }
    }
    for (; i < m; i++) {
      const cRow = i * n;
      for (let p = 0; p < k; p++) {
        const av = a[i * sa + p * sp]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) c[cRow + j]! += av * b[bRow + j]!;
      }
    }
    return;
  }
  // op(a)·bᵀ: dot products of rows of op(a) with rows of b (contiguous), four columns at a time.
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    const aBase = i * sa;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aBase + p * sp]!;
        s0 += av * b[b0 + p]!;
        s1 += av * b[b1 + p]!;
        s2 += av * b[b2 + p]!;
        s3 += av * b[b3 + p]!;
      }
      c[cRow + j]! += s0;
      c[cRow + j + 1]! += s1;
      c[cRow + j + 2]! += s2;
      c[cRow + j + 3]! += s3;
    }
    for (; j < n; j++) {
      const bRow = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aBase + p * sp]! * b[bRow + p]!;
      c[cRow + j]! += s;
    }
  }
}
