/**
 * Stochastic gradient descent with momentum and L2 weight decay, with PyTorch's update rule
 * (Sutskever et al. 2013 form): b ← μ·b + g (b = g on the first step), p ← p − lr·b; with
 * `nesterov`, p ← p − lr·(g + μ·b) (Nesterov momentum as Sutskever et al. reformulate it).
 */
import { keep, type Tensor, zeros } from '../../engine/index.js';
import { checkStateTensors, Optimizer } from './optimizer.js';

export interface SgdOptions {
  /** Step size (required: there is no sensible default). */
  readonly lr: number;
  /** Momentum factor μ (0: plain SGD). */
  readonly momentum?: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay?: number;
  /** Nesterov momentum (false). */
  readonly nesterov?: boolean;
}

export interface SgdState {
  readonly started: readonly boolean[];
  readonly buffers: readonly Tensor[];
}

export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly started: boolean[];
  private readonly buffers: Tensor[];

  constructor(params: readonly Tensor[], opts: SgdOptions) {
    super(params);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: nesterov needs momentum > 0');
    this.started = params.map(() => false);
    this.buffers = this.momentum > 0 ? params.map((p) => keep(zeros(p.shape, { dtype: p.dtype }))) : [];
  }

  step(): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const w = p.data;
      const g = p.grad.data;
      // NOTE: plain loops: SGD is not on any hot path here (the GANs train with Adam's kernel).
      if (mu === 0) {
        for (let j = 0; j < w.length; j++) w[j]! -= lr * (g[j]! + wd * w[j]!);
        return;
      }
      const b = this.buffers[i]!.data;
      const first = !this.started[i];
      for (let j = 0; j < w.length; j++) {
        const d = g[j]! + wd * w[j]!;
        const bj = first ? d : mu * b[j]! + d;
        b[j] = bj;
        w[j]! -= lr * (nesterov ? d + mu * bj : bj);
      }
      this.started[i] = true;
    });
  }

  stateDict(): SgdState {
    return { started: [...this.started], buffers: this.buffers };
  }

  loadStateDict(state: SgdState): void {
    if (this.momentum > 0) {
      const b = checkStateTensors('SGD', this.params, 'buffers', state.buffers);
      b.forEach((t, i) => this.buffers[i]!.data.set(t.data));
    }
    state.started.forEach((s, i) => (this.started[i] = s));
  }
}
