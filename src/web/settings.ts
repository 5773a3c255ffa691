/**
 * What one image of `pegasus serve` is: the settings that regenerate it exactly.
 *
 * An image is a class mixture (a weight per class of the model; negative weights subtract a class
 * embedding) and a noise vector z. z is drawn from its own seed, so every image can be regenerated
 * alone (EDM's habit: one seed per image); `blend` moves z from its seed towards another seed's
 * along the great circle, which is how the interpolation strip walks between two settings.
 */
import { Rng } from '../engine/index.js';

export interface ImageSettings {
  /** Weight per class name of the model; a missing class has weight 0. */
  readonly weights: Readonly<Record<string, number>>;
  /** Seed of the noise z ~ N(0, I), drawn as `pegasus sample --n 1 --seed <seed>` draws it. */
  readonly seed: number;
  /** Optional: z = slerp(z(seed), z(blend.seed), blend.t). */
  readonly blend?: { readonly seed: number; readonly t: number };
  /**
   * Optional: inside a soft ellipse (centre cy, cx and radii ry, rx in pixels) every conditional
   * layer takes the mixture `weights` instead — the `region-mix` of `pegasus generate`, e.g.
   * airplane wings over a horse's back (see Region in src/generate/recipe.ts).
   */
  readonly region?: ImageRegion;
}

export interface ImageRegion {
  readonly weights: Readonly<Record<string, number>>;
  readonly cy: number;
  readonly cx: number;
  readonly ry: number;
  readonly rx: number;
}

/**
 * The noise of one seed: the first row of `randn([n, zDim], new Rng(seed))`, so that the image
 * equals `pegasus sample --n 1 --seed <seed>` with the same class mixture.
 */
export function noiseOf(seed: number, zDim: number): Float32Array {
  const rng = new Rng(seed);
  const z = new Float32Array(zDim);
  for (let i = 0; i < zDim; i++) z[i] = rng.normal();
  return z;
}

/**
 * Spherical interpolation between two noise vectors (Shoemake 1985, "Animating rotation with
 * quaternion curves"; White 2016, "Sampling Generative Networks", for GAN latents): Gaussian noise
 * lives near a sphere, and a straight line between two points passes inside it, where the
 * generator sees unusually small z.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
  const omega = Math.acos(cos);
  const out = new Float32Array(a.length);
  // NOTE: for (almost) parallel vectors sin(ω) → 0; the straight line is then the same path.
  const [ca, cb] =
    Math.sin(omega) < 1e-6 ? [1 - t, t] : [Math.sin((1 - t) * omega) / Math.sin(omega), Math.sin(t * omega) / Math.sin(omega)];
  for (let i = 0; i < a.length; i++) out[i] = ca * a[i]! + cb * b[i]!;
  return out;
}

/** The noise vector of a setting (its seed's, or blended towards another seed's). */
export function noiseOfSettings(s: ImageSettings, zDim: number): Float32Array {
  const z = noiseOf(s.seed, zDim);
  if (s.blend === undefined || s.blend.t === 0) return z;
  return slerp(z, noiseOf(s.blend.seed, zDim), s.blend.t);
}

/** The weights as a vector in the model's class order. */
export function weightVector(s: Pick<ImageSettings, 'weights'>, classes: readonly string[]): Float64Array {
  return Float64Array.from(classes, (c) => s.weights[c] ?? 0);
}

/**
 * The `pegasus sample` command that draws the same image (a plain seed only; blended noise and
 * regions have no CLI flag), or null.
 *
 * @example sampleCommandFor({ weights: { horse: 0.7, bird: 0.3 }, seed: 5 }, 'g.pgc', classes) // 'pegasus sample … --class horse:0.7,bird:0.3 --seed 5 --n 1 …'
 */
export function sampleCommandFor(s: ImageSettings, checkpoint: string, classes: readonly string[]): string | null {
  if ((s.blend !== undefined && s.blend.t !== 0) || s.region !== undefined) return null;
  const mix = classes.filter((c) => (s.weights[c] ?? 0) !== 0).map((c) => `${c}:${s.weights[c]}`);
  // an all-zero mixture is still a mixture (the zero embedding), which `--class <first>:0` gives
  const cls = classes.length === 0 ? '' : ` --class ${mix.length > 0 ? mix.join(',') : `${classes[0]}:0`}`;
  return `pegasus sample --checkpoint ${checkpoint}${cls} --seed ${s.seed} --n 1 --scale 8 --out image.png`;
}
