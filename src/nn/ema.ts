/**
 * Exponential moving average of a module's parameters (Polyak & Juditsky 1992; for GAN generators
 * Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training"):
 *   θ_ema ← decay·θ_ema + (1 − decay)·θ  after every step; buffers are copied as they are.
 */
import { keep, noGrad, type Tensor, tensor } from '../engine/index.js';
import type { Module } from './module.js';

/**
 * @example
 *   const ema = new EMA(generator, 0.999);
 *   // after each optimiser step: ema.update();
 *   // to sample: ema.copyTo(samplingGenerator);
 */
export class EMA {
  private readonly shadow: Record<string, Tensor> = {};
  private readonly paramNames: Set<string>;

  constructor(
    readonly module: Module,
    /** Weight of the old average per update. */
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay <= 1)) throw new Error(`EMA: decay must be in [0, 1], got ${decay}`);
    this.paramNames = new Set(module.namedParameters().map(([n]) => n));
    noGrad(() => {
      for (const [name, t] of Object.entries(module.stateDict())) this.shadow[name] = keep(tensor(t.data, t.shape));
    });
  }

  /** Moves the average towards the module's current values (call after each optimiser step). */
  update(): void {
    const a = 1 - this.decay;
    for (const [name, t] of Object.entries(this.module.stateDict())) {
      const s = this.shadow[name]?.data;
      if (!s) throw new Error(`EMA.update: the module gained ${name} after the EMA was made`);
      const d = t.data;
      if (!this.paramNames.has(name)) s.set(d);
      else for (let i = 0; i < s.length; i++) s[i]! += a * (d[i]! - s[i]!);
    }
  }

  /** Writes the averaged values into `target` (a module of the same architecture). */
  copyTo(target: Module): void {
    target.loadStateDict(this.shadow);
  }

  /** The averaged tensors by name (live; same names as the module's state dict). */
  stateDict(): Record<string, Tensor> {
    return this.shadow;
  }

  loadStateDict(dict: Readonly<Record<string, Tensor>>): void {
    for (const [name, s] of Object.entries(this.shadow)) {
      const src = dict[name];
      if (!src || src.size !== s.size) throw new Error(`EMA.loadStateDict: ${name} is missing or has the wrong shape`);
      s.data.set(src.data);
    }
  }
}
