/**
 * The GAN's learning-rate schedule: constant, or decayed linearly to zero over a final stretch of
 * updates. Decaying the step size at the end lets both networks settle instead of circling one
 * another (Miyato & Koyama 2018 decayed theirs linearly to zero over the last 50K of their 450K
 * ImageNet updates). A decay can be added to a run on
 * `--resume`, but only from the step it resumes at on: the updates already done keep their rates,
 * so a run resumed from any later checkpoint still continues bit for bit.
 */
import { UserError } from '../errors.js';
import type { TrainConfig } from './config.js';

/**
 * The factor both learning rates are multiplied by for the update that follows `stepsDone`
 * updates: 1 before `start`, then (end − stepsDone) / (end − start), reaching 0 at `end`.
 *
 * @example lrScale({ lrDecay: { start: 100, end: 200 } }, 150) // 0.5
 */
export function lrScale(t: Pick<TrainConfig, 'lrDecay'>, stepsDone: number): number {
  const d = t.lrDecay;
  if (d === undefined || stepsDone < d.start) return 1;
  return Math.max(0, (d.end - stepsDone) / (d.end - d.start));
}

/**
 * The factor of the generator's learning rate: lrScale, but 0 while the generator is held still
 * for a discriminator warm-up (`holdGUntil`).
 *
 * @example lrScaleG({ holdGUntil: 20500 }, 20499) // 0
 */
export function lrScaleG(t: Pick<TrainConfig, 'lrDecay' | 'holdGUntil'>, stepsDone: number): number {
  return t.holdGUntil !== undefined && stepsDone < t.holdGUntil ? 0 : lrScale(t, stepsDone);
}

/** Refuses a decay that ends before the run does (the updates after it would change nothing). */
export function checkLrDecay(t: TrainConfig): void {
  if (t.lrDecay !== undefined && t.steps > t.lrDecay.end) {
    throw new UserError(
      `the learning rates reach zero at update ${t.lrDecay.end} (--lr-decay ${t.lrDecay.start}:${t.lrDecay.end}) but the run is ${t.steps} updates long; ` +
        `give --steps ${t.lrDecay.end} or a later END`,
    );
  }
}

/**
 * Whether a checkpoint written after `stepsDone` updates under `saved` may continue under
 * `config`: the two schedules must give the same rates for every update already done.
 */
export function sameRatesSoFar(saved: TrainConfig, config: TrainConfig, stepsDone: number): boolean {
  const past = (t: TrainConfig): string =>
    t.lrDecay !== undefined && t.lrDecay.start < stepsDone ? JSON.stringify(t.lrDecay) : 'constant';
  return past(saved) === past(config);
}
