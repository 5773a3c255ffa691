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
 * - `region-mix`: a plain horse, except inside a soft ellipse over the upper part of the image
 *   (where a Pegasus's wings rise from its back), where the layers from the first or the second on
 *   take a winged class instead (spatially varying conditioning; see Region in recipe.ts). The
 *   ellipse is drawn at random per candidate, so the ranking finds where it meets the horse's back.
 */
import { Rng } from '../engine/index.js';
import { UserError } from '../errors.js';
import type { ClassWeights, Region } from './recipe.js';

export interface Condition {
  readonly weights?: ClassWeights;
  readonly layerWeights?: readonly ClassWeights[];
  readonly region?: Region;
}

/** The body and wing classes this generator knows; an error when it cannot make a Pegasus. */
export function pegasusClasses(
  classes: readonly string[],
  body: readonly string[],
  wings: readonly string[],
): { body: string; wings: string[] } {
  const b = body.find((c) => classes.includes(c));
  const w = wings.filter((c) => classes.includes(c));
  if (b === undefined || w.length === 0) {
    throw new UserError(
      `this generator knows ${classes.join(', ')}; a Pegasus needs ${body.join('/')} and one of ${wings.join('/')}: train one with those classes`,
    );
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

/** Range of each ellipse number of `region-mix`, in pixels of the 32×32 image. */
export const REGION_RANGES = {
  cy: [5, 12], // the upper third to the middle: above a horse's back, which sits near row 12–16
  cx: [9, 23], // around the middle, a little toward either end of the body
  ry: [4, 8],
  rx: [6, 12], // wider than tall, as spread wings are
} as const;

/**
 * Region mixtures of the `region-mix` strategy (the ellipse itself comes from `withRegionShape`):
 * the body class everywhere, each wing set inside the region from layer 0 or from layer 1 on.
 */
export function regionMixConditions(body: string, wings: readonly string[], layers: number): Condition[] {
  const out: Condition[] = [];
  for (const wing of wingSets(wings)) {
    for (const from of [0, 1].filter((f) => f < layers)) {
      const inside = Array.from({ length: layers }, (_, l) => (l < from ? null : { ...wing }));
      out.push({ weights: { [body]: 1 }, region: { cy: 0, cx: 0, ry: 1, rx: 1, layerWeights: inside } });
    }
  }
  return out;
}

/** The condition with its region's ellipse drawn uniformly from REGION_RANGES by Rng(seed) (rounded to 0.1 px). */
export function withRegionShape(c: Condition, seed: number): Condition {
  if (c.region === undefined) return c;
  const rng = new Rng((seed ^ 0x4e610) >>> 0);
  const draw = ([lo, hi]: readonly [number, number]) => Math.round((lo + (hi - lo) * rng.uniform()) * 10) / 10;
  return {
    ...c,
    region: { ...c.region, cy: draw(REGION_RANGES.cy), cx: draw(REGION_RANGES.cx), ry: draw(REGION_RANGES.ry), rx: draw(REGION_RANGES.rx) },
  };
}

/** Composed-guidance concepts of the `diffusion` strategy (negative weight: steer away from deer, the other four-legged class). */
export function diffusionConcepts(classes: readonly string[], body: string, wings: readonly string[]): ClassWeights[] {
  const out: ClassWeights[] = wingSets(wings).map((w) => ({ [body]: 2, ...scaled(w, 1.5) }));
  if (classes.includes('deer')) out.push({ [body]: 2, ...scaled(wingSets(wings).at(-1)!, 1.5), deer: -0.5 });
  return out;
}
