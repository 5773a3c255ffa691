/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) and AdamW
 * (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization") with PyTorch's semantics:
 * bias-corrected moments, eps added to √v̂, and weight decay either added to the gradient (Adam's
 * L2) or applied to the parameter directly (`decoupled`, AdamW). The update itself is one backend
 * kernel call per parameter.
 */
import { getBackend, keep, type Tensor, zeros } from '../../engine/index.js';
import { checkStateTensors, Optimizer } from './optimizer.js';

export interface AdamOptions {
  /** Step size (1e-3). */
  readonly lr?: number;
  /** Decay rates of the first and second moment estimates ([0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Added to √v̂ for numerical stability (1e-8). */
  readonly eps?: number;
  /** L2 penalty, or decoupled decay rate with `decoupled` (0). */
  readonly weightDecay?: number;
  /** AdamW: decay the weights directly instead of through the gradient (false). */
  readonly decoupled?: boolean;
}

/**
 * What Adam saves: per-parameter step counts and moment estimates, in parameter order. With β₁ = 0
 * the first moment is just the current gradient (m = 0·m + 1·g, exactly), so `m` is saved empty:
 * a GAN checkpoint (β₁ = 0, as in SAGAN and BigGAN) is a quarter smaller and resumes bit for bit.
 */
export interface AdamState {
  readonly steps: readonly number[];
  readonly m: readonly Tensor[];
  readonly v: readonly Tensor[];
}

/**
 * @example
 *   const opt = new Adam(model.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer {
  /** Mutable, for learning-rate schedules. */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private readonly steps: number[];
  private readonly m: Tensor[];
  private readonly v: Tensor[];

  constructor(params: readonly Tensor[], opts: AdamOptions = {}) {
    super(params);
    this.lr = opts.lr ?? 1e-3;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    for (const [name, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${name} must be in [0, 1), got ${b}`);
    }
    this.steps = params.map(() => 0);
    this.m = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype })));
    this.v = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype })));
  }

  step(): void {
    const be = getBackend();
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const t = ++this.steps[i]!;
      be.adam(
        p.data,
        p.grad.data,
        this.m[i]!.data,
        this.v[i]!.data,
        this.lr,
        this.beta1,
        this.beta2,
        this.eps,
        this.weightDecay,
        this.decoupled,
        t,
      );
    });
  }

  /** The live state tensors (save them; `loadStateDict` copies values back in). */
  stateDict(): AdamState {
    return { steps: [...this.steps], m: this.beta1 === 0 ? [] : this.m, v: this.v };
  }

  loadStateDict(state: AdamState): void {
    if (!Array.isArray(state.steps) || state.steps.length !== this.params.length) {
      throw new Error(`Adam.loadStateDict: ${state.steps?.length ?? 0} step counts for ${this.params.length} parameters`);
    }
    // m may be left out when β₁ = 0 (it is overwritten by the next gradient before it is used)
    const m = this.beta1 === 0 && state.m.length === 0 ? null : checkStateTensors('Adam', this.params, 'm', state.m);
    const v = checkStateTensors('Adam', this.params, 'v', state.v);
    this.params.forEach((_, i) => {
      this.steps[i] = state.steps[i]!;
      if (m === null) this.m[i]!.data.fill(0);
      else this.m[i]!.data.set(m[i]!.data);
      this.v[i]!.data.set(v[i]!.data);
    });
  }
}

/** AdamW: Adam with decoupled weight decay (weightDecay 0.01 unless given, as PyTorch). */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], opts: Omit<AdamOptions, 'decoupled'> = {}) {
    super(params, { weightDecay: 0.01, ...opts, decoupled: true });
  }
}
