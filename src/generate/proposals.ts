/**
 * The class mixtures the search tries, built from the classes the generator actually knows (read
 * from its checkpoint, never assumed): the body class (horse) with each winged class (bird,
 * airplane) alone and both together.
 *
 * - `mix`: body weight 0.5 … 0.8 with the rest on the wings (a point between the classes in the
 *   shared embedding space of Brock et al. 2019), plus two "amplified" mixtures whose weights sum
 *   to more than 1 (extrapolating past the plain average);
 * - `layer-mix`: the body in the first conditional layers (4×4 → 8×8 and 8×8 → 16×16 blocks decide
 *   shape and pose), the wings in the later ones (texture, colour, thin structures), with the split
 *   after the first or second block — the coarse/fine style split of Karras et al. 2019 (StyleGAN,
 *   "style mixing"), applied here to class embeddings.
 */
import { UserError } from '../errors.js';
import type { ClassWeights } from './recipe.js';

export interface Condition {
  readonly weights?: ClassWeights;
  readonly layerWeights?: readonly ClassWeights[];
}

/** The body and wing classes this generator knows; an error when it cannot make a Pegasus. */
export function pegasusClasses(classes: readonly string[], body: readonly string[], wings: readonly string[]): { body: string; wings: string[] } {
  const b = body.find((c) => classes.includes(c));
  const w = wings.filter((c) => classes.includes(c));
  if (b === undefined || w.length === 0) {
    throw new UserError(`this generator knows ${classes.join(', ')}; a Pegasus needs ${body.join('/')} and one of ${wings.join('/')}: train one with those classes`);
  }
  return { body: b, wings: w };
}

/** Wing mixtures: each winged class alone, and all of them evenly. */
function wingSets(wings: readonly string[]): ClassWeights[] {
  const sets: ClassWeights[] = wings.map((w) => ({ [w]: 1 }));
  if (wings.length > 1) sets.push(Object.fromEntries(wings.map((w) => [w, 1 / wings.length])));
  return sets;
}

function scaled(mix: ClassWeights, k: number): Record<string, number> {
  return Object.fromEntries(Object.entries(mix).map(([c, w]) => [c, Math.round(w * k * 1000) / 1000]));
}

/** Mixtures of the `mix` strategy. */
export function mixConditions(body: string, wings: readonly string[]): Condition[] {
  const out: Condition[] = [];
  for (const wing of wingSets(wings)) {
    for (const wb of [0.5, 0.6, 0.7, 0.8]) out.push({ weights: { [body]: wb, ...scaled(wing, 1 - wb) } });
    out.push({ weights: { [body]: 0.8, ...scaled(wing, 0.5) } });
  }
  return out;
}

/** Per-layer mixtures of the `layer-mix` strategy for a generator with `layers` conditional layers. */
export function layerMixConditions(body: string, wings: readonly string[], layers: number): Condition[] {
  const out: Condition[] = [];
  const splits = [...new Set([2, 4].filter((s) => s < layers))];
  for (const wing of wingSets(wings)) {
    const early: ClassWeights[] = [{ [body]: 1 }, { [body]: 0.8, ...scaled(wing, 0.2) }];
    const late: ClassWeights[] = [{ ...wing }, { [body]: 0.4, ...scaled(wing, 0.6) }];
    for (const split of splits) {
      for (const e of early) {
        for (const l of late) out.push({ layerWeights: Array.from({ length: layers }, (_, i) => (i < split ? e : l)) });
      }
    }
  }
  return out;
}

/** Composed-guidance concepts of the `diffusion` strategy (negative weight: steer away from deer, the other four-legged class). */
export function diffusionConcepts(classes: readonly string[], body: string, wings: readonly string[]): ClassWeights[] {
  const out: ClassWeights[] = wingSets(wings).map((w) => ({ [body]: 2, ...scaled(w, 1.5) }));
  if (classes.includes('deer')) out.push({ [body]: 2, ...scaled(wingSets(wings).at(-1)!, 1.5), deer: -0.5 });
  return out;
}
