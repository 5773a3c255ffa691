/**
 * SGD with Nesterov momentum (Sutskever et al. 2013, in PyTorch's form) and L2 weight decay:
 *   g ← ∇ + λ·p;  b ← μ·b + g;  p ← p − lr·(g + μ·b).
 * The nn SGD has no Nesterov variant; Page (2018) trains ResNet-9 with it, so the classifier keeps
 * this small optimiser of its own.
 */
import { keep, type Tensor, zeros } from '../../engine/index.js';

export interface SgdNesterovOptions {
  /** Momentum μ (0.9, Page 2018). */
  readonly momentum: number;
  /** L2 weight decay λ (5e-4, Page 2018). */
  readonly weightDecay: number;
}

export class SgdNesterov {
  lr = 0;
  readonly buffers: Tensor[];

  constructor(
    readonly params: readonly Tensor[],
    readonly opts: SgdNesterovOptions,
  ) {
    this.buffers = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype })));
  }

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  step(): void {
    const { momentum: mu, weightDecay: wd } = this.opts;
    const lr = this.lr;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const w = p.data;
      const g = p.grad.data;
      const b = this.buffers[i]!.data;
      for (let j = 0; j < w.length; j++) {
        const d = g[j]! + wd * w[j]!;
        const bj = mu * b[j]! + d;
        b[j] = bj;
        w[j]! -= lr * (d + mu * bj);
      }
    });
  }
}

/**
 * The one-cycle learning-rate schedule of Page (2018) (after Smith 2018, "Super-convergence"):
 * linear from 0 up to `peak` at fraction `warmup` of training, then linear down to 0.
 *
 * @example oneCycle(0.4, 0.2, step / totalSteps)
 */
export function oneCycle(peak: number, warmup: number, progress: number): number {
  if (progress < warmup) return (peak * progress) / warmup;
  return Math.max(0, (peak * (1 - progress)) / (1 - warmup));
}
