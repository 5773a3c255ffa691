/**
 * The part of `pegasus serve` that makes and scores images: a generator checkpoint and the
 * classifier that judges it, both loaded once, on the engine's fastest backend. It runs in the
 * compute worker (computeWorker.ts), never on the HTTP thread.
 *
 * NOTE: generation runs here and not in the browser. The native (oneDNN) backend draws a batch of
 * 16 images of the committed generator in ~50 ms on one busy core, many times faster than the
 * TypeScript backend would in a page, and the checkpoints (megabytes) never travel to the page.
 */
import { CLASS_NAMES } from '../data/index.js';
import { getBackend, noGrad, tensor, tidy } from '../engine/index.js';
import { embedImages } from '../evaluate/embed.js';
import { encodePng, floatToUint8, imageFromChw } from '../image/index.js';
import { layerConditions, regionMask } from '../generate/gan.js';
import { Generator } from '../models/cgan/index.js';
import { loadClassifier, type ResNet9 } from '../models/classifier/index.js';
import { dcganDefaults } from '../models/dcgan.js';
import { loadGenerator, type LoadedGenerator } from '../sample/sampler.js';
import { noiseOfSettings, sampleCommandFor, weightVector, type ImageSettings } from './settings.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/** How the classifier sees one image. */
export interface ImageScores {
  /** Probability of each class the classifier knows (CIFAR-10). */
  readonly probs: Record<string, number>;
  /** Its most probable class. */
  readonly top: string;
  /**
   * Probability mass on the classes given a positive weight: how recognisable the intended
   * concept is (recognisability of a mixture, as `pegasus evaluate` measures it); null when no
   * class has a positive weight.
   */
  readonly match: number | null;
}

/** One generated image, as the page receives it. */
export interface RenderedImage {
  readonly settings: ImageSettings;
  /** The 32×32 image as a PNG data URL. */
  readonly png: string;
  readonly scores: ImageScores;
  /** The `pegasus sample` line that draws the same image (null for blended noise). */
  readonly command: string | null;
}

/** A rendered image with what the neighbour search needs (stays in the compute worker). */
export interface RenderedWithData extends RenderedImage {
  /** CHW floats in [−1, 1]. */
  readonly pixels: Float32Array;
  /** The classifier's penultimate features. */
  readonly features: Float32Array;
}

export interface ModelInfo {
  readonly checkpoint: string;
  readonly model: string;
  readonly step: number;
  /** The generator's classes, in its own order (read from the checkpoint). */
  readonly classes: readonly string[];
  readonly classifier: string;
  readonly backend: string;
}

export class Studio {
  readonly generator: LoadedGenerator;
  readonly classifier: ResNet9;
  readonly info: ModelInfo;
  private readonly zDim: number;
  private readonly classifierClasses: readonly string[];

  constructor(generatorPath: string, classifierPath: string) {
    this.generator = loadGenerator(generatorPath);
    this.classifier = loadClassifier(classifierPath).net;
    const k = this.classifier.config.numClasses;
    this.classifierClasses = k === CLASS_NAMES.length ? CLASS_NAMES : Array.from({ length: k }, (_, i) => `class ${i}`);
    const c = this.generator.config;
    const conditional = this.generator.generator instanceof Generator;
    this.zDim = c.model === 'cgan' ? c.cgan.generator.zDim : dcganDefaults.zDim;
    this.info = {
      checkpoint: generatorPath,
      model: c.model,
      step: this.generator.step,
      classes: conditional ? [...c.train.classes] : [],
      classifier: classifierPath,
      backend: getBackend().name,
    };
  }

  /**
   * Draws and scores one image per setting, in one batch.
   * @example studio.render([{ weights: { horse: 0.7, bird: 0.3 }, seed: 0 }])
   */
  render(items: readonly ImageSettings[]): RenderedWithData[] {
    const n = items.length;
    if (n === 0) return [];
    const pixels = this.draw(items);
    const { features, probs, dim } = embedImages(this.classifier, pixels);
    const k = this.classifierClasses.length;
    return items.map((settings, i) => {
      const own = pixels.slice(i * IMAGE, (i + 1) * IMAGE);
      return {
        settings,
        png: `data:image/png;base64,${encodePng(imageFromChw(floatToUint8(own), 3, 32, 32)).toString('base64')}`,
        scores: this.scores(settings, probs.subarray(i * k, (i + 1) * k)),
        command: sampleCommandFor(settings, this.info.checkpoint, this.info.classes),
        pixels: own,
        features: features.slice(i * dim, (i + 1) * dim),
      };
    });
  }

  /** Images [n, 3, 32, 32] in [−1, 1]: one noise vector and one class mixture per setting. */
  private draw(items: readonly ImageSettings[]): Float32Array {
    const n = items.length;
    const gen = this.generator.generator;
    const z = new Float32Array(n * this.zDim);
    items.forEach((s, i) => z.set(noiseOfSettings(s, this.zDim), i * this.zDim));
    return tidy(() =>
      noGrad(() => {
        if (!(gen instanceof Generator)) return Float32Array.from(gen.forward(tensor(z, [n, this.zDim]), new Int32Array(n)).data);
        // Σ_k w_k·embed_k per image, as [n, K] class weights (see Generator.mixEmbedding)
        const K = this.info.classes.length;
        const w = new Float32Array(n * K);
        items.forEach((s, i) => w.set(weightVector(s, this.info.classes), i * K));
        // regions: the inside mixture blended in by each image's mask (an image without one: mask 0),
        // the same conditions pegasus generate's region-mix builds
        let region: { inside: Float32Array[]; masks: Float32Array } | null = null;
        if (items.some((s) => s.region !== undefined)) {
          const S = gen.config.imageSize;
          const inside = Float32Array.from(w);
          const masks = new Float32Array(n * S * S);
          items.forEach((s, i) => {
            if (s.region === undefined) return;
            inside.set(weightVector(s.region, this.info.classes), i * K);
            masks.set(regionMask(s.region, S), i * S * S);
          });
          region = { inside: new Array<Float32Array>(gen.numConditionalLayers).fill(inside), masks };
        }
        const cond = layerConditions(gen, { outside: new Array<Float32Array>(gen.numConditionalLayers).fill(w), region });
        return Float32Array.from(gen.forward(tensor(z, [n, this.zDim]), cond).data);
      }),
    );
  }

  private scores(s: ImageSettings, p: Float32Array): ImageScores {
    const probs: Record<string, number> = {};
    let top = 0;
    this.classifierClasses.forEach((c, j) => {
      probs[c] = p[j]!;
      if (p[j]! > p[top]!) top = j;
    });
    // the classes asked for, inside a region too (a Pegasus asks for horse and airplane)
    const wanted = [
      ...new Map([...Object.entries(s.weights), ...Object.entries(s.region?.weights ?? {})].filter(([c, w]) => w > 0 && c in probs)),
    ];
    const match = wanted.length === 0 ? null : wanted.reduce((a, [c]) => a + probs[c]!, 0);
    return { probs, top: this.classifierClasses[top]!, match };
  }
}

/** Index of the best image: highest match, else the most confident classification. */
export function bestIndex(images: readonly RenderedImage[]): number {
  let best = -1;
  let bestValue = -Infinity;
  images.forEach((im, i) => {
    const v = im.scores.match ?? im.scores.probs[im.scores.top]! - 1;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  });
  return best;
}
