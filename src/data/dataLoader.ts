/**
 * Deterministic shuffling, batching and random horizontal flips.
 *
 * Everything is a pure function of (seed, step): epoch e's order is the Fisher–Yates permutation
 * seeded by hash(seed, e), and whether the image at position p of epoch e is flipped is one bit of
 * hash(seed, e, p). A run resumed at step s therefore sees exactly the batches it would have seen,
 * without replaying the steps before s. Named after PyTorch's `DataLoader`.
 */
import { IMAGE_BYTES, IMAGE_SIZE } from './cifar10Format.js';
import { toFloat32, type Cifar10Set } from './cifar10.js';
import { hashInts, permutation } from './rng.js';

export interface DataLoaderConfig {
  readonly batchSize: number; // images per batch
  readonly seed: number; // decides every epoch's order and every flip
  readonly shuffle?: boolean; // a new random order each epoch; default true (false: dataset order)
  readonly dropLast?: boolean; // skip an epoch's last, smaller batch; default true (all batches equal)
  readonly flip?: boolean; // random horizontal flip with probability 1/2; default false
}

/** One batch: NCHW images as uint8 and as float32 in [-1, 1], flips already applied. */
export interface Batch {
  readonly step: number;
  readonly epoch: number;
  readonly indices: Uint32Array; // positions in the set, for reproducibility checks
  readonly labels: Uint8Array;
  readonly uint8: Uint8Array; // [n, 3, 32, 32]
  readonly images: Float32Array; // [n, 3, 32, 32], x / 127.5 - 1
  readonly flipped: Uint8Array; // 1 where the image was flipped
}

const FLIP_STREAM = 0x666c6970; // 'flip': keeps flip bits independent of the shuffle's seeds

/** The order of epoch `epoch` for a set of `n` images: a permutation of 0..n-1. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  return permutation(n, hashInts(seed, epoch));
}

/** Whether the image at `position` of `epoch` is flipped (a fair coin from the seed). */
export function flipBit(seed: number, epoch: number, position: number): boolean {
  return (hashInts(seed, FLIP_STREAM, epoch, position) & 1) === 1;
}

/**
 * Mirrors square CHW images left–right in place (each row reversed, in every channel).
 * `images` holds whole images of `size`×`size` pixels and `channels` planes.
 */
export function flipHorizontal(images: Uint8Array | Float32Array, channels = 3, size = IMAGE_SIZE): void {
  const rows = images.length / size;
  if (!Number.isInteger(rows) || images.length % (channels * size * size) !== 0) {
    throw new Error(`flipHorizontal: ${images.length} values are not whole ${channels}×${size}×${size} images`);
  }
  for (let r = 0; r < rows; r++) {
    let a = r * size;
    let b = a + size - 1;
    while (a < b) {
      const t = images[a]!;
      images[a++] = images[b]!;
      images[b--] = t;
    }
  }
}

/**
 * Batches of a CIFAR-10 set, addressable by step number.
 *
 * @example
 * const loader = new DataLoader(set, { batchSize: 128, seed: 1, flip: true });
 * for (let step = resumeStep; step < steps; step++) train(loader.batch(step));
 */
export class DataLoader {
  readonly stepsPerEpoch: number;
  private readonly cfg: Required<DataLoaderConfig>;
  private cachedEpoch = -1;
  private cachedOrder: Uint32Array = new Uint32Array(0);

  constructor(
    readonly set: Cifar10Set,
    config: DataLoaderConfig,
  ) {
    this.cfg = { shuffle: true, dropLast: true, flip: false, ...config };
    const { batchSize } = this.cfg;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (set.count === 0) throw new Error('DataLoader: the set is empty');
    if (this.cfg.dropLast && batchSize > set.count) {
      throw new Error(`batchSize ${batchSize} is larger than the set (${set.count} images) with dropLast`);
    }
    this.stepsPerEpoch = this.cfg.dropLast ? Math.floor(set.count / batchSize) : Math.ceil(set.count / batchSize);
  }

  /** The order of one epoch (cached, since consecutive steps share it). */
  order(epoch: number): Uint32Array {
    if (epoch !== this.cachedEpoch) {
      this.cachedOrder = this.cfg.shuffle
        ? epochOrder(this.set.count, this.cfg.seed, epoch)
        : Uint32Array.from({ length: this.set.count }, (_, i) => i);
      this.cachedEpoch = epoch;
    }
    return this.cachedOrder;
  }

  /** The batch of global step `step` (0-based), across epochs. */
  batch(step: number): Batch {
    if (!Number.isInteger(step) || step < 0) throw new Error(`step must be a non-negative integer, got ${step}`);
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const start = (step % this.stepsPerEpoch) * this.cfg.batchSize;
    const end = Math.min(start + this.cfg.batchSize, this.set.count);
    const order = this.order(epoch);
    const n = end - start;
    const indices = order.slice(start, end);
    const labels = new Uint8Array(n);
    const uint8 = new Uint8Array(n * IMAGE_BYTES);
    const flipped = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const src = indices[i]!;
      labels[i] = this.set.labels[src]!;
      const image = uint8.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES);
      image.set(this.set.images.subarray(src * IMAGE_BYTES, (src + 1) * IMAGE_BYTES));
      if (this.cfg.flip && flipBit(this.cfg.seed, epoch, start + i)) {
        flipHorizontal(image);
        flipped[i] = 1;
      }
    }
    return { step, epoch, indices, labels, uint8, images: toFloat32(uint8), flipped };
  }

  /** The batches of one epoch, in order. */
  *epoch(epoch: number): Generator<Batch> {
    for (let s = 0; s < this.stepsPerEpoch; s++) yield this.batch(epoch * this.stepsPerEpoch + s);
  }
}
