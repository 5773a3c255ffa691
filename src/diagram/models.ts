/**
 * The networks `pegasus diagram` can draw, built from a named preset or from the config stored in
 * a checkpoint, each with the dummy inputs one traced forward pass needs.
 */
import { Rng, randn, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';
import { Discriminator, Generator, type CganConfig } from '../models/cgan/index.js';
import { ResNet9, CLASSIFIER_KIND, defaultClassifierConfig, type ClassifierConfig } from '../models/classifier/index.js';
import { DcganDiscriminator, DcganGenerator, dcganDefaults } from '../models/dcgan.js';
import { UNet, type UNetConfig } from '../models/diffusion/index.js';
import { DIFFUSION_PRESETS } from '../train/presets/diffusion.js';
import { isDiffusionCheckpointKind } from '../diffusion/checkpoint.js';
import type { DiffusionRunConfig } from '../diffusion/config.js';
import { loadCheckpoint, type Module } from '../nn/index.js';
import type { RunConfig } from '../train/config.js';
import { PRESETS } from '../train/presets/gan.js';
import { GENERATOR_KIND, TRAIN_KIND } from '../train/trainState.js';
import type { TraceInput } from './trace.js';

export const DIAGRAM_MODELS = [
  'cgan-generator',
  'cgan-discriminator',
  'dcgan-generator',
  'dcgan-discriminator',
  'diffusion',
  'classifier',
] as const;
export type DiagramModel = (typeof DIAGRAM_MODELS)[number];

/** A network ready to trace: the module, its dummy inputs, and how to call it. */
export interface DiagramSubject {
  readonly title: string;
  readonly module: Module;
  readonly inputs: readonly TraceInput[];
  readonly call: (m: Module) => Tensor;
}

/** Batch of the traced forward pass: 2 keeps the graph small and batch norm well defined. */
const BATCH = 2;

const labels = (numClasses: number) => Int32Array.from({ length: BATCH }, (_, i) => i % numClasses);
const image = (rng: Rng) => randn([BATCH, 3, 32, 32], rng);

function cganSubject(which: 'generator' | 'discriminator', cgan: CganConfig, source: string, classes?: readonly string[]): DiagramSubject {
  const rng = new Rng(0);
  const y = labels(cgan.numClasses);
  const names =
    classes === undefined
      ? ''
      : `: ${classes.join(', ')}${classes.includes('pegasus') ? ' (pegasus learned from winged-horse composites)' : ''}`;
  const classInput: TraceInput = { name: 'class y', role: 'condition', value: y, note: `index of ${cgan.numClasses} classes${names}` };
  if (which === 'generator') {
    const z = randn([BATCH, cgan.generator.zDim], rng);
    return {
      title: `Conditional GAN generator (${source})`,
      module: new Generator(cgan, rng),
      inputs: [{ name: 'z', role: 'main', value: z, note: 'noise z ~ N(0, I)' }, classInput],
      call: (m) => (m as Generator).forward(z, y),
    };
  }
  const x = image(rng);
  return {
    title: `Projection discriminator (${source})`,
    module: new Discriminator(cgan, rng),
    inputs: [{ name: 'image x', role: 'main', value: x, note: 'real or generated, in [−1, 1]' }, classInput],
    call: (m) => (m as Discriminator).forward(x, y),
  };
}

function dcganSubject(which: 'generator' | 'discriminator', source: string): DiagramSubject {
  const rng = new Rng(0);
  if (which === 'generator') {
    const z = randn([BATCH, dcganDefaults.zDim], rng);
    return {
      title: `DCGAN generator (${source})`,
      module: new DcganGenerator(dcganDefaults, rng),
      inputs: [{ name: 'z', role: 'main', value: z, note: 'noise z ~ N(0, I)' }],
      call: (m) => (m as DcganGenerator).forward(z),
    };
  }
  const x = image(rng);
  return {
    title: `DCGAN discriminator (${source})`,
    module: new DcganDiscriminator(dcganDefaults, rng),
    inputs: [{ name: 'image x', role: 'main', value: x, note: 'real or generated, in [−1, 1]' }],
    call: (m) => (m as DcganDiscriminator).forward(x),
  };
}

function diffusionSubject(unet: UNetConfig, source: string): DiagramSubject {
  const rng = new Rng(0);
  const x = image(rng);
  const cNoise = Float32Array.from({ length: BATCH }, (_, i) => -0.3 + 0.5 * i);
  const y = labels(unet.numClasses);
  return {
    title: `Diffusion U-Net denoiser (${source})`,
    module: new UNet(unet, rng),
    inputs: [
      { name: 'x_in', role: 'main', value: x, note: 'noisy image · c_in (EDM)' },
      { name: 'noise level', role: 'condition', value: cNoise, note: 'c_noise = ln(σ)/4' },
      { name: 'class y', role: 'condition', value: y, note: `${unet.numClasses} classes + ∅ (index ${unet.numClasses})` },
    ],
    call: (m) => (m as UNet).forward(x, cNoise, y),
  };
}

function classifierSubject(config: ClassifierConfig, source: string): DiagramSubject {
  const rng = new Rng(0);
  const x = image(rng);
  return {
    title: `ResNet-9 classifier (${source})`,
    module: new ResNet9(config, rng),
    inputs: [{ name: 'image x', role: 'main', value: x, note: 'in [−1, 1]' }],
    call: (m) => (m as ResNet9).forward(x),
  };
}

/**
 * A network from a named model and preset (`--model cgan-generator --preset cpu`).
 * GAN presets come from src/train/presets/gan.ts, U-Net presets from src/train/presets/diffusion.ts.
 */
export function subjectFromPreset(model: DiagramModel, preset: string | undefined): DiagramSubject {
  if (model === 'cgan-generator' || model === 'cgan-discriminator') {
    const name = preset ?? 'cpu';
    const p = PRESETS[name];
    if (!p) throw new UserError(`unknown GAN preset "${name}"; choose one of ${Object.keys(PRESETS).join(', ')}`);
    const cgan: CganConfig = { ...p.cgan, numClasses: p.train.classes.length };
    return cganSubject(model === 'cgan-generator' ? 'generator' : 'discriminator', cgan, `preset ${name}, ${cgan.numClasses} classes`);
  }
  if (model === 'diffusion') {
    const name = preset ?? 'cpu';
    const p = DIFFUSION_PRESETS[name];
    if (!p) throw new UserError(`unknown diffusion preset "${name}"; choose one of ${Object.keys(DIFFUSION_PRESETS).join(', ')}`);
    return diffusionSubject({ ...p.unet, numClasses: p.train.classes.length }, `preset ${name}, ${p.train.classes.length} classes`);
  }
  if (preset !== undefined) throw new UserError(`--preset does not apply to --model ${model} (it has one fixed size)`);
  if (model === 'classifier') return classifierSubject(defaultClassifierConfig, 'default size');
  return dcganSubject(model === 'dcgan-generator' ? 'generator' : 'discriminator', 'Radford et al. sizes');
}

/**
 * The network whose config a checkpoint stores. A GAN checkpoint's config describes both networks
 * (even `generator-ema.pgc`, which holds only the generator's weights): `model` picks which
 * (default: the generator); otherwise the kind decides.
 */
export function subjectFromCheckpoint(path: string, model: DiagramModel | undefined): DiagramSubject {
  const ck = loadCheckpoint(path);
  for (const t of Object.values(ck.tensors)) t.dispose();
  const source = path;
  const refuse = (what: string, hint = 'drop --model or pick a matching one'): never => {
    throw new UserError(`${path} holds a "${ck.kind}" checkpoint, which has no ${what}; ${hint}`);
  };
  if (ck.kind === GENERATOR_KIND || ck.kind === TRAIN_KIND) {
    const config = ck.config as RunConfig;
    const which =
      model === undefined || model.endsWith('generator') ? 'generator' : model.endsWith('discriminator') ? 'discriminator' : refuse(model);
    if (model !== undefined && !model.startsWith(config.model)) refuse(model);
    return config.model === 'cgan' ? cganSubject(which, config.cgan, source, config.train.classes) : dcganSubject(which, source);
  }
  if (isDiffusionCheckpointKind(ck.kind)) {
    if (model !== undefined && model !== 'diffusion') refuse(model);
    return diffusionSubject((ck.config as DiffusionRunConfig).unet, source);
  }
  if (ck.kind === CLASSIFIER_KIND) {
    if (model !== undefined && model !== 'classifier') refuse(model);
    return classifierSubject(ck.config as ClassifierConfig, source);
  }
  throw new UserError(`${path} holds a "${ck.kind}" checkpoint, which pegasus diagram cannot draw`);
}
