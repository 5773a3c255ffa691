/**
 * What evaluation needs from a generator, and the adapter for pegasus GAN checkpoints.
 *
 * Evaluation works on any generator that can draw images of a class or of a mixture of classes;
 * `loadGeneratorSource` wraps the GAN checkpoints of `pegasus train` (through src/sample).
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { ClassWeight } from '../sample/classMix.js';
import { loadGenerator, sampleImages } from '../sample/sampler.js';

export type { ClassWeight };

export interface ImageGeneratorSource {
  /** Human-readable description (checkpoint path, step). */
  readonly name: string;
  /** CIFAR-10 class names it is conditioned on, in its own order; empty when unconditional. */
  readonly classes: readonly string[];
  /**
   * n images for a class mixture (one class: [{ name, weight: 1 }]; unconditional: []), as float
   * NCHW [n, 3, 32, 32] in [−1, 1]; the same seed gives the same images.
   */
  sample(mix: readonly ClassWeight[], n: number, seed: number): Float32Array;
}

/** Images per generator call: bounds memory when thousands are drawn. */
const CHUNK = 250;

/**
 * Wraps a generator function so that large requests are drawn in chunks, chunk c with seed
 * `seed·1000003 + c` (so n images are always the same images for a given seed).
 */
export function chunked(draw: (mix: readonly ClassWeight[], n: number, seed: number) => Float32Array) {
  return (mix: readonly ClassWeight[], n: number, seed: number): Float32Array => {
    const out = new Float32Array(n * 3072);
    for (let s = 0, c = 0; s < n; s += CHUNK, c++) {
      const m = Math.min(CHUNK, n - s);
      out.set(draw(mix, m, seed * 1000003 + c).subarray(0, m * 3072), s * 3072);
    }
    return out;
  };
}

/** A GAN checkpoint of `pegasus train` (generator-ema.pgc, or a run's checkpoint.pgc) as an image source. */
export function loadGeneratorSource(path: string, truncation?: number): ImageGeneratorSource {
  if (!existsSync(path)) throw new UserError(`--checkpoint ${path}: no such file`);
  const g = loadGenerator(path);
  const conditional = g.config.model === 'cgan';
  return {
    name: `${path} (${g.config.model}, step ${g.step}${truncation === undefined ? '' : `, truncation ψ ${truncation}`})`,
    classes: conditional ? [...g.config.train.classes] : [],
    sample: chunked((mix, n, seed) => {
      const t = sampleImages(g, conditional ? mix : [], n, seed, truncation);
      const out = Float32Array.from(t.data);
      t.dispose();
      return out;
    }),
  };
}
