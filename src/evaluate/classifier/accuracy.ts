/**
 * Test accuracy and the confusion matrix of the classifier.
 */
import { toFloat32, type Cifar10Set } from '../../data/index.js';
import type { ResNet9 } from '../../models/classifier/index.js';
import { embedImages } from '../embed.js';

export interface AccuracyReport {
  /** Fraction of images whose most probable class is their label. */
  readonly accuracy: number;
  /** Number of images measured. */
  readonly count: number;
  /** Whether predictions average the image and its mirror image. */
  readonly flipTta: boolean;
  readonly classNames: readonly string[];
  /** confusion[true][predicted] = number of images. */
  readonly confusion: number[][];
  /** Accuracy of each true class. */
  readonly perClass: number[];
}

/** The index of the largest of row i of a [n, k] matrix. */
export function argmaxRow(m: Float32Array, k: number, i: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (m[i * k + j]! > m[i * k + best]!) best = j;
  return best;
}

/**
 * Classifies every image of `set` and counts hits per (true, predicted) class.
 * @example measureAccuracy(net, loadCifar10({ dir, split: 'test' }), { flipTta: true }).accuracy
 */
export function measureAccuracy(
  net: ResNet9,
  set: Cifar10Set,
  opts: { flipTta?: boolean; onProgress?: (done: number) => void } = {},
): AccuracyReport {
  const flipTta = opts.flipTta ?? false;
  const { probs } = embedImages(net, toFloat32(set.images), { flipTta, onProgress: opts.onProgress });
  return accuracyOf(probs, net.config.numClasses, set.labels, set.classNames, flipTta);
}

/**
 * Accuracy, confusion matrix and per-class accuracy of class probabilities `probs` [n, k] (the most
 * probable class is the prediction) against the true `labels`.
 * @example accuracyOf(Float32Array.of(0.9, 0.1, 0.3, 0.7), 2, [0, 0], ['cat', 'dog']).confusion // [[1, 1], [0, 0]]
 */
export function accuracyOf(
  probs: Float32Array,
  k: number,
  labels: ArrayLike<number>,
  classNames: readonly string[],
  flipTta = false,
): AccuracyReport {
  const count = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let hits = 0;
  for (let i = 0; i < count; i++) {
    const y = labels[i]!;
    const p = argmaxRow(probs, k, i);
    confusion[y]![p]!++;
    if (p === y) hits++;
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row[c]! / total : 0;
  });
  return { accuracy: hits / count, count, flipTta, classNames, confusion, perClass };
}

/** The confusion matrix as aligned text, rows = true class, columns = predicted class. */
export function formatConfusion(r: AccuracyReport): string {
  const short = r.classNames.map((n) => n.slice(0, 5).padStart(6));
  const lines = [`${'true\\pred'.padEnd(11)}${short.join('')}   acc`];
  r.confusion.forEach((row, c) => {
    lines.push(
      `${r.classNames[c]!.padEnd(11)}${row.map((v) => String(v).padStart(6)).join('')}  ${(100 * r.perClass[c]!).toFixed(1).padStart(5)}%`,
    );
  });
  return lines.join('\n');
}
