/**
 * What a training checkpoint holds, and how it is written and read back.
 *
 * `checkpoint.pgc` (kind "gan-train"): the generator, the discriminator, the EMA generator, both
 * Adam states, the step, the training Rng state and the elapsed time, with the run's config in
 * the header. `generator-ema.pgc` (kind "generator"): the EMA generator alone with its config,
 * which is all `pegasus sample` needs. Both use the nn checkpoint format (src/nn/checkpoint.ts),
 * written atomically.
 */
import { UserError } from '../errors.js';
import { tensor, type RngState, type Tensor } from '../engine/index.js';
import {
  loadCheckpoint,
  loadCheckpointHeader,
  saveCheckpoint,
  type Adam,
  type CheckpointContents,
  type EMA,
  type LoadedCheckpoint,
  type Module,
} from '../nn/index.js';
import type { RunConfig } from './config.js';
import { sameRatesSoFar } from './lrSchedule.js';

export const TRAIN_KIND = 'gan-train';
export const GENERATOR_KIND = 'generator';

export interface TrainState {
  readonly generator: Module;
  readonly discriminator: Module;
  readonly ema: EMA;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly step: number;
  readonly rngState: RngState;
  readonly elapsedSeconds: number;
}

/** A checkpoint read from disk, to be applied to freshly built networks and optimisers. */
export interface LoadedTrainState {
  readonly step: number;
  /** The training stream's state; absent when a run starts from a generator file (its own stream goes on). */
  readonly rngState?: RngState;
  readonly elapsedSeconds: number;
  apply(into: TrainState): void;
}

/**
 * Splits a state object (tensors inside plain objects/arrays, plus numbers and strings) into a flat
 * name → tensor map and a JSON skeleton in which each tensor is replaced by {"$tensor": name}.
 */
function flatten(value: unknown, prefix: string, tensors: Record<string, Tensor>): unknown {
  if (isTensor(value)) {
    tensors[prefix] = value;
    return { $tensor: prefix };
  }
  if (Array.isArray(value)) return value.map((v, i) => flatten(v, `${prefix}.${i}`, tensors));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = flatten(v, `${prefix}.${k}`, tensors);
    return out;
  }
  return value;
}

function unflatten(value: unknown, tensors: Readonly<Record<string, Tensor>>): unknown {
  if (Array.isArray(value)) return value.map((v) => unflatten(v, tensors));
  if (value !== null && typeof value === 'object') {
    const ref = (value as { $tensor?: unknown }).$tensor;
    if (typeof ref === 'string') {
      const t = tensors[ref];
      if (t === undefined) throw new Error(`checkpoint: tensor ${ref} is missing`);
      return t;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unflatten(v, tensors);
    return out;
  }
  return value;
}

function isTensor(v: unknown): v is Tensor {
  return v !== null && typeof v === 'object' && 'shape' in v && 'data' in v && 'dtype' in v;
}

function prefixed(dict: Record<string, Tensor>, prefix: string, into: Record<string, Tensor>): void {
  for (const [k, v] of Object.entries(dict)) into[`${prefix}.${k}`] = v;
}

function unprefixed(tensors: Readonly<Record<string, Tensor>>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** The contents of a run's checkpoint.pgc for state `s` (see saveCheckpoints). */
export function trainStateContents(config: RunConfig, s: TrainState): CheckpointContents {
  const tensors: Record<string, Tensor> = {};
  prefixed(s.generator.stateDict(), 'G', tensors);
  prefixed(s.discriminator.stateDict(), 'D', tensors);
  prefixed(s.ema.stateDict(), 'emaG', tensors);
  const optG = flatten(s.optG.stateDict(), 'optG', tensors);
  const optD = flatten(s.optD.stateDict(), 'optD', tensors);
  return { kind: TRAIN_KIND, config, tensors, meta: { step: s.step, rngState: s.rngState, elapsedSeconds: s.elapsedSeconds, optG, optD } };
}

/**
 * The fields of a config that must match for a checkpoint to continue a run: all but the length
 * and the learning-rate decay (which need only agree on the updates already done: sameRatesSoFar).
 */
function runIdentity(c: RunConfig): string {
  const { lrDecay: _decay, ...train } = c.train;
  return JSON.stringify({ ...c, train: { ...train, steps: 0 } });
}

/** The fields a run started from another run's checkpoint (`--init-from`) must share with it: the networks. */
function networkIdentity(c: RunConfig): string {
  return JSON.stringify({ model: c.model, cgan: c.model === 'cgan' ? c.cgan : null, classes: c.train.classes });
}

/**
 * Reads a training checkpoint written for `config` (steps may differ) to resume its run. Refuses
 * a file that is not a pegasus training checkpoint or that belongs to a differently configured run.
 */
export function loadTrainState(path: string, config: RunConfig): LoadedTrainState {
  return fromTrainCheckpoint(loadCheckpoint(path, { expectKind: TRAIN_KIND }), path, config, false);
}

/**
 * What `--init-from` starts a new run from; only the networks (model, sizes, classes) must match,
 * the schedule (augmentation, rates, seed) is the new run's own.
 * - another run's training checkpoint: its networks, Adam states, step and random stream;
 * - a generator file alone (`generator-ema.pgc`, such as a committed model): G and its moving
 *   average start from those weights at the file's step, while D and both Adam states start new
 *   from this run's seed (give D a head start with `--d-warmup`).
 */
export function loadInitState(path: string, config: RunConfig): LoadedTrainState {
  const ck = growClasses(loadCheckpoint(path), path, config);
  if (ck.kind === TRAIN_KIND) return fromTrainCheckpoint(ck, path, config, true);
  if (ck.kind !== GENERATOR_KIND) {
    throw new UserError(
      `${path} holds a "${ck.kind}" checkpoint; --init-from takes a GAN run's checkpoint.pgc or a GAN generator file (generator-ema.pgc)`,
    );
  }
  const step = (ck.meta as { step: number }).step;
  checkFork(path, ck.config as RunConfig, step, config);
  return {
    step,
    elapsedSeconds: 0,
    apply(into: TrainState): void {
      into.generator.loadStateDict(ck.tensors);
      into.ema.loadStateDict(ck.tensors);
    },
  };
}

/**
 * With `initClasses` (a run that adds classes to its --init-from checkpoint's): the checkpoint with
 * every per-class table grown by the new classes' rows, each a copy of its source class's row —
 * G's and D's class embeddings, D's spectral-norm vector over classes, and their Adam state (the
 * tensors whose first dimension is the class count) — and its config given the new classes.
 * The new classes must come after the checkpoint's own, in the run's class list.
 */
function growClasses(ck: LoadedCheckpoint, path: string, config: RunConfig): LoadedCheckpoint {
  const init = config.train.initClasses;
  if (init === undefined || Object.keys(init).length === 0) return ck;
  const saved = ck.config as RunConfig;
  const old = saved.train.classes;
  const classes = config.train.classes;
  const added = classes.slice(old.length);
  if (classes.slice(0, old.length).join() !== old.join() || added.join() !== Object.keys(init).join()) {
    throw new UserError(
      `${path} has the classes ${old.join(',')}; give --classes ${[...old, ...Object.keys(init)].join(',')} to add ${Object.keys(init).join(',')} after them`,
    );
  }
  const sources = added.map((c) => {
    const from = old.indexOf(init[c]!);
    if (from < 0) throw new UserError(`--init-class ${c}=${init[c]}: ${path} has no class "${init[c]}" (it has ${old.join(', ')})`);
    return from;
  });
  const k = old.length;
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(ck.tensors)) {
    if (t.shape[0] !== k || t.shape.length > 2) {
      tensors[name] = t;
      continue;
    }
    const row = t.shape.length === 2 ? t.shape[1]! : 1;
    const data = new Float32Array((k + added.length) * row);
    data.set(t.data.subarray(0, k * row));
    sources.forEach((from, i) => data.set(t.data.subarray(from * row, (from + 1) * row), (k + i) * row));
    tensors[name] = tensor(data, [k + added.length, ...t.shape.slice(1)]);
  }
  const grown: RunConfig = {
    ...saved,
    cgan: { ...saved.cgan, numClasses: classes.length },
    train: { ...saved.train, classes },
  };
  return { ...ck, config: grown, tensors };
}

function checkFork(path: string, saved: RunConfig, step: number, config: RunConfig): void {
  if (networkIdentity(saved) !== networkIdentity(config)) {
    throw new UserError(
      `${path} holds other networks (model, sizes or classes) than this run's; --init-from needs a checkpoint of the same model and classes`,
    );
  }
  if (step >= config.train.steps) {
    throw new UserError(`${path} is already at update ${step}; give --steps above it to train on from there`);
  }
}

function fromTrainCheckpoint(ck: LoadedCheckpoint, path: string, config: RunConfig, fork: boolean): LoadedTrainState {
  const saved = ck.config as RunConfig;
  const meta = ck.meta as { step: number; rngState: RngState; elapsedSeconds: number; optG: unknown; optD: unknown };
  if (fork) checkFork(path, saved, meta.step, config);
  if (!fork && runIdentity(saved) !== runIdentity(config)) {
    throw new UserError(`${path} was written by a run with a different config than this one; resume it with its own run folder`);
  }
  if (!fork && !sameRatesSoFar(saved.train, config.train, meta.step)) {
    throw new UserError(
      `${path} is at update ${meta.step}, and the learning-rate decay of this run differs from the checkpoint's before that update; ` +
        `a --lr-decay given on resume must start at update ${meta.step} or later`,
    );
  }
  return {
    step: meta.step,
    rngState: meta.rngState,
    elapsedSeconds: meta.elapsedSeconds,
    apply(into: TrainState): void {
      into.generator.loadStateDict(unprefixed(ck.tensors, 'G'));
      into.discriminator.loadStateDict(unprefixed(ck.tensors, 'D'));
      into.ema.loadStateDict(unprefixed(ck.tensors, 'emaG'));
      // G's optimiser holds only the trained weights when trainG differs from the checkpoint's
      if ((config.train.trainG ?? 'all') === (saved.train.trainG ?? 'all'))
        into.optG.loadStateDict(unflatten(meta.optG, ck.tensors) as never);
      into.optD.loadStateDict(unflatten(meta.optD, ck.tensors) as never);
    },
  };
}

/** The update a checkpoint or generator file was written at (what `--init-from` goes on from). */
export function checkpointStep(path: string): number {
  const step = (loadCheckpointHeader(path).meta as { step?: unknown } | null)?.step;
  if (typeof step !== 'number')
    throw new UserError(`${path} is not a GAN training checkpoint or generator file (it records no update count)`);
  return step;
}

/** The contents of a generator file: the EMA generator's weights alone (what `pegasus sample` loads). */
export function emaGeneratorContents(config: RunConfig, weights: Record<string, Tensor>, step: number): CheckpointContents {
  return { kind: GENERATOR_KIND, config, tensors: weights, meta: { step } };
}

/** Writes the EMA generator's weights alone (what `pegasus sample` loads). */
export function saveEmaGenerator(path: string, config: RunConfig, weights: Record<string, Tensor>, step: number): void {
  saveCheckpoint(path, emaGeneratorContents(config, weights, step));
}
