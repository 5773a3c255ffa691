/**
 * The CIFAR-10 training set as `pegasus serve` searches it: pixels and classifier features of every
 * training image, and exact nearest-neighbour search in both spaces (src/evaluate/distances.ts).
 *
 * Features of 50,000 images take minutes on a CPU, so they are cached in the same file that
 * `pegasus evaluate` writes (same key: the classifier file and the data folder). They are built in
 * the compute worker (computeWorker.ts) a chunk at a time, yielding between chunks, so the worker
 * keeps drawing images meanwhile.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCifar10, type Cifar10Set } from '../data/index.js';
import { embedImages } from '../evaluate/embed.js';
import { kNearest, rows, squaredNorms, type Rows } from '../evaluate/distances.js';
import { encodePng, imageFromChw } from '../image/index.js';
import { loadClassifier } from '../models/classifier/index.js';
import { crc32 } from '../nn/index.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

export interface TrainIndexOptions {
  /** The resolved cifar-10-batches-bin folder. */
  readonly dataDir: string;
  /** Records each CIFAR-10 file must hold (10,000; smaller for test fixtures). */
  readonly recordsPerFile: number;
  /** The classifier whose features are searched (the one that scores the images). */
  readonly classifier: string;
  /** Folder of the feature cache shared with `pegasus evaluate` (runs/.cache). */
  readonly cacheDir: string;
}

/** One training image near a query. */
export interface Neighbour {
  /** Index in the training split (0–49,999 in data_batch order). */
  readonly index: number;
  readonly label: string;
  /** Euclidean distance (pixels in [−1, 1], or classifier features). */
  readonly distance: number;
  /** The training image as a PNG data URL. */
  readonly png: string;
}

export interface NeighbourResult {
  /** Nearest by pixels: small distances mean the generator may be copying. */
  readonly pixel: Neighbour[];
  /** Nearest as the classifier sees them: what the image resembles. */
  readonly feature: Neighbour[];
}

/**
 * The cache file `pegasus evaluate` uses for these training features (same key, so one
 * computation serves both).
 */
export function featureCachePath(o: TrainIndexOptions, count: number): string {
  const key = (crc32(readFileSync(o.classifier)) ^ crc32(Buffer.from(`${o.dataDir}:${count}`))) >>> 0;
  return join(o.cacheDir, `train-features-${key.toString(16)}.f32`);
}

export class TrainIndex {
  private readonly pixelNorms: Float32Array;
  private readonly featureNorms: Float32Array;

  private constructor(
    readonly set: Cifar10Set,
    private readonly pixels: Rows,
    private readonly features: Rows,
  ) {
    this.pixelNorms = squaredNorms(pixels);
    this.featureNorms = squaredNorms(features);
  }

  /**
   * Loads the training split and its features (from the cache, or computed and cached), giving the
   * event loop a turn after every `chunk` images. `onProgress(done, total)` reports the features.
   */
  static async build(
    o: TrainIndexOptions,
    onProgress: (done: number, total: number) => void = () => {},
    chunk = 250,
  ): Promise<{ index: TrainIndex; fromCache: boolean }> {
    const set = loadCifar10({ dir: o.dataDir, split: 'train', recordsPerFile: o.recordsPerFile });
    const pixels = new Float32Array(set.images.length);
    for (let i = 0; i < pixels.length; i++) pixels[i] = set.images[i]! / 127.5 - 1;
    const { net } = loadClassifier(o.classifier);
    const dim = net.config.widths[3];
    const path = featureCachePath(o, set.count);
    let features: Float32Array | undefined;
    if (existsSync(path)) {
      const b = readFileSync(path);
      if (b.length === set.count * dim * 4) features = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    }
    const fromCache = features !== undefined;
    if (features === undefined) {
      features = new Float32Array(set.count * dim);
      for (let s = 0; s < set.count; s += chunk) {
        const m = Math.min(chunk, set.count - s);
        features.set(embedImages(net, pixels.subarray(s * IMAGE, (s + m) * IMAGE)).features, s * dim);
        onProgress(s + m, set.count);
        // NOTE: a turn of the event loop, so requests waiting in the worker are answered between chunks
        await new Promise((resolve) => setImmediate(resolve));
      }
      mkdirSync(o.cacheDir, { recursive: true });
      writeFileSync(path, Buffer.from(features.buffer, features.byteOffset, features.byteLength));
    }
    onProgress(set.count, set.count);
    return { index: new TrainIndex(set, rows(pixels, IMAGE), rows(features, dim)), fromCache };
  }

  get count(): number {
    return this.set.count;
  }

  /** The k nearest training images of one image (CHW pixels in [−1, 1] and its features). */
  nearest(pixels: Float32Array, features: Float32Array, k: number): NeighbourResult {
    const kk = Math.min(k, this.count);
    const found = (nn: { index: Int32Array; distance: Float32Array }): Neighbour[] =>
      Array.from(nn.index, (j, t) => ({
        index: j,
        label: this.set.classNames[this.set.labels[j]!] ?? String(this.set.labels[j]),
        distance: nn.distance[t]!,
        png: `data:image/png;base64,${encodePng(imageFromChw(this.set.images.subarray(j * IMAGE, (j + 1) * IMAGE), 3, 32, 32)).toString('base64')}`,
      }));
    return {
      pixel: found(kNearest(rows(pixels, IMAGE), this.pixels, kk, { baseNorms: this.pixelNorms })),
      feature: found(kNearest(rows(features, this.features.d), this.features, kk, { baseNorms: this.featureNorms })),
    };
  }
}
