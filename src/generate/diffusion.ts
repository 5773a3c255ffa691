/**
 * Drawing diffusion recipes: composed classifier-free guidance (Ho & Salimans 2022, "Classifier-Free
 * Diffusion Guidance"; composed over several classes with positive and negative weights as in Liu
 * et al. 2022, "Compositional Visual Generation with Composable Diffusion Models") inside EDM's
 * deterministic Heun sampler (Karras et al. 2022, Algorithm 1). The sampler itself lives in
 * src/diffusion; here recipes with the same concept are drawn together, one seed per image.
 */
import type { LoadedDiffusionModel } from '../diffusion/checkpoint.js';
import { sampleDiffusion } from '../diffusion/sample.js';
import { toIndexWeights, type DiffusionRecipe } from './recipe.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/** Images of `recipes` as float NCHW [n, 3, 32, 32] in [−1, 1]; each depends only on its own recipe. */
export function drawDiffusion(
  m: LoadedDiffusionModel,
  recipes: readonly DiffusionRecipe[],
  onImages?: (done: number) => void,
): Float32Array {
  const classes = m.config.train.classes;
  const out = new Float32Array(recipes.length * IMAGE);
  const groups = new Map<string, number[]>();
  recipes.forEach((r, i) => {
    const key = JSON.stringify([r.concept, r.steps]);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  let done = 0;
  for (const idx of groups.values()) {
    const first = recipes[idx[0]!]!;
    const w = toIndexWeights(first.concept, classes);
    const concepts = [...w].flatMap((weight, classIndex) => (weight !== 0 ? [{ classIndex, weight }] : []));
    const x = sampleDiffusion(m.net, m.config.edm, {
      concepts,
      seeds: idx.map((i) => recipes[i]!.seed),
      steps: first.steps,
      sampler: 'heun',
    });
    idx.forEach((i, j) => out.set(x.data.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
    x.dispose();
    done += idx.length;
    onImages?.(done);
  }
  return out;
}
