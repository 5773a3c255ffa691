/**
 * A pegasus model file (.pgc) as an ONNX model: the cGAN generator (its EMA weights, batch norms on
 * standing statistics) or a ResNet-9 classifier (the CIFAR-10 classifier, the wing detector). The
 * class names and the config travel in the model's metadata.
 */
import { loadCheckpointHeader } from '../nn/index.js';
import { UserError } from '../errors.js';
import { Generator } from '../models/cgan/index.js';
import { generatorOnnx } from '../models/cgan/onnx.js';
import { CLASSIFIER_KIND, loadClassifier } from '../models/classifier/index.js';
import { classifierOnnx } from '../models/classifier/onnx.js';
import { CLASS_NAMES } from '../data/index.js';
import { loadGenerator } from '../sample/sampler.js';
import { GENERATOR_KIND, TRAIN_KIND } from '../train/trainState.js';

export interface OnnxExport {
  readonly bytes: Uint8Array;
  /** One line on what the graph takes and gives. */
  readonly summary: string;
}

/**
 * The ONNX bytes of a generator or classifier file.
 * @example writeFileSync('pegasus.onnx', exportOnnx('models/cgan-pegasus/generator-ema.pgc').bytes);
 */
export function exportOnnx(path: string): OnnxExport {
  // the header says which loader to use; that loader reads and verifies the whole file once
  const kind = loadCheckpointHeader(path).kind;
  if (kind === GENERATOR_KIND || kind === TRAIN_KIND) {
    const g = loadGenerator(path);
    if (!(g.generator instanceof Generator))
      throw new UserError(
        `${path}: ONNX export covers the class-conditional (cgan) generator; use --format safetensors for a ${g.config.model}`,
      );
    const classes = g.config.train.classes;
    const metadata = { 'pegasus.kind': 'cgan-generator', 'pegasus.classes': classes.join(','), 'pegasus.config': JSON.stringify(g.config) };
    const zDim = g.config.cgan.generator.zDim;
    return {
      bytes: generatorOnnx(g.generator).encode(metadata),
      summary: `z [N, ${zDim}] and class_weights [N, ${classes.length}] (${classes.join(', ')}) → images [N, 3, 32, 32] in [−1, 1]`,
    };
  }
  if (kind === CLASSIFIER_KIND) {
    const { net } = loadClassifier(path);
    const k = net.config.numClasses;
    const names = k === CLASS_NAMES.length ? CLASS_NAMES.join(',') : k === 2 ? 'unwinged,winged' : '';
    const metadata = { 'pegasus.kind': 'resnet9-classifier', 'pegasus.classes': names, 'pegasus.config': JSON.stringify(net.config) };
    return {
      bytes: classifierOnnx(net).encode(metadata),
      summary: `images [N, 3, 32, 32] in [−1, 1] → logits [N, ${k}] and features [N, ${net.config.widths[3]}]`,
    };
  }
  throw new UserError(
    `${path} holds a "${kind}" file; ONNX export covers GAN generators and classifiers (use --format safetensors for any model)`,
  );
}
