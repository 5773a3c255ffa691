/**
 * Recognisability: how surely the classifier sees the intended class in each image.
 * For a single class: the mean probability of that class and the fraction of images whose most
 * probable class it is. For a composed concept (a mixture of classes such as horse + bird): the
 * mean probability mass on each component class, and on all components together.
 */
import { argmaxRow } from './classifier/accuracy.js';

export interface ClassRecognition {
  /** Mean probability of the intended class. */
  readonly meanProbability: number;
  /** Fraction of images classified as the intended class. */
  readonly top1: number;
  /** Mean probability vector over all classes. */
  readonly meanProbs: number[];
}

/** Mean probability vector of rows `idx` of probs [n, k] (all rows when omitted). */
export function meanProbabilities(probs: Float32Array, k: number, idx?: ArrayLike<number>): number[] {
  const n = idx ? idx.length : probs.length / k;
  const m = new Array<number>(k).fill(0);
  for (let r = 0; r < n; r++) {
    const o = (idx ? idx[r]! : r) * k;
    for (let j = 0; j < k; j++) m[j]! += probs[o + j]!;
  }
  return m.map((v) => v / Math.max(1, n));
}

/** Recognition of images `idx` (rows of probs [n, k]) that should show class `label`. */
export function recognise(probs: Float32Array, k: number, label: number, idx: ArrayLike<number>): ClassRecognition {
  const meanProbs = meanProbabilities(probs, k, idx);
  let hits = 0;
  for (let r = 0; r < idx.length; r++) if (argmaxRow(probs, k, idx[r]!) === label) hits++;
  return { meanProbability: meanProbs[label]!, top1: hits / Math.max(1, idx.length), meanProbs };
}

/** Mass on each component class of a concept, and in total. */
export function conceptMass(meanProbs: readonly number[], components: readonly number[]): { perComponent: number[]; total: number } {
  const perComponent = components.map((c) => meanProbs[c]!);
  return { perComponent, total: perComponent.reduce((a, b) => a + b, 0) };
}
