/**
 * What a diffusion run writes to disk and reads back, in the nn checkpoint format
 * (src/nn/checkpoint.ts, written atomically):
 *
 * - `checkpoint.pgc` (kind "diffusion-train"): the network, its EMA, Adam's moments, the step, the
 *   training Rng state and the elapsed time, with the run's config in the header: all a resume needs.
 * - `denoiser-ema.pgc` (kind "diffusion"): the EMA network alone with its config: all sampling needs.
 */
import { Rng, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';
import { UNet } from '../models/diffusion/index.js';
import { loadCheckpoint, saveCheckpoint, type AdamState, type CheckpointContents } from '../nn/index.js';
import type { DiffusionRunConfig } from './config.js';
import type { DiffusionSession } from './trainStep.js';

export const DIFFUSION_TRAIN_KIND = 'diffusion-train';
export const DIFFUSION_KIND = 'diffusion';
export const DIFFUSION_EMA_FILE = 'denoiser-ema.pgc';

interface TrainMeta {
  readonly step: number;
  readonly rngState: unknown;
  readonly elapsedSeconds: number;
  readonly optSteps: readonly number[];
}

function prefixed(dict: Readonly<Record<string, Tensor>>, prefix: string, into: Record<string, Tensor>): void {
  for (const [k, v] of Object.entries(dict)) into[`${prefix}.${k}`] = v;
}

function unprefixed(tensors: Readonly<Record<string, Tensor>>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** The contents of a diffusion run's checkpoint.pgc: everything a resume needs. */
export function diffusionTrainContents(s: DiffusionSession, elapsedSeconds: number): CheckpointContents {
  const tensors: Record<string, Tensor> = {};
  prefixed(s.net.stateDict(), 'net', tensors);
  prefixed(s.ema.stateDict(), 'ema', tensors);
  const opt = s.opt.stateDict();
  opt.m.forEach((t, i) => (tensors[`opt.m.${i}`] = t));
  opt.v.forEach((t, i) => (tensors[`opt.v.${i}`] = t));
  const meta: TrainMeta = { step: s.step, rngState: s.rng.state(), elapsedSeconds, optSteps: opt.steps };
  return { kind: DIFFUSION_TRAIN_KIND, config: s.config, tensors, meta };
}

/** The fields of a config that must match for a checkpoint to continue a run (all but the length). */
function runIdentity(c: DiffusionRunConfig): string {
  return JSON.stringify({ ...c, train: { ...c.train, steps: 0 } });
}

/**
 * Restores a session built from `s.config` to the state saved in `path`; returns the elapsed
 * seconds recorded there. Refuses a checkpoint of another kind or of a differently configured run.
 */
export function loadDiffusionTrainState(path: string, s: DiffusionSession): number {
  const ck = loadCheckpoint(path, { expectKind: DIFFUSION_TRAIN_KIND });
  if (runIdentity(ck.config as DiffusionRunConfig) !== runIdentity(s.config)) {
    throw new UserError(`${path} was written by a run with a different config than this one; resume it with its own run folder`);
  }
  const meta = ck.meta as TrainMeta;
  s.net.loadStateDict(unprefixed(ck.tensors, 'net'));
  s.ema.loadStateDict(unprefixed(ck.tensors, 'ema'));
  const n = meta.optSteps.length;
  const list = (name: string) => Array.from({ length: n }, (_, i) => ck.tensors[`opt.${name}.${i}`]!);
  const state: AdamState = { steps: meta.optSteps, m: list('m'), v: list('v') };
  s.opt.loadStateDict(state);
  s.step = meta.step;
  s.rng.setState(meta.rngState as never);
  return meta.elapsedSeconds;
}

/** The contents of denoiser-ema.pgc: the EMA network alone (what sampling loads). */
export function diffusionEmaContents(s: DiffusionSession): CheckpointContents {
  return { kind: DIFFUSION_KIND, config: s.config, tensors: s.ema.stateDict(), meta: { step: s.step } };
}

/** Writes the EMA network alone. */
export function saveDiffusionEma(path: string, s: DiffusionSession): void {
  saveCheckpoint(path, diffusionEmaContents(s));
}

export interface LoadedDiffusionModel {
  readonly config: DiffusionRunConfig;
  /** The EMA U-Net in eval mode. */
  readonly net: UNet;
  /** Training updates behind these weights. */
  readonly step: number;
}

/** Whether a checkpoint file holds a diffusion model (either kind); reads only its header. */
export function isDiffusionCheckpointKind(kind: string): boolean {
  return kind === DIFFUSION_KIND || kind === DIFFUSION_TRAIN_KIND;
}

/**
 * The EMA U-Net of `denoiser-ema.pgc` or of a run's `checkpoint.pgc`, rebuilt from the config
 * stored in the file.
 *
 * @example const { net, config } = loadDiffusionModel('runs/diffusion-cpu/denoiser-ema.pgc');
 */
export function loadDiffusionModel(path: string): LoadedDiffusionModel {
  const ck = loadCheckpoint(path);
  if (!isDiffusionCheckpointKind(ck.kind)) {
    throw new UserError(`${path} holds a "${ck.kind}" checkpoint, not a diffusion model; train one with pegasus train --model diffusion`);
  }
  const config = ck.config as DiffusionRunConfig;
  const net = new UNet(config.unet, new Rng(0));
  net.loadStateDict(ck.kind === DIFFUSION_KIND ? ck.tensors : unprefixed(ck.tensors, 'ema'));
  net.eval();
  return { config, net, step: Number((ck.meta as { step?: number }).step ?? 0) };
}
