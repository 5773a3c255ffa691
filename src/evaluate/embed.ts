/**
 * Running the classifier over many images in batches: penultimate features and class probabilities.
 * Everything evaluation measures goes through here, for generated and real images alike.
 */
import { noGrad, softmax, tensor, tidy } from '../engine/index.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { flipBatch } from './classifier/augment.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

export interface Embedding {
  /** Number of images. */
  readonly n: number;
  /** Feature width d. */
  readonly dim: number;
  /** Penultimate features, [n, d] row-major. */
  readonly features: Float32Array;
  /** Class probabilities, [n, numClasses] row-major. */
  readonly probs: Float32Array;
}

export interface EmbedOptions {
  /** Images per forward pass (500). */
  readonly batchSize?: number;
  /**
   * Average the class probabilities over the image and its mirror image (test-time augmentation,
   * as in Page 2018); features always come from the unflipped image (false).
   */
  readonly flipTta?: boolean;
  /** Called after each batch with the number of images done. */
  readonly onProgress?: (done: number) => void;
}

/**
 * Features and probabilities of `images` (float NCHW in [−1, 1], n×3×32×32), in eval mode.
 * @example const { features } = embedImages(net, toFloat32(test.images));
 */
export function embedImages(net: ResNet9, images: Float32Array, opts: EmbedOptions = {}): Embedding {
  const n = images.length / IMAGE;
  if (!Number.isInteger(n)) throw new Error(`embedImages: ${images.length} values are not a whole number of 3×32×32 images`);
  const bs = opts.batchSize ?? 500;
  const dim = net.config.widths[3];
  const k = net.config.numClasses;
  const features = new Float32Array(n * dim);
  const probs = new Float32Array(n * k);
  const wasTraining = net.training;
  net.eval();
  noGrad(() => {
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const chunk = images.subarray(s * IMAGE, (s + m) * IMAGE);
      tidy(() => {
        const f = net.features(tensor(chunk, [m, 3, 32, 32]));
        features.set(f.data, s * dim);
        const p = softmax(net.head(f), 1).data;
        if (opts.flipTta) {
          const pf = softmax(net.logits(tensor(flipBatch(chunk), [m, 3, 32, 32])), 1).data;
          for (let i = 0; i < m * k; i++) probs[s * k + i] = 0.5 * (p[i]! + pf[i]!);
        } else probs.set(p, s * k);
      });
      opts.onProgress?.(s + m);
    }
  });
  net.train(wasTraining);
  return { n, dim, features, probs };
}
