/**
 * The training set as scoring sees it: pixels (for nearest-neighbour copies), classifier features
 * (for feature-space neighbours) and a fixed "real manifold" (for the realism score).
 *
 * Embedding all 50,000 training images takes minutes on 2 cores, so the features come from the
 * cache `pegasus evaluate` writes (same file name: runs/.cache/train-features-<key>.f32) or, when
 * there is none, only the training images that are needed are embedded: the manifold subset plus
 * the neighbour candidates the recorded choice lists. A search always embeds everything once.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cifar10Set } from '../data/index.js';
import { rows, squaredNorms, kthNeighbourRadius, type Rows } from '../evaluate/distances.js';
import { embedImages } from '../evaluate/embed.js';
import { spread } from '../evaluate/evaluate.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { crc32 } from '../nn/index.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/**
 * The realism reference of Kynkäänniemi et al. 2019 ("Improved Precision and Recall Metric for
 * Assessing Generative Models", section 5): real feature vectors with their k-NN radii, of which
 * only the half with the smallest radii is kept (large radii are outliers that would call anything
 * realistic).
 */
export interface RealManifold {
  readonly features: Rows;
  /** Squared k-NN radius of each kept real vector. */
  readonly radius2: Float32Array;
}

export interface TrainFeatures {
  /** Feature rows of the training images listed in `index`. */
  readonly features: Rows;
  readonly norms: Float32Array;
  /** Training-set index of each feature row. */
  readonly index: Int32Array;
  /** Whether every training image is present (exact nearest-neighbour search). */
  readonly complete: boolean;
}

export interface GenerateReference {
  readonly set: Cifar10Set;
  /** Train pixels as floats in [−1, 1]. */
  readonly pixels: Rows;
  readonly pixelNorms: Float32Array;
  readonly train: TrainFeatures;
  readonly manifold: RealManifold;
}

export interface ReferenceOptions {
  /** Training images in the realism manifold, spread evenly over the set (2,000). */
  readonly manifoldSize: number;
  /** k of the k-NN radii (3, as Kynkäänniemi et al.). */
  readonly manifoldK: number;
  /** Folder of the feature cache (shared with pegasus evaluate). */
  readonly cacheDir: string;
  /** The classifier file (its bytes key the cache). */
  readonly classifierPath: string;
  readonly dataDir: string;
  /** Training images whose features are needed when there is no cache; undefined: embed all and cache. */
  readonly needed?: readonly number[];
  readonly log?: (msg: string) => void;
}

/** The cache file of `pegasus evaluate` for this classifier and data folder. */
export function featureCachePath(o: Pick<ReferenceOptions, 'cacheDir' | 'classifierPath' | 'dataDir'>, count: number): string {
  const key = (crc32(readFileSync(o.classifierPath)) ^ crc32(Buffer.from(`${o.dataDir}:${count}`))) >>> 0;
  return join(o.cacheDir, `train-features-${key.toString(16)}.f32`);
}

function readCache(path: string, count: number, dim: number): Float32Array | undefined {
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  if (b.length !== count * dim * 4) return undefined;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function gatherImages(set: Cifar10Set, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * IMAGE);
  for (let i = 0; i < idx.length; i++) {
    const o = idx[i]! * IMAGE;
    for (let j = 0; j < IMAGE; j++) out[i * IMAGE + j] = set.images[o + j]! / 127.5 - 1;
  }
  return out;
}

/**
 * Builds the reference for `set` (the training split).
 * @example const ref = buildReference(net, train, { manifoldSize: 2000, manifoldK: 3, cacheDir: 'runs/.cache', classifierPath, dataDir });
 */
export function buildReference(net: ResNet9, set: Cifar10Set, o: ReferenceOptions): GenerateReference {
  const dim = net.config.widths[3];
  const pixels = rows(
    gatherImages(
      set,
      Int32Array.from({ length: set.count }, (_, i) => i),
    ),
    IMAGE,
  );
  const cachePath = featureCachePath(o, set.count);
  const manifoldIdx = spread(set.count, o.manifoldSize);
  let train: TrainFeatures;
  const cached = readCache(cachePath, set.count, dim);
  if (cached !== undefined || o.needed === undefined) {
    let f = cached;
    if (f === undefined) {
      o.log?.(`embedding all ${set.count} training images once (cached in ${cachePath})`);
      f = embedImages(net, pixels.data).features;
      mkdirSync(o.cacheDir, { recursive: true });
      writeFileSync(cachePath, Buffer.from(f.buffer, f.byteOffset, f.byteLength));
    }
    const fr = rows(f, dim);
    train = { features: fr, norms: squaredNorms(fr), index: Int32Array.from({ length: set.count }, (_, i) => i), complete: true };
  } else {
    const idx = Int32Array.from(new Set([...manifoldIdx, ...o.needed])).sort();
    o.log?.(`no feature cache: embedding ${idx.length} of the training images`);
    const fr = rows(embedImages(net, gatherImages(set, idx)).features, dim);
    train = { features: fr, norms: squaredNorms(fr), index: idx, complete: false };
  }
  const pos = new Map<number, number>();
  train.index.forEach((t, i) => pos.set(t, i));
  const mf = new Float32Array(manifoldIdx.length * dim);
  manifoldIdx.forEach((t, i) => mf.set(train.features.data.subarray(pos.get(t)! * dim, (pos.get(t)! + 1) * dim), i * dim));
  return { set, pixels, pixelNorms: squaredNorms(pixels), train, manifold: realManifold(rows(mf, dim), o.manifoldK) };
}

/** Real vectors with their squared k-NN radii, the larger half of the radii dropped (see RealManifold). */
export function realManifold(real: Rows, k: number): RealManifold {
  const r = kthNeighbourRadius(real, Math.min(k, real.n - 1));
  const median = Float32Array.from(r).sort()[Math.floor(r.length / 2)]!;
  const keep: number[] = [];
  r.forEach((v, i) => {
    if (v <= median) keep.push(i);
  });
  const f = new Float32Array(keep.length * real.d);
  keep.forEach((i, j) => f.set(real.data.subarray(i * real.d, (i + 1) * real.d), j * real.d));
  return { features: rows(f, real.d), radius2: Float32Array.from(keep, (i) => r[i]! * r[i]!) };
}
