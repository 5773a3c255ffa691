/**
 * Training augmentation for the classifier: random crops of the image padded by `pad` pixels
 * (reflection padding, as Page 2018) and random horizontal flips, applied while converting uint8
 * pixels to floats in [−1, 1].
 *
 * The crop offset and flip of each image come from one seeded generator per batch, so a resumed run
 * sees the same augmented batches it would have seen.
 */
import { mulberry32 } from '../../data/index.js';
import { reflectIndex } from '../../image/index.js';
import { IMAGE_BYTES as IMAGE } from '../../data/cifar10Format.js';

const S = 32; // CIFAR-10 image side
const PLANE = S * S;

export interface AugmentOptions {
  /** Pixels of reflection padding before the random 32×32 crop (0 disables cropping). */
  readonly pad: number;
  /** Flip each image horizontally with probability ½. */
  readonly flip: boolean;
}

/**
 * Gathers images `indices` of `pixels` (uint8 NCHW, 3×32×32 each) into a float batch in [−1, 1],
 * each randomly shifted by up to ±pad pixels and flipped.
 *
 * @example const x = augmentBatch(set.images, order.subarray(0, 256), { pad: 4, flip: true }, seed);
 */
export function augmentBatch(pixels: Uint8Array, indices: ArrayLike<number>, opts: AugmentOptions, seed: number): Float32Array {
  const n = indices.length;
  const out = new Float32Array(n * IMAGE);
  const rand = mulberry32(seed);
  const span = 2 * opts.pad + 1;
  for (let b = 0; b < n; b++) {
    const dy = opts.pad > 0 ? Math.floor(rand() * span) - opts.pad : 0;
    const dx = opts.pad > 0 ? Math.floor(rand() * span) - opts.pad : 0;
    const flip = opts.flip && rand() < 0.5;
    const src = indices[b]! * IMAGE;
    const dst = b * IMAGE;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < S; y++) {
        const sy = reflectIndex(y + dy, S);
        const row = src + c * PLANE + sy * S;
        const orow = dst + c * PLANE + y * S;
        for (let x = 0; x < S; x++) {
          const sx = reflectIndex((flip ? S - 1 - x : x) + dx, S);
          out[orow + x] = pixels[row + sx]! / 127.5 - 1;
        }
      }
    }
  }
  return out;
}

/** Images `indices` of `pixels` as floats in [−1, 1], unaugmented (for evaluation). */
export function gatherBatch(pixels: Uint8Array, indices: ArrayLike<number>): Float32Array {
  return augmentBatch(pixels, indices, { pad: 0, flip: false }, 0);
}

/** Horizontally flipped copy of a float NCHW batch of 32×32 images (for flip test-time augmentation). */
export function flipBatch(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += S) {
    for (let i = 0; i < S; i++) out[r + i] = x[r + S - 1 - i]!;
  }
  return out;
}
