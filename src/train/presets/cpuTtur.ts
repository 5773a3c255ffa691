/**
 * `cpu-ttur`: the `cpu` networks with a discriminator that is allowed to lead.
 *
 * The first `cpu` run (models/cgan-cpu) kept D's hinge loss at ≈ 2.0 (D(real) ≈ D(fake)) for 5,000
 * steps: G followed every D update at once, so D never separated real from fake and G got little
 * signal (z was nearly ignored). Here D gets two updates per G update (n_dis, as in Miyato et al.
 * 2018, who use 5) and G's step is a quarter of D's: the two time-scale rule of Heusel et al. 2017
 * with SAGAN's rates (Zhang et al. 2019: G 1e-4, D 4e-4, β = (0, 0.9)).
 */
import type { RunPreset } from './gan.js';
import { cpu } from './cpu.js';

export const cpuTtur: RunPreset = {
  description: 'the cpu networks; D leads (2 D updates per G update, G 1e-4, D 4e-4)',
  cgan: cpu.cgan,
  train: { ...cpu.train, nDis: 2, lrG: 1e-4, lrD: 4e-4 },
};
