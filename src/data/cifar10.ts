/**
 * Loading CIFAR-10 into memory as NCHW tensors' worth of bytes.
 *
 * Images stay uint8 (60,000 × 3072 bytes = 184 MB) and are turned into float32 in [-1, 1] only on
 * demand, per batch, so the whole set never needs 4× the memory as floats.
 */
import { UserError } from '../errors.js';
import {
  CLASS_NAMES,
  IMAGE_BYTES,
  RECORDS_PER_FILE,
  TEST_FILES,
  TRAIN_FILES,
  assertFilesPresent,
  readBatchFile,
  readMeta,
  type RecordsPerFile,
} from './cifar10Format.js';

export type Split = 'train' | 'test' | 'all';

export interface Cifar10Options {
  readonly dir: string; // a folder holding data_batch_1..5.bin, test_batch.bin, batches.meta.txt
  readonly split?: Split; // 'train' (50,000), 'test' (10,000) or 'all' (train then test); default 'train'
  readonly classes?: readonly string[]; // keep only these class names; default all ten
  readonly recordsPerFile?: RecordsPerFile; // records each file must hold; default the official 10,000
}

/**
 * A loaded split. `images` has shape [count, 3, 32, 32] (uint8, NCHW), `labels` shape [count]
 * with the original CIFAR-10 labels 0–9 (also after class filtering, so `classNames[label]`
 * always names the class).
 */
export interface Cifar10Set {
  readonly count: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly classNames: readonly string[];
  readonly shape: readonly [number, number, number, number];
}

/**
 * Loads a CIFAR-10 split, validating every file it reads (see cifar10Format.ts).
 *
 * @example
 * const horses = loadCifar10({ dir, split: 'train', classes: ['horse'] }); // 5,000 images
 * const x = toFloat32(horses.images); // [-1, 1]
 */
export function loadCifar10(options: Cifar10Options): Cifar10Set {
  const { dir, split = 'train', recordsPerFile = RECORDS_PER_FILE } = options;
  assertFilesPresent(dir);
  const classNames = readMeta(dir);
  const keep = options.classes === undefined ? null : classMask(options.classes);
  const names: readonly string[] = split === 'train' ? TRAIN_FILES : split === 'test' ? TEST_FILES : [...TRAIN_FILES, ...TEST_FILES];
  const parts = names.map((name) => readBatchFile(dir, name, recordsPerFile));
  const total = parts.reduce((n, p) => n + p.count, 0);
  const images = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.count;
  }
  const set: Cifar10Set = { count: total, images, labels, classNames, shape: [total, 3, 32, 32] };
  return keep === null ? set : selectClasses(set, keep);
}

/**
 * Turns class names into a mask over labels 0–9; an unknown name is a UserError listing the
 * valid ones. Names are matched case-insensitively.
 */
export function classMask(classes: readonly string[]): boolean[] {
  const mask = new Array<boolean>(CLASS_NAMES.length).fill(false);
  if (classes.length === 0) throw new UserError(`no classes given; choose from ${CLASS_NAMES.join(', ')}`);
  for (const raw of classes) {
    const name = raw.trim().toLowerCase();
    const label = (CLASS_NAMES as readonly string[]).indexOf(name);
    if (label < 0) throw new UserError(`unknown CIFAR-10 class "${raw}"; valid classes are ${CLASS_NAMES.join(', ')}`);
    mask[label] = true;
  }
  return mask;
}

/** Keeps the images whose label is set in `mask`, in their original order. */
export function selectClasses(set: Cifar10Set, mask: readonly boolean[]): Cifar10Set {
  let count = 0;
  for (let i = 0; i < set.count; i++) if (mask[set.labels[i]!]) count++;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let j = 0;
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i]!;
    if (!mask[label]) continue;
    labels[j] = label;
    images.set(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), j * IMAGE_BYTES);
    j++;
  }
  return { count, images, labels, classNames: set.classNames, shape: [count, 3, 32, 32] };
}

/** How many images of each label 0–9 a set holds. */
export function countPerClass(labels: Uint8Array): number[] {
  const counts = new Array<number>(CLASS_NAMES.length).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * Scales uint8 pixels to float32 in [-1, 1]: x / 127.5 - 1, so 0 → -1 and 255 → 1.
 * Pass `out` to reuse a buffer across batches.
 */
export function toFloat32(pixels: Uint8Array, out = new Float32Array(pixels.length)): Float32Array {
  if (out.length !== pixels.length) throw new Error(`toFloat32: out has ${out.length} values, need ${pixels.length}`);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 127.5 - 1;
  return out;
}
