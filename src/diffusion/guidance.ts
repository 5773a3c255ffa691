/**
 * Classifier-free guidance (Ho & Salimans 2022) composed over several classes (Liu et al. 2022,
 * "Compositional Visual Generation with Composable Diffusion Models", eq. 9–10):
 *
 *   ε̃ = ε(x, ∅) + Σᵢ wᵢ·(ε(x, cᵢ) − ε(x, ∅))
 *
 * with any set of classes cᵢ and weights wᵢ, negative ones included (a negative weight steers away
 * from a class: Liu et al.'s "NOT"). With one class of weight w this is ordinary classifier-free
 * guidance (w = 1: the plain conditional model; w > 1: stronger). Since ε = (x − D)/σ is affine in
 * D, the same combination applies to the denoiser outputs D, which is what we combine.
 */
import { noGrad, tensor, tidy } from '../engine/index.js';
import { UserError } from '../errors.js';
import { edmDenoise, type PreconditionedNet } from './edm.js';
import type { Denoiser } from './samplers.js';

/** One term of a composition: a model class index and its guidance weight. */
export interface Concept {
  readonly classIndex: number;
  readonly weight: number;
}

/** The largest |guidance weight| of a concept (far beyond any useful guidance; bounds the sampler's range). */
export const MAX_GUIDANCE_WEIGHT = 20;

/**
 * Parses `--concept` values: "horse:3,bird:2,deer:-0.5" (NAME:WEIGHT, or NAME alone for weight 1)
 * against the classes the model was trained on (its class index is the position in `classes`).
 * An empty spec means unconditional sampling.
 *
 * @example parseConcepts('horse:3,bird:2', ['airplane', 'bird', 'horse']) // [{classIndex:2,weight:3},{classIndex:1,weight:2}]
 */
export function parseConcepts(spec: string, classes: readonly string[]): Concept[] {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const out: Concept[] = [];
  for (const part of parts) {
    const [rawName = '', rawWeight, ...rest] = part.split(':');
    const name = rawName.trim().toLowerCase();
    const weight = rawWeight === undefined ? 1 : Number(rawWeight.trim() === '' ? NaN : rawWeight);
    if (name === '' || rest.length > 0 || !Number.isFinite(weight)) {
      throw new UserError(`--concept "${spec}": "${part}" is not NAME or NAME:WEIGHT (e.g. horse:3,bird:2,deer:-0.5)`);
    }
    if (Math.abs(weight) > MAX_GUIDANCE_WEIGHT) {
      throw new UserError(`--concept "${spec}": the guidance weight of ${name} must lie within ±${MAX_GUIDANCE_WEIGHT}`);
    }
    const classIndex = classes.indexOf(name);
    if (classIndex < 0) throw new UserError(`--concept "${spec}": this model was not trained on "${name}"; it knows ${classes.join(', ')}`);
    if (out.some((c) => c.classIndex === classIndex)) throw new UserError(`--concept "${spec}": ${name} is given twice`);
    out.push({ classIndex, weight });
  }
  return out;
}

/** The label/weight pairs that make up the composed denoiser: the ∅ term first, then each class. */
export function guidanceTerms(concepts: readonly Concept[], nullClass: number): { label: number; weight: number }[] {
  const nullWeight = 1 - concepts.reduce((a, c) => a + c.weight, 0);
  const terms = concepts.map((c) => ({ label: c.classIndex, weight: c.weight }));
  // NOTE: when the weights sum to 1 (e.g. a single class at w = 1) the ∅ term vanishes and costs nothing.
  return nullWeight === 0 ? terms : [{ label: nullClass, weight: nullWeight }, ...terms];
}

export interface ComposedDenoiserOptions {
  /** The learned "no class" token's index (the number of classes). */
  readonly nullClass: number;
  readonly sigmaData: number;
  /** [channels, height, width] of one image. */
  readonly imageShape: readonly [number, number, number];
  /** Most images per network call (the batch is n × number of terms); default 256. */
  readonly maxBatch?: number;
}

/**
 * The denoiser D̃(x; σ) = Σ_t w_t·D(x; σ, label_t) over the terms of `guidanceTerms` (weights sum
 * to 1), evaluating all terms of all images in as few network calls as `maxBatch` allows.
 *
 * @example sampleHeun(composedDenoiser(net, parseConcepts('horse:3,bird:2', classes), opts), x0, sigmas)
 */
export function composedDenoiser(net: PreconditionedNet, concepts: readonly Concept[], o: ComposedDenoiserOptions): Denoiser {
  const terms = guidanceTerms(concepts, o.nullClass);
  const [c, h, w] = o.imageShape;
  const per = c * h * w;
  const maxBatch = o.maxBatch ?? 256;
  return (x, sigma) => {
    const n = x.length / per;
    const out = new Float64Array(x.length);
    // Rows of the big batch: (term t, image i) in term-major order.
    const rows = terms.length * n;
    for (let start = 0; start < rows; start += maxBatch) {
      const end = Math.min(rows, start + maxBatch);
      const b = end - start;
      const input = new Float32Array(b * per);
      const labels = new Int32Array(b);
      for (let r = start; r < end; r++) {
        const i = r % n;
        input.set(x.subarray(i * per, (i + 1) * per), (r - start) * per);
        labels[r - start] = terms[Math.floor(r / n)]!.label;
      }
      tidy(() =>
        noGrad(() => {
          const d = edmDenoise(net, tensor(input, [b, c, h, w]), new Float64Array(b).fill(sigma), labels, o.sigmaData).data;
          for (let r = start; r < end; r++) {
            const i = r % n;
            const wt = terms[Math.floor(r / n)]!.weight;
            const src = (r - start) * per;
            for (let j = 0; j < per; j++) out[i * per + j] = out[i * per + j]! + wt * d[src + j]!;
          }
        }),
      );
    }
    return out;
  };
}
