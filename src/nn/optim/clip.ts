/**
 * Gradient clipping by global norm (Pascanu, Mikolov & Bengio 2013).
 */
import type { Tensor } from '../../engine/index.js';

/**
 * Scales all gradients in place so that their joint L2 norm is at most `maxNorm`; returns the norm
 * before clipping (as torch.nn.utils.clip_grad_norm_, including its 1e-6 guard).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  let sq = 0;
  for (const p of params) {
    const g = p.grad?.data;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  }
  const norm = Math.sqrt(sq);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) {
    for (const p of params) {
      const g = p.grad?.data;
      if (!g) continue;
      for (let i = 0; i < g.length; i++) g[i]! *= scale;
    }
  }
  return norm;
}
