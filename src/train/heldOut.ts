/**
 * A sign of the discriminator memorising its training images, logged while a GAN trains.
 *
 * D's mean logit on a fixed sample of the run's training images and on as many held-out test
 * images of the same classes. While D judges realism the two agree; once D starts to recognise
 * the particular images it was trained on, the training images score higher and the gap grows.
 * Karras et al. 2020b ("Training Generative Adversarial Networks with Limited Data", fig. 1) read
 * overfitting off the same two curves; DiffAugment's colour and cutout transforms (Zhao et al. 2020)
 * are one cure.
 *
 * The probe changes nothing in the run: D is put in eval mode (so spectral normalisation's power
 * iteration does not advance, see nn/spectralNorm.ts), no gradient is taken and no random number
 * is drawn, so a run with the probe is bit for bit the run without it.
 */
import { loadCifar10, toFloat32, type Cifar10Set } from '../data/cifar10.js';
import { IMAGE_BYTES } from '../data/cifar10Format.js';
import { hashInts, permutation } from '../data/rng.js';
import { noGrad, tensor, tidy } from '../engine/index.js';
import type { GanPair } from './ganPair.js';
import { cifarClasses, labelToClassIndex } from './resolve.js';

/** What one probe measures (the fields it adds to a metrics line). */
export interface HeldOutLogits {
  /** D's mean logit on the fixed sample of training images. */
  readonly dTrain: number;
  /** D's mean logit on held-out test images of the same classes; dTrain − dHeldOut is the gap. */
  readonly dHeldOut: number;
}

interface ImageSample {
  readonly images: Float32Array; // [n, 3, 32, 32] in [−1, 1]
  readonly labels: Int32Array; // the run's class indices
}

const PROBE_STREAM = 0x70726f62; // 'prob': which images the probe holds, independent of training
const CHUNK = 128;

export class HeldOutProbe {
  private constructor(
    private readonly train: ImageSample,
    private readonly test: ImageSample,
  ) {}

  /**
   * Picks `n` of the run's training images (`train`, the set its loader already holds) and `n`
   * test images of `classes` (fewer when a split has fewer), by `seed`.
   *
   * @example const probe = HeldOutProbe.load({ train: loader.set, dataDir, classes: ['bird', 'horse'], n: 512, seed: 1 });
   */
  static load(o: {
    train: Cifar10Set;
    dataDir: string;
    classes: readonly string[];
    n: number;
    seed: number;
    recordsPerFile?: number;
  }): HeldOutProbe {
    const toClass = labelToClassIndex(o.classes);
    const pick = (set: Cifar10Set, stream: number): ImageSample => {
      const order = permutation(set.count, hashInts(o.seed, PROBE_STREAM, stream));
      const n = Math.min(o.n, set.count);
      const pixels = new Uint8Array(n * IMAGE_BYTES);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const j = order[i]!;
        pixels.set(set.images.subarray(j * IMAGE_BYTES, (j + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
        labels[i] = toClass[set.labels[j]!]!;
      }
      return { images: toFloat32(pixels), labels };
    };
    const test = loadCifar10({
      dir: o.dataDir,
      split: 'test',
      classes: cifarClasses(o.classes),
      ...(o.recordsPerFile !== undefined && { recordsPerFile: o.recordsPerFile }),
    });
    return new HeldOutProbe(pick(o.train, 0), pick(test, 1));
  }

  /** D's mean logits on the two samples, with D in eval mode and no gradient. */
  measure(pair: GanPair): HeldOutLogits {
    const D = pair.discriminator;
    const wasTraining = D.training;
    D.eval();
    try {
      return { dTrain: this.meanLogit(pair, this.train), dHeldOut: this.meanLogit(pair, this.test) };
    } finally {
      D.train(wasTraining);
    }
  }

  private meanLogit(pair: GanPair, s: ImageSample): number {
    const n = s.labels.length;
    let sum = 0;
    for (let at = 0; at < n; at += CHUNK) {
      const m = Math.min(CHUNK, n - at);
      sum += tidy(() => {
        const x = tensor(s.images.subarray(at * IMAGE_BYTES, (at + m) * IMAGE_BYTES), [m, 3, 32, 32]);
        const logits = noGrad(() => pair.discriminate(x, s.labels.subarray(at, at + m)));
        let acc = 0;
        for (let i = 0; i < m; i++) acc += logits.data[i]!;
        return acc;
      });
    }
    return sum / n;
  }
}
