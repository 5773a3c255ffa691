/**
 * DiffAugment: differentiable augmentation for data-efficient GAN training.
 *
 * Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation for Data-Efficient GAN Training".
 * The same random transforms are applied to every image the discriminator sees — real and fake,
 * in the D step and in the G step — and they are built from differentiable ops, so the
 * generator's gradient passes through them. That keeps D from memorising a small training set
 * without letting the augmentations leak into the generated images.
 *
 * The three transforms and their ranges follow the paper's "color,translation,cutout" policy:
 * - color: brightness + U(−½, ½); saturation ×U(0, 2) around the per-pixel channel mean;
 *   contrast ×U(½, 3⁄2) around the per-image mean;
 * - translation: a shift of up to ⅛ of the side in each direction, zero-filled;
 * - cutout: a zeroed square of half the side at a uniformly random centre (clipped at borders).
 *
 * Images are [N, C, H, W] in [−1, 1]. Randomness comes from `rng`, so a resumed run replays it.
 */
import { add, mean, mul, sub, tensor, translate2d, type Rng, type Tensor } from '../../engine/index.js';

/** The transforms of the paper's policy string "color,translation,cutout", in the order they are applied. */
export const AUGMENT_POLICIES = ['color', 'translation', 'cutout'] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

/** One value per sample shaped [N, 1, 1, 1] for broadcasting, drawn as lo + (hi − lo)·U(0, 1). */
function perSample(rng: Rng, n: number, lo: number, hi: number): Tensor {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.uniform();
  return tensor(v, [n, 1, 1, 1]);
}

export function randBrightness(x: Tensor, rng: Rng): Tensor {
  return add(x, perSample(rng, x.shape[0]!, -0.5, 0.5));
}

export function randSaturation(x: Tensor, rng: Rng): Tensor {
  const m = mean(x, [1], true);
  return add(mul(sub(x, m), perSample(rng, x.shape[0]!, 0, 2)), m);
}

export function randContrast(x: Tensor, rng: Rng): Tensor {
  const m = mean(x, [1, 2, 3], true);
  return add(mul(sub(x, m), perSample(rng, x.shape[0]!, 0.5, 1.5)), m);
}

/** Shifts each image by its own (dy, dx) ∈ [−s, s]², s = round(side/8), filling with zeros. */
export function randTranslation(x: Tensor, rng: Rng, ratio = 0.125): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const sy = Math.round(h * ratio);
  const sx = Math.round(w * ratio);
  const dy: number[] = [];
  const dx: number[] = [];
  for (let i = 0; i < n; i++) {
    dy.push(rng.int(2 * sy + 1) - sy);
    dx.push(rng.int(2 * sx + 1) - sx);
  }
  return translate2d(x, dy, dx);
}

/** Zeroes a (H/2)×(W/2) square per image at a uniformly random centre (clipped at the borders). */
export function randCutout(x: Tensor, rng: Rng, ratio = 0.5): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const ch = Math.round(h * ratio);
  const cw = Math.round(w * ratio);
  const mask = new Float32Array(n * h * w).fill(1);
  for (let i = 0; i < n; i++) {
    const cy = rng.int(h + (1 - (ch % 2)));
    const cx = rng.int(w + (1 - (cw % 2)));
    const y0 = Math.max(0, cy - Math.floor(ch / 2));
    const y1 = Math.min(h, cy - Math.floor(ch / 2) + ch);
    const x0 = Math.max(0, cx - Math.floor(cw / 2));
    const x1 = Math.min(w, cx - Math.floor(cw / 2) + cw);
    for (let y = y0; y < y1; y++) mask.fill(0, i * h * w + y * w + x0, i * h * w + y * w + x1);
  }
  return mul(x, tensor(mask, [n, 1, h, w]));
}

/**
 * Applies the policy's transforms in the paper's order (color, translation, cutout).
 *
 * @example diffAugment(images, ['color', 'translation', 'cutout'], rng)
 */
export function diffAugment(x: Tensor, policy: readonly AugmentPolicy[], rng: Rng): Tensor {
  let y = x;
  if (policy.includes('color')) y = randContrast(randSaturation(randBrightness(y, rng), rng), rng);
  if (policy.includes('translation')) y = randTranslation(y, rng);
  if (policy.includes('cutout')) y = randCutout(y, rng);
  return y;
}
