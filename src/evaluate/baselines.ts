/**
 * Reference image sets that put the metrics on a scale: real test images (the floor a perfect
 * generator would reach), blurred test images (right content, wrong detail), and per-class mean
 * images plus noise (right colours, no objects). Each is scored exactly like generated images.
 */
import { Rng } from '../engine/index.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

const S = 32;
const PLANE = S * S;

/** One pass of a 3×3 box blur with edge clamping, per channel. */
function boxBlur(src: Float32Array, dst: Float32Array): void {
  for (let p = 0; p < src.length / PLANE; p++) {
    const o = p * PLANE;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = Math.min(S - 1, Math.max(0, y + dy));
          for (let dx = -1; dx <= 1; dx++) s += src[o + yy * S + Math.min(S - 1, Math.max(0, x + dx))]!;
        }
        dst[o + y * S + x] = s / 9;
      }
    }
  }
}

/**
 * Images blurred by `passes` 3×3 box blurs (two passes ≈ a Gaussian of σ ≈ 1.15 px).
 * @example blurImages(testImages, 2)
 */
export function blurImages(images: Float32Array, passes = 2): Float32Array {
  let a = Float32Array.from(images);
  let b = new Float32Array(images.length);
  for (let i = 0; i < passes; i++) {
    boxBlur(a, b);
    [a, b] = [b, a];
  }
  return a;
}

/**
 * For each label in `labels`, the mean training image of that class plus independent Gaussian noise
 * of standard deviation `sigma` (in [−1, 1] units), clamped to [−1, 1].
 */
export function classMeanPlusNoise(
  trainImages: Float32Array,
  trainLabels: ArrayLike<number>,
  labels: ArrayLike<number>,
  sigma: number,
  seed: number,
): Float32Array {
  const means = new Map<number, Float64Array>();
  const counts = new Map<number, number>();
  for (let i = 0; i < trainLabels.length; i++) {
    const l = trainLabels[i]!;
    let m = means.get(l);
    if (!m) means.set(l, (m = new Float64Array(IMAGE)));
    counts.set(l, (counts.get(l) ?? 0) + 1);
    for (let j = 0, o = i * IMAGE; j < IMAGE; j++) m[j]! += trainImages[o + j]!;
  }
  const rng = new Rng(seed);
  const out = new Float32Array(labels.length * IMAGE);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    const m = means.get(l);
    if (!m) throw new Error(`classMeanPlusNoise: no training image of class ${l}`);
    const c = counts.get(l)!;
    for (let j = 0; j < IMAGE; j++) out[i * IMAGE + j] = Math.min(1, Math.max(-1, m[j]! / c + sigma * rng.normal()));
  }
  return out;
}
