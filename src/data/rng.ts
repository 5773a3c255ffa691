/**
 * Small seeded random numbers for the data pipeline (shuffling, flips).
 *
 * The data module keeps its own generator so that it depends on nothing in the engine: the
 * order in which a run sees its images is a pure function of (seed, epoch, position), which is
 * what lets a resumed run rebuild the exact batch of any step.
 */

/**
 * The 32-bit finaliser of MurmurHash3 (Austin Appleby, public domain, "fmix32"): a bijection
 * on 32-bit integers in which every input bit affects every output bit.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes a list of integers (seed, epoch, position, stream id…) into one 32-bit seed.
 * NOTE: inputs are folded in order, so `hashInts(1, 2) !== hashInts(2, 1)`.
 *
 * @example hashInts(seed, epoch) // the seed of one epoch's shuffle
 */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9; // the golden-ratio constant, so that hashInts() of zeros is not zero
  for (const v of values) {
    // Split into low and high 32 bits so that seeds above 2^32 still count fully.
    const lo = v >>> 0;
    const hi = Math.floor(v / 0x100000000) >>> 0;
    h = fmix32((h ^ lo) + 0x7f4a7c15);
    h = fmix32((h ^ hi) + 0x7f4a7c15);
  }
  return h;
}

/**
 * mulberry32 (Tommy Ettinger, public domain): a tiny generator with a 32-bit state and period
 * 2^32, plenty for shuffling 60,000 indices. Returns floats in [0, 1).
 *
 * @example const rand = mulberry32(42); rand(); // 0.6011…
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random permutation of 0..n-1, by the Fisher–Yates shuffle (Durstenfeld's in-place form,
 * Knuth TAOCP vol. 2, Algorithm P), driven by mulberry32(seed).
 */
export function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
