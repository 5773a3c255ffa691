/**
 * Drawing GAN recipes: each row of a batch gets its own latent (from its seed and walk) and its own
 * class-embedding mixture per conditional layer, so recipes of every GAN strategy share batches and
 * an image never depends on what else is drawn with it (the generator is in eval mode, with
 * standing batch-norm statistics; see src/sample/sampler.ts).
 */
import { matmul, noGrad, Rng, tensor, tidy, truncatedRandn, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';
import { Generator, type LayerCondition } from '../models/cgan/index.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import { layerClassWeights, regionClassWeights, type GanRecipe, type LatentWalk, type Region } from './recipe.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/** Rows of every generator pass (see drawGan); also bounds memory when thousands of candidates are drawn. */
const BATCH = 16;

/** The conditional generator of a loaded checkpoint (generate composes classes, so it must be one). */
export function conditionalGenerator(g: LoadedGenerator): Generator {
  if (!(g.generator instanceof Generator)) {
    throw new UserError(
      `this ${g.config.model} generator is unconditional; pegasus generate needs a class-conditional GAN (pegasus train --model cgan)`,
    );
  }
  return g.generator;
}

/**
 * z of one recipe: N(0, I) from Rng(seed), then the walk's steps (see LatentWalk); with a
 * `truncation` ψ, z₀ and each step's noise are drawn truncated to [−ψ, ψ] (see truncatedRandn).
 * NOTE: computed in float64 and rounded once, so a walk replays identically whatever its length.
 */
export function latentOf(seed: number, zDim: number, walk?: LatentWalk, truncation?: number): Float32Array {
  // ψ = ∞ draws exactly what randn draws, so untruncated recipes keep their images
  const draw = (s: number) => truncatedRandn([zDim], new Rng(s), truncation ?? Infinity).data;
  const z = Float64Array.from(draw(seed));
  if (walk !== undefined) {
    const scale = 1 / Math.sqrt(1 + walk.sigma * walk.sigma);
    for (const s of walk.seeds) {
      const eps = draw(s);
      for (let j = 0; j < zDim; j++) z[j] = (z[j]! + walk.sigma * eps[j]!) * scale;
    }
  }
  return Float32Array.from(z);
}

/**
 * The soft elliptical mask of a region, [size × size] row-major: exp(−d²) with
 * d = ((y + ½ − cy)/ry)² + ((x + ½ − cx)/rx)², so 1 at the centre, 1/e on the ellipse, ~0 beyond.
 */
export function regionMask(g: Pick<Region, 'cy' | 'cx' | 'ry' | 'rx'>, size: number): Float32Array {
  const m = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = ((y + 0.5 - g.cy) / g.ry) ** 2 + ((x + 0.5 - g.cx) / g.rx) ** 2;
      m[y * size + x] = Math.exp(-d * d);
    }
  }
  return m;
}

/**
 * Per-layer class-index weights of a batch of recipes, [n, k] each, outside and (when any recipe
 * has a region) inside the regions, with the regions' masks [n, size²].
 */
export interface BatchWeights {
  readonly outside: Float32Array[];
  readonly region: { readonly inside: Float32Array[]; readonly masks: Float32Array } | null;
}

export function batchWeights(recipes: readonly GanRecipe[], classes: readonly string[], layers: number, size: number): BatchWeights {
  const n = recipes.length;
  const k = classes.length;
  const outside = Array.from({ length: layers }, () => new Float32Array(n * k));
  const withRegion = recipes.some((r) => r.region !== undefined);
  const inside = withRegion ? Array.from({ length: layers }, () => new Float32Array(n * k)) : [];
  const masks = new Float32Array(withRegion ? n * size * size : 0);
  recipes.forEach((r, i) => {
    const out = layerClassWeights(r, classes, layers);
    out.forEach((lw, l) => outside[l]!.set(lw, i * k));
    if (!withRegion) return;
    // a row without a region: mask 0 and the same mixture inside, so it draws as without regions
    (regionClassWeights(r, classes, layers) ?? out).forEach((lw, l) => inside[l]!.set(lw, i * k));
    if (r.region !== undefined) masks.set(regionMask(r.region, size), i * size * size);
  });
  return { outside, region: withRegion ? { inside, masks } : null };
}

/**
 * The generator's per-layer conditions for `w` (call inside a tidy scope): embeddings of the
 * outside mixtures, each blended with the inside one by the masks when there are regions.
 * `outside` replaces the outside embeddings (guidance learns them).
 */
export function layerConditions(gen: Generator, w: BatchWeights, outside?: readonly Tensor[]): LayerCondition[] {
  const k = gen.embed.weight.shape[0]!;
  const n = w.outside[0]!.length / k;
  const size = gen.config.imageSize;
  const out = outside ?? w.outside.map((lw) => matmul(tensor(lw, [n, k]), gen.embed.weight));
  if (w.region === null) return [...out];
  const mask = tensor(w.region.masks, [n, 1, size, size]);
  return out.map((o, l) => ({ outside: o, inside: matmul(tensor(w.region!.inside[l]!, [n, k]), gen.embed.weight), mask }));
}

/**
 * Images of `recipes` as float NCHW [n, 3, 32, 32] in [−1, 1].
 *
 * @example drawGan(g, [{ strategy: 'mix', seed: 7, weights: { horse: 0.7, bird: 0.3 } }])
 */
export function drawGan(g: LoadedGenerator, recipes: readonly GanRecipe[], onBatch?: (done: number) => void): Float32Array {
  const gen = conditionalGenerator(g);
  const classes = g.config.train.classes;
  const zDim = gen.config.generator.zDim;
  const layers = gen.numConditionalLayers;
  const out = new Float32Array(recipes.length * IMAGE);
  for (let s = 0; s < recipes.length; s += BATCH) {
    const part = recipes.slice(s, s + BATCH);
    const real = part.length;
    // NOTE: every forward pass has exactly BATCH rows (the last padded with copies of its first):
    // the kernels' blocking, and so the float rounding, then never depends on how many images are
    // drawn together, and a recipe redraws bit for bit alone or in a search's chunk (with 128-row
    // passes a 1e-7 difference flipped a PNG byte of a redrawn batch). Rows do not mix: a row's
    // pixels are the same beside any other rows, with or without regions (tested).
    while (part.length < BATCH) part.push(part[0]!);
    const n = part.length;
    const z = new Float32Array(n * zDim);
    part.forEach((r, i) => z.set(latentOf(r.seed, zDim, r.walk, r.truncation), i * zDim));
    const w = batchWeights(part, classes, layers, gen.config.imageSize);
    tidy(() =>
      noGrad(() => {
        out.set(gen.forward(tensor(z, [n, zDim]), layerConditions(gen, w)).data.subarray(0, real * IMAGE), s * IMAGE);
      }),
    );
    onBatch?.(s + real);
  }
  return out;
}
