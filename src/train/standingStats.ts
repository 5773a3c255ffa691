/**
 * "Standing statistics" for a generator's batch norms (Brock et al. 2019, BigGAN, section 3.1 and
 * appendix C): before sampling, the running mean and variance of every BatchNorm2d are recomputed
 * from the generator's *own* activations over several batches of random noise and classes.
 *
 * Why: the EMA generator's weights are an average over many steps, but the running statistics it
 * inherits were collected by the live generator, whose activations differ; in eval mode that
 * mismatch gave blocky, washed-out samples. Batch statistics of the sampled batch itself would
 * depend on what is sampled (a batch of horses only normalises away what makes them horses).
 *
 * NOTE: the running averages are restarted from zero and, after K batches with momentum μ, divided
 * by 1 − (1 − μ)^K (the bias correction of Adam, Kingma & Ba 2015), which turns the exponential
 * average into a proper weighted mean of the K batch statistics without touching the layers.
 */
import { noGrad, randn, Rng, tidy } from '../engine/index.js';
import { BatchNorm2d } from '../nn/index.js';
import type { ImageGenerator } from './ganPair.js';

export interface StandingStatsOptions {
  readonly zDim: number; // latent size of the generator
  readonly numClasses: number; // labels are drawn uniformly from 0..numClasses-1
  readonly seed: number; // the noise and labels come from Rng(seed): same seed, same statistics
  readonly batches?: number; // forward passes to average over (8)
  readonly batchSize?: number; // images per pass (64)
}

/**
 * Recomputes the running statistics of every BatchNorm2d in `generator` and leaves it in eval mode.
 *
 * @example standingStats(emaG, { zDim: 128, numClasses: 4, seed: 0 }); emaG.forward(z, labels);
 */
export function standingStats(generator: ImageGenerator, o: StandingStatsOptions): void {
  const { batches = 8, batchSize = 64 } = o;
  const norms = generator
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  for (const bn of norms) {
    bn.runningMean.data.fill(0);
    bn.runningVar.data.fill(0);
  }
  const rng = new Rng(o.seed);
  generator.train();
  noGrad(() => {
    for (let b = 0; b < batches; b++) {
      tidy(() => {
        const labels = Int32Array.from({ length: batchSize }, () => rng.int(o.numClasses));
        generator.forward(randn([batchSize, o.zDim], rng), labels);
      });
    }
  });
  for (const bn of norms) {
    const correction = 1 / (1 - (1 - bn.momentum) ** batches);
    for (const t of [bn.runningMean, bn.runningVar]) {
      const d = t.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i]! * correction;
    }
  }
  generator.eval();
}
