/**
 * Squared Euclidean distances between many vectors, and k-nearest-neighbour search, as blocked
 * matrix products on the engine's backend gemm:  ‖a − b‖² = ‖a‖² + ‖b‖² − 2·a·b.
 *
 * Rows live in flat row-major Float32Arrays. The base set is visited in blocks so the distance
 * matrix never has to exist whole (64 queries × 50,000 training images × 3,072 pixels is one
 * 64×3072 by 3072×50,000 product, done as 25 products of 2,000 base rows each).
 */
import { getBackend } from '../engine/index.js';

/** A row-major matrix of n rows of width d. */
export interface Rows {
  readonly n: number;
  readonly d: number;
  readonly data: Float32Array;
}

export function rows(data: Float32Array, d: number): Rows {
  if (data.length % d !== 0) throw new Error(`rows: ${data.length} values are not rows of width ${d}`);
  return { n: data.length / d, d, data };
}

/** ‖row‖² of every row. */
export function squaredNorms(x: Rows): Float32Array {
  const out = new Float32Array(x.n);
  for (let i = 0; i < x.n; i++) {
    let s = 0;
    for (let j = 0, o = i * x.d; j < x.d; j++) s += x.data[o + j]! * x.data[o + j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Calls `visit(b0, b1, dist)` for consecutive blocks of base rows, where dist [a.n, b1 − b0] holds
 * the squared distances from every query row of `a` to base rows b0..b1 (clamped at 0).
 */
export function forEachDistanceBlock(
  a: Rows,
  b: Rows,
  visit: (b0: number, b1: number, dist: Float32Array) => void,
  blockRows = 2000,
  aNorms = squaredNorms(a),
  bNorms = squaredNorms(b),
): void {
  if (a.d !== b.d) throw new Error(`distances: widths ${a.d} and ${b.d} differ`);
  const be = getBackend();
  const buf = new Float32Array(a.n * Math.min(blockRows, b.n));
  for (let b0 = 0; b0 < b.n; b0 += blockRows) {
    const b1 = Math.min(b.n, b0 + blockRows);
    const m = b1 - b0;
    const dist = buf.subarray(0, a.n * m);
    be.gemm(false, true, a.n, m, a.d, a.data, b.data.subarray(b0 * b.d, b1 * b.d), dist, false);
    for (let i = 0; i < a.n; i++) {
      const ai = aNorms[i]!;
      for (let j = 0; j < m; j++) {
        const v = ai + bNorms[b0 + j]! - 2 * dist[i * m + j]!;
        dist[i * m + j] = v > 0 ? v : 0;
      }
    }
    visit(b0, b1, dist);
  }
}

/** The k nearest base rows of each query: indices and Euclidean (not squared) distances, nearest first. */
export interface Neighbours {
  readonly k: number;
  /** [queries, k] */
  readonly index: Int32Array;
  /** [queries, k] */
  readonly distance: Float32Array;
}

/**
 * Exact k-nearest-neighbour search by blocked distance products.
 * `exclude(i, j)` can rule out pairs (e.g. a point and itself when a set is searched against itself).
 *
 * @example const nn = kNearest(rows(genPixels, 3072), rows(trainPixels, 3072), 3);
 */
export function kNearest(
  queries: Rows,
  base: Rows,
  k: number,
  opts: { exclude?: (i: number, j: number) => boolean; blockRows?: number; baseNorms?: Float32Array } = {},
): Neighbours {
  if (k < 1 || k > base.n) throw new Error(`kNearest: k = ${k} but the base has ${base.n} rows`);
  const q = queries.n;
  const index = new Int32Array(q * k).fill(-1);
  const sq = new Float32Array(q * k).fill(Infinity);
  forEachDistanceBlock(
    queries,
    base,
    (b0, b1, dist) => {
      const m = b1 - b0;
      for (let i = 0; i < q; i++) {
        const o = i * k;
        for (let j = 0; j < m; j++) {
          const v = dist[i * m + j]!;
          if (v >= sq[o + k - 1]!) continue;
          if (opts.exclude?.(i, b0 + j)) continue;
          // insertion into the sorted list of the k best so far
          let p = k - 1;
          while (p > 0 && sq[o + p - 1]! > v) {
            sq[o + p] = sq[o + p - 1]!;
            index[o + p] = index[o + p - 1]!;
            p--;
          }
          sq[o + p] = v;
          index[o + p] = b0 + j;
        }
      }
    },
    opts.blockRows,
    undefined,
    opts.baseNorms,
  );
  // NOTE: ‖a‖² + ‖b‖² − 2a·b loses digits to cancellation in float32 (a training image found itself at
  // ~0.04 instead of 0 in pixel space), so the k winners' distances are recomputed directly in
  // float64 and re-sorted; exact copies then show as exactly 0.
  const distance = new Float32Array(q * k);
  for (let i = 0; i < q; i++) {
    const found: [number, number][] = [];
    for (let t = 0; t < k; t++) {
      const j = index[i * k + t]!;
      if (j < 0) continue;
      let s = 0;
      for (let c = 0, a = i * queries.d, b = j * base.d; c < queries.d; c++) {
        const diff = queries.data[a + c]! - base.data[b + c]!;
        s += diff * diff;
      }
      found.push([Math.sqrt(s), j]);
    }
    found.sort((x, y) => x[0] - y[0]);
    found.forEach(([dd, j], t) => {
      distance[i * k + t] = dd;
      index[i * k + t] = j;
    });
  }
  return { k, index, distance };
}

/** The distance of each row of `x` to its k-th nearest other row of `x` (the k-NN radius). */
export function kthNeighbourRadius(x: Rows, k: number): Float32Array {
  const nn = kNearest(x, x, k, { exclude: (i, j) => i === j });
  const r = new Float32Array(x.n);
  for (let i = 0; i < x.n; i++) r[i] = nn.distance[i * k + k - 1]!;
  return r;
}
