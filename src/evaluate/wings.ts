/**
 * The wing detector: a small ResNet-9 trained from scratch to tell a horse with wings from one
 * without, on test-split data only, so it has never seen the composites a generator learned from.
 *
 * Positives are winged composites of side-on test horses (`pegasus data pegasi --split test`);
 * negatives are the same horses without wings (so a wing, not the horse, is what separates the
 * classes) and every other test horse (riders, close-ups, foals: what a wing must not be confused
 * with). The usable horses are split by horse, not by image: the held-out horses' composites and
 * raw images measure the detector on horses it never saw. It is evidence beside a blind viewing
 * test, not a replacement for one: it can only know wings as the composites draw them.
 */
import { loadCifar10, type Cifar10Set } from '../data/cifar10.js';
import { IMAGE_BYTES } from '../data/cifar10Format.js';
import { hashInts, permutation } from '../data/rng.js';
import { UserError } from '../errors.js';
import type { ResNet9 } from '../models/classifier/index.js';
import type { PegasiSet } from '../pegasi/dataset.js';
import { embedImages } from './embed.js';

export const WING_CLASSES = ['no wings', 'winged'] as const;

/** Share of the usable horses whose images are held out to measure the detector. */
const HELD_OUT_SHARE = 0.2;
/** Each raw usable horse appears this many times among the negatives, to balance its composites. */
const RAW_REPEATS = 12;

function setOf(images: Uint8Array, labels: Uint8Array): Cifar10Set {
  const count = labels.length;
  return { count, images, labels, classNames: [...WING_CLASSES], shape: [count, 3, 32, 32] };
}

/** Concatenates image lists (uint8 NCHW) with a label per list. */
function gather(parts: readonly { images: Uint8Array; label: number }[]): Cifar10Set {
  const total = parts.reduce((n, p) => n + p.images.length / IMAGE_BYTES, 0);
  const images = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    const n = p.images.length / IMAGE_BYTES;
    images.set(p.images, at * IMAGE_BYTES);
    labels.fill(p.label, at, at + n);
    at += n;
  }
  return setOf(images, labels);
}

function pick(images: Uint8Array, indices: readonly number[], repeats = 1): Uint8Array {
  const out = new Uint8Array(indices.length * repeats * IMAGE_BYTES);
  let at = 0;
  for (let r = 0; r < repeats; r++) {
    for (const i of indices) out.set(images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), at++ * IMAGE_BYTES);
  }
  return out;
}

/**
 * The detector's training and held-out sets from test-split composites and the test split's horses.
 * @example const { train, heldOut } = wingSets(loadPegasi('runs/pegasi-test'), dataDir, 1);
 */
export function wingSets(
  pegasi: PegasiSet,
  dataDir: string,
  seed: number,
  recordsPerFile?: number,
): { train: Cifar10Set; heldOut: Cifar10Set } {
  if (pegasi.manifest.split !== 'test') {
    throw new UserError(
      `the wing detector learns from test-split composites only (this folder is made from ${pegasi.manifest.split}); make one with pegasus data pegasi --split test`,
    );
  }
  const horses = loadCifar10({ dir: dataDir, split: 'test', classes: ['horse'], ...(recordsPerFile !== undefined && { recordsPerFile }) });
  const usable = [...pegasi.manifest.horses];
  const order = permutation(usable.length, hashInts(seed, 0x77696e67)); // 'wing'
  const nHeld = Math.max(1, Math.round(usable.length * HELD_OUT_SHARE));
  const held = new Set(Array.from(order.subarray(0, nHeld), (i) => usable[i]!));
  const usableSet = new Set(usable);
  const composites = (heldOut: boolean): number[] => pegasi.recipes.flatMap((r, i) => (held.has(r.horse) === heldOut ? [i] : []));
  const others = Array.from({ length: horses.count }, (_, i) => i).filter((i) => !usableSet.has(i));
  const othersOrder = permutation(others.length, hashInts(seed, 0x6f746872));
  const heldOthers = Array.from(othersOrder.subarray(0, Math.round(others.length * HELD_OUT_SHARE)), (i) => others[i]!);
  const heldOthersSet = new Set(heldOthers);
  const raw = (heldOut: boolean) => usable.filter((h) => held.has(h) === heldOut);
  const train = gather([
    { images: pick(pegasi.images, composites(false)), label: 1 },
    { images: pick(horses.images, raw(false), RAW_REPEATS), label: 0 },
    {
      images: pick(
        horses.images,
        others.filter((i) => !heldOthersSet.has(i)),
        2,
      ),
      label: 0,
    },
  ]);
  const heldOut = gather([
    { images: pick(pegasi.images, composites(true)), label: 1 },
    { images: pick(horses.images, raw(true)), label: 0 },
    { images: pick(horses.images, heldOthers), label: 0 },
  ]);
  return { train, heldOut };
}

/**
 * p(winged) of each image (float NCHW in [−1, 1]), averaged over the image and its mirror.
 * @example const p = wingProbabilities(detector, images); // p[i] in [0, 1]
 */
export function wingProbabilities(net: ResNet9, images: Float32Array): Float32Array {
  if (net.config.numClasses !== 2) throw new UserError(`a wing detector has 2 classes; this classifier has ${net.config.numClasses}`);
  const { probs } = embedImages(net, images, { flipTta: true });
  return Float32Array.from({ length: probs.length / 2 }, (_, i) => probs[2 * i + 1]!);
}
