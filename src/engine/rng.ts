/**
 * A seedable pseudo-random generator, pure TypeScript, so every backend and every machine sees the
 * same numbers for the same seed.
 *
 * - Core: xoshiro128** by David Blackman and Sebastiano Vigna, "Scrambled linear pseudorandom
 *   number generators" (ACM TOMS 2021; https://prng.di.unimi.it/xoshiro128starstar.c): 128 bits of
 *   state, period 2¹²⁸−1, 32-bit outputs.
 * - Seeding: splitmix32 (a 32-bit variant of Steele, Lea & Flood's SplitMix, OOPSLA 2014) expands
 *   the seed into the four state words, so nearby seeds give unrelated streams.
 * - Normals: the Box–Muller transform (Box & Muller 1958), both values used (the spare is part of
 *   the state so a restored generator continues the exact stream).
 *
 * @example
 *   const rng = new Rng(42);
 *   const z = randn([64, 100], rng);
 *   const saved = rng.state(); // JSON-serialisable; new Rng(0).setState(saved) continues the stream
 */

/** JSON-serialisable generator state. */
export interface RngState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed` is any integer (taken modulo 2³²). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const sm = splitmix32(Math.trunc(seed) >>> 0);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal N(0, 1) by Box–Muller. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    // 1 − u lies in (0, 1], so the log is finite.
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A new generator seeded from this one's stream (for independent sub-streams). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RngState): this {
    const [a, b, c, d] = state.s;
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    this.spare = state.spare;
    return this;
  }
}
